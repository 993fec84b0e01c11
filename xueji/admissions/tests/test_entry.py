"""Cross-province entry after graduation (毕业后跨省就学, admissions/entry.py): B = 安徽 340000 (tunxi_middle receives),
A = 江苏 320000 (xuanwu_primary graduated the pupil). Each side's engine holds its own parties; what crosses is a
hub message, run here with hub_run()."""

import datetime as dt

import pytest

from xueji.admissions import entry as entries
from xueji.admissions.models import Entry
from xueji.admissions.tests.entry_helpers import (
    NUMBER,
    UNKNOWN_ID,
    approve,
    both_approved,
    file_entry,
    registrar,
    reject,
    sending_row,
)
from xueji.core.errors import XuejiError
from xueji.core.sealing import blind_index
from xueji.hub.models import InboxMessage, OutboxMessage
from xueji.hub.services import hub_run
from xueji.registry.choices import StudentStatus
from xueji.registry.models import RegStatus, Student, StudentCount, StudentHistory
from xueji.schoolyear.models import Graduate
from xueji.workflow.models import Request

pytestmark = pytest.mark.django_db


def refused(fn, code: str) -> None:
    with pytest.raises(XuejiError) as caught:
        fn()
    assert caught.value.code == code


def snapshot() -> tuple:
    return (list(Student.objects.order_by("pk").values_list("pk", "school_id", "school_class_id", "status",
                                                             "reg_status", "province_code")),
            StudentHistory.objects.count(), sorted(StudentCount.objects.values_list("school_id", "status", "n")),
            Request.objects.count(), Entry.objects.count(), OutboxMessage.objects.count())


def test_the_full_flow_between_two_provinces(entry_scene):
    world = entry_scene
    pupil = world.students["xuanwu_primary"]
    entry = file_entry(world, reason="随父母迁居")
    assert (entry.side, entry.state, entry.student_id) == ("receiving", "filed", None)
    assert entry.pupil["name"] == pupil.name and "*" in entry.pupil["id_number"]  # A's answer, masked by A
    request = Request.objects.get(pk=entry.pk)
    assert (request.subject_type, request.subject_id) == ("registry.national_number", blind_index(NUMBER))
    steps = list(request.steps.values_list("resolver", "org_unit_id", "role"))
    assert steps == [("destination_county", world.units["tunxi"].pk, "registrar")]
    approve(world, entry.pk)
    entry.refresh_from_db()
    assert entry.state == "awaiting_source" and sending_row(entry) is None  # not delivered yet
    hub_run()
    release = sending_row(entry)
    assert release is not None and release.state == "filed" and release.student_id == pupil.pk
    assert list(Request.objects.get(pk=release.pk).steps.values_list("resolver", "org_unit_id", "role")) == [
        ("source_county", world.units["xuanwu"].pk, "registrar")]
    approve(world, release.pk)
    hub_run()
    entry.refresh_from_db()
    assert entry.state == "awaiting_retrieval" and entry.student_id is None
    history_before = StudentHistory.objects.filter(student_id=pupil.pk).count()
    entries.entry_retrieve(actor=registrar(world), entry=entry)
    entries.entry_retrieve(actor=registrar(world), entry=entry)  # a double click
    assert OutboxMessage.objects.filter(kind="admissions.entry_retrieve").count() == 1
    hub_run()
    entry.refresh_from_db()
    release.refresh_from_db()
    moved = Student.objects.get(pk=pupil.pk)
    assert (entry.state, release.state) == ("completed", "completed")
    assert entry.student_id == pupil.pk
    klass = world.classes["entering"]
    assert (moved.school_id, moved.school_class_id, moved.province_code, moved.status) == (
        klass.school_id, klass.pk, "340000", StudentStatus.ENROLLED)
    # Its history came along (one database: it is the same row) plus the placement and the status change here.
    kinds = list(StudentHistory.objects.filter(student_id=pupil.pk).order_by("pk").values_list("kind", flat=True))
    assert len(kinds) == history_before + 2 and kinds[-2:] == ["placement", "status"]
    graduate = Graduate.objects.get(student_id=pupil.pk)
    assert graduate.destination == "30" and graduate.destination_filled_at is not None  # 外省就学
    assert list(OutboxMessage.objects.order_by("pk").values_list("kind", flat=True)) == [
        "admissions.entry_requested", "admissions.entry_opened", "admissions.entry_approved",
        "admissions.entry_retrieve", "admissions.entry_file", "admissions.entry_received"]
    assert not InboxMessage.objects.exclude(state="applied").exists()
    assert StudentCount.objects.get(school_class_id=klass.pk, status=StudentStatus.ENROLLED).n == 1
    # The receiving school sees the entry's request on the pupil's timeline (its history rows name it).
    from xueji.registry.timeline import student_timeline

    requests = {e["request"]["id"] for e in student_timeline(user=registrar(world), student=moved, limit=100).entries
                if e["request"]}
    assert entry.pk in requests


def test_a_redelivered_message_changes_nothing(entry_scene):
    """Every message of the flow delivered again (the same key: received once) and every handler called again
    with it (a message the row is past: a no-op): nothing changes."""
    from xueji.hub.envelope import parse
    from xueji.hub.services import inbox_receive, wire_of

    world = entry_scene
    entry, _release = both_approved(world)
    entries.entry_retrieve(actor=registrar(world), entry=entry)
    hub_run()
    state = lambda: (snapshot(), list(Entry.objects.order_by("pk").values_list("state", "peer_key", "student_id")),  # noqa: E731
                     list(Graduate.objects.values_list("destination", "destination_filled_at")))
    before = state()
    handlers = {f"admissions.entry_{kind}": getattr(entries, f"on_{kind}") for kind in entries.KINDS}
    for row in OutboxMessage.objects.order_by("pk"):
        wire = wire_of(row, sent_at=row.sent_at)
        _inbox, new = inbox_receive(message=wire)
        assert not new
        handlers[row.kind](parse({k: v for k, v in wire.items() if k != "mac"}))
    hub_run()
    assert state() == before


def test_a_pupil_in_school_there_is_refused_at_filing(entry_scene):
    world = entry_scene
    Student.objects.filter(pk=world.students["xuanwu_primary"].pk).update(status=StudentStatus.ENROLLED)
    before = snapshot()
    refused(lambda: file_entry(world), "pupil_not_graduated")
    assert snapshot() == before


def test_the_graduating_side_checks_again_and_refuses(entry_scene):
    """Graduated at filing, reverted since: A refuses, B's entry closes with A's code, A opens nothing."""
    world = entry_scene
    entry = file_entry(world)
    approve(world, entry.pk)
    Student.objects.filter(pk=world.students["xuanwu_primary"].pk).update(status=StudentStatus.ENROLLED)
    hub_run()
    entry.refresh_from_db()
    assert entry.state == "rejected" and entry.outcome.startswith("pupil_not_graduated")
    assert not Entry.objects.filter(side="sending").exists()
    assert not Request.objects.filter(type="admissions.entry_release").exists()


def test_a_pupil_unknown_there_gets_a_new_record_here(entry_scene):
    world = entry_scene
    refused(lambda: file_entry(world, national_number=""), "identity_required")
    entry = file_entry(world, national_number="", name="新来", sex="1", birth_date=dt.date(2013, 5, 6),
                       id_number=UNKNOWN_ID)
    request = Request.objects.get(pk=entry.pk)
    assert (request.subject_type, request.subject_id) == ("admissions.entrant_id", blind_index(UNKNOWN_ID))
    approve(world, entry.pk)
    hub_run()
    entry.refresh_from_db()
    assert entry.state == "no_record" and entry.outcome.startswith("no_record")
    assert not Student.objects.filter(id_number=UNKNOWN_ID).exists()  # no pupil before the school acts
    entries.entry_retrieve(actor=registrar(world), entry=entry)
    entries.entry_retrieve(actor=registrar(world), entry=entry)  # a double click
    entry.refresh_from_db()
    created = Student.objects.get(id_number=UNKNOWN_ID)
    assert entry.state == "completed" and entry.student_id == created.pk
    assert (created.school_id, created.school_class_id, created.reg_status, created.province_code) == (
        world.schools["tunxi_middle"].pk, world.classes["entering"].pk, RegStatus.DRAFT, "340000")
    assert Student.objects.filter(id_number=UNKNOWN_ID).count() == 1


def test_a_pupil_in_school_here_and_a_second_filing_are_refused(entry_scene):
    world = entry_scene
    file_entry(world)
    before = snapshot()
    refused(lambda: file_entry(world), "request_in_progress")
    assert snapshot() == before
    # By identity: a pupil on a roll of this province already.
    here = world.students["tunxi_primary"]
    refused(lambda: file_entry(world, national_number="", name=here.name, sex=here.sex, birth_date=here.birth_date,
                               id_number=here.id_number), "already_in_school")
    assert snapshot() == before


def test_retrieval_before_the_approvals_and_by_another_school_is_refused(entry_scene):
    world = entry_scene
    entry = file_entry(world)
    refused(lambda: entries.entry_retrieve(actor=registrar(world), entry=entry), "not_approved")
    refused(lambda: entries.entry_retrieve(actor=world.user("tunxi_primary", "registrar"), entry=entry),
            "receiving_school_only")
    assert not OutboxMessage.objects.exists()


def test_a_rejection_here_closes_it_before_it_leaves(entry_scene):
    world = entry_scene
    entry = file_entry(world)
    reject(world, entry.pk)
    entry.refresh_from_db()
    assert entry.state == "rejected"
    hub_run()
    assert not OutboxMessage.objects.exists() and not Entry.objects.filter(side="sending").exists()
    file_entry(world)  # the number is free again


def test_a_rejection_there_closes_both(entry_scene):
    world = entry_scene
    entry = file_entry(world)
    approve(world, entry.pk)
    hub_run()
    release = sending_row(entry)
    reject(world, release.pk, "未毕业")
    hub_run()
    entry.refresh_from_db()
    release.refresh_from_db()
    assert (entry.state, release.state) == ("rejected", "rejected") and entry.outcome == "未毕业"
    pupil = Student.objects.get(pk=world.students["xuanwu_primary"].pk)
    assert (pupil.province_code, pupil.status) == ("320000", StudentStatus.GRADUATED)
    assert Graduate.objects.get(student_id=pupil.pk).destination == "00"
    refused(lambda: entries.entry_retrieve(actor=registrar(world), entry=entry), "not_approved")


def test_a_closed_window_refuses_the_filing(entry_scene):
    from xueji.policy.models import BusinessWindow

    world = entry_scene
    BusinessWindow.objects.filter(province_code="340000", kind="admissions.admission").delete()
    before = snapshot()
    refused(lambda: file_entry(world), "outside_business_window")
    assert snapshot() == before


def test_a_closed_window_there_refuses_the_graduating_side(entry_scene):
    from xueji.policy.models import BusinessWindow

    world = entry_scene
    entry = file_entry(world)
    approve(world, entry.pk)
    BusinessWindow.objects.filter(province_code="320000", kind="admissions.admission").delete()
    hub_run()
    entry.refresh_from_db()
    assert entry.state == "rejected" and entry.outcome.startswith("outside_business_window")


def test_the_graduating_side_returned_then_withdrawn_closes_both(entry_scene):
    from xueji.admissions.tests.entry_helpers import holder
    from xueji.workflow.services import request_decide, request_withdraw

    world = entry_scene
    entry = file_entry(world)
    approve(world, entry.pk)
    hub_run()
    release = sending_row(entry)
    request = Request.objects.get(pk=release.pk)
    request_decide(actor=holder(world, request), request=request, approve=False, comment="材料不全")
    hub_run()
    entry.refresh_from_db()
    assert entry.state == "awaiting_source"  # a return waits for the graduating school
    request_withdraw(actor=world.user("xuanwu_primary", "registrar"), request=Request.objects.get(pk=release.pk))
    hub_run()
    entry.refresh_from_db()
    release.refresh_from_db()
    assert (entry.state, release.state) == ("rejected", "rejected")
