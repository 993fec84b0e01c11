"""`make scan`: look for secrets in the tracked files (git ls-files): private keys, AWS and other API keys,
hard-coded SECRET_KEY values and passwords (SECURITY.md §1 row 39). A finding fails unless an entry of
[[tool.xueji.secrets_allow]] in pyproject.toml allows it: `rule`, `path` (a glob over the file's path), `reason`.
As with the bandit gate, an entry without a reason, or one that matches nothing, fails too (the list stays honest).

    .ci/secrets_scan.py [ROOT]     ROOT: a directory to scan (default: the repository; a directory outside git is
                                   walked instead of asking git for its files)
"""

import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 2_000_000  # larger tracked files are data (lock files, fixtures of the benchmarks), not code

# (rule, pattern): each pattern finds one kind of secret on one line.
RULES = [
    ("private-key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b")),
    ("aws-secret-key", re.compile(r"(?i)aws_?secret_?(?:access_?)?key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}\b")),
    ("api-token", re.compile(r"\b(?:ghp_[A-Za-z0-9]{36}|gh[ousr]_[A-Za-z0-9]{36}|xox[baprs]-[A-Za-z0-9-]{10,}|"
                             r"sk_live_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{35})\b")),
    ("generic-api-key", re.compile(
        r"(?i)\b(?:api_?key|apikey|access_?token|auth_?token|client_?secret|secret_?token)\b['\"]?\s*[:=]\s*"
        r"['\"][A-Za-z0-9_\-+/=.]{16,}['\"]")),
    # A Django secret key written into a file: the only one allowed is the dev default the production settings
    # refuse ("insecure-...").
    ("secret-key", re.compile(r"\bSECRET_KEY\b['\"]?\s*[:=]\s*(?:[\w.]+\(\s*['\"][A-Z_]+['\"]\s*,\s*)?"
                              r"['\"](?!insecure-)[^'\"\s]{8,}['\"]")),
    ("password", re.compile(r"(?i)\b[\w]*passw(?:or)?d\b['\"]?\s*[:=]\s*['\"][^'\"\s{}%<>]{6,}['\"]")),
]


# A file none of these words occurs in holds no finding: most files are passed over after one search.
HINT = re.compile(rb"(?i)PRIVATE KEY|A[GIKNRS][A-Z]A[0-9A-Z]{16}|aws_?secret|gh[opsur]_|xox[baprs]-|sk_live_|AIza|"
                  rb"api_?key|apikey|token|secret|passw")


def tracked_files(root: Path) -> list[Path]:
    if (root / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)  # noqa: S603,S607
        return [root / name for name in out.stdout.decode().split("\0") if name]
    return sorted(p for p in root.rglob("*") if p.is_file())


def scan(root: Path) -> list[tuple[str, str, int, str]]:
    """Every finding: (rule, path relative to root, line number, the line, shortened)."""
    found = []
    for path in tracked_files(root):
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192] or not HINT.search(data):
            continue  # binary, or nothing like a secret
        relative = path.relative_to(root).as_posix()
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            for rule, pattern in RULES:
                if pattern.search(line):
                    found.append((rule, relative, number, line.strip()[:120]))
    return found


def load_allow(root: Path) -> list[dict]:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return []
    return tomllib.loads(pyproject.read_text()).get("tool", {}).get("xueji", {}).get("secrets_allow", [])


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    allow = load_allow(root)
    findings = scan(root)
    used, failures = set(), 0
    for rule, path, number, line in findings:
        entry = next((i for i, a in enumerate(allow)
                      if a.get("rule") == rule and fnmatch.fnmatch(path, a.get("path", ""))), None)
        if entry is None:
            failures += 1
            print(f"{path}:{number}: {rule}: {line}")
        else:
            used.add(entry)
    bad = [a for a in allow if not str(a.get("reason", "")).strip()]
    stale = [a for i, a in enumerate(allow) if i not in used]
    for a in bad:
        print(f"allow entry without a reason: {a}")
    for a in stale:
        print(f"allow entry matching nothing (remove it): {a.get('rule')} {a.get('path')}")
    print(f"secrets scan: {len(findings)} findings, {len(findings) - failures} allowed with a reason; "
          f"{failures} not allowed.")
    return 1 if failures or bad or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
