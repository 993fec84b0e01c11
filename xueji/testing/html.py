"""Reading rendered pages in tests: the messages a form shows on its fields."""

import re


def field_errors(html: str) -> list[str]:
    """The texts of a page's field errors (Bootstrap's `invalid-feedback`), tags stripped."""
    return [re.sub(r"<[^>]+>", "", e).strip() for e in re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</',
                                                                  html, re.S)]
