"""The registry's door functions: each writes what it says, with history and audit, and a refusal writes nothing."""

import datetime as dt

import pytest

from xueji.audit.models import AuditEvent
from xueji.core import idnumbers
from xueji.core.errors import Conflict
from xueji.registry.choices import ChangeKind, RegStatus, StudentStatus, VerifyStatus
from xueji.registry.models import FamilyMember, NationalNumber, Student, StudentDetail, StudentHistory
from xueji.registry.services import (
    student_delete,
    student_number_issue,
    student_place,
    student_revoke_id,
    student_set_identity,
    student_take_over,
    student_verify_confirm,
    student_verify_set,
    students_registration_approve,
    students_registration_release,
    students_registration_submit,
)


def _drafts(world, n=3):
    student = world.students["tunxi_primary"]
    ids = []
    for i in range(n):
        pupil = Student.objects.create(school=student.school, school_class=student.school_class,
                                       province_code=student.province_code, name=f"草稿{i}", sex="1",
                                       birth_date=dt.date(2017, 4, 1 + i), reg_status=RegStatus.DRAFT)
        ids.append(pupil.pk)
    return ids


def _reg_states(ids):
    return dict(Student.objects.filter(pk__in=ids).values_list("pk", "reg_status"))


def test_registration_moves_a_request_s_pupils_set_based_with_history(world, django_assert_max_num_queries):
    actor = world.user("tunxi_primary", "registrar")
    ids = _drafts(world, 3)

    # UPDATE, INSERT of history, audit event (and its chain head locked), savepoint; the pupil counts: their
    # groups, three upserts (per class, school and county); the reports' tally (its watcher): the pupils' groups
    # read before and after, one upsert of the tally and one of the county figures; the actor's roles, which the
    # audit row records (once per user object). Not per pupil.
    with django_assert_max_num_queries(15):
        students_registration_submit(actor=actor, student_ids=ids, request_id=501)
    assert set(_reg_states(ids).values()) == {RegStatus.PENDING}
    assert set(Student.objects.filter(pk__in=ids).values_list("registration_request_id", flat=True)) == {501}

    assert students_registration_approve(actor=world.user("tunxi", "registrar"), request_id=501) == sorted(ids)
    assert set(_reg_states(ids).values()) == {RegStatus.REGISTERED}
    assert set(Student.objects.filter(pk__in=ids).values_list("status", flat=True)) == {StudentStatus.ENROLLED}
    assert sorted(StudentHistory.objects.filter(student_id=ids[0]).values_list("old", "new")) == [
        (RegStatus.DRAFT, RegStatus.PENDING), (RegStatus.PENDING, RegStatus.REGISTERED)]
    assert AuditEvent.objects.filter(action="student.registration_registered").get().after["count"] == 3


def test_a_withdrawn_request_gives_its_pupils_back(world):
    actor = world.user("tunxi_primary", "registrar")
    ids = _drafts(world, 2)
    students_registration_submit(actor=actor, student_ids=ids, request_id=502)

    assert students_registration_release(actor=actor, request_id=502) == 2

    assert set(_reg_states(ids).values()) == {RegStatus.DRAFT}
    assert set(Student.objects.filter(pk__in=ids).values_list("registration_request_id", flat=True)) == {None}
    assert StudentHistory.objects.filter(kind=ChangeKind.REGISTRATION, new=RegStatus.DRAFT).count() == 2


def test_filing_a_pupil_that_is_no_draft_changes_nothing(world):
    actor = world.user("tunxi_primary", "registrar")
    ids = [*_drafts(world, 2), world.students["tunxi_primary"].pk]  # the last is registered

    with pytest.raises(Conflict) as refused:
        students_registration_submit(actor=actor, student_ids=ids, request_id=503)

    assert refused.value.code == "not_draft"
    assert _reg_states(ids) == {ids[0]: RegStatus.DRAFT, ids[1]: RegStatus.DRAFT, ids[2]: RegStatus.REGISTERED}
    assert not StudentHistory.objects.exists()


def test_placing_a_pupil_moves_it_to_the_class_s_school(world):
    student = world.students["tunxi_primary"]
    klass = world.classes["shexian_primary"]

    student_place(actor=world.user("huangshan", "registrar"), student=student, school_class=klass)

    moved = Student.objects.get(pk=student.pk)
    assert (moved.school_id, moved.school_class_id) == (klass.school_id, klass.pk)
    assert AuditEvent.objects.get(action="student.place").after["class"] == klass.pk


def test_a_takeover_places_and_enrols_again_keeping_the_number(world):
    student = world.students["tunxi_primary"]
    Student.objects.filter(pk=student.pk).update(status=StudentStatus.WITHDRAWN, national_number="L3410022017030101")
    klass = world.classes["xuanwu_primary"]

    student_take_over(actor=world.user("xuanwu", "registrar"), student=student.pk, school_class=klass, request_id=9)

    taken = Student.objects.get(pk=student.pk)
    assert (taken.school_id, taken.status, taken.national_number) == (
        klass.school_id, StudentStatus.ENROLLED, "L3410022017030101")
    rows = {h.kind: h for h in StudentHistory.objects.filter(student=student)}
    assert set(rows) == {ChangeKind.STATUS, ChangeKind.PLACEMENT} and {h.request_id for h in rows.values()} == {9}
    assert rows[ChangeKind.PLACEMENT].changes["school_class_id"][1] == klass.pk


def test_a_deceased_pupil_is_not_taken_over(world):
    student = world.students["tunxi_primary"]
    Student.objects.filter(pk=student.pk).update(status=StudentStatus.DECEASED)

    with pytest.raises(Conflict):
        student_take_over(actor=world.user("xuanwu", "registrar"), student=student.pk,
                          school_class=world.classes["xuanwu_primary"])

    kept = Student.objects.get(pk=student.pk)
    assert (kept.school_id, kept.status) == (student.school_id, StudentStatus.DECEASED)
    assert not AuditEvent.objects.filter(action="student.takeover").exists()


def test_setting_the_identity_rechecks_it_and_resets_the_verification(world):
    student = world.students["tunxi_primary"]
    Student.objects.filter(pk=student.pk).update(verify_status=VerifyStatus.VERIFIED)
    new_id = idnumbers.make(student.school.county.code, student.birth_date, 301)

    changed = student_set_identity(actor=world.user("tunxi", "registrar"), student=student,
                                   changes={"name": "李四", "id_number": new_id})

    assert (changed.name, changed.name_pinyin, changed.id_number, changed.verify_status) == (
        "李四", "lisi", new_id, VerifyStatus.UNVERIFIED)
    assert AuditEvent.objects.get(action="student.correct_problem").before["name"] == student.name


def test_an_identity_another_record_holds_is_refused_and_nothing_changes(world):
    student = world.students["tunxi_primary"]
    other = world.students["tunxi_middle"]

    with pytest.raises(Conflict) as refused:
        student_set_identity(actor=world.user("tunxi", "registrar"), student=student,
                             changes={"id_number": other.id_number})

    assert refused.value.code == "duplicate_student"
    assert Student.objects.get(pk=student.pk).id_number == student.id_number
    assert not AuditEvent.objects.filter(action="student.correct_problem").exists()


def test_revoking_an_id_leaves_the_record_unverified(world):
    student = world.students["tunxi_primary"]

    student_revoke_id(actor=world.user("huangshan", "registrar"), student=student, reason={"problem": 4})

    revoked = Student.objects.get(pk=student.pk)
    assert (revoked.id_number, revoked.verify_status) == (None, VerifyStatus.UNVERIFIED)
    assert AuditEvent.objects.get(action="student.id_revoked").after["problem"] == 4


def test_the_verification_state_is_set_only_from_the_states_named(world):
    sent, verified = world.students["tunxi_primary"], world.students["tunxi_middle"]
    Student.objects.filter(pk=verified.pk).update(verify_status=VerifyStatus.VERIFIED)

    count = student_verify_set(student_ids=[sent.pk, verified.pk], status=VerifyStatus.SENT,
                               only_from=[VerifyStatus.UNVERIFIED])

    assert count == 1
    assert dict(Student.objects.filter(pk__in=[sent.pk, verified.pk]).values_list("pk", "verify_status")) == {
        sent.pk: VerifyStatus.SENT, verified.pk: VerifyStatus.VERIFIED}


def test_a_proof_confirms_the_identity(world):
    student = world.students["tunxi_primary"]

    student_verify_confirm(actor=world.user("tunxi", "registrar"), student=student, request_id=12)

    assert Student.objects.get(pk=student.pk).verify_status == VerifyStatus.PROOF
    assert AuditEvent.objects.get(action="student.confirm_proof").after == {"verify_status": "proof", "request": 12}


def test_a_new_number_supersedes_the_old_one(world):
    student = world.students["tunxi_primary"]
    actor = world.user("anhui", "registrar")
    student_number_issue(actor=actor, issued=[(student, "L3410022017030101", "L")])

    student_number_issue(actor=actor, issued=[(student, "G" + student.id_number, "G")])

    assert Student.objects.get(pk=student.pk).national_number == "G" + student.id_number
    assert [(n.number, n.superseded_at is None) for n in NationalNumber.objects.filter(student=student)] == [
        ("L3410022017030101", False), ("G" + student.id_number, True)]


def test_deleting_a_record_archives_it_first(world):
    student = world.students["tunxi_primary"]
    StudentDetail.objects.create(student=student)
    student_number_issue(actor=None, issued=[(student, "L3410022017030101", "L")])
    archived = []

    def archive(kept):
        archived.append((kept.snapshot["student"]["name"], [n.number for n in kept.numbers],
                         len(kept.snapshot["family"])))
        return {"kept": True}

    assert student_delete(actor=world.user("tunxi", "registrar"), student=student, archive=archive) == {"kept": True}

    assert archived == [(student.name, ["L3410022017030101"], 1)]
    assert not Student.objects.filter(pk=student.pk).exists()
    assert not NationalNumber.objects.filter(number="L3410022017030101").exists()
    assert not FamilyMember.objects.filter(student_id=student.pk).exists()
    assert AuditEvent.objects.get(action="student.delete").after == {"kept": True}

