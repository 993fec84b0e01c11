"""Security labels (安全标记, SECURITY.md control 10, T-AC-09): a record under special protection (特殊保护) is seen by
the registrars and leaders of its school and county only. Another user in the same scope, without the clearance,
finds it in no list, search, page, API, export or record-level register, as if it did not exist; labelling is the
registrars' (audited, with a history row), and a refused labelling changes nothing."""

import pytest
from python_calamine import CalamineWorkbook

from xueji.audit.models import AuditEvent
from xueji.core.errors import Forbidden, NotFound
from xueji.jobs.models import Job
from xueji.jobs.services import result_file_path
from xueji.registry.jobs import EXPORT_COLUMNS
from xueji.registry.models import Student, StudentHistory
from xueji.registry.services import student_set_label

# The county's leader holds the clearance; the county's admissions officer, in the same unit and scope, does not.
CLEARED, UNCLEARED = ("tunxi", "leader"), ("tunxi", "admissions")


@pytest.fixture
def pupil(world):
    """The Tunxi primary school's pupil, labelled 特殊保护 by the school's registrar."""
    student = world.students["tunxi_primary"]
    student_set_label(actor=world.user("tunxi_primary", "registrar"), student=student, label="special",
                      reason="残疾儿童")
    return student


def _list_ids(client, query=""):
    response = client.get(f"/api/v1/students/?page_size=500{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("who", "sees"), [(CLEARED, True), (UNCLEARED, False), (("huangshan", "registrar"), False)])
def test_the_list_and_its_search_show_a_labelled_record_to_the_cleared_only(world, login, pupil, who, sees):
    client = login(world.user(*who))

    assert (pupil.pk in _list_ids(client)) is sees
    assert (pupil.pk in _list_ids(client, f"&q={pupil.name}")) is sees
    page = client.get("/students/")
    assert page.status_code == 200
    assert (pupil.name in page.content.decode()) is sees
    assert world.students["tunxi_middle"].pk in _list_ids(client)  # the unlabelled pupils stay in every list


@pytest.mark.parametrize(("who", "status"), [(CLEARED, 200), (UNCLEARED, 404), (("tunxi_primary", "leader"), 200)])
def test_the_detail_page_and_api_answer_404_without_the_clearance(world, login, pupil, who, status):
    client = login(world.user(*who))

    assert client.get(f"/api/v1/students/{pupil.pk}/").status_code == status
    page = client.get(f"/students/{pupil.pk}/")
    assert page.status_code == status
    if status == 200:  # the cleared see the label on the pupil page
        assert 'data-testid="security-label"' in page.content.decode()
    assert client.get(f"/students/{pupil.pk}/timeline/").status_code == status
    assert client.get(f"/api/v1/students/{pupil.pk}/family/").status_code == status


def test_an_unlabelled_record_shows_no_badge(world, login):
    page = login(world.user(*CLEARED)).get(f"/students/{world.students['tunxi_primary'].pk}/")

    assert page.status_code == 200 and 'data-testid="security-label"' not in page.content.decode()


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(("who", "sees"), [(CLEARED, True), (UNCLEARED, False)])
def test_the_export_leaves_a_labelled_record_out_without_the_clearance(world, login, pupil, who, sees,
                                                                        django_capture_on_commit_callbacks):
    client = login(world.user(*who))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/students/export/", {}, content_type="application/json")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error
    _header, *rows = CalamineWorkbook.from_path(str(result_file_path(job))).get_sheet_by_name("学生").to_python()
    names = {row[EXPORT_COLUMNS.index("姓名")] for row in rows}

    assert (pupil.name in names) is sees
    assert world.students["tunxi_middle"].name in names


@pytest.mark.parametrize(("who", "sees"), [(CLEARED, True), (UNCLEARED, False)])
def test_the_migrant_register_drill_down_leaves_a_labelled_record_out(world, login, pupil, who, sees):
    """A record-level statistic (the county's register of migrant children, and its count per county, taken over
    the pupils' rows): without the clearance the labelled pupil is neither listed nor counted."""
    Student.objects.filter(pk__in=[pupil.pk, world.students["tunxi_middle"].pk]).update(is_migrant=True)
    page = login(world.user(*who)).get("/attendance/registers/migrant/")

    assert page.status_code == 200
    assert (pupil.name in page.content.decode()) is sees
    assert world.students["tunxi_middle"].name in page.content.decode()
    assert [row["n"] for row in page.context["by_county"]] == [2 if sees else 1]


def test_labelling_is_audited_with_a_history_row(world, pupil):
    event = AuditEvent.objects.get(action="student.set_label")
    assert event.object_id == str(pupil.pk)
    assert event.before == {"security_label": "none"}
    assert event.after == {"security_label": "special", "reason": "残疾儿童"}
    row = StudentHistory.objects.get(student=pupil, kind="label")
    assert (row.old, row.new, row.reason) == ("none", "special", "残疾儿童")


def test_the_timeline_shows_the_label_change_to_the_cleared(world, login, pupil):
    page = login(world.user(*CLEARED)).get(f"/students/{pupil.pk}/timeline/").content.decode()

    assert "安全标记变更" in page and "特殊保护" in page and "无标记" in page


def test_the_county_registrar_labels_through_the_pupil_page(world, login):
    student = world.students["tunxi_primary"]
    client = login(world.user("tunxi", "registrar"))
    assert 'data-testid="security-label-form"' in client.get(f"/students/{student.pk}/").content.decode()

    response = client.post(f"/students/{student.pk}/label/", {"label": "special", "reason": "困境儿童"})

    assert response.status_code == 302
    assert Student.objects.get(pk=student.pk).security_label == "special"
    assert AuditEvent.objects.filter(action="student.set_label", actor=world.user("tunxi", "registrar")).exists()


@pytest.mark.parametrize(("who", "status"), [(("tunxi_primary", "leader"), 403), (("huangshan", "registrar"), 403),
                                             (("tunxi_middle", "registrar"), 404)])
def test_labelling_is_refused_without_the_capability_and_changes_nothing(world, login, who, status):
    student = world.students["tunxi_primary"]
    client = login(world.user(*who))

    response = client.post(f"/students/{student.pk}/label/", {"label": "special", "reason": "试图标记"})

    assert response.status_code == status
    assert Student.objects.get(pk=student.pk).security_label == "none"
    assert not StudentHistory.objects.filter(kind="label").exists()
    assert not AuditEvent.objects.filter(action="student.set_label").exists()


def test_the_service_refuses_without_the_capability_or_outside_and_without_a_reason(world):
    student = world.students["tunxi_primary"]
    with pytest.raises(Forbidden):
        student_set_label(actor=world.user("tunxi_primary", "leader"), student=student, label="special", reason="x")
    with pytest.raises(NotFound):
        student_set_label(actor=world.user("shexian", "registrar"), student=student, label="special", reason="x")
    from xueji.core.errors import ValidationFailed

    for label, reason in (("special", " "), ("secret", "x")):
        with pytest.raises(ValidationFailed):
            student_set_label(actor=world.user("tunxi_primary", "registrar"), student=student, label=label,
                              reason=reason)
    assert Student.objects.get(pk=student.pk).security_label == "none"
    assert not AuditEvent.objects.filter(action="student.set_label").exists()


def test_the_database_refuses_an_unknown_label(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(security_label="secret")


def test_a_funding_allocation_counts_a_labelled_pupil_and_lists_none(world, pupil):
    """An aggregate (the province's funding allocation, SECURITY.md control 10's choice): the uncleared province
    counts the labelled pupil in its numbers, and lists it nowhere (not among the pupils left out)."""
    import datetime as dt
    from decimal import Decimal

    from xueji.core import clock
    from xueji.registry.services import student_number_issue
    from xueji.reports import services

    registrar = world.user("anhui", "registrar")
    today = clock.today()
    services.funding_rule_create(actor=registrar, stage="1", programme="public_funds", amount=Decimal("720"),
                                 valid_from=today - dt.timedelta(days=10), valid_to=today + dt.timedelta(days=10))
    student_number_issue(actor=registrar, issued=[(pupil.pk, "G" + pupil.id_number, "G")])
    Student.objects.filter(pk=world.students["tunxi_middle"].pk).update(security_label="special")  # no number

    allocation = services.allocation_create(actor=registrar, at_date=today)

    assert (allocation.pupils, allocation.total) == (1, Decimal("720"))
    assert world.students["tunxi_middle"].pk not in {x.student_id for x in allocation.left_out.all()}
    assert world.students["shexian_primary"].pk in {x.student_id for x in allocation.left_out.all()}
