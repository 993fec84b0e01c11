import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", set(string.ascii_lowercase)),
    ("upper", set(string.ascii_uppercase)),
    ("digit", set(string.digits)),
)


def character_classes(password: str) -> int:
    found = sum(1 for _name, chars in CLASSES if any(c in chars for c in password))
    if any(not c.isalnum() for c in password):
        found += 1
    return found


class ComplexityValidator:
    """At least N characters (8) from at least K of 4 classes (3): lower, upper, digit, symbol."""

    def validate(self, password: str, user=None) -> None:
        min_length = settings.XUEJI_PASSWORD_MIN_LENGTH
        min_classes = settings.XUEJI_PASSWORD_MIN_CLASSES
        if len(password) < min_length:
            raise ValidationError(
                _("The password must have at least %(n)d characters.") % {"n": min_length},
                code="password_too_short")
        if character_classes(password) < min_classes:
            raise ValidationError(
                _("The password must mix at least %(k)d of: lower-case letters, upper-case letters, digits, "
                  "symbols.") % {"k": min_classes},
                code="password_too_simple")

    def get_help_text(self) -> str:
        return _("At least %(n)d characters, mixing %(k)d of: lower-case, upper-case, digits, symbols.") % {
            "n": settings.XUEJI_PASSWORD_MIN_LENGTH, "k": settings.XUEJI_PASSWORD_MIN_CLASSES}
