"""The audit log's hash chain (等保 2.0 8.1.4.3c: audit records protected against modification and deletion).

Each audit row is a link: chain_hash = SM3(chain_prev || "\\n" || canonical form of the row), chain_prev being the
hash of the previous row of its partition (GENESIS for the first). A row edited behind the application's back no
longer matches its hash; a row removed leaves a gap in chain_seq and a link that names a hash nobody has; a row
rewritten with a fresh hash breaks the next row's link. `verify.chain_verify` walks every partition and points at the
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

Anchoring: once a day the jobs worker's maintenance (`services.chain_anchor_if_due`) verifies the chains, writes each
partition's head (seq and hash) to the log and to an `audit.anchor` row, and hands them to the configured sender
(XUEJI_AUDIT_ANCHOR_SENDER: a dotted path; the default logs; a deployment sends them to the level above). A
chain rewritten from some row on (by someone with the owner's rights) no longer has the anchored hash at the
anchored place.

Retention: `purge_audit_log` archives a partition's oldest links to a signed file and deletes them, a prefix of
each partition only, and records where each partition now starts (its boundary: the last archived seq and hash)
in its own `audit.purge` row; the verification starts each partition there."""

import datetime as dt
import json
import os
import threading
import zlib
from typing import Any

from django.conf import settings
from django.utils import timezone

from xueji.core.crypto import digests_equal, sm3_hex  # noqa: F401  (digests_equal: for the verifiers)

GENESIS = "0" * 64
# The fields a link covers, in this order (the row's id is the database's, given after the hash is made).
FIELDS = ("created_at", "actor_id", "actor_username", "org_unit_id", "org_path", "action", "object_type",
          "object_id", "object_repr", "before", "after", "ip", "request_id", "success", "chain_partition",
          "chain_seq", "acted_by", "actor_role", "org_code")
ANCHOR_ACTION = "audit.anchor"
PURGE_ACTION = "audit.purge"
# Where the pieces are: this module makes links (pure); models.AuditEvent.save locks the head and links each
# row; verify.py walks the chains; services.py runs the checks and the anchor; archive.py signs the purged rows.

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
    # Who acted for the actor (a password loan's borrower, accounts/loans.py): appended when present only, so
    # the rows linked before the column existed keep their hashes.
    if row.get("acted_by"):
        values.append(row["acted_by"])
    # The actor's role and org code (control 13), likewise appended when present, as one object (never mistaken
    # for the borrower's name above).
    extra = {key: row[key] for key in ("actor_role", "org_code") if row.get(key)}
    if extra:
        values.append(extra)
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def link_hash(prev: str, row: dict[str, Any]) -> str:
    return sm3_hex(prev.encode() + b"\n" + canonical(row))
