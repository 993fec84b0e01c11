"""Graduation of a compulsory stage's final grade (issue 10, item 1): the school graduates in bulk with
exceptions, without approval, through the registry's door (history, counts, audit); destinations, the locked
record, a mistaken graduation reverted; and the refusals, each of which changes nothing."""

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.changes.services import record_edit
from xueji.core.errors import Conflict, ValidationFailed
from xueji.policy.models import BusinessWindow
from xueji.registry import counts
from xueji.registry.models import Student, StudentHistory
from xueji.registry.services import student_place, student_set_status
from xueji.schools.models import SchoolClass
from xueji.schoolyear.choices import Destination
from xueji.schoolyear.models import Graduate, GraduationBatch
from xueji.schoolyear.services import destinations_fill, graduation_graduate, graduation_revert
from xueji.schoolyear.tests.conftest import add_pupil


def _statuses(world):
    return dict(Student.objects.values_list("pk", "status"))


def _registrar(world, school="tunxi_primary"):
    return world.user(school, "registrar")


def test_the_school_graduates_its_final_grade_but_the_exceptions(scene):
    one, two, kept = scene.graduating
    history = StudentHistory.objects.count()
    batch = graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"],
                                student_ids=[one.pk, two.pk], destinations={one.pk: Destination.VOCATIONAL})
    assert batch.count == 2
    assert _statuses(scene)[one.pk] == "07" and _statuses(scene)[two.pk] == "07"
    assert _statuses(scene)[kept.pk] == "01"  # the unticked exception stays in school
    rows = dict(Graduate.objects.values_list("student_id", "destination"))
    assert rows == {one.pk: Destination.VOCATIONAL, two.pk: Destination.UNKNOWN}
    # Through the door: no history row per graduate (the graduate rows keep the status before), the counts kept,
    # one audit event for the batch.
    assert StudentHistory.objects.count() == history
    assert set(Graduate.objects.values_list("student_id", "previous_status")) == {(one.pk, "01"), (two.pk, "01")}
    assert counts.differences() == {}
    assert AuditEvent.objects.filter(action="schoolyear.graduate").count() == 1


def test_a_graduated_record_is_locked(scene):
    one = scene.graduating[0]
    graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"], student_ids=[one.pk])
    with pytest.raises(Conflict) as refused:
        record_edit(actor=_registrar(scene), student=one.pk, values={"phone": "13900000000"})
    assert refused.value.code == "record_locked"


def test_graduating_a_pupil_not_in_the_final_grade_is_refused_and_changes_nothing(scene):
    before, history = _statuses(scene), StudentHistory.objects.count()
    second_grade = scene.students["tunxi_primary"]
    with pytest.raises(Conflict) as refused:
        graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"],
                            student_ids=[scene.graduating[0].pk, second_grade.pk])
    assert refused.value.code == "not_final_grade"
    assert refused.value.details["students"] == [second_grade.pk]
    assert _statuses(scene) == before and StudentHistory.objects.count() == history
    assert not GraduationBatch.objects.exists() and not Graduate.objects.exists()


def test_another_schools_pupil_and_outside_the_window_are_refused(scene):
    from xueji.core.errors import NotFound

    other = scene.students["shexian_primary"]
    with pytest.raises(NotFound):  # outside the school's jurisdiction: as if absent
        graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"], student_ids=[other.pk])
    BusinessWindow.objects.filter(kind="graduation.graduation").delete()
    with pytest.raises(ValidationFailed) as closed:
        graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"],
                            student_ids=[scene.graduating[0].pk])
    assert closed.value.code == "outside_business_window"
    assert _statuses(scene)[scene.graduating[0].pk] == "01"


def test_the_timeline_and_the_record_as_of_a_date_read_the_graduation_from_its_rows(scene):
    """No history row per graduate: the timeline shows the graduation (status before and after, the destination)
    and the record as of the day before shows the pupil in school; after a revert both are right again."""
    import datetime as dt

    from xueji.core import clock
    from xueji.registry.history import record_as_of
    from xueji.registry.timeline import student_timeline

    one = scene.graduating[0]
    Student.objects.filter(pk=one.pk).update(created_at=clock.now() - dt.timedelta(days=30))  # entered long ago
    registrar = _registrar(scene)
    graduation_graduate(actor=registrar, school=scene.schools["tunxi_primary"], student_ids=[one.pk],
                        destinations={one.pk: Destination.VOCATIONAL})
    pupil = Student.objects.get(pk=one.pk)
    entries = student_timeline(user=registrar, student=pupil).entries
    graduated = [e for e in entries if e["kind"] == "graduation"]
    assert len(graduated) == 1 and "毕业" in graduated[0]["title"] and "去向" in graduated[0]["note"]
    assert [(c["key"], c["before"], c["after"]) for c in graduated[0]["changes"]] == [("status", "在读", "毕业")]
    assert not student_timeline(user=scene.user("xuanwu", "registrar"), student=pupil).entries or all(
        e["kind"] != "graduation" for e in student_timeline(user=scene.user("xuanwu", "registrar"),
                                                            student=pupil).entries)
    yesterday = clock.today() - dt.timedelta(days=1)
    assert record_as_of(user=registrar, student=pupil, date=yesterday).student.status == "01"
    assert record_as_of(user=registrar, student=pupil, date=clock.today()).student.status == "07"
    graduation_revert(actor=registrar, graduate=Graduate.objects.get(student=one), reason="误操作")
    pupil = Student.objects.get(pk=one.pk)
    assert record_as_of(user=registrar, student=pupil, date=yesterday).student.status == "01"
    kinds = [e["kind"] for e in student_timeline(user=registrar, student=pupil).entries]
    assert kinds[:2] == ["status", "graduation"]  # the revert (a history row), then the graduation


def test_a_mistaken_graduation_is_reverted_by_the_school(scene):
    one = scene.graduating[0]
    graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"], student_ids=[one.pk])
    graduate = Graduate.objects.get(student=one)
    graduation_revert(actor=_registrar(scene), graduate=graduate, reason="误操作")
    assert Student.objects.get(pk=one.pk).status == "01"
    assert Graduate.objects.get(pk=graduate.pk).reverted_at is not None
    assert counts.differences() == {}
    with pytest.raises(Conflict) as again:
        graduation_revert(actor=_registrar(scene), graduate=graduate)
    assert again.value.code == "already_reverted"


def _admitted_at_middle(world, student):
    """The pupil admitted by tunxi_middle (what admissions will do through the door): placed and enrolled."""
    middle = world.schools["tunxi_middle"]
    klass = SchoolClass.objects.create(school=middle, stage="2", cohort_year=2099, number=9)
    actor = world.user("tunxi_middle", "registrar")
    student_place(actor=actor, student=student.pk, school_class=klass)
    student_set_status(actor=actor, student=student.pk, status="01")
    return klass


def test_reverting_after_the_pupil_was_admitted_elsewhere_is_refused(scene):
    one = scene.graduating[0]
    graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"], student_ids=[one.pk])
    _admitted_at_middle(scene, one)
    graduate = Graduate.objects.get(student=one)
    before = Student.objects.filter(pk=one.pk).values("school_id", "status").get()
    with pytest.raises(Conflict) as refused:
        graduation_revert(actor=_registrar(scene), graduate=graduate)
    assert refused.value.code == "admitted_elsewhere"
    assert Student.objects.filter(pk=one.pk).values("school_id", "status").get() == before
    assert Graduate.objects.get(pk=graduate.pk).reverted_at is None


def test_unknown_destinations_are_filled_from_where_the_pupil_sits_now(scene):
    one, two, _kept = scene.graduating
    graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"],
                        student_ids=[one.pk, two.pk])
    assert destinations_fill() == 0  # nobody admitted yet
    klass = _admitted_at_middle(scene, one)  # the same record admitted
    add_pupil(scene, klass, 20, id_number=two.id_number)  # a new record with the same ID number
    assert destinations_fill(student_ids=[one.pk]) == 1
    assert destinations_fill() == 1
    filled = {g.student_id: (g.destination, g.destination_school_id) for g in Graduate.objects.all()}
    middle = scene.schools["tunxi_middle"].pk
    assert filled == {one.pk: (Destination.NEXT_STAGE, middle), two.pk: (Destination.NEXT_STAGE, middle)}
    assert destinations_fill() == 0


def test_the_graduation_page_and_api(scene, client):
    client.force_login(_registrar(scene))
    page = client.get(reverse("schoolyear:graduation"))
    assert page.status_code == 200
    for pupil in scene.graduating:
        assert f'value="{pupil.pk}" checked' in page.content.decode()
    one, two, kept = scene.graduating
    answer = client.post(reverse("schoolyear:graduation"), {"students": [one.pk, two.pk], "kind": "07",
                                                            f"destination_{one.pk}": "20"})
    assert answer.status_code == 302
    assert _statuses(scene)[one.pk] == "07" and _statuses(scene)[kept.pk] == "01"
    api = client.post(reverse("api:graduation"), {"students": [scene.students["tunxi_primary"].pk]},
                      content_type="application/json")
    assert api.status_code == 409 and api.json()["code"] == "not_final_grade"
    revert = client.post(reverse("api:graduation-revert", args=[one.pk]), {}, content_type="application/json")
    assert revert.status_code == 200 and _statuses(scene)[one.pk] == "01"


def test_a_graduation_batch_is_signed_by_its_registrar_and_a_changed_batch_is_not_verified(scene):
    from xueji.schoolyear.signatures import SUBJECT, batch_verified
    from xueji.signing.models import Signature

    one, two, _kept = scene.graduating
    batch = graduation_graduate(actor=_registrar(scene), school=scene.schools["tunxi_primary"],
                                student_ids=[one.pk, two.pk])
    signature = Signature.objects.get(subject=SUBJECT, object_id=batch.pk)
    assert signature.signer == _registrar(scene)
    assert batch_verified(batch) is True

    GraduationBatch.objects.filter(pk=batch.pk).update(count=3)  # behind the application's back
    assert batch_verified(GraduationBatch.objects.get(pk=batch.pk)) is False
