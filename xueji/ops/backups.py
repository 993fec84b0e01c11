"""The full backup (全量备份) and its restore: the database and the uploaded files, encrypted with SM4, checksummed.

A backup is a folder under XUEJI_BACKUP_DIR, named `xueji-<UTC time>-<random>`:
- `database.enc`: PostgreSQL's `pg_dump --format=custom` streamed from the pipe, or SQLite's online backup API
  (a consistent copy of the live database while it serves) to a temporary file; encrypted with SM4-CTR in
  chunks (never the whole dump in memory).
- `files.enc`: a tar stream of MEDIA_ROOT (uploads, proofs, job files), encrypted the same way.
- `manifest.json`: what it holds (created_at, reason, database kind and name, the applied migrations), per part
  its size, SHA-256 of the encrypted bytes (a damaged file is found without the key), HMAC-SM3 (the key's proof:
  a wrong key or an altered part is refused before anything is touched), and the id of the key; the manifest
  itself carries an HMAC-SM3 over its fields.

The manifest on disk is the source of truth: a restore overwrites the database, and with it the rows that record
the backups (`services.backups_sync` records again what the disk holds).

Restore: every part is checked first (checksum, then HMAC); then PostgreSQL gets `pg_restore --clean --if-exists
--single-transaction` as the owner role (DATABASE_OWNER_URL, else the configured role) with the audit log's
maintenance door open for its session (`xueji.audit_maintenance`, honoured for the owner only: see
xueji/audit/maintenance.py); SQLite gets the backup copied over the live database through the same online backup
API; the files replace MEDIA_ROOT (extracted beside it, then swapped).

The key: XUEJI_BACKUP_KEY (or a file XUEJI_BACKUP_KEY_FILE), outside the database and the backups; without one it
is derived from SECRET_KEY, as the signing seal's is. Keep the key apart from the backups: without it they cannot be
read, with it anyone can."""

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import shutil
import sqlite3
import subprocess  # pg_dump and pg_restore, fixed argument lists (_pg_dump, _pg_restore)
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from xueji.core import clock
from xueji.core.crypto import digests_equal, hmac_sm3, hmac_sm3_stream, sm4_ctr
from xueji.core.errors import Conflict, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

FORMAT = "xueji-backup/1"
MANIFEST = "manifest.json"
DATABASE_PART = "database.enc"
FILES_PART = "files.enc"
CHUNK = 1024 * 1024


class BackupError(ValidationFailed):
    """A backup that cannot be restored (or made): the message says precisely why."""


# ------------------------------------------------------------------------------------------------ keys

@dataclass(frozen=True)
class Keys:
    enc: bytes
    mac: bytes
    key_id: str


def keys() -> Keys:
    secret = getattr(settings, "XUEJI_BACKUP_KEY", "") or ""
    key_file = getattr(settings, "XUEJI_BACKUP_KEY_FILE", "") or ""
    if not secret and key_file:
        secret = Path(key_file).read_text(encoding="utf-8").strip()
    raw = secret.encode() if secret else hmac_sm3(settings.SECRET_KEY.encode(), b"xueji backup: derived key")
    return Keys(enc=hmac_sm3(raw, b"xueji backup: sm4")[:16], mac=hmac_sm3(raw, b"xueji backup: mac"),
                key_id=hmac_sm3(raw, b"xueji backup: key id").hex()[:16])


def backup_dir() -> Path:
    return Path(getattr(settings, "XUEJI_BACKUP_DIR", None) or Path(settings.VAR_DIR) / "backups" / "full")


# ------------------------------------------------------------------------------------------------ streams

class EncryptingWriter:
    """A write-only file object: SM4-CTR over what is written, SHA-256 and HMAC-SM3 of the ciphertext."""

    def __init__(self, out: BinaryIO, k: Keys) -> None:
        self.out = out
        self.nonce = secrets.token_bytes(16)
        self.cipher = sm4_ctr(k.enc, self.nonce)
        self.sha = hashlib.sha256()
        self.mac = hmac_sm3_stream(k.mac)
        self.mac.update(self.nonce)
        self.size = 0

    def write(self, data: bytes) -> int:
        ct = self.cipher.update(bytes(data))
        self.out.write(ct)
        self.sha.update(ct)
        self.mac.update(ct)
        self.size += len(ct)
        return len(data)

    def flush(self) -> None:
        self.out.flush()

    def close(self) -> None:  # tarfile closes its fileobj only when it opened it; nothing to do
        pass

    def summary(self, filename: str) -> dict:
        self.cipher.finalize()
        return {"file": filename, "size": self.size, "sha256": self.sha.hexdigest(), "nonce": self.nonce.hex(),
                "hmac_sm3": self.mac.hexdigest()}


def _decrypted(path: Path, part: dict, k: Keys) -> Iterator[bytes]:
    cipher = sm4_ctr(k.enc, bytes.fromhex(part["nonce"]))
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield cipher.update(chunk)
    yield cipher.finalize()


class DecryptingReader:
    """A read-only file object over an encrypted part (for tarfile's stream mode)."""

    def __init__(self, path: Path, part: dict, k: Keys) -> None:
        self.chunks = _decrypted(path, part, k)
        self.buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            try:
                self.buffer += next(self.chunks)
            except StopIteration:
                break
        if size < 0:
            data, self.buffer = self.buffer, b""
        else:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


# ------------------------------------------------------------------------------------------------ manifest

def _manifest_mac(body: dict, k: Keys) -> str:
    canonical = json.dumps({key: value for key, value in body.items() if key != "hmac_sm3"}, sort_keys=True,
                           ensure_ascii=False).encode()
    return hmac_sm3(k.mac, canonical).hex()


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def read_manifest(path: str | Path) -> tuple[Path, dict]:
    """(folder, manifest) of a backup named by its folder or its manifest file; refused precisely when not one."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise NotFound(f"No backup manifest at {manifest_path}.", code="backup_not_found")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"The manifest {manifest_path} is not JSON ({exc}).", code="backup_bad_manifest")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{manifest_path} is not a manifest of a Xueji backup ({FORMAT}).",
                          code="backup_bad_manifest")
    return folder, manifest


def manifest_checksum(folder: Path) -> str:
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


def list_manifests() -> list[tuple[Path, dict]]:
    """Every complete backup on disk (a folder with a readable manifest), newest first."""
    root = backup_dir()
    found = []
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and (folder / MANIFEST).is_file():
                try:
                    found.append(read_manifest(folder))
                except (NotFound, BackupError):
                    logger.warning("backup %s: unreadable manifest", folder)
    return sorted(found, key=lambda item: item[1].get("created_at", ""), reverse=True)


# ------------------------------------------------------------------------------------------------ the lock

class Lock:
    """One backup or restore at a time on this disk (an advisory lock on XUEJI_BACKUP_DIR/.lock)."""

    def __enter__(self) -> "Lock":
        import fcntl

        root = backup_dir()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.fh = (root / ".lock").open("a")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise Conflict("Another backup or restore is running.", code="backup_busy")
        return self

    def __exit__(self, *exc: Any) -> None:
        import fcntl

        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


# ------------------------------------------------------------------------------------------------ PostgreSQL

def _pg_settings() -> dict:
    """Connection settings for pg_dump / pg_restore: the owner role when one is configured (it owns every table
    and may open the audit log's door), else the application's."""
    params = dict(connection.settings_dict)
    owner = getattr(settings, "XUEJI_DATABASE_OWNER", None)
    if owner:
        params["USER"], params["PASSWORD"] = owner["USER"], owner.get("PASSWORD", "")
    return params


def _pg_env(params: dict, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if params.get(key):
            env[name] = str(params[key])
    env.update(extra)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name, path=getattr(settings, "XUEJI_PG_BIN_DIR", None) or None)
    if path is None:
        raise BackupError(f"{name} is not installed (or not on XUEJI_PG_BIN_DIR).", code="backup_failed")
    return path


def _pg_major_check(tool: str) -> None:
    """pg_dump refuses a newer server; say so before it does, with both versions."""
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    tool_major = int(out.split()[-1].split(".")[0].split("beta")[0].split("rc")[0])
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    if tool_major < server_major:
        raise BackupError(f"{tool} is version {tool_major}, the server {server_major}: install the client tools of "
                          f"the server's version (or set XUEJI_PG_BIN_DIR).", code="backup_failed")


def _pg_dump(out: EncryptingWriter, errors: BinaryIO) -> None:
    tool = _tool("pg_dump")
    _pg_major_check(tool)
    params = _pg_settings()
    args = [tool, "--format=custom", "--no-password", "--dbname", str(params["NAME"])]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, env=_pg_env(params)) as proc:  # noqa: S603
        while chunk := proc.stdout.read(CHUNK):  # type: ignore[union-attr]
            out.write(chunk)
        code = proc.wait()
    if code != 0:
        errors.seek(0)
        raise BackupError(f"pg_dump failed ({code}): {errors.read().decode(errors='replace')[-2000:]}",
                          code="backup_failed")


def _pg_restore(plain: Path) -> None:
    tool = _tool("pg_restore")
    params = _pg_settings()
    connection.close()  # no lock of ours in the way of DROP TABLE
    args = [tool, "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
            "--no-password", "--dbname", str(params["NAME"]), str(plain)]
    # The audit log's one door (xueji/audit/maintenance.py) for the restoring session: honoured for the owner only.
    env = _pg_env(params, PGOPTIONS="-c xueji.audit_maintenance=on")
    done = subprocess.run(args, capture_output=True, env=env, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed ({done.returncode}): "
                          f"{done.stderr.decode(errors='replace')[-2000:]}", code="backup_failed")
    owner = getattr(settings, "XUEJI_DATABASE_OWNER", None)
    app_role, app_password = connection.settings_dict.get("USER"), connection.settings_dict.get("PASSWORD", "")
    if owner and app_role and owner["USER"] != app_role:
        # --no-acl: the application's grants are given again, as `migrate` gives them.
        from xueji.audit.maintenance import app_role_grant, owner_role_use

        owner_role_use()
        try:
            app_role_grant(role=app_role)
        finally:
            connection.close()
            connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = app_role, app_password


# ------------------------------------------------------------------------------------------------ SQLite

def _sqlite_dump(out: EncryptingWriter, folder: Path) -> None:
    if connection.in_atomic_block:  # the copy would wait forever for the lock this very transaction holds
        raise BackupError("A SQLite backup cannot run inside a transaction.", code="backup_busy")
    connection.ensure_connection()
    tmp = folder / ".database.sqlite3.tmp"
    try:
        target = sqlite3.connect(tmp)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        with tmp.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                out.write(chunk)
    finally:
        tmp.unlink(missing_ok=True)


def _sqlite_restore(plain: Path) -> None:
    source = sqlite3.connect(plain)
    try:
        check = source.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The backed-up SQLite database fails its integrity check: {check}",
                              code="backup_bad_checksum")
        if connection.in_atomic_block:
            raise Conflict("A restore cannot run inside a transaction.", code="backup_busy")
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


# ------------------------------------------------------------------------------------------------ files

def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _files_dump(out: EncryptingWriter) -> int:
    root = _media_root()
    count = 0
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[arg-type]
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_symlink() or not (path.is_file() or path.is_dir()):
                    continue
                tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
                count += path.is_file()
    return count


def _files_restore(folder: Path, part: dict, k: Keys) -> int:
    root = _media_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = root.parent / f".{root.name}.restoring"
    old = root.parent / f".{root.name}.replaced"
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir()
    count = 0
    with tarfile.open(fileobj=DecryptingReader(folder / part["file"], part, k), mode="r|") as tar:  # type: ignore
        for member in tar:
            tar.extract(member, staging, filter="data")  # no absolute paths, no escape, no devices
            count += member.isfile()
    if root.exists():
        root.rename(old)
    staging.rename(root)
    shutil.rmtree(old, ignore_errors=True)
    return count


# ------------------------------------------------------------------------------------------------ make, check

@dataclass
class Made:
    name: str
    folder: Path
    manifest: dict = field(default_factory=dict)
    checksum: str = ""
    size: int = 0


def make(*, reason: str) -> Made:
    """Write a complete backup folder (the caller holds the Lock). A failure leaves no manifest (and no folder)."""
    k = keys()
    now = clock.now()
    name = f"xueji-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    folder = backup_dir() / name
    folder.mkdir(parents=True, mode=0o700)
    try:
        migrations = applied_migrations()
        with (folder / DATABASE_PART).open("wb") as fh:
            writer = EncryptingWriter(fh, k)
            if connection.vendor == "postgresql":
                with (folder / ".pg_dump.err").open("w+b") as errors:
                    _pg_dump(writer, errors)
            elif connection.vendor == "sqlite":
                _sqlite_dump(writer, folder)
            else:
                raise BackupError(f"No backup for the {connection.vendor} database.", code="backup_wrong_database")
            database = writer.summary(DATABASE_PART)
        with (folder / FILES_PART).open("wb") as fh:
            writer = EncryptingWriter(fh, k)
            files = _files_dump(writer)
            files_part = writer.summary(FILES_PART)
        (folder / ".pg_dump.err").unlink(missing_ok=True)
        body = {"format": FORMAT, "name": name, "created_at": now.isoformat(), "reason": reason[:128],
                "vendor": connection.vendor, "database": str(connection.settings_dict.get("NAME")),
                "migrations": migrations, "key_id": k.key_id, "files_count": files,
                "parts": {"database": database, "files": files_part}, "cipher": "SM4-CTR, HMAC-SM3 (encrypt-then-MAC)"}
        body["hmac_sm3"] = _manifest_mac(body, k)
        tmp = folder / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(folder / MANIFEST)  # the backup exists from this moment on
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Made(name=name, folder=folder, manifest=body, checksum=manifest_checksum(folder),
                size=database["size"] + files_part["size"])


def verify(folder: Path, manifest: dict) -> Keys:
    """Check a backup before anything is touched: the key, the manifest's HMAC, every part's checksum and HMAC."""
    k = keys()
    if manifest.get("key_id") != k.key_id:
        raise BackupError(f"The backup {manifest.get('name')} was encrypted with another key (key id "
                          f"{manifest.get('key_id')}; the configured key is {k.key_id}): set XUEJI_BACKUP_KEY to the "
                          "key it was made with.", code="backup_wrong_key")
    if not digests_equal(_manifest_mac(manifest, k), str(manifest.get("hmac_sm3", ""))):
        raise BackupError(f"The manifest of {manifest.get('name')} was altered (its HMAC-SM3 does not match).",
                          code="backup_bad_manifest")
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(f"The backup is of a {manifest.get('vendor')} database; this one is {connection.vendor}.",
                          code="backup_wrong_database")
    for label, part in manifest["parts"].items():
        path = folder / part["file"]
        if not path.is_file():
            raise BackupError(f"The {label} part {path} is missing.", code="backup_bad_checksum")
        sha, mac, size = hashlib.sha256(), hmac_sm3_stream(k.mac), 0
        mac.update(bytes.fromhex(part["nonce"]))
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                sha.update(chunk)
                mac.update(chunk)
                size += len(chunk)
        if size != part["size"] or sha.hexdigest() != part["sha256"]:
            raise BackupError(f"The {label} part {path} does not match its checksum (SHA-256 {sha.hexdigest()}, "
                              f"{size} bytes; the manifest says {part['sha256']}, {part['size']} bytes): the file is "
                              "damaged or altered.", code="backup_bad_checksum")
        if not digests_equal(mac.hexdigest(), part["hmac_sm3"]):
            raise BackupError(f"The {label} part {path} was altered (its HMAC-SM3 does not match).",
                              code="backup_bad_checksum")
    return k


def restore(folder: Path, manifest: dict) -> dict:
    """Put the database and the files back as the backup holds them (the caller holds the Lock)."""
    k = verify(folder, manifest)
    part = manifest["parts"]["database"]
    plain = folder / ".restore.tmp"
    try:
        with plain.open("wb") as fh:
            os.chmod(plain, 0o600)
            for chunk in _decrypted(folder / part["file"], part, k):
                fh.write(chunk)
        if connection.vendor == "postgresql":
            _pg_restore(plain)
        else:
            _sqlite_restore(plain)
    finally:
        plain.unlink(missing_ok=True)
    files = _files_restore(folder, manifest["parts"]["files"], k)
    return {"name": manifest["name"], "created_at": manifest["created_at"], "vendor": manifest["vendor"],
            "files": files}
