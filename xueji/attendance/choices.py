"""Labels of the attendance app: absence kinds, dropout cases (控辍保学) and their follow-up, the monthly report's
items and states, misuse reports (举报)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AbsenceKind(models.TextChoices):
    UNEXCUSED = "unexcused", _("Unexcused absence")  # 旷课 / 无故缺勤: counts towards a dropout case
    PERSONAL = "personal", _("Personal leave")  # 事假
    SICK = "sick", _("Sick leave")  # 病假


# Only absences without a leave granted count towards the province's thresholds (a pupil on sick leave is followed
# by the school, not by the county's dropout list).
COUNTING = (AbsenceKind.UNEXCUSED,)
# How an import file may write the kind (Chinese words, English words or the code).
KIND_WORDS = {"旷课": AbsenceKind.UNEXCUSED, "无故缺勤": AbsenceKind.UNEXCUSED, "事假": AbsenceKind.PERSONAL,
              "病假": AbsenceKind.SICK, **{k.value: k for k in AbsenceKind}}


class CaseReason(models.TextChoices):
    CONSECUTIVE = "consecutive", _("Consecutive absences")
    ACCUMULATED = "accumulated", _("Accumulated absences in the term")
    DROPPED_OUT = "dropped_out", _("Dropped out (流失)")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class FollowUpKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")  # 家访
    RETURNED = "returned", _("Returned to school")  # 劝返复学
    TRANSFERRED = "transferred", _("Transferred")  # 转学
    EXEMPTED = "exempted", _("Exemption")  # 免予/缓学
    NOTE = "note", _("Note")


# Outcomes that close a case; a home visit or a note keeps it open.
CLOSING = (FollowUpKind.RETURNED, FollowUpKind.TRANSFERRED, FollowUpKind.EXEMPTED)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Confirmed and signed")
    SUBMITTED = "submitted", _("Submitted")


# 月报 in the ministry's fixed format: the generated figures (from the data at month end) in their order.
FIGURES = (
    ("pupils_on_roll", _("Pupils on the roll at month end")),
    ("dropped_out", _("Pupils of compulsory education dropped out (流失) at month end")),
    ("cases_opened", _("Dropout cases opened in the month")),
    ("cases_closed", _("Dropout cases closed in the month")),
    ("cases_open", _("Dropout cases open at month end")),
    ("returned", _("Pupils returned to school in the month")),
    ("absences", _("Unexcused absence days in the month")),
    ("migrant", _("Migrant pupils (随迁子女) on the roll")),
    ("left_behind", _("Left-behind pupils (留守儿童) on the roll")),
)
# The manual items (filled in by the unit before signing): (key, label, kind) — "int" or "text".
MANUAL_ITEMS = (
    ("home_visits", _("Home visits made"), "int"),
    ("persuaded_back", _("Pupils persuaded back by the authority"), "int"),
    ("remarks", _("Remarks"), "text"),
)


class MisuseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDLED = "handled", _("Handled")
