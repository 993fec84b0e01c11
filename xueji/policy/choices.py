"""Labels of the policy's codes, through gettext (Chinese in locale/zh_Hans)."""

from django.utils.translation import gettext_lazy as _

# Kinds of business that open and close by window.
WINDOW_KINDS: dict[str, str] = {
    "registration.enrolled": _("Pupils already at school (在校生注册)"),
    "registration.grade1": _("Grade-1 entrants (小学新生注册)"),
    "registration.returning": _("Returning from abroad (来华归国学生注册)"),
}
