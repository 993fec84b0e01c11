"""No module over ~500 lines without a reason written at its top (issue 7, item 3): a long module says why it
is one module ("Why one module ...") in its docstring, or is split by concern."""

from pathlib import Path

import xueji

LIMIT = 500
ROOT = Path(xueji.__file__).resolve().parent


def _long_modules() -> dict[str, str]:
    found = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or "/tests/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LIMIT:
            found[relative] = text
    return found


def test_long_modules_say_why_they_are_one_module():
    unexplained = sorted(name for name, text in _long_modules().items() if "Why one module" not in text[:5000])
    assert unexplained == [], f"over {LIMIT} lines without a reason at the top: {unexplained}"
