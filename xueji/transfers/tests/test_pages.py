"""The pages: find the pupil and file with the certificate, the inbox and the list (totals, filters, who holds
it), the transfer's page with the class choice at the receiving school's step and the engine's decisions, the
printable form, the menu's count, the pupil's timeline, the policy pages (routes of each distance, the consent
switch, the extra proofs); and their query budgets."""

import datetime as dt

from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import idnumbers
from xueji.policy.services import route_steps, setting_get, switch_get
from xueji.registry.models import Student
from xueji.transfers import finder, services
from xueji.transfers.choices import TransferState
from xueji.transfers.models import Transfer
from xueji.transfers.tests.conftest import certificate
from xueji.transfers.tests.helpers import approve_all, file_transfer, pupil
from xueji.workflow.models import Request


def _find(client, **terms):
    return client.post(reverse("transfers:transfer_find"), terms)


def test_find_then_file_through_the_pages(scene, login):
    world = scene
    client = login(world.user("shexian_primary", "registrar"))
    page = client.get(reverse("transfers:transfer_find"))
    assert page.status_code == 200 and "查找学生" in page.content.decode()
    student = pupil(world)
    missed = _find(client, name=student.name, sex="2", birth_date=student.birth_date.isoformat())
    assert 'data-testid="not-found"' in missed.content.decode()
    found = _find(client, id_number=student.id_number)
    html = found.content.decode()
    assert 'data-testid="found"' in html and student.name in html and student.id_number not in html
    token = found.context["found"].token
    form = client.get(reverse("transfers:transfer_new"), {"token": token})
    assert form.status_code == 200 and 'name="proof_certificate"' in form.content.decode()
    refused = client.post(reverse("transfers:transfer_new"), {"token": token})
    assert refused.status_code == 400 and not Transfer.objects.exists()
    done = client.post(reverse("transfers:transfer_new"), {
        "token": token, "proof_certificate": certificate(), "migrant": "on", "reason": "随迁",
        "school_class": str(world.classes["shexian_primary"].pk)})
    transfer = Transfer.objects.get()
    assert done["Location"] == reverse("transfers:transfer_detail", args=[transfer.pk])
    assert transfer.migrant and transfer.destination_class_id == world.classes["shexian_primary"].pk


def test_the_leader_names_the_class_on_the_transfers_page_then_the_others_decide(scene, login):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    # The engine's page of the request sends to the transfer's page; the inbox links there.
    leader = login(world.user("tunxi_second", "leader"))
    assert leader.get(reverse("workflow:request_detail", args=[transfer.pk]))["Location"] == reverse(
        "transfers:transfer_detail", args=[transfer.pk])
    inbox = leader.get(reverse("workflow:inbox")).content.decode()
    assert reverse("transfers:transfer_detail", args=[transfer.pk]) in inbox
    page = leader.get(reverse("transfers:transfer_detail", args=[transfer.pk])).content.decode()
    assert 'data-testid="class-choice"' in page and "tunxi_second" in page
    assert world.classes["tunxi_second_2"].display_name in page
    no_class = leader.post(reverse("transfers:transfer_decide", args=[transfer.pk]), {"decision": "approve"})
    assert no_class.status_code == 400 and "班级" in no_class.content.decode()
    approved = leader.post(reverse("transfers:transfer_decide", args=[transfer.pk]),
                           {"decision": "approve", "school_class": str(world.classes["tunxi_second_2"].pk),
                            "comment": "同意接收"})
    assert approved.status_code == 302
    sending = login(world.user("tunxi_primary", "leader"))
    page = sending.get(reverse("transfers:transfer_detail", args=[transfer.pk])).content.decode()
    assert 'data-testid="decision"' in page and 'data-testid="class-choice"' not in page
    assert f'data-testid="class-after">{world.classes["tunxi_second_2"].display_name}<' in page  # named at step 1
    assert sending.post(reverse("transfers:transfer_decide", args=[transfer.pk]),
                        {"decision": "approve"}).status_code == 302
    county = login(world.user("tunxi", "registrar"))
    assert county.post(reverse("transfers:transfer_decide", args=[transfer.pk]),
                       {"decision": "approve"}).status_code == 302
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.COMPLETED
    assert pupil(world).school_class_id == world.classes["tunxi_second_2"].pk


def test_return_and_reject_need_a_reason(scene, login):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    leader = login(world.user("tunxi_second", "leader"))
    refused = leader.post(reverse("transfers:transfer_decide", args=[transfer.pk]), {"decision": "reject"})
    assert refused.status_code == 400 and Transfer.objects.get(pk=transfer.pk).state == TransferState.FILED
    leader.post(reverse("transfers:transfer_decide", args=[transfer.pk]), {"decision": "reject", "comment": "不符"})
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.REJECTED


def test_the_sending_school_sees_the_transfer_as_soon_as_it_is_filed(scene, login):
    world = scene
    transfer = file_transfer(world, "shexian_primary")
    for unit in ("tunxi_primary", "tunxi", "huangshan"):
        client = login(world.user(unit, "registrar"))
        assert client.get(reverse("transfers:transfer_detail", args=[transfer.pk])).status_code == 200
        listed = client.get(reverse("transfers:transfer_list")).content.decode()
        assert reverse("transfers:transfer_detail", args=[transfer.pk]) in listed
    outsider = login(world.user("yaohai_primary", "registrar"))
    assert outsider.get(reverse("transfers:transfer_detail", args=[transfer.pk])).status_code == 404


def test_the_inbox_shows_who_holds_it_and_the_menu_counts_it(scene, login):
    world = scene
    file_transfer(world, "shexian_primary")
    leader = login(world.user("shexian_primary", "leader"))
    html = leader.get(reverse("transfers:transfer_inbox")).content.decode()
    assert 'data-testid="waiting">1<' in html and "shexian_primary" in html and "跨县" in html
    assert 'data-menu-count="transfers:transfer_inbox">1<' in html
    other = login(world.user("tunxi_primary", "leader")).get(reverse("transfers:transfer_inbox")).content.decode()
    assert 'data-testid="waiting">0<' in other
    listed = login(world.user("tunxi", "registrar")).get(reverse("transfers:transfer_list"),
                                                          {"direction": "out", "state": "filed"}).content.decode()
    assert "共 1 条" in listed
    assert "shexian_primary · 学籍主管领导" in listed and "已等待" in listed  # who holds it now, for how long


def test_the_list_filters_and_totals(scene, login):
    world = scene
    done = approve_all(world, file_transfer(world, "tunxi_second"), school_class=world.classes["tunxi_second"])
    assert done.state == TransferState.COMPLETED
    client = login(world.user("tunxi", "registrar"))
    for query, shown in (({"state": "completed"}, True), ({"state": "filed"}, False), ({"open": "1"}, False),
                         ({"distance": "same_county"}, True), ({"distance": "across_cities"}, False),
                         ({"q": "学生"}, True), ({"q": "xuesheng"}, True), ({"q": "王"}, False)):
        html = client.get(reverse("transfers:transfer_list"), query).content.decode()
        assert (reverse("transfers:transfer_detail", args=[done.pk]) in html) is shown, query
    assert client.get(reverse("transfers:transfer_list"), {"state": "nonsense"}).status_code == 200


def test_the_printable_form_is_a_pdf_and_its_download_is_audited(scene, login):
    world = scene
    transfer = file_transfer(world, "shexian_primary")
    client = login(world.user("shexian_primary", "registrar"))
    response = client.get(reverse("transfers:transfer_form_pdf", args=[transfer.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="transfer.form_print")
    assert event.after == {"id_numbers": "masked"}  # the receiving school prints the pupil masked


def test_the_pupils_timeline_shows_the_transfer(scene, login):
    world = scene
    transfer = approve_all(world, file_transfer(world, "shexian_primary"),
                           school_class=world.classes["shexian_primary"])
    client = login(world.user("shexian_primary", "registrar"))  # the pupil's school now
    html = client.get(reverse("registry:student_timeline", args=[transfer.student_id])).content.decode()
    assert "tunxi_primary → shexian_primary" in html and "跨县" in html
    assert "转学证明" in html  # the proof, from the engine's source
    assert reverse("transfers:transfer_form_pdf", args=[transfer.pk]) in html
    assert "审核流程：转入学校（shexian_primary） → 转入地县（区）教育局（shexian authority）" in html


def test_the_policy_pages_know_the_transfer(scene, login):
    world = scene
    sysadmin = login(world.user("anhui", "sysadmin"))
    routes = sysadmin.get(reverse("policy:route_list")).content.decode()
    for words in ("县内", "跨县", "跨市", "跨省"):
        assert words in routes, words
    assert 'data-route-key="across_cities"' in routes
    edit = sysadmin.get(reverse("policy:route_edit"), {"type": "transfers.transfer", "key": "across_cities"})
    assert edit.status_code == 200 and "跨市" in edit.content.decode()
    steps = ["destination_school", "destination_county", "destination_city", "source_school", "source_county",
             "source_city"]
    roles = ["leader", "registrar", "registrar", "leader", "registrar", "registrar"]
    posted = {"request_type": "transfers.transfer", "route_key": "across_cities",
              **{f"resolver_{n}": party for n, party in enumerate(steps, start=1)},
              **{f"role_{n}": role for n, role in enumerate(roles, start=1)}}
    assert sysadmin.post(reverse("policy:route_edit"), posted).status_code == 302
    assert [s["resolver"] for s in route_steps(province_code="340000", request_type="transfers.transfer",
                                               route_key="across_cities")] == steps
    assert [s["resolver"] for s in route_steps(province_code="340000", request_type="transfers.transfer",
                                               route_key="across_counties")][2] == "source_school"  # untouched
    saved = sysadmin.post(reverse("policy:switch_list"), {"consent_enabled_1": "on", "consent_days_1": "5",
                                                          "registration_open_1": "on", "registration_open_2": "on",
                                                          "registration_open_3": "on", "entry_age_min_age_1": "6",
                                                          "entry_age_enabled_1": "on"})
    assert saved.status_code == 302
    assert switch_get(province_code="340000", stage="1", key="transfers.consent_deadline") == {
        "enabled": True, "working_days": 5}
    saved = sysadmin.post(reverse("policy:setting_list"), {"proof_max_mb": "2", "import_max_mb": "100",
                                                           "transfer_extra_proofs": ["hukou", "residence"]})
    assert saved.status_code == 302
    assert setting_get(province_code="340000", key="transfers.extra_proofs") == ["hukou", "residence"]


def test_query_budgets_of_the_inbox_the_list_and_the_detail(scene, login, django_assert_max_num_queries):
    """Six transfers in view: a query per row would land far above the budgets (today's counts and a margin)."""
    world = scene
    registrar = world.user("shexian_primary", "registrar")
    for n in range(6):
        birth = dt.date(2017, 4, n + 1)
        number = idnumbers.make("341002", birth, 301 + 2 * n)
        Student.objects.create(school=world.schools["tunxi_primary"], school_class=world.classes["tunxi_primary"],
                               province_code="340000", name=f"转{n}", sex="1", birth_date=birth, id_number=number)
        token = finder.pupil_find(actor=registrar, id_number=number).token
        services.transfer_file(actor=registrar, token=token, proofs={"certificate": [certificate()]})
    leader = login(world.user("shexian_primary", "leader"))
    first = Request.objects.order_by("pk").first()
    # Today's counts plus three (11, 11, 18, 5, 12): lower them when a page gets cheaper.
    for url, budget in ((reverse("transfers:transfer_inbox"), 14), (reverse("transfers:transfer_list"), 14),
                        (reverse("transfers:transfer_detail", args=[first.pk]), 21),
                        (reverse("api:transfer-inbox"), 8), (reverse("api:transfer-detail", args=[first.pk]), 15)):
        assert leader.get(url).status_code == 200
        with django_assert_max_num_queries(budget, info=url):
            assert leader.get(url).status_code == 200
