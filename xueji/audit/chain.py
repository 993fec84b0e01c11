"""The audit log's hash chain (等保 2.0 8.1.4.3c: audit records protected against modification and deletion).

Each audit row is a link: chain_hash = SM3(chain_prev || "\\n" || canonical form of the row), chain_prev being the
hash of the previous row of its partition (GENESIS for the first). A row edited behind the application's back no
longer matches its hash; a row removed leaves a gap in chain_seq and a link that names a hash nobody has; a row
rewritten with a fresh hash breaks the next row's link. `chain_verify` walks every partition and points at the
first broken link of each.

Partitions, so inserts stay concurrent: a chain is a queue (each link needs the previous hash), so one chain
would serialise every audited transaction of the system. There are XUEJI_AUDIT_CHAIN_PARTITIONS of them (16);
a writer (process and thread) always writes to the same one, picked by a hash of its identity, so two requests
queue only when their writers share a partition, and a process's own rows stay in order in one chain. The lock:
the writer takes its partition's head row FOR UPDATE in the audited transaction (PostgreSQL; SQLite writes one
transaction at a time anyway), links the row, inserts it; an AFTER INSERT trigger (migration 0005) moves the
head, so the chain costs one query per audit row. The lock lasts until the transaction commits: a long
transaction that audits early holds its partition that long (others of the partition wait, never fork: the
unique (partition, seq) constraint refuses a fork even then).

Anchoring: once a day the jobs worker's maintenance (`anchor_if_due`) verifies the chains, writes each
partition's head (seq and hash) to the log and to an `audit.anchor` row, and hands them to the configured sender
(XUEJI_AUDIT_ANCHOR_SENDER: a dotted path; the default logs; a deployment sends them to the level above). A
chain rewritten from some row on (by someone with the owner's rights) no longer has the anchored hash at the
anchored place.

Retention: `purge_audit_log` archives a partition's oldest links to a signed file and deletes them, a prefix of
each partition only, and records where each partition now starts (its boundary: the last archived seq and hash)
in its own `audit.purge` row; the verification starts each partition there."""

import datetime as dt
import json
import logging
import os
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from xueji.core import clock
from xueji.core.crypto import digests_equal, sm3_hex

logger = logging.getLogger("xueji.audit.chain")

GENESIS = "0" * 64
# The fields a link covers, in this order (the row's id is the database's, given after the hash is made).
FIELDS = ("created_at", "actor_id", "actor_username", "org_unit_id", "org_path", "action", "object_type",
          "object_id", "object_repr", "before", "after", "ip", "request_id", "success", "chain_partition",
          "chain_seq")
ANCHOR_ACTION = "audit.anchor"
PURGE_ACTION = "audit.purge"

_writer = threading.local()


def partitions() -> int:
    return max(1, int(getattr(settings, "XUEJI_AUDIT_CHAIN_PARTITIONS", 16)))


def writer_partition() -> int:
    """This writer's partition: a hash of the process and thread, the same for each of its rows."""
    key = (os.getpid(), threading.get_ident(), partitions())
    if getattr(_writer, "key", None) != key:
        _writer.key, _writer.partition = key, zlib.crc32(f"{key[0]}:{key[1]}".encode()) % key[2]
    return _writer.partition


def _utc(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _json(value: Any) -> Any:
    """The value as the JSON column gives it back (tuples are lists, keys strings)."""
    return None if value is None else json.loads(json.dumps(value))


def canonical(row: dict[str, Any]) -> bytes:
    """The row's fields in a fixed order, as compact JSON with sorted keys: the same bytes for the values being
    written and for the values read back from either database."""
    values = [_utc(row["created_at"]), row["actor_id"], row["actor_username"] or "", row["org_unit_id"],
              row["org_path"] or "", row["action"], row["object_type"] or "", row["object_id"] or "",
              row["object_repr"] or "", _json(row["before"]), _json(row["after"]), row["ip"] or None,
              row["request_id"] or "", bool(row["success"]), row["chain_partition"], row["chain_seq"]]
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def link_hash(prev: str, row: dict[str, Any]) -> str:
    return sm3_hex(prev.encode() + b"\n" + canonical(row))


def _head(partition: int, using: str):
    """The partition's head, locked until the transaction ends; made on first use (from the partition's last row,
    should the head table have been emptied)."""
    from xueji.audit.models import AuditChainHead, AuditEvent

    heads = AuditChainHead.objects.using(using).select_for_update()
    head = heads.filter(partition=partition).first()
    if head is not None:
        return head
    last = (AuditEvent.objects.using(using).filter(chain_partition=partition).order_by("-chain_seq")
            .values("chain_seq", "chain_hash", "id").first())
    AuditChainHead.objects.using(using).bulk_create(
        [AuditChainHead(partition=partition, seq=last["chain_seq"] if last else 0,
                        hash=last["chain_hash"] if last else GENESIS, event_id=last["id"] if last else None)],
        ignore_conflicts=True)
    return heads.get(partition=partition)


def chain_link(event, *, using: str = "default") -> None:
    """Make `event` (about to be inserted, in a transaction) the next link of its writer's partition."""
    from xueji.audit.models import AuditEvent

    head = _head(writer_partition(), using)
    event.chain_partition, event.chain_seq, event.chain_prev = head.partition, head.seq + 1, head.hash
    ip_field = AuditEvent._meta.get_field("ip")
    row = {name: getattr(event, name) for name in FIELDS}
    row["ip"] = ip_field.get_prep_value(event.ip) or None
    event.chain_hash = link_hash(head.hash, row)


# ------------------------------------------------------------------------------------------------- verifying

@dataclass
class Break:
    partition: int | None
    event_id: int | None
    seq: int | None
    problem: str  # edited | missing | relinked | unchained | head | anchor | boundary
    detail: str

    def as_dict(self) -> dict:
        return {"partition": self.partition, "event_id": self.event_id, "seq": self.seq, "problem": self.problem,
                "detail": self.detail}


@dataclass
class Report:
    rows: int = 0
    unchained: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.breaks


def boundaries(using: str = "default") -> dict[str, dict]:
    """Where each partition starts after the purges: {partition: {"seq", "hash"}} of the last archived link, from
    the newest `audit.purge` row (each purge records them all)."""
    from xueji.audit.models import AuditEvent

    after = (AuditEvent.objects.using(using).filter(action=PURGE_ACTION, success=True).order_by("-id")
             .values_list("after", flat=True).first())
    found = (after or {}).get("boundaries") if isinstance(after, dict) else None
    return found if isinstance(found, dict) else {}


def _links(using: str) -> Iterator[dict]:
    from xueji.audit.models import AuditEvent

    names = ("id", *FIELDS, "chain_prev", "chain_hash")
    yield from (AuditEvent.objects.using(using).filter(chain_partition__isnull=False)
                .order_by("chain_partition", "chain_seq").values(*names).iterator(chunk_size=5000))


def chain_verify(*, using: str = "default") -> Report:
    """Walk every partition from its boundary; report the first broken link of each, rows inserted without a
    link, heads that do not match the last link, and anchored hashes no longer in place."""
    from xueji.audit.models import AuditChainHead, AuditEvent

    report, starts = Report(), boundaries(using)
    broken: set[int] = set()
    state: dict[int, tuple[int, str, int | None]] = {}  # partition -> (seq, hash, event id) of its last good link
    anchored: dict[tuple[int, int], str] = {}
    for after in AuditEvent.objects.using(using).filter(action=ANCHOR_ACTION).values_list("after", flat=True):
        for p, head in ((after or {}).get("heads") or {}).items():
            anchored[(int(p), int(head["seq"]))] = head["hash"]
    for row in _links(using):
        report.rows += 1
        p = row["chain_partition"]
        if p in broken:
            continue
        if p not in state:
            start = starts.get(str(p)) or {}
            state[p] = (int(start.get("seq", 0)), start.get("hash", GENESIS), None)
        seq, prev, prev_id = state[p]
        problem = None
        if row["chain_seq"] != seq + 1:
            problem = Break(p, row["id"], row["chain_seq"], "missing",
                            f"expected link {seq + 1} after {seq}, found {row['chain_seq']}: "
                            f"{row['chain_seq'] - seq - 1} row(s) removed" if row["chain_seq"] > seq + 1 else
                            f"link {row['chain_seq']} repeats or precedes {seq}")
        elif not digests_equal(row["chain_prev"], prev):
            problem = Break(p, row["id"], row["chain_seq"], "relinked",
                            f"its link names {row['chain_prev'][:16]}..., the previous row"
                            f"{f' (#{prev_id})' if prev_id else ''} has {prev[:16]}...: the previous row was "
                            "rewritten with a new hash, or the chain's start was removed")
        elif not digests_equal(link_hash(prev, row), row["chain_hash"]):
            problem = Break(p, row["id"], row["chain_seq"], "edited",
                            "its fields no longer give its hash: the row was changed after it was written")
        elif anchored.get((p, row["chain_seq"]), row["chain_hash"]) != row["chain_hash"]:
            problem = Break(p, row["id"], row["chain_seq"], "anchor",
                            "the daily anchor recorded another hash at this place: the chain was rewritten")
        if problem is not None:
            report.breaks.append(problem)
            broken.add(p)
            continue
        state[p] = (row["chain_seq"], row["chain_hash"], row["id"])
    for head in AuditChainHead.objects.using(using).order_by("partition"):
        p = head.partition
        seq, last, last_id = state.get(p, (int((starts.get(str(p)) or {}).get("seq", 0)),
                                           (starts.get(str(p)) or {}).get("hash", GENESIS), None))
        if p not in broken and (head.seq, head.hash) != (seq, last):
            report.breaks.append(Break(p, head.event_id, head.seq, "head",
                                       f"the head says link {head.seq}, the last row is link {seq}"
                                       f"{f' (#{last_id})' if last_id else ''}: the newest row(s) were removed"
                                       if head.seq > seq else "the head does not match the last row"))
            broken.add(p)
        if p not in broken:
            report.heads[str(p)] = {"seq": seq, "hash": last}
    first = (AuditEvent.objects.using(using).filter(chain_partition__isnull=False).order_by("id")
             .values_list("id", flat=True).first())
    unchained = AuditEvent.objects.using(using).filter(chain_partition__isnull=True)
    report.unchained = unchained.filter(id__lt=first).count() if first else unchained.count()
    if first:
        for pk in unchained.filter(id__gt=first).order_by("id").values_list("id", flat=True)[:20]:
            report.breaks.append(Break(None, pk, None, "unchained",
                                       "inserted without a link, after the chain began: written behind the "
                                       "application's back"))
    return report


def check_record(report: Report, *, by: str, started_at: dt.datetime, using: str = "default"):
    """Keep the outcome of a verification (the auditor's page shows the newest)."""
    from xueji.audit.models import AuditChainCheck

    return AuditChainCheck.objects.using(using).create(
        started_at=started_at, finished_at=clock.now(), by=by[:150], rows=report.rows, ok=report.ok,
        breaks=[b.as_dict() for b in report.breaks], heads=report.heads, unchained=report.unchained)


# ------------------------------------------------------------------------------------------------- anchoring

def log_sender(*, heads: dict, at: dt.datetime) -> str:
    """The default anchor sender: the log only (a deployment configures one that sends to the level above)."""
    logger.info("audit chain anchor at %s: %s", at.isoformat(),
                json.dumps(heads, sort_keys=True, separators=(",", ":")))
    return "log"


def anchor_heads(using: str = "default") -> dict[str, dict]:
    from xueji.audit.models import AuditChainHead

    return {str(h.partition): {"seq": h.seq, "hash": h.hash, "event_id": h.event_id}
            for h in AuditChainHead.objects.using(using).order_by("partition") if h.seq}


def anchor(*, by: str = "system", using: str = "default") -> dict:
    """Verify the chains, then anchor each partition's head: the log, the sender, an `audit.anchor` row."""
    from xueji.audit.services import audit_record

    started = clock.now()
    report = chain_verify(using=using)
    check_record(report, by=by, started_at=started, using=using)
    if not report.ok:
        logger.error("audit chain broken: %s", json.dumps([b.as_dict() for b in report.breaks], ensure_ascii=False))
    heads = anchor_heads(using)
    sender = import_string(getattr(settings, "XUEJI_AUDIT_ANCHOR_SENDER", "xueji.audit.chain.log_sender"))
    sent = sender(heads=heads, at=started)
    with transaction.atomic(using=using):
        audit_record(actor=None, username=by, action=ANCHOR_ACTION, object_type="audit.auditchainhead",
                     object_repr=f"{len(heads)} partition heads", success=report.ok,
                     after={"heads": heads, "sent": sent, "intact": report.ok, "breaks": len(report.breaks)})
    return {"heads": len(heads), "intact": report.ok}


def anchor_if_due(using: str = "default") -> dict | None:
    """The daily anchor (the jobs worker's maintenance runs this every minute): once per calendar day."""
    from xueji.audit.models import AuditEvent

    day = timezone.localtime(clock.now())
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    if AuditEvent.objects.using(using).filter(action=ANCHOR_ACTION, created_at__gte=start).exists():
        return None
    if connections[using].vendor == "postgresql":  # one worker anchors: the others skip while it does
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [0x5845_554A_4943_4841])
            if not cursor.fetchone()[0]:
                return None
            return anchor(using=using)
    return anchor(using=using)
