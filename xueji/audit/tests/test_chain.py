"""The audit log's hash chain (audit.chain): every row a link, a row changed or removed behind the application's
back found by `audit_verify` with the exact row; the daily anchor; the signed archive of the purge. On SQLite and
PostgreSQL (the parallel writers: PostgreSQL only)."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test import override_settings

from xueji.audit import archive, chain, services, verify
from xueji.audit.models import AuditChainCheck, AuditChainHead, AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock, crypto

TABLE = AuditEvent._meta.db_table


def _write(n, **extra):
    return [audit_record(actor=None, username="system", action=f"test.chain{i}", object_repr=f"row {i}",
                         after={"i": i, "nested": {"b": [1, 2], "a": "甲"}}, **extra) for i in range(n)]


def _behind_the_back(sql, params=()):
    """Raw SQL with the append-only guard off, as the owner could (PostgreSQL) or anyone with the file (SQLite);
    the test's transaction puts the guard back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_no_update")
            cursor.execute(sql, params)
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER audit_no_update")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
            cursor.execute(sql, params)


def _verify():
    try:
        call_command("audit_verify")
    except CommandError as error:
        return error.returncode
    return 0


@pytest.fixture
def rows(db):
    return _write(5)


def test_each_row_is_linked_to_the_previous_one_of_its_partition(rows):
    stored = list(AuditEvent.objects.filter(pk__in=[r.pk for r in rows]).order_by("chain_seq"))
    assert len({r.chain_partition for r in stored}) == 1  # one writer, one partition
    assert [r.chain_seq for r in stored] == list(range(stored[0].chain_seq, stored[0].chain_seq + 5))
    for previous, row in zip(stored, stored[1:], strict=False):
        assert row.chain_prev == previous.chain_hash
    head = AuditChainHead.objects.get(partition=stored[0].chain_partition)
    assert (head.seq, head.hash, head.event_id) == (stored[-1].chain_seq, stored[-1].chain_hash, stored[-1].pk)
    report = verify.chain_verify()
    assert report.ok and report.rows >= 5


def test_the_hash_is_sm3_over_the_previous_hash_and_the_canonical_row(rows):
    row = AuditEvent.objects.filter(pk=rows[1].pk).values(*chain.FIELDS, "chain_prev", "chain_hash").get()
    assert row["chain_hash"] == crypto.sm3_hex(row["chain_prev"].encode() + b"\n" + chain.canonical(row))
    assert json.loads(chain.canonical(row))[5] == "test.chain1"


def test_an_intact_chain_verifies_and_the_check_is_kept(rows, capsys):
    assert _verify() == 0
    assert "The audit chain is intact." in capsys.readouterr().out
    check = AuditChainCheck.objects.get()
    assert check.ok and check.breaks == [] and check.rows >= 5
    assert AuditEvent.objects.filter(action="audit.verify", success=True).count() == 1


def test_a_row_edited_behind_the_back_is_found_with_its_id(rows, capsys):
    _behind_the_back(f"UPDATE {TABLE} SET object_repr = 'forged' WHERE id = %s", [rows[2].pk])

    assert _verify() == 1
    out = capsys.readouterr().out
    assert f"row #{rows[2].pk} link {rows[2].chain_seq} (edited)" in out
    (broken,) = AuditChainCheck.objects.get().breaks
    assert (broken["event_id"], broken["problem"], broken["partition"]) == (rows[2].pk, "edited",
                                                                           rows[2].chain_partition)
    assert AuditEvent.objects.filter(action="audit.verify", success=False).count() == 1


def test_an_edited_row_given_a_fresh_hash_breaks_the_next_link(rows):
    row = AuditEvent.objects.filter(pk=rows[2].pk).values(*chain.FIELDS, "chain_prev").get()
    row["object_repr"] = "forged"
    _behind_the_back(f"UPDATE {TABLE} SET object_repr = 'forged', chain_hash = %s WHERE id = %s",
                     [chain.link_hash(row["chain_prev"], row), rows[2].pk])

    (broken,) = verify.chain_verify().breaks
    assert (broken.event_id, broken.problem) == (rows[3].pk, "relinked")
    assert f"#{rows[2].pk}" in broken.detail


def test_a_deleted_row_is_found_where_it_was(rows):
    _behind_the_back(f"DELETE FROM {TABLE} WHERE id = %s", [rows[1].pk])

    (broken,) = verify.chain_verify().breaks
    assert (broken.event_id, broken.seq, broken.problem) == (rows[2].pk, rows[2].chain_seq, "missing")
    assert "1 row(s) removed" in broken.detail


def test_the_newest_rows_deleted_are_found_by_the_head(rows):
    _behind_the_back(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [rows[3].pk, rows[4].pk])

    (broken,) = verify.chain_verify().breaks
    assert (broken.problem, broken.seq) == ("head", rows[4].chain_seq)
    assert f"#{rows[2].pk}" in broken.detail


def test_a_row_inserted_without_a_link_is_reported(rows):
    _behind_the_back(f"INSERT INTO {TABLE} (created_at, actor_username, org_path, action, object_type, object_id, "
                     "object_repr, success, request_id) VALUES (%s, 'x', '', 'forged', '', '', '', true, '')",
                     [clock.now()])

    (broken,) = verify.chain_verify().breaks
    assert broken.problem == "unchained" and broken.event_id > rows[-1].pk


def test_bulk_inserts_of_audit_rows_are_refused(db):
    from xueji.core.errors import Forbidden

    with pytest.raises(Forbidden):
        AuditEvent.objects.bulk_create([AuditEvent(created_at=clock.now(), action="x")])


def test_the_head_is_rebuilt_from_the_log_when_its_table_was_emptied(rows):
    AuditChainHead.objects.all().delete()
    (later,) = _write(1)
    assert later.chain_seq == rows[-1].chain_seq + 1 and later.chain_prev == rows[-1].chain_hash
    assert verify.chain_verify().ok


def test_an_audit_row_costs_one_query_more_than_its_insert(rows, django_assert_num_queries):
    with django_assert_num_queries(2) as queries:  # the head's lock, the insert (the trigger moves the head)
        audit_record(actor=None, username="system", action="test.cost")
    assert "FOR UPDATE" in queries.captured_queries[0]["sql"] or connection.vendor == "sqlite"


def test_partitions_are_per_writer_and_spread(settings):
    import threading

    settings.XUEJI_AUDIT_CHAIN_PARTITIONS = 16
    seen = set()
    together = threading.Barrier(16)  # all alive at once: a finished thread's ident may be given to the next

    def note():
        seen.add(chain.writer_partition())
        together.wait(timeout=10)

    threads = [threading.Thread(target=note) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert chain.writer_partition() == chain.writer_partition()
    assert all(0 <= p < 16 for p in seen) and len(seen) > 1


# ----------------------------------------------------------------------------------------------- the anchor

def test_the_daily_anchor_records_each_head_once_a_day(rows, caplog):
    caplog.set_level("INFO", logger="xueji.audit.chain")
    done = services.chain_anchor_if_due()

    assert done["intact"] and done["heads"] >= 1
    anchor = AuditEvent.objects.get(action="audit.anchor")
    p = str(rows[-1].chain_partition)
    verified = AuditEvent.objects.get(action="audit.verify")  # the anchor verifies first, then anchors the heads
    assert anchor.after["heads"][p] == {"seq": verified.chain_seq, "hash": verified.chain_hash,
                                        "event_id": verified.pk}
    assert anchor.after["sent"] == "log" and anchor.after["intact"]
    assert "audit chain anchor" in caplog.text and verified.chain_hash in caplog.text
    assert services.chain_anchor_if_due() is None  # once a day
    with clock.frozen(clock.now() + dt.timedelta(days=1)):
        assert services.chain_anchor_if_due() is not None


def test_a_chain_rewritten_after_its_anchor_is_found_at_the_anchored_link(rows):
    services.chain_anchor()
    anchored = AuditEvent.objects.get(action="audit.anchor").after["heads"][str(rows[-1].chain_partition)]
    # Rewrite the anchored row and give it a consistent hash: only the anchor knows better.
    last = AuditEvent.objects.filter(pk=anchored["event_id"]).values(*chain.FIELDS, "chain_prev").get()
    last["object_repr"] = "forged"
    _behind_the_back(f"UPDATE {TABLE} SET object_repr = 'forged', chain_hash = %s WHERE id = %s",
                     [chain.link_hash(last["chain_prev"], last), anchored["event_id"]])

    (broken,) = verify.chain_verify().breaks
    assert (broken.event_id, broken.problem) == (anchored["event_id"], "anchor")


def test_the_anchor_goes_to_the_configured_sender(rows, settings):
    sent = []
    settings.XUEJI_AUDIT_ANCHOR_SENDER = f"{__name__}._sender"
    _SENT[:] = []
    services.chain_anchor()
    sent = _SENT
    assert sent and str(rows[-1].chain_partition) in sent[0]
    assert AuditEvent.objects.get(action="audit.anchor").after["sent"] == "test"


_SENT: list = []


def _sender(*, heads, at):
    _SENT.append(heads)
    return "test"


def test_the_jobs_maintenance_runs_the_anchor(rows):
    from xueji.jobs.services import jobs_maintain

    assert "audit.anchor" in jobs_maintain()["periodic"]
    assert AuditEvent.objects.filter(action="audit.anchor").exists()


# ---------------------------------------------------------------------------------------------- the archive

@pytest.fixture
def archive_key(settings, tmp_path):
    key = crypto.sm2_generate_key()
    settings.XUEJI_AUDIT_ARCHIVE_KEY = key.private_key
    settings.XUEJI_AUDIT_ARCHIVE_DIR = tmp_path
    return key


def _aged(days_list):
    now = clock.now()
    return [AuditEvent.objects.create(created_at=now - dt.timedelta(days=d), action=f"test.age{d}") for d in days_list]


def test_the_purge_archives_to_a_signed_file_and_the_chain_verifies_from_the_boundary(db, archive_key, tmp_path):
    old = _aged([400, 300, 186])
    young = _aged([10, 1])

    call_command("purge_audit_log")

    assert not AuditEvent.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[r.pk for r in young]).count() == 2
    (path,) = tmp_path.glob("*.jsonl")
    meta = json.loads(Path(f"{path}.sig.json").read_text())
    assert meta["rows"] == 3 and meta["public_key"] == archive_key.public_key
    assert meta["boundaries"][str(old[-1].chain_partition)] == {"seq": old[-1].chain_seq, "hash": old[-1].chain_hash}
    assert archive.archive_verify(path, public_key=archive_key.public_key)["problems"] == []
    purge = AuditEvent.objects.get(action="audit.purge")
    assert purge.after["boundaries"] == meta["boundaries"] and purge.after["archive"] == path.name
    assert verify.chain_verify().ok
    call_command("audit_verify", archive=str(path))


def test_a_changed_archive_does_not_verify(db, archive_key, tmp_path):
    _aged([400, 300])
    call_command("purge_audit_log")
    (path,) = tmp_path.glob("*.jsonl")
    path.write_bytes(path.read_bytes().replace(b"test.age400", b"test.age401"))

    problems = archive.archive_verify(path)["problems"]
    assert any("SM3 digest" in p for p in problems) and any("signature" in p for p in problems)
    assert any("no longer give its hash" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("audit_verify", archive=str(path))
    other = crypto.sm2_generate_key()
    assert archive.archive_verify(path, public_key=other.public_key)["problems"]


def test_a_row_older_than_the_cutoff_after_a_younger_one_waits(db, archive_key):
    first, young, late_old = _aged([400, 10, 300])

    call_command("purge_audit_log")

    assert not AuditEvent.objects.filter(pk=first.pk).exists()
    assert AuditEvent.objects.filter(pk__in=[young.pk, late_old.pk]).count() == 2  # the chain stays one piece
    assert verify.chain_verify().ok


def test_the_purge_without_a_signing_key_refuses_and_deletes_nothing(db, settings):
    settings.XUEJI_AUDIT_ARCHIVE_KEY = ""
    settings.XUEJI_AUDIT_ARCHIVE_KEY_FILE = ""
    old = _aged([400])
    with pytest.raises(CommandError, match="signing key"):
        call_command("purge_audit_log")
    assert AuditEvent.objects.filter(pk=old[0].pk).exists()
    assert not AuditEvent.objects.filter(action="audit.purge").exists()


def test_the_signing_key_may_come_from_a_key_file(db, settings, tmp_path):
    key = crypto.sm2_generate_key()
    (tmp_path / "key").write_text(key.private_key + "\n")
    with override_settings(XUEJI_AUDIT_ARCHIVE_KEY="", XUEJI_AUDIT_ARCHIVE_KEY_FILE=str(tmp_path / "key")):
        assert archive.signing_key() == key.private_key


# ------------------------------------------------------------------------------------------ parallel writers

@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL parallel connections")
def test_parallel_writers_never_fork_a_chain(transactional_db, settings):
    """16 threads, each its own connection, 4 partitions: writers of one partition queue on its head."""
    import threading

    settings.XUEJI_AUDIT_CHAIN_PARTITIONS = 4
    barrier, errors = threading.Barrier(16), []

    def write():
        try:
            barrier.wait(30)
            for i in range(15):
                with transaction.atomic():
                    audit_record(actor=None, username="system", action="test.parallel", after={"i": i})
                    if i % 5 == 0:  # a transaction of several rows
                        audit_record(actor=None, username="system", action="test.parallel2", after={"i": i})
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert errors == []
    assert AuditEvent.objects.filter(action__startswith="test.parallel").count() == 16 * 18
    report = verify.chain_verify()
    assert report.ok, report.breaks
    assert report.rows == 16 * 18


def test_acted_by_is_part_of_the_link_and_rows_without_it_keep_their_old_form(db):
    """A password loan's borrower (acted_by, issue 11 item 3) is chained: editing it breaks the link; a row without
    it hashes as before the column existed."""
    from xueji.audit import chain
    from xueji.core import context

    token = context.bind(context.RequestContext(request_id="r1", ip="10.0.0.1", acted_by="borrower"))
    try:
        lent = audit_record(actor=None, username="lender", action="test.acted")
    finally:
        context.reset(token)
    plain = audit_record(actor=None, username="lender", action="test.plain")
    assert lent.acted_by == "borrower" and plain.acted_by is None
    row = {name: getattr(plain, name) for name in chain.FIELDS}
    assert b"borrower" not in chain.canonical(row) and len(json.loads(chain.canonical(row))) == 16
    assert _verify() == 0
    _behind_the_back(f"UPDATE {TABLE} SET acted_by = 'someone else' WHERE id = %s", [lent.pk])
    assert _verify() != 0
