"""Labels of the policy's codes, through gettext (Chinese in locale/zh_Hans)."""

from django.utils.translation import gettext_lazy as _

# Kinds of business that open and close by window (业务时间): the three registrations and the daily business.
WINDOW_KINDS: dict[str, str] = {
    "registration.enrolled": _("Pupils already at school (在校生注册)"),
    "registration.grade1": _("Grade-1 entrants (小学新生注册)"),
    "registration.returning": _("Returning from abroad (来华归国学生注册)"),
    "changes.record": _("Record changes (学籍信息变更)"),
    "changes.status": _("Status changes (学籍异动)"),
    "transfers.transfer": _("Transfers (转学)"),
    "graduation.graduation": _("Graduation (毕业)"),
    "graduation.promotion": _("Promotion to the next grade (升级)"),
    "admissions.admission": _("Admission (招生录取)"),
}

# The stages a cap or a switch is set for (the codes of xueji.core.codes.STAGE, labelled there).
STAGES = ("1", "2", "3")
COMPULSORY_STAGES = ("1", "2")  # 义务教育
