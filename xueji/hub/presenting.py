"""What a reader sees of a message's subject and errors. A subject is usually a pupil's national number, and a G
number is G + the resident ID: masked like the ID whoever reads it (full numbers only through the pupil's unmask
action, SECURITY.md row 29), as the registry's presenter does (xueji/registry/presenters.py, above this layer;
hub/tests/test_presenting.py holds the two to the same answers). J and L numbers are shown whole, as there. The
pages use the registry's presenter itself; the API, in this app's layer, uses this."""

import re

from xueji.core.idnumbers import mask

# An ID-shaped run, not inside a longer run of digits, not the body of a J or L number (as the registry's).
_ID_IN_TEXT = re.compile(r"(?<![0-9JLjl])([0-9]{17}[0-9Xx])(?![0-9])")


def masked(text: str | None) -> str:
    return _ID_IN_TEXT.sub(lambda m: mask(m.group(1)), text or "")


def shown(user, text: str | None) -> str:
    """The subject (or an error's words) as this user may read it: masked for every reader, as the pages."""
    return masked(text)
