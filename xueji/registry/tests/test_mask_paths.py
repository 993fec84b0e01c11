"""Every path that shows a pupil goes through the one presenter: a school leader never reads a full ID number,
a full G number (G + the ID), a guardian's ID, a phone or an address; a registrar (the ID right) reads the phone
and the address in full, and no ID number in full (control 29) but in the audited export: the unmask action, with a
reason, is its way to them (test_unmask.py).

To cover a new path, add a function `(client, scene) -> str` (the text the user gets) to PATHS.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record, snapshot
from xueji.core import clock, idnumbers
from xueji.jobs.models import Job
from xueji.jobs.services import result_file_path
from xueji.problems.choices import ProblemKind
from xueji.problems.models import Problem
from xueji.problems.records import record_problems
from xueji.problems.services import problem_action_file
from xueji.registry.models import NationalNumber, Student
from xueji.registry.presenters import mask_national_number, mask_phone
from xueji.workflow.services import request_decide


@dataclass
class Scene:
    student: Student
    g_number: str
    new_id: str  # the ID a pending correction asks for
    guardian_id: str
    request_pk: int
    problem_pk: int

    @property
    def secrets(self) -> dict[str, str]:
        s = self.student
        return {"ID number": s.id_number, "G number": self.g_number, "corrected ID": self.new_id,
                "guardian's ID": self.guardian_id, "phone": s.phone, "guardian's phone": "13800000000",
                "address": s.address}


@pytest.fixture
def scene(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    student = world.students["tunxi_primary"]
    g_number = "G" + student.id_number
    Student.objects.filter(pk=student.pk).update(national_number=g_number, phone="13912345678",
                                                 address="安徽省黄山市屯溪区老街一号三单元")
    NationalNumber.objects.create(number=g_number, kind="G", student=student, issued_at=clock.now())
    student.refresh_from_db()
    registrar = world.user("tunxi_primary", "registrar")
    record_problems(kind=ProblemKind.ID_ERROR, province_code=student.province_code,
                    groups={f"s{student.pk}": [student.pk]}, details={f"s{student.pk}": {"reason": "id_not_found"}},
                    source="verification")
    problem = Problem.objects.get(kind=ProblemKind.ID_ERROR)
    new_id = idnumbers.make("341002", student.birth_date, 777)
    request = problem_action_file(actor=registrar, problem=problem, action="correct",
                                  changes={"id_type": "1", "id_number": new_id}, reason="户籍证明")
    # The county returns it with a comment quoting the numbers: free text goes through the presenter too.
    request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=False,
                   comment=f"{new_id} 与户籍证明不符（原号 {g_number}）")
    return Scene(student=student, g_number=g_number, new_id=new_id,
                 guardian_id=student.family.get().id_number, request_pk=request.pk, problem_pk=problem.pk)


def _text(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def _post_json(client, name, data, **kwargs):
    return client.post(reverse(name, **kwargs), data, content_type="application/json")


def _export_file(client, scene) -> str:
    response = _post_json(client, "api:student-export", {})
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    from xueji.jobs.services import job_run

    job = job_run(job.pk)
    assert job.status == "succeeded", job.error
    rows = CalamineWorkbook.from_path(str(result_file_path(job))).get_sheet_by_name("学生").to_python()
    return "\n".join("\t".join(str(cell) for cell in row) for row in rows)


def _card_text(client, scene) -> str:
    """The record card's PDF, as text (pypdf reads the text layer WeasyPrint writes)."""
    import io

    from pypdf import PdfReader

    response = client.get(reverse("registry:student_card", args=[scene.student.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def _as_of_page(client, scene) -> str:
    """The record page as of yesterday (the record entered a month ago): the replayed record, not today's."""
    import datetime as dt

    Student.objects.filter(pk=scene.student.pk).update(created_at=clock.now() - dt.timedelta(days=30))
    text = _text(client.get(reverse("registry:student_detail", args=[scene.student.pk]),
                            {"as_of": (clock.today() - dt.timedelta(days=1)).isoformat()}))
    assert 'data-testid="as-of-banner"' in text
    return text


PATHS = {
    "API list": lambda c, s: _text(c.get("/api/v1/students/?page_size=100")),
    "API detail": lambda c, s: _text(c.get(reverse("api:student-detail", kwargs={"pk": s.student.pk}))),
    "API search by name": lambda c, s: _text(_post_json(c, "api:student-search", {"q": s.student.name})),
    "API search by ID": lambda c, s: _text(_post_json(c, "api:student-search", {"q": s.student.id_number})),
    "list page": lambda c, s: _text(c.get(reverse("registry:student_list"))),
    "list page, ID search": lambda c, s: _text(c.post(reverse("registry:student_list"), {"q": s.student.id_number},
                                                      follow=True)),
    "detail page": lambda c, s: _text(c.get(reverse("registry:student_detail", args=[s.student.pk]))),
    "class page": lambda c, s: _text(c.get(reverse("schools:class_detail", args=[s.student.school_class_id]))),
    "xlsx export": _export_file,
    "number lookup page": lambda c, s: _text(c.post(reverse("problems:number_lookup"), {"number": s.g_number})),
    "number lookup API": lambda c, s: _text(_post_json(c, "api:number-lookup", {"number": s.g_number})),
    "problem page": lambda c, s: _text(c.get(reverse("problems:problem_detail", args=[s.problem_pk]))),
    "problem API": lambda c, s: _text(c.get(reverse("api:problem-detail", kwargs={"pk": s.problem_pk}))),
    "request page": lambda c, s: _text(c.get(reverse("workflow:request_detail", args=[s.request_pk]))),
    "request API": lambda c, s: _text(c.get(reverse("api:request-detail", kwargs={"pk": s.request_pk}))),
    "request list API": lambda c, s: _text(c.get(reverse("api:request-list"))),
    "timeline page": lambda c, s: _text(c.get(reverse("registry:student_timeline", args=[s.student.pk]))),
    "timeline API": lambda c, s: _text(c.get(reverse("api:student-timeline", kwargs={"pk": s.student.pk}))),
    "as-of page": lambda c, s: _as_of_page(c, s),
    "as-of API": lambda c, s: _text(c.get(reverse("api:student-as-of", kwargs={"pk": s.student.pk}),
                                          {"date": clock.today().isoformat()})),
    "record card": _card_text,
}


@pytest.mark.parametrize("path", list(PATHS))
def test_a_school_leader_reads_no_full_id_g_number_phone_or_address(world, login, scene, path):
    text = PATHS[path](login(world.user("tunxi_primary", "leader")), scene)

    leaked = [name for name, secret in scene.secrets.items() if secret and secret in text]
    assert leaked == [], f"{path} shows {leaked} in full to a leader"


ID_SECRETS = ("ID number", "G number", "corrected ID", "guardian's ID")


@pytest.mark.parametrize("path", list(PATHS))
def test_a_registrar_reads_no_full_id_but_in_the_audited_export(world, login, scene, path):
    text = PATHS[path](login(world.user("tunxi_primary", "registrar")), scene)

    leaked = [name for name in ID_SECRETS if scene.secrets[name] in text]
    if path == "xlsx export":  # an audited export under its own controls (watermark, trace, full_id_approval)
        assert scene.student.id_number in text
    else:
        assert leaked == [], f"{path} shows {leaked} in full to the pupil's own school registrar"


def test_the_leader_sees_the_g_number_masked_exactly_like_the_id(world, login, scene):
    masked_id = idnumbers.mask(scene.student.id_number)
    detail = login(world.user("tunxi", "leader")).get(
        reverse("api:student-detail", kwargs={"pk": scene.student.pk})).json()

    assert detail["id_number"] == masked_id
    assert detail["national_number"] == "G" + masked_id == mask_national_number(scene.g_number)
    assert detail["phone"] == mask_phone(scene.student.phone) == "139****5678"
    assert detail["address"] == "安徽省黄山市****"
    assert detail["family"][0]["id_number"] == idnumbers.mask(scene.guardian_id)


def test_a_leader_reads_a_correction_with_the_old_and_new_id_masked(world, login, scene):
    payload = login(world.user("tunxi_primary", "leader")).get(
        reverse("api:request-detail", kwargs={"pk": scene.request_pk})).json()["payload"]

    assert payload["changes"] == {"id_number": idnumbers.mask(scene.new_id)}
    assert payload["before"] == {"id_number": idnumbers.mask(scene.student.id_number)}
    registrar = login(world.user("tunxi_primary", "registrar")).get(
        reverse("api:request-detail", kwargs={"pk": scene.request_pk})).json()["payload"]
    assert registrar["changes"] == {"id_number": idnumbers.mask(scene.new_id)}  # the filer too (control 29)


def test_j_and_l_numbers_are_shown_whole(world, login):
    """They are issued by the education system and carry no identity document (see presenters.py)."""
    student = world.students["tunxi_primary"]
    Student.objects.filter(pk=student.pk).update(national_number="L3410022017030100011")

    detail = login(world.user("tunxi", "leader")).get(reverse("api:student-detail", kwargs={"pk": student.pk})).json()

    assert detail["national_number"] == "L3410022017030100011"
    assert mask_national_number("J341002201703010013") == "J341002201703010013"


# ---------------------------------------------------------------- audit rows (item 5)

AUDIT_PATHS = {
    "audit page": lambda c, e: _text(c.get(reverse("audit:audit_detail", args=[e.pk]))),
    "audit list page": lambda c, e: _text(c.get(reverse("audit:audit_list"))),
    "audit API detail": lambda c, e: _text(c.get(reverse("api:audit-event-detail", kwargs={"pk": e.pk}))),
    "audit API list": lambda c, e: _text(c.get(reverse("api:audit-event-list"))),
}


@pytest.mark.parametrize("path", list(AUDIT_PATHS))
def test_auditors_read_pupils_personal_items_masked_in_audit_rows(world, login, scene, path):
    registrar = world.user("tunxi_primary", "registrar")
    event = audit_record(actor=registrar, action="student.enter", obj=scene.student,
                         after=snapshot(scene.student), object_repr=f"{scene.student.name} {scene.g_number}")
    audit_record(actor=registrar, action="number.issue", object_type="registry.student",
                 after={"issued": [[scene.student.pk, scene.g_number]]})

    text = AUDIT_PATHS[path](login(world.user("tunxi_primary", "auditor")), event)

    leaked = [name for name, secret in scene.secrets.items() if secret and secret in text]
    assert leaked == [], f"{path} shows {leaked} in full to an auditor"
    assert scene.student.name in text or path == "audit list page"
    stored = AuditEvent.objects.get(pk=event.pk)  # the row itself stays complete for an investigation
    assert stored.after["id_number"] == scene.student.id_number and stored.after["phone"] == scene.student.phone


def test_an_auditor_reads_a_schools_phone_whole(world, login):
    """A school's phone is public contact data, not a pupil's personal item: only pupils' items are masked."""
    event = audit_record(actor=world.user("tunxi_primary", "registrar"), action="school.update",
                         obj=world.schools["tunxi_primary"], after={"phone": "0559-1234567"})

    data = login(world.user("tunxi_primary", "auditor")).get(
        reverse("api:audit-event-detail", kwargs={"pk": event.pk})).json()

    assert data["after"] == {"phone": "0559-1234567"}


def test_a_serializer_without_a_user_masks(world):
    """Masked by default: a path that forgets to pass the user gets masked values."""
    from xueji.registry.api.views import StudentSerializer

    student = world.students["tunxi_primary"]
    data = StudentSerializer(student).data

    assert data["id_number"] == idnumbers.mask(student.id_number)
