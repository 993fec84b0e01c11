"""The Content Security Policy allows styles from our own files only (style-src 'self'): a style attribute in a
template is dropped by the browser (the dashboard's charts drew into boxes of no height). Classes of
ui/static/ui/xueji.css serve instead."""

import re
from pathlib import Path

import xueji

ROOT = Path(xueji.__file__).resolve().parent
STYLE_ATTRIBUTE = re.compile(r"""<[a-zA-Z][^<>]*\sstyle\s*=""")


def test_no_template_has_a_style_attribute():
    found = [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
             for path in ROOT.rglob("*.html") for text in [path.read_text(encoding="utf-8")]
             for match in STYLE_ATTRIBUTE.finditer(text)]
    assert found == [], f"style attributes (blocked by the CSP; use a class of ui/xueji.css): {found}"
