"""Status changes refused: each with a precise reason in Chinese and a stable code, and nothing changed."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.changes.tests.conftest import pdf
from xueji.changes.tests.helpers import approve_all, file_change, pupil, snapshot
from xueji.core import clock
from xueji.core.errors import XuejiError
from xueji.core.messages import user_message
from xueji.policy.models import BusinessWindow
from xueji.registry.services import student_set_status
from xueji.workflow.models import Proof, Request


def refused(world, school, kind, reason, **kwargs) -> XuejiError:
    pk = world.students[school].pk
    before = snapshot(pk)
    with pytest.raises(XuejiError) as caught:
        file_change(world, school, kind, reason, **kwargs)
    assert snapshot(pk) == before, "a refused filing changed something"
    return caught.value


def test_a_kind_the_province_does_not_allow_for_the_stage(scene, login):
    world = scene
    error = refused(world, "tunxi_primary", "withdraw", "29")  # 退学: not in compulsory education by default
    assert error.code == "status_change_not_allowed"
    assert user_message(error) == "退学（31 退学）在本省不允许用于小学学段的学生。"
    client = login(world.user("tunxi_primary", "registrar"))
    pk = world.students["tunxi_primary"].pk
    answer = client.post(reverse("api:status-change-file", kwargs={"pk": pk}),
                         {"kind": "expel", "reason": "23", "proofs": [pdf()]})
    assert answer.status_code == 409 and answer.json()["code"] == "status_change_not_allowed"
    offered = [o["kind"] for o in client.get(reverse("api:status-change-options", kwargs={"pk": pk})).json()]
    assert "withdraw" not in offered and "expel" not in offered and "suspend" in offered
    page = client.get(reverse("changes:status_change_new", kwargs={"pk": pk})).content.decode()
    assert 'data-kind="suspend"' in page and 'data-kind="withdraw"' not in page


def test_a_kind_switched_off_by_the_province(scene, login):
    from xueji.policy.services import switch_set

    world = scene
    allowed = [c for c in ("02", "04", "08", "11", "12", "17", "19", "29", "51", "62", "63", "99") if c != "11"]
    switch_set(actor=world.user("anhui", "sysadmin"), stage="1", key="status_changes.allowed", value=allowed)
    assert refused(world, "tunxi_primary", "suspend", "10").code == "status_change_not_allowed"
    pk = world.students["tunxi_primary"].pk
    client = login(world.user("tunxi_primary", "registrar"))
    assert "suspend" not in [o["kind"] for o in client.get(reverse("api:status-change-options",
                                                                   kwargs={"pk": pk})).json()]
    assert 'data-kind="suspend"' not in client.get(reverse("changes:status_change_new", kwargs={"pk": pk})
                                                   ).content.decode()
    # Switched on again for the stage, and on for 退学 in primary school: offered and filed.
    switch_set(actor=world.user("anhui", "sysadmin"), stage="1", key="status_changes.allowed",
               value=[*allowed, "11", "31"])
    assert file_change(world, "tunxi_primary", "withdraw", "29").status == "pending"


def test_only_a_suspended_pupil_resumes(scene, login):
    world = scene
    error = refused(world, "tunxi_primary", "resume", "10")
    assert error.code == "status_not_allowed"
    assert user_message(error) == "只有休学的学生才能复学；该生当前状态为“在读”。"
    pk = world.students["tunxi_primary"].pk
    answer = login(world.user("tunxi_primary", "registrar")).post(
        reverse("api:status-change-file", kwargs={"pk": pk}), {"kind": "resume", "reason": "10"},
        HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 409 and answer.json() == {
        "code": "status_not_allowed", "field": "kind",
        "message": "Only a suspended pupil resumes; this pupil's status is “Enrolled”.",
        "details": {"kind": "resume", "status": "01"}}


def test_a_dead_pupils_record_is_closed(scene):
    world = scene
    approve_all(world, file_change(world, "tunxi_primary", "death", "70"))
    for kind, reason in (("restore", "99"), ("other", "99"), ("suspend", "10")):
        assert refused(world, "tunxi_primary", kind, reason).code == "record_closed"
    from xueji.changes import services

    with pytest.raises(XuejiError) as caught:
        services.record_edit(actor=world.user("tunxi_primary", "registrar"), student=world.students["tunxi_primary"],
                             values={"phone": "13900000000"})
    assert caught.value.code == "record_closed"


def test_after_graduation_the_record_is_locked(scene):
    world = scene
    student_set_status(actor=None, student=world.students["tunxi_primary"].pk, status="07")
    error = refused(world, "tunxi_primary", "suspend", "10")
    assert error.code == "record_locked" and "毕业" in user_message(error)


@pytest.mark.parametrize(("kind", "reason", "extra", "code"), [
    ("death", "10", {}, "invalid_reason"),  # 死亡 takes the reasons 40-89 only
    ("suspend", "01", {}, "invalid_reason"),
    ("repeat", "22", {}, "class_required"),
    ("repeat", "22", {"school_class": "grade3"}, "wrong_class"),  # a higher grade is no repeat
    ("change_class", "99", {"school_class": "tunxi_primary"}, "wrong_class"),  # the pupil's own class
    ("suspend", "10", {"school_class": "grade1"}, "unexpected_class"),
    ("suspend", "10", {"proofs": []}, "proof_required"),
    ("suspend", "10", {"effective_date": dt.date(2099, 1, 1)}, "future_date"),
    ("nonsense", "10", {}, "unknown_kind"),
])
def test_bad_input(scene, kind, reason, extra, code):
    world = scene
    if "school_class" in extra:
        extra = {**extra, "school_class": world.classes[extra["school_class"]]}
    assert refused(world, "tunxi_primary", kind, reason, **extra).code == code


def test_skipping_from_the_top_grade_names_no_class(scene):
    from xueji.changes import services
    from xueji.changes.choices import KINDS
    from xueji.schools.models import SchoolClass

    world = scene
    top = SchoolClass.objects.create(school=world.schools["tunxi_primary"], stage="1",
                                     cohort_year=world.classes["grade1"].cohort_year - 5, number=1)
    student = pupil(world)
    student.school_class = top
    assert not services.target_classes(KINDS["skip"], student).exists()
    assert services.target_classes(KINDS["repeat"], student).count() == 0  # no grade-5 class in the scene


@pytest.mark.parametrize(("upload", "code"), [
    (SimpleUploadedFile("scan.jpg", b"%PDF-1.4 a pdf named jpg"), "type_mismatch"),
    (SimpleUploadedFile("notes.pdf", b"just some text, not a pdf"), "unsupported_type"),
    (SimpleUploadedFile("huge.pdf", b"%PDF-1.4" + b"0" * 3 * 1024 * 1024), "file_too_large"),
])
def test_proofs_of_the_wrong_type_or_size(scene, settings, upload, code):
    world = scene
    error = refused(world, "tunxi_primary", "suspend", "10", proofs=[pdf("good.pdf"), upload])
    assert error.code == code and error.field == "proofs"
    assert not Proof.objects.exists() and not [f for f in Path(settings.MEDIA_ROOT).rglob("*") if f.is_file()]


def test_outside_the_business_window(scene):
    world = scene
    BusinessWindow.objects.filter(kind="changes.status").update(end_date=clock.today() - dt.timedelta(days=1))
    error = refused(world, "tunxi_primary", "suspend", "10")
    assert error.code == "outside_business_window" and error.details["kind"] == "changes.status"


def test_a_second_filing_names_the_open_request(scene, login):
    world = scene
    first = file_change(world, "tunxi_primary", "suspend", "10")
    error = refused(world, "tunxi_primary", "dropout", "27", proofs=[])
    assert error.code == "request_in_progress" and error.details["request"] == first.pk
    assert f"学籍异动 第 {first.pk} 号" in user_message(error) and "tunxi_primary" in user_message(error)
    answer = login(world.user("tunxi_primary", "registrar")).post(
        reverse("api:status-change-file", kwargs={"pk": world.students["tunxi_primary"].pk}),
        {"kind": "change_class", "reason": "99", "school_class": world.classes["grade2b"].pk})
    assert answer.status_code == 409 and answer.json()["details"]["request"] == first.pk
    # Withdrawn, the pupil is free again.
    from xueji.workflow.services import request_withdraw

    request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=first)
    assert file_change(world, "tunxi_primary", "dropout", "27", proofs=[]).status == "pending"
    assert Request.objects.filter(type="changes.status").count() == 2


def test_repeat_into_a_full_class(scene):
    from xueji.policy.services import cap_set

    world = scene
    request = file_change(world, "tunxi_primary", "repeat", "22", school_class=world.classes["grade1"])
    from xueji.registry.models import Student

    for n in range(2):
        Student.objects.create(school=world.schools["tunxi_primary"], school_class=world.classes["grade1"],
                               province_code="340000", name=f"满{n}", sex="1", birth_date=dt.date(2019, 1, 1 + n))
    cap_set(actor=world.user("tunxi", "sysadmin"), stage="1", cap=2)
    before = snapshot(world.students["tunxi_primary"].pk)
    with pytest.raises(XuejiError) as caught:
        approve_all(world, request)
    assert caught.value.code == "class_full" and "2" in user_message(caught.value)
    assert snapshot(world.students["tunxi_primary"].pk) == before
