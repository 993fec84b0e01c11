"""The record's history: every door that changes a pupil's items, placement or family writes one row with each
changed item before and after, in the same transaction as the change (a refused change writes nothing)."""

import datetime as dt

import pytest

from xueji.audit.models import AuditEvent
from xueji.core import idnumbers
from xueji.core.errors import Conflict, ValidationFailed
from xueji.registry.choices import ChangeKind, VerifyStatus
from xueji.registry.models import FamilyMember, Student, StudentDetail, StudentHistory
from xueji.registry.services import (
    family_member_remove,
    family_member_save,
    student_place,
    student_update_items,
)

pytestmark = pytest.mark.django_db


def test_an_item_change_keeps_before_and_after_and_is_audited(world):
    student = world.students["tunxi_primary"]
    actor = world.user("tunxi_primary", "registrar")
    Student.objects.filter(pk=student.pk).update(phone="13800000001", verify_status=VerifyStatus.VERIFIED)

    student_update_items(actor=actor, student=student, items={"phone": "13900000002", "health": "10"},
                         detail={"postcode": "245000"}, request_id=7)

    row = StudentHistory.objects.get(student=student)
    assert row.kind == ChangeKind.ITEMS and row.request_id == 7 and row.actor == actor
    # Only what changed (health was already 10); a detail item is named as such.
    assert row.changes == {"phone": ["13800000001", "13900000002"], "detail.postcode": ["", "245000"]}
    assert Student.objects.get(pk=student.pk).verify_status == VerifyStatus.VERIFIED  # not an identity change
    assert StudentDetail.objects.get(student=student).postcode == "245000"
    event = AuditEvent.objects.get(action="student.update")
    assert event.before["phone"] == "13800000001" and event.after["request"] == 7


def test_an_identity_change_checks_duplicates_and_makes_the_identity_unverified(world):
    student, other = world.students["tunxi_primary"], world.students["tunxi_middle"]
    actor = world.user("tunxi_primary", "registrar")
    Student.objects.filter(pk=student.pk).update(verify_status=VerifyStatus.VERIFIED)

    with pytest.raises(Conflict):  # the other pupil's ID number: refused, nothing written
        student_update_items(actor=actor, student=student, items={"id_number": other.id_number})
    assert Student.objects.get(pk=student.pk).id_number == student.id_number
    assert not StudentHistory.objects.exists()

    fresh = idnumbers.make(student.school.county.code, student.birth_date, 91)
    student_update_items(actor=actor, student=student, items={"id_number": fresh, "name": "王小明"})
    changed = Student.objects.get(pk=student.pk)
    assert (changed.id_number, changed.name_pinyin, changed.verify_status) == (
        fresh, "wangxiaoming", VerifyStatus.UNVERIFIED)
    row = StudentHistory.objects.get(student=student)
    assert row.kind == ChangeKind.IDENTITY
    assert row.changes["id_number"] == [student.id_number, fresh]
    assert row.changes["verify_status"] == [VerifyStatus.VERIFIED, VerifyStatus.UNVERIFIED]


def test_a_change_to_the_same_values_writes_no_history(world):
    student = world.students["tunxi_primary"]
    student_update_items(actor=world.user("tunxi_primary", "registrar"), student=student,
                         items={"name": student.name})
    assert not StudentHistory.objects.exists()
    assert not AuditEvent.objects.filter(action="student.update").exists()


def test_placement_state_and_counters_are_not_items(world):
    student = world.students["tunxi_primary"]
    for item in ("status", "school_class", "national_number", "reg_status"):
        with pytest.raises(ValidationFailed):
            student_update_items(actor=None, student=student, items={item: "x"})
    assert not StudentHistory.objects.exists()


def test_placement_keeps_the_classes(world):
    student = world.students["tunxi_primary"]
    old_class = student.school_class_id
    klass = world.classes["xuanwu_primary"]
    student_place(actor=None, student=student, school_class=klass, request_id=3)
    row = StudentHistory.objects.get(student=student, kind=ChangeKind.PLACEMENT)
    assert row.changes["school_class_id"] == [old_class, klass.pk]
    assert row.changes["school_id"] == [student.school_id, klass.school_id]


def test_family_members_are_added_changed_and_removed_with_history(world):
    student = world.students["tunxi_primary"]
    actor = world.user("tunxi_primary", "registrar")
    added = family_member_save(actor=actor, student=student, values={"relation": "52", "name": "母亲",
                                                                     "phone": "13700000000"})
    family_member_save(actor=actor, student=student, member=added, values={"phone": "13700000009"})
    family_member_remove(actor=actor, member=added)

    assert not FamilyMember.objects.filter(pk=added.pk).exists()
    actions = [(h.changes["action"], h.changes.get("phone")) for h in
               StudentHistory.objects.filter(student=student, kind=ChangeKind.FAMILY).order_by("id")]
    assert actions == [("add", [None, "13700000000"]), ("update", ["13700000000", "13700000009"]),
                       ("remove", ["13700000009", None])]
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="family.").order_by("id")] == [
        "family.add", "family.update", "family.remove"]


def test_a_member_of_another_pupil_is_refused(world):
    student, other = world.students["tunxi_primary"], world.students["tunxi_middle"]
    member = FamilyMember.objects.filter(student=other).first()
    with pytest.raises(ValidationFailed):
        family_member_save(actor=None, student=student, member=member, values={"phone": "1"})
    assert FamilyMember.objects.get(pk=member.pk).phone == member.phone
    assert not StudentHistory.objects.exists()


def test_birth_dates_are_kept_as_iso_text(world):
    student = world.students["tunxi_primary"]
    student_update_items(actor=None, student=student, items={"birth_date": "2017-03-09",
                                                             "id_number": idnumbers.make(
                                                                 student.school.county.code, dt.date(2017, 3, 9), 93)})
    row = StudentHistory.objects.get(student=student)
    assert row.changes["birth_date"] == [student.birth_date.isoformat(), "2017-03-09"]
