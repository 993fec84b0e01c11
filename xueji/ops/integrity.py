"""Trusted verification (可信验证, GB/T 22239-2019 8.1.4.6): the SM3 manifest of what the application runs, and its
check against the files on this machine.

The manifest (JSON, XUEJI_INTEGRITY_MANIFEST, by default INTEGRITY.sm3.json at the top of the project) lists the
SM3 digest of every file under COVERED: the application's code, templates, the static files we own and the
migrations (xueji/), the settings modules (config/), manage.py and the translations (locale/). Not the virtualenv,
node_modules, var/ or collected static files, not __pycache__. `manage.py manifest write` makes it; bundle/build.sh
writes it into the offline bundle. `verify` compares: a file changed, added or removed is reported by name. No
manifest (development): nothing is verified and nothing reported.

Pure computation over a folder; the services (xueji.ops.services.integrity_verify) record, audit and alarm."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from xueji.core.crypto import sm3_hex

FORMAT = "xueji-integrity/1"
COVERED = ("manage.py", "config", "xueji", "locale")
SKIPPED_DIRS = {"__pycache__", "node_modules", ".venv", ".git", ".pytest_cache", ".ruff_cache"}
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".swp", "~")
CHUNK = 1 << 20


def _sm3_file(path: Path) -> str:
    try:
        digest = hashlib.new("sm3")
    except ValueError:  # an OpenSSL without SM3: the pure-Python one of core.crypto (small files)
        return sm3_hex(path.read_bytes())
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def covered_files(root: Path) -> list[str]:
    """The files the manifest covers, as POSIX paths relative to `root`, sorted."""
    root = Path(root)
    found = []
    for name in COVERED:
        top = root / name
        if top.is_file():
            found.append(name)
            continue
        if not top.is_dir():
            continue
        for path in top.rglob("*"):
            rel = path.relative_to(root)
            if any(part in SKIPPED_DIRS for part in rel.parts) or path.name.endswith(SKIPPED_SUFFIXES):
                continue
            if path.is_file():
                found.append(rel.as_posix())
    return sorted(found)


def digests(root: Path, *, manifest: Path | None = None) -> dict[str, str]:
    """The SM3 of every covered file; the manifest itself left out, wherever XUEJI_INTEGRITY_MANIFEST puts it."""
    root = Path(root)
    own = ""
    if manifest is not None:
        try:
            own = Path(manifest).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:  # outside the tree
            own = ""
    return {rel: _sm3_file(root / rel) for rel in covered_files(root) if rel != own}


def build(root: Path, *, version: str = "", manifest: Path | None = None) -> dict:
    return {"format": FORMAT, "algorithm": "sm3", "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "version": version, "covered": list(COVERED), "files": digests(root, manifest=manifest)}


def write(root: Path, output: Path, *, version: str = "") -> dict:
    manifest = build(root, version=version, manifest=output)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(output.name + ".part")
    part.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    part.replace(output)
    return manifest


@dataclass
class Result:
    """One verification: `status` ok, changed (files differ), invalid (the manifest does not read) or
    no_manifest (development: nothing to verify)."""

    status: str
    manifest: str = ""  # the manifest's path
    manifest_digest: str = ""  # SM3 of the manifest file itself
    created_at: str = ""
    files: int = 0
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def differences(self) -> list[str]:
        return self.changed + self.added + self.removed

    def as_dict(self, limit: int = 200) -> dict:
        return {"status": self.status, "manifest": self.manifest, "manifest_digest": self.manifest_digest,
                "created_at": self.created_at, "files": self.files, "changed": self.changed[:limit],
                "added": self.added[:limit], "removed": self.removed[:limit], "error": self.error}


def verify(root: Path, manifest_path: Path) -> Result:
    manifest_path = Path(manifest_path)
    if not manifest_path.is_file():
        return Result(status="no_manifest", manifest=str(manifest_path))
    raw = manifest_path.read_bytes()
    base = Result(status="invalid", manifest=str(manifest_path), manifest_digest=sm3_hex(raw))
    try:
        manifest = json.loads(raw)
        expected = manifest["files"]
        if manifest.get("format") != FORMAT or manifest.get("algorithm") != "sm3" or not isinstance(expected, dict):
            raise ValueError("not a Xueji SM3 manifest")
    except (ValueError, KeyError, TypeError) as exc:
        base.error = f"{type(exc).__name__}: {exc}"[:300]
        return base
    actual = digests(root, manifest=manifest_path)
    base.created_at = str(manifest.get("created_at", ""))
    base.files = len(actual)
    base.changed = sorted(rel for rel in expected.keys() & actual.keys() if expected[rel] != actual[rel])
    base.added = sorted(actual.keys() - expected.keys())
    base.removed = sorted(expected.keys() - actual.keys())
    base.status = "changed" if base.differences else "ok"
    return base
