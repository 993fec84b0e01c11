import functools
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
        from xueji.accounts import security_settings  # the user's level may ask for more (安全策略)

        min_length = int(security_settings.for_user(user, "password.min_length"))
        min_classes = int(security_settings.for_user(user, "password.min_classes"))
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


# Keyboard walks and sequences people build "complex" passwords from (Qwerty123!, 1qaz2wsx, 12345678Aa):
# the rows and columns of a US keyboard, digits and the alphabet; a step along one, either way, continues a walk.
_WALKS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz",
          "1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik", "9ol", "0p")
# Shifted digits are the digit's key (1qaz@WSX is 1qaz2wsx typed with shift).
_SHIFTED = str.maketrans("!@#$%^&*()", "1234567890")
_MIN_RUN = 3  # a run this long counts as a walk
_MAX_OTHER = 3  # at most this many characters outside walks make the password a walk


@functools.cache
def _steps() -> frozenset[tuple[str, str]]:
    pairs = set()
    for walk in _WALKS:
        for a, b in zip(walk, walk[1:], strict=False):
            pairs.update({(a, b), (b, a)})
    return frozenset(pairs)


def walk_coverage(password: str) -> tuple[int, int]:
    """(characters in keyboard walks, sequences or repeats of 3+, other characters)."""
    text = password.lower().translate(_SHIFTED)
    steps = _steps()
    covered, run = 0, 1
    for previous, char in zip(text, text[1:], strict=False):
        if (previous, char) in steps or previous == char:
            run += 1
            continue
        covered += run if run >= _MIN_RUN else 0
        run = 1
    if text:
        covered += run if run >= _MIN_RUN else 0
    return covered, len(text) - covered


@functools.cache
def _common_passwords() -> frozenset[str]:
    from django.contrib.auth.password_validation import CommonPasswordValidator

    return frozenset(CommonPasswordValidator().passwords)


class CommonPatternValidator:
    """Refuse what Django's list of 20,000 common passwords misses because a rule forced a digit, a capital or
    a symbol onto it: keyboard walks and sequences (Qwerty123!, 12345678Aa, 1qaz@WSX) and a common password
    with digits or symbols around it (Password123!)."""

    def validate(self, password: str, user=None) -> None:
        _covered, other = walk_coverage(password)
        core = password.lower().strip(string.digits + string.punctuation + " ")
        if other <= _MAX_OTHER or (len(core) >= 4 and core in _common_passwords()) or \
                password.lower().strip() in _common_passwords():
            raise ValidationError(
                _("This password is too common: it is a keyboard walk, a sequence or a well-known password "
                  "with a few characters added."), code="password_too_common")

    def get_help_text(self) -> str:
        return _("No keyboard walks, sequences or well-known passwords.")


class PasswordHistoryValidator:
    """None of the account's last XUEJI_PASSWORD_HISTORY passwords (the current one included) again."""

    def validate(self, password: str, user=None) -> None:
        from django.contrib.auth.hashers import check_password

        if user is None or user.pk is None:
            return
        count = settings.XUEJI_PASSWORD_HISTORY
        recent = list(user.password_history.values_list("password", flat=True)[:count])
        if user.password and user.password not in recent:
            recent = [user.password, *recent[:count - 1]]
        if any(check_password(password, encoded) for encoded in recent):
            raise ValidationError(
                _("You used this password recently: choose one that differs from your last %(n)d passwords.")
                % {"n": count}, code="password_reused")

    def get_help_text(self) -> str:
        return _("Not one of your last %(n)d passwords.") % {"n": settings.XUEJI_PASSWORD_HISTORY}


class UsernameInPasswordValidator:
    """No password that contains the account's username (case-blind, after NFKC: SECURITY.md §1 row 1).
    Django's similarity check compares the whole password with the name, so a long password around the name passes
    it; this one does not. Staff accounts hold no ID number, so there is none to check."""

    MIN_LENGTH = 3

    def validate(self, password: str, user=None) -> None:
        from xueji.accounts.models import username_key

        name = username_key(getattr(user, "username", "") or "")
        if len(name) >= self.MIN_LENGTH and name in username_key(password):
            raise ValidationError(_("The password must not contain the username."), code="password_has_username")

    def get_help_text(self) -> str:
        return _("Not containing your username.")
