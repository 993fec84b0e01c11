"""`make scan`: bandit on xueji/ and config/; fail on any finding not allowed in pyproject.toml
([[tool.xueji.bandit_allow]]: test, path, count, reason). Allowed findings are matched by test and file, not
line, so they survive edits; a file with more findings of a test than allowed fails, and so does an entry
without a reason or one that no longer matches (to keep the list honest)."""

import collections
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    allow = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["xueji"]["bandit_allow"]
    bad = [a for a in allow if not str(a.get("reason", "")).strip()]
    done = subprocess.run([str(ROOT / ".venv/bin/bandit"), "-r", "xueji", "config", "-x", "*/tests/*",  # noqa: S603
                            "-q", "-f", "json"], cwd=ROOT, capture_output=True, text=True)
    report = json.loads(done.stdout or "{}")
    if report.get("errors"):
        print("bandit could not scan:", report["errors"])
        return 2
    found = collections.defaultdict(list)
    for r in report.get("results", []):
        found[(r["test_id"], r["filename"].removeprefix("./"))].append(r)
    allowed = {(a["test"], a["path"]): int(a.get("count", 1)) for a in allow}
    failures = 0
    for key, results in sorted(found.items()):
        if len(results) > allowed.get(key, 0):
            failures += 1
            for r in results:
                print(f"{r['filename']}:{r['line_number']}: {r['test_id']} {r['issue_severity']} {r['issue_text']}")
    stale = [key for key in allowed if key not in found]
    for a in bad:
        print(f"allow entry without a reason: {a}")
    for key in stale:
        print(f"allow entry matching nothing (remove it): {key}")
    total = sum(len(v) for v in found.values())
    print(f"bandit: {total} findings, {total - sum(len(v) for k, v in found.items() if len(v) > allowed.get(k, 0))} "
          f"allowed with a reason; {failures} file(s) with findings not allowed.")
    return 1 if failures or bad or stale else 0


if __name__ == "__main__":
    sys.exit(main())
