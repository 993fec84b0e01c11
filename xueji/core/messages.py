"""The words users read for a refused operation (XuejiError), in the language of the request.

Services raise a stable code with an English developer message, or give the user's words themselves as a lazy
translation (gettext_lazy / format_lazy, when the words carry details such as dates or a class name). Pages and
the API both answer through `user_message`, in the active language (the UI's choice for pages, Accept-Language
for the API, Chinese when absent). No message's language is guessed: a code's words come from the tables the apps
register (each app's errors.py, found at start-up by `discover`), and an unknown code falls back to the developer
message's translation."""

from collections.abc import Mapping

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

_BY_CODE: dict[str, object] = {
    "required": _("This field is required."),
}
_BY_TEXT: dict[str, object] = {}


def register(*, by_code: Mapping[str, object], by_text: Mapping[str, object] | None = None) -> None:
    """Add words per code (and, for codes raised for several reasons, per developer message)."""
    _BY_CODE.update(by_code)
    _BY_TEXT.update(by_text or {})


def user_message(exc) -> str:
    if exc.words is not None:
        return str(exc.words)
    if exc.message in _BY_TEXT:
        return str(_BY_TEXT[exc.message])
    if exc.code in _BY_CODE:
        return str(_BY_CODE[exc.code])
    return gettext(exc.message) if exc.message else gettext("The operation was refused.")


def discover() -> None:
    """Import every installed app's errors.py, which registers its words (CoreConfig.ready)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("errors")
