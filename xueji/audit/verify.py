"""Verifying the audit log's hash chains (xueji/audit/chain.py explains them): every partition from its boundary,
the first broken link of each, heads and anchors; keeping the outcome."""

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from xueji.audit.chain import ANCHOR_ACTION, FIELDS, GENESIS, PURGE_ACTION, digests_equal, link_hash
from xueji.audit.models import AuditChainCheck, AuditChainHead, AuditEvent
from xueji.core import clock

logger = logging.getLogger("xueji.audit.chain")


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
    after = (AuditEvent.objects.using(using).filter(action=PURGE_ACTION, success=True).order_by("-id")
             .values_list("after", flat=True).first())
    found = (after or {}).get("boundaries") if isinstance(after, dict) else None
    return found if isinstance(found, dict) else {}


def _links(using: str) -> Iterator[dict]:
    names = ("id", *FIELDS, "chain_prev", "chain_hash")
    yield from (AuditEvent.objects.using(using).filter(chain_partition__isnull=False)
                .order_by("chain_partition", "chain_seq").values(*names).iterator(chunk_size=5000))


def chain_verify(*, using: str = "default") -> Report:
    """Walk every partition from its boundary; report the first broken link of each, rows inserted without a
    link, heads that do not match the last link, and anchored hashes no longer in place."""
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
    return AuditChainCheck.objects.using(using).create(
        started_at=started_at, finished_at=clock.now(), by=by[:150], rows=report.rows, ok=report.ok,
        breaks=[b.as_dict() for b in report.breaks], heads=report.heads, unchained=report.unchained)


def log_sender(*, heads: dict, at: dt.datetime) -> str:
    """The default anchor sender: the log only (a deployment configures one that sends to the level above)."""
    logger.info("audit chain anchor at %s: %s", at.isoformat(),
                json.dumps(heads, sort_keys=True, separators=(",", ":")))
    return "log"


def http_sender(*, heads: dict, at: dt.datetime) -> str:
    """An anchor sender for the level above: the heads as JSON POSTed to XUEJI_AUDIT_ANCHOR_URL, through the
    egress guard (its host must be in XUEJI_EGRESS_ALLOW; a refusal or a failed answer raises and is audited)."""
    from django.conf import settings

    from xueji.core import egress

    body = json.dumps({"at": at.isoformat(), "heads": heads}, sort_keys=True, separators=(",", ":")).encode()
    answer = egress.http_request(settings.XUEJI_AUDIT_ANCHOR_URL, purpose="audit_anchor", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    return f"http {answer.status}"


def anchor_heads(using: str = "default") -> dict[str, dict]:
    return {str(h.partition): {"seq": h.seq, "hash": h.hash, "event_id": h.event_id}
            for h in AuditChainHead.objects.using(using).order_by("partition") if h.seq}
