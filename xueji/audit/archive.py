"""Signed archives of purged audit rows (retention, `purge_audit_log`).

An archive is two files: `<name>.jsonl`, one JSON object per purged row (every column, the chain's fields
included) in chain order, and `<name>.sig.json`: the SM3 digest of the .jsonl file, the SM2 signature of that
digest, the public key, and the boundaries (each partition's last archived link) that the remaining chain
starts from. The private key comes from XUEJI_AUDIT_ARCHIVE_KEY (hex, from the environment) or the file named by
XUEJI_AUDIT_ARCHIVE_KEY_FILE (outside the database and the repository); never from the database."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xueji.audit import chain
from xueji.core.crypto import SM2Error, sm2_public_key, sm2_sign, sm2_verify, sm3, sm3_hex

COLUMNS = ("id", *chain.FIELDS, "chain_prev", "chain_hash")


def signing_key() -> str:
    """The archive's SM2 private key (hex), or ImproperlyConfigured."""
    key = (getattr(settings, "XUEJI_AUDIT_ARCHIVE_KEY", "") or "").strip()
    path = getattr(settings, "XUEJI_AUDIT_ARCHIVE_KEY_FILE", "")
    if not key and path:
        try:
            key = Path(path).read_text(encoding="ascii").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"The audit archive key file {path} cannot be read: {error}") from None
    if not key:
        raise ImproperlyConfigured("Archiving audit rows needs an SM2 signing key: set XUEJI_AUDIT_ARCHIVE_KEY or "
                                   "XUEJI_AUDIT_ARCHIVE_KEY_FILE (README, audit retention).")
    try:
        sm2_public_key(key)
    except SM2Error as error:
        raise ImproperlyConfigured(f"The audit archive key is not an SM2 private key: {error}") from None
    return key


def _line(row: dict[str, Any]) -> bytes:
    values = {name: row[name] for name in COLUMNS}
    values["created_at"] = chain._utc(values["created_at"])
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def archive_write(*, rows: list[dict[str, Any]], directory: Path, cutoff: dt.datetime, boundaries: dict,
                  key: str, now: dt.datetime) -> Path:
    """Write the rows and their signature; return the .jsonl path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-{now:%Y%m%dT%H%M%S%f}.jsonl"
    body = b"".join(_line(row) for row in rows)
    path.write_bytes(body)
    digest = sm3(body)
    signature = {"file": path.name, "sm3": digest.hex(), "signature": sm2_sign(key, digest),
                 "public_key": sm2_public_key(key), "algorithm": "SM2-with-SM3, GM/T 0009 default user id",
                 "rows": len(rows), "cutoff": cutoff.isoformat(), "written_at": now.isoformat(),
                 "boundaries": boundaries}
    Path(f"{path}.sig.json").write_text(json.dumps(signature, indent=2, sort_keys=True), encoding="utf-8")
    return path


def archive_verify(path: str | Path, *, public_key: str | None = None) -> dict[str, Any]:
    """Check an archive: its digest, its signature (by `public_key` when given, else the one it names) and the
    links of its rows (each row's hash from its fields, each link to the previous row of its partition)."""
    path = Path(path)
    problems: list[str] = []
    try:
        body = path.read_bytes()
        meta = json.loads(Path(f"{path}.sig.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {"rows": 0, "public_key": "", "problems": [f"cannot read the archive: {error}"]}
    key = public_key or meta.get("public_key", "")
    digest = sm3(body)
    if digest.hex() != meta.get("sm3"):
        problems.append("the file's SM3 digest differs from the signed one: the file was changed")
    if not sm2_verify(key, digest, meta.get("signature", "")):
        problems.append("the SM2 signature does not verify")
    last: dict[int, tuple[int, str]] = {}
    rows = 0
    for number, line in enumerate(body.splitlines(), start=1):
        rows += 1
        row = json.loads(line)
        p = row.get("chain_partition")
        if p is None:
            continue
        if not chain.digests_equal(chain.link_hash(row["chain_prev"], row), row["chain_hash"]):
            problems.append(f"line {number} (row #{row['id']}): its fields no longer give its hash")
        if p in last and (last[p][0] + 1, last[p][1]) != (row["chain_seq"], row["chain_prev"]):
            problems.append(f"line {number} (row #{row['id']}): not linked to the previous row of partition {p}")
        last[p] = (row["chain_seq"], row["chain_hash"])
    for p, (seq, hash_) in last.items():
        bound = (meta.get("boundaries") or {}).get(str(p)) or {}
        if (bound.get("seq"), bound.get("hash")) != (seq, hash_):
            problems.append(f"partition {p}: the recorded boundary is not the archive's last link")
    if rows != meta.get("rows"):
        problems.append(f"{rows} rows, the signature says {meta.get('rows')}")
    return {"rows": rows, "public_key": key, "problems": problems, "sm3": sm3_hex(body)}
