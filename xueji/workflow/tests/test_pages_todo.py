"""Issue 6 item 22: returned requests, the school's open problem records and its drafts reach the filer's 待办
with counts, and the workbench highlights them (before: a registrar with two returned requests saw 待办 0)."""

import re

import pytest
from django.urls import reverse

from xueji.workflow.services import request_decide
from xueji.workflow.tests.test_pages_inbox import _request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_returned_requests_and_drafts_are_in_the_filers_todo(world, window, login):
    leader = world.user("tunxi_primary", "leader")
    returned = [_request(world, n) for n in (1, 2)]
    _request(world, 3)  # still pending at the leader: not the filer's to do
    for request in returned:
        request_decide(actor=leader, request=request, approve=False, comment="请补充证明材料")
    client = login(world.user("tunxi_primary", "registrar"))

    bench = client.get(reverse("ui:workbench")).content.decode()
    inbox = client.get(reverse("workflow:inbox")).content.decode()

    card = bench[bench.rindex("<a", 0, bench.index('data-card="inbox"')):]
    card = card[:card.index("</a>")]
    assert "border-warning" in card  # highlighted
    assert re.search(r'data-todo="returned">2<', card)
    total = int(re.search(r'data-count="inbox">(\d+)<', card).group(1))
    drafts = int(re.search(r'data-todo="drafts">(\d+)<', inbox).group(1))
    assert total == 2 + drafts and total > 0
    assert f'data-testid="inbox-count">{total}<' in inbox and f'data-testid="inbox-badge">{total}<' in bench
    assert re.search(r'data-todo="returned">2<', inbox)
    for request in returned:
        assert reverse("workflow:request_detail", args=[request.pk]) in inbox


def test_the_schools_open_problem_records_are_in_its_todo(world, login):
    from xueji.problems.choices import ProblemKind
    from xueji.problems.records import record_problems

    student = world.students["tunxi_primary"]
    record_problems(kind=ProblemKind.ID_ERROR, province_code=student.province_code,
                    groups={f"s{student.pk}": [student.pk]}, details={f"s{student.pk}": {"reason": "id_not_found"}},
                    source="verification")
    client = login(world.user("tunxi_primary", "registrar"))

    bench = client.get(reverse("ui:workbench")).content.decode()
    inbox = client.get(reverse("workflow:inbox")).content.decode()

    assert 'data-todo="problems">1<' in bench and 'data-todo="problems">1<' in inbox
    assert reverse("problems:problem_list") + "?status=unresolved" in inbox


def test_an_approver_sees_no_filers_todo(world, window, login):
    returned = _request(world, 1)
    request_decide(actor=world.user("tunxi_primary", "leader"), request=returned, approve=False, comment="退回")
    inbox = login(world.user("tunxi_primary", "leader")).get(reverse("workflow:inbox")).content.decode()

    assert 'data-testid="inbox-count">0<' in inbox and 'data-testid="filer-todo"' not in inbox
