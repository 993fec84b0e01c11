"""The cross-province hop (跨省转学): B = 安徽 340000 (tunxi_primary receives), A = 江苏 320000 (xuanwu_primary sends).
Each side's engine holds its own parties; what crosses is a hub message, run here with hub_run()."""

import pytest

from xueji.core.errors import XuejiError
from xueji.core.idnumbers import check_char
from xueji.core.sealing import blind_index
from xueji.hub.models import InboxMessage, OutboxMessage
from xueji.hub.services import hub_run, inbox_process, outbox_deliver
from xueji.registry.choices import StudentStatus
from xueji.registry.models import Student, StudentHistory
from xueji.transfers import cancellation, crossing, finder, services
from xueji.transfers.models import Transfer
from xueji.transfers.tests.conftest import certificate
from xueji.transfers.tests.helpers import approve_all, holder_of, route_of
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide

pytestmark = pytest.mark.django_db
NUMBER = "G" + "3" * 17 + check_char("3" * 17)
OTHER_NUMBER = "G" + "4" * 17 + check_char("4" * 17)


@pytest.fixture
def across(scene):
    Student.objects.filter(pk=scene.students["xuanwu_primary"].pk).update(national_number=NUMBER)
    return scene


def file_across(world, **kwargs) -> Transfer:
    registrar = world.user("tunxi_primary", "registrar")
    found = finder.pupil_find(actor=registrar, national_number=NUMBER, source_province="320000")
    assert found is not None and found.cross_province
    return services.transfer_file(actor=registrar, token=found.token, proofs={"certificate": [certificate()]},
                                  **kwargs)


def sending_row(transfer: Transfer) -> Transfer | None:
    return Transfer.objects.filter(side="sending", peer_key=f"340000:{transfer.pk}").first()


def both_approved(world) -> tuple[Transfer, Transfer]:
    transfer = file_across(world)
    approve_all(world, transfer)
    hub_run()
    release = sending_row(transfer)
    approve_all(world, release)
    hub_run()
    transfer.refresh_from_db()
    release.refresh_from_db()
    return transfer, release


def approve_request(world, pk: int) -> Request:
    request = Request.objects.get(pk=pk)
    while request.status == "pending":
        step = request.steps.filter(round=request.round, status="pending").order_by("order").first()
        request = request_decide(actor=holder_of(world, step), request=request, approve=True)
    return request


def refused(fn, code: str) -> None:
    with pytest.raises(XuejiError) as caught:
        fn()
    assert caught.value.code == code


def test_end_to_end_each_engine_holds_its_own_parties(across):
    world = across
    pupil = world.students["xuanwu_primary"]
    transfer = file_across(world, migrant=True)
    assert transfer.side == "receiving" and transfer.source_school is None and transfer.migrant
    # B holds no record of the pupil before 调档: A's answer to the lookup, and a claim on the national number.
    assert transfer.student_id is None
    assert transfer.pupil["name"] == pupil.name and transfer.pupil["school"]["name"] == "xuanwu_primary"
    assert transfer.pupil["national_number"] == NUMBER and "*" in transfer.pupil["id_number"]
    request = Request.objects.get(pk=transfer.pk)
    # The number is personal: the subject is kept as its blind index (what it is compared by).
    key = blind_index(NUMBER)
    assert (request.subject_type, request.subject_id) == ("registry.national_number", key) and NUMBER not in key
    assert list(request.subject_links.values_list("subject__kind", "subject__key")) == [
        ("registry.national_number", key)]
    assert route_of(world, transfer) == [("destination_school", "tunxi_primary", "leader"),
                                         ("destination_county", "tunxi", "registrar")]
    approve_all(world, transfer)
    transfer.refresh_from_db()
    assert transfer.state == "awaiting_source"
    assert sending_row(transfer) is None  # not yet delivered
    hub_run()
    release = sending_row(transfer)
    assert release is not None and release.state == "filed" and release.destination_school is None
    assert route_of(world, release) == [("source_school", "xuanwu_primary", "leader"),
                                        ("source_county", "xuanwu", "registrar")]
    transfer.refresh_from_db()
    assert transfer.peer_key == f"320000:{release.pk}"
    approve_all(world, release)
    hub_run()
    transfer.refresh_from_db()
    assert transfer.state == "awaiting_retrieval" and transfer.student_id is None
    history_before = StudentHistory.objects.filter(student_id=pupil.pk).count()
    klass = world.classes["tunxi_primary"]
    registrar = world.user("tunxi_primary", "registrar")
    crossing.transfer_retrieve(actor=registrar, transfer=transfer, school_class=klass)
    crossing.transfer_retrieve(actor=registrar, transfer=transfer, school_class=klass)  # a double click
    assert OutboxMessage.objects.filter(kind="transfers.retrieve").count() == 1
    hub_run()
    transfer.refresh_from_db()
    release.refresh_from_db()
    moved = Student.objects.get(pk=pupil.pk)
    assert (transfer.state, release.state) == ("completed", "completed")
    assert transfer.student_id == pupil.pk  # the file gave B's row its record (one database: A's row, moved)
    assert (moved.school_id, moved.school_class_id, moved.province_code) == (klass.school_id, klass.pk, "340000")
    assert StudentHistory.objects.filter(student_id=pupil.pk).count() == history_before + 1  # the placement only
    kinds = list(OutboxMessage.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["transfers.requested", "transfers.opened", "transfers.approved", "transfers.retrieve",
                     "transfers.file", "transfers.received"]
    assert not InboxMessage.objects.exclude(state="applied").exists()
    from xueji.registry import integrity  # the move kept every record MAC valid (SECURITY.md row 23)

    assert integrity.verify().mismatched == []
    # The timeline on each side: its own row, with its own parties.
    from xueji.transfers.timeline import transfer_entries

    for user, row, party in ((registrar, transfer, "tunxi"), (world.user("xuanwu", "registrar"), release, "xuanwu")):
        entries = transfer_entries(user=user, student=moved, before=None, limit=10)
        assert [e.key for e in entries] == [row.pk] and party in entries[0].note


def test_retrieval_before_the_last_approval_and_by_another_school_is_refused(across):
    world = across
    transfer = file_across(world)
    registrar = world.user("tunxi_primary", "registrar")
    refused(lambda: crossing.transfer_retrieve(actor=registrar, transfer=transfer,
                                               school_class=world.classes["tunxi_primary"]), "not_approved")
    refused(lambda: crossing.transfer_retrieve(actor=world.user("tunxi_second", "registrar"), transfer=transfer,
                                               school_class=world.classes["tunxi_primary"]), "receiving_school_only")
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(("change", "code"), [({"status": StudentStatus.GRADUATED}, "not_transferable"),
                                              ({"national_number": OTHER_NUMBER}, "pupil_not_found")])
def test_the_sending_side_refuses_a_pupil_it_cannot_release(across, change, code):
    """A checks again what B learned at the lookup: off the roll since, or no such number there (B's transfer
    closes with A's reason; A opens nothing)."""
    world = across
    transfer = file_across(world)
    approve_all(world, transfer)
    Student.objects.filter(pk=world.students["xuanwu_primary"].pk).update(**change)
    hub_run()
    transfer.refresh_from_db()
    assert transfer.state == "rejected" and transfer.outcome.startswith(code)
    assert not Transfer.objects.filter(side="sending").exists()
    assert not Request.objects.filter(type="transfers.release").exists()


def test_the_sending_side_refuses_while_another_request_is_open_on_the_pupil(across):
    world = across
    transfer = file_across(world)
    approve_all(world, transfer)
    other = file_transfer_within_a(world)
    hub_run()
    transfer.refresh_from_db()
    assert transfer.state == "rejected" and transfer.outcome.startswith("request_in_progress")
    assert Transfer.objects.get(pk=other.pk).state == "filed"


def file_transfer_within_a(world) -> Transfer:
    from xueji.transfers.tests.conftest import add_school

    add_school(world, "xuanwu_second", "xuanwu", "3201021009")
    registrar = world.user("xuanwu_second", "registrar")
    found = finder.pupil_find(actor=registrar, national_number=NUMBER)
    return services.transfer_file(actor=registrar, token=found.token, proofs={"certificate": [certificate()]})


def test_a_repeated_or_untimely_message_changes_nothing(across):
    world = across
    transfer, release = both_approved(world)
    approved = OutboxMessage.objects.get(kind="transfers.approved")
    envelope = crossing  # the handler itself, called again with the same message, is a no-op
    from xueji.hub.services import envelope_of

    row = InboxMessage.objects.get(key=approved.key)
    envelope.on_approved(envelope_of(row))
    transfer.refresh_from_db()
    assert transfer.state == "awaiting_retrieval"
    # `requested` again (a peer's retry sent anew): A's side is opened once.
    requested = InboxMessage.objects.get(kind="transfers.requested")
    crossing.on_requested(envelope_of(requested))
    assert Request.objects.filter(type="transfers.release").count() == 1
    assert OutboxMessage.objects.filter(kind="transfers.opened").count() == 1
    # `approved` for a transfer still filed on B's side (out of order) is refused, nothing changes.
    Transfer.objects.filter(pk=transfer.pk).update(state="filed")
    refused(lambda: crossing.on_approved(envelope_of(row)), "wrong_state")
    assert Transfer.objects.get(pk=transfer.pk).state == "filed"
    Transfer.objects.filter(pk=transfer.pk).update(state="awaiting_retrieval")
    # A file for a transfer nobody asked to retrieve is refused, nothing changes.
    refused(lambda: crossing.on_file(type(envelope_of(row))(**{**envelope_of(row).__dict__, "kind": "transfers.file",
                                                                 "payload": {"request": f"340000:{transfer.pk}",
                                                                             "file": {}}})), "wrong_state")
    assert Student.objects.get(pk=world.students["xuanwu_primary"].pk).province_code == "320000"


def test_cancellation_by_both_sides_keeps_the_pupil_in_a(across):
    world = across
    transfer = file_across(world)
    registrar = world.user("tunxi_primary", "registrar")
    refused(lambda: cancellation.cancellation_file(actor=registrar, transfer=transfer), "not_cancellable")
    approve_all(world, transfer)
    hub_run()
    approve_all(world, sending_row(transfer))
    hub_run()
    transfer.refresh_from_db()
    cancellation.cancellation_file(actor=registrar, transfer=transfer, reason="家长改变主意")
    cancellation.cancellation_file(actor=registrar, transfer=transfer)  # a double click
    transfer.refresh_from_db()
    assert Request.objects.filter(type="transfers.cancellation").count() == 1
    approve_request(world, transfer.cancellation_id)
    hub_run()
    release = sending_row(transfer)
    assert release.cancellation_id is not None
    approve_request(world, release.cancellation_id)
    hub_run()
    transfer.refresh_from_db()
    release.refresh_from_db()
    assert (transfer.state, release.state) == ("cancelled", "cancelled")
    assert transfer.student_id is None  # B never held the record
    pupil = Student.objects.get(pk=world.students["xuanwu_primary"].pk)
    assert (pupil.school_id, pupil.province_code) == (world.schools["xuanwu_primary"].pk, "320000")
    refused(lambda: crossing.transfer_retrieve(actor=registrar, transfer=transfer,
                                               school_class=world.classes["tunxi_primary"]), "not_approved")


def test_no_cancellation_after_retrieval(across):
    world = across
    transfer, _release = both_approved(world)
    registrar = world.user("tunxi_primary", "registrar")
    crossing.transfer_retrieve(actor=registrar, transfer=transfer, school_class=world.classes["tunxi_primary"])
    hub_run()
    refused(lambda: cancellation.cancellation_file(actor=registrar, transfer=transfer), "already_retrieved")
    assert not Request.objects.filter(type="transfers.cancellation").exists()


def test_the_file_creates_the_record_where_the_pupil_does_not_exist(across):
    """Separate databases: the file's application creates the record and its history; applied twice, once."""
    world = across
    pupil = Student.objects.get(pk=world.students["xuanwu_primary"].pk)
    file = crossing.file_of(pupil, province="320000")
    assert file["version"] == 1 and file["family"] and file["history"] == [] or isinstance(file["history"], list)
    Student.objects.filter(pk=pupil.pk).update(national_number=None)  # "not in this database" for the lookup
    klass = world.classes["tunxi_primary"]
    created = crossing.file_apply(file=file, school_class=klass, request_id=None)
    assert created.pk != pupil.pk and created.national_number == NUMBER and created.province_code == "340000"
    assert created.family.count() == pupil.family.count()
    again = crossing.file_apply(file={**file}, school_class=klass, request_id=None)
    assert again.pk == created.pk
    assert StudentHistory.objects.filter(student=created).count() == len(file["history"]) + 1
    from xueji.registry import integrity  # the new record has its record MAC (SECURITY.md row 23)

    assert not integrity.mismatch_of(created)


def test_messages_in_order_per_pupil_are_held(across):
    world = across
    transfer = file_across(world)
    approve_all(world, transfer)
    outbox_deliver()
    assert InboxMessage.objects.filter(kind="transfers.requested").count() == 1
    inbox_process()
    assert sending_row(transfer) is not None


def test_the_sending_schools_menu_counts_its_release_step(across, login):
    """The sending province's side (跨省转出) waits for the sending school's leader: the menu's transfer count says so,
    as it says so for the receiving side's steps."""
    world = across
    transfer = file_across(world)
    approve_all(world, transfer)
    hub_run()
    assert sending_row(transfer) is not None
    html = login(world.user("xuanwu_primary", "leader")).get("/").content.decode()
    assert 'data-menu-count="transfers:transfer_inbox">1<' in html


def test_a_cancellation_waits_in_the_transfer_inbox_of_each_sides_holders(across, login):
    """跨省转学撤销 in approval: the transfer row is in the inbox of whoever holds the cancellation's step (B's school
    leader, then, after the hop, A's school leader), held by them; the menu counts it."""
    from xueji.transfers.selectors import transfer_inbox

    world = across
    transfer, release = both_approved(world)
    cancellation.cancellation_file(actor=world.user("tunxi_primary", "registrar"), transfer=transfer,
                                   reason="家长改变主意")
    leader = world.user("tunxi_primary", "leader")
    rows = list(transfer_inbox(user=leader))
    assert [(row.pk, row.holder_party, row.holder_unit) for row in rows] == [
        (transfer.pk, "destination_school", world.units["tunxi_primary"].pk)]
    html = login(leader).get("/transfers/inbox/").content.decode()
    assert 'data-menu-count="transfers:transfer_inbox">1<' in html
    transfer.refresh_from_db()
    request = Request.objects.get(pk=transfer.cancellation_id)  # B's side of the cancellation
    while request.status == "pending":
        step = request.steps.filter(round=request.round, status="pending").order_by("order").first()
        request = request_decide(actor=holder_of(world, step), request=request, approve=True)
    hub_run()
    assert list(transfer_inbox(user=leader)) == []
    sending_leader = world.user("xuanwu_primary", "leader")
    assert [(row.pk, row.holder_party) for row in transfer_inbox(user=sending_leader)] == [
        (release.pk, "source_school")]


def test_a_second_receiving_school_filing_for_the_same_number_is_refused(across):
    """B's subject is the national number: while one school's transfer is open, another school of B filing for the
    same pupil is refused naming it, and nothing is written; the table holds one open receiving row per number."""
    from django.db import IntegrityError, transaction

    world = across
    first = file_across(world)
    second = world.user("tunxi_second", "registrar")
    found = finder.pupil_find(actor=second, national_number=NUMBER, source_province="320000")
    before = (Request.objects.count(), Transfer.objects.count())
    refused(lambda: services.transfer_file(actor=second, token=found.token,
                                           proofs={"certificate": [certificate()]}), "request_in_progress")
    assert (Request.objects.count(), Transfer.objects.count()) == before
    with pytest.raises(IntegrityError), transaction.atomic():
        row = Transfer.objects.get(pk=first.pk)
        row.pk, row.request = None, Request.objects.create(
            type="transfers.transfer", title="x", filer=second, filer_org=second.org_unit,
            created_at=row.filed_at, updated_at=row.filed_at)
        row.save()
    # Withdrawn, the number is free again.
    from xueji.workflow.services import request_withdraw

    request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=Request.objects.get(pk=first.pk))
    again = services.transfer_file(actor=second, token=found.token, proofs={"certificate": [certificate()]})
    assert again.state == "filed" and Transfer.objects.get(pk=first.pk).state == "withdrawn"


def test_the_lookup_goes_through_the_hub_and_the_answer_is_checked_here(across, settings):
    """B asks A through the hub's transport (a question, answered by A's own code and audited there); B checks A's
    answer against its school (a grade it does not teach); A's record is not read by B's finder."""
    from xueji.audit.models import AuditEvent
    from xueji.hub.tests.test_questions import Recording
    from xueji.schools.models import SchoolClass

    world = across
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_questions.Recording"
    Recording.seen = []
    registrar = world.user("tunxi_primary", "registrar")
    found = finder.pupil_find(actor=registrar, national_number=NUMBER, source_province="320000")
    (query,) = Recording.seen
    assert (query["kind"], query["receiver"], query["subject"]) == ("transfers.lookup", "320000", NUMBER)
    assert query["payload"]["school"]["code"] == world.schools["tunxi_primary"].code
    assert found.school == "xuanwu_primary" and found.refusal is None and "*" in found.national_number
    assert AuditEvent.objects.filter(action="hub.answer", org_unit=world.units["jiangsu"]).count() == 1
    assert AuditEvent.objects.filter(action="transfers.find", actor_username=registrar.username).count() == 1
    SchoolClass.objects.filter(school=world.schools["tunxi_primary"]).update(is_active=False)
    found = finder.pupil_find(actor=registrar, national_number=NUMBER, source_province="320000")
    assert found.refusal and "tunxi_primary" in str(found.refusal)  # no class of the pupil's grade here
    assert finder.pupil_find(actor=registrar, national_number=OTHER_NUMBER, source_province="320000") is None
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_questions.Unreachable"
    refused(lambda: finder.pupil_find(actor=registrar, national_number=NUMBER, source_province="320000"),
            "cross_province_unavailable")


def test_the_sending_sides_refusal_in_its_answer_is_shown_and_refuses_the_filing(across):
    world = across
    registrar = world.user("tunxi_primary", "registrar")
    found = finder.pupil_find(actor=registrar, national_number=NUMBER, source_province="320000")
    Student.objects.filter(pk=world.students["xuanwu_primary"].pk).update(status=StudentStatus.GRADUATED)
    again = finder.pupil_find(actor=registrar, national_number=NUMBER, source_province="320000")
    assert again.refusal  # what A answered: off the roll
    before = Transfer.objects.count()
    refused(lambda: services.transfer_file(actor=registrar, token=found.token,
                                           proofs={"certificate": [certificate()]}), "not_transferable")
    assert Transfer.objects.count() == before
