"""Attendance (考勤) and dropout prevention (控辍保学), the special registers (留守儿童), the monthly report (月报) and
the misuse reports (举报).

An absence is one row per pupil and day (set-based: a class's day is one bulk insert); `school_day` numbers the
weekdays (Monday to Friday) so that "consecutive" is a gaps-and-islands count over one integer column in SQL on
both databases. A dropout case (控辍保学) is raised by that count past the province's thresholds, or for a pupil who
dropped out (流失); there is at most one open case per pupil (a partial unique constraint: raising twice is a
no-op)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.attendance.choices import (
    AbsenceKind,
    CaseReason,
    CaseStatus,
    FollowUpKind,
    MisuseStatus,
    ReportStatus,
)


class Absence(models.Model):
    """A pupil's absence on one school day, entered by the school (grid or import)."""

    jurisdiction_path = "school__org_unit__path"
    security_label_lookup = "student__security_label"  # a labelled pupil's rows: cleared users only (control 10)

    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey("schools.SchoolClass", on_delete=models.CASCADE, related_name="+")
    province_code = models.CharField(max_length=6)
    date = models.DateField(_("date"))
    school_day = models.IntegerField()  # weekdays since 1970-01-05 (a Monday): consecutive days differ by 1
    kind = models.CharField(_("kind"), max_length=12, choices=AbsenceKind.choices, default=AbsenceKind.UNEXCUSED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "student_id"]
        constraints = [models.UniqueConstraint(fields=["student", "date"], name="attendance_absence_one_a_day")]
        indexes = [models.Index(fields=["school_class", "date"]),
                   models.Index(fields=["province_code", "date"])]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.kind}"


class DropoutCase(models.Model):
    """A case of the county's dropout-prevention list (控辍保学), followed up until closed."""

    jurisdiction_path = "school__org_unit__path"
    security_label_lookup = "student__security_label"  # a labelled pupil's rows: cleared users only (control 10)

    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=6)
    reason = models.CharField(_("reason"), max_length=16, choices=CaseReason.choices)
    days = models.IntegerField(_("days absent"), default=0)  # the count that raised it (0 for a dropout)
    opened_on = models.DateField(_("opened"))
    status = models.CharField(_("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=FollowUpKind.choices, blank=True)

    class Meta:
        ordering = ["opened_on", "id"]
        verbose_name = _("dropout case")
        constraints = [models.UniqueConstraint(fields=["student"], condition=models.Q(status="open"),
                                               name="attendance_one_open_case")]
        indexes = [models.Index(fields=["county", "status", "opened_on"]),
                   models.Index(fields=["province_code", "status", "opened_on"])]

    def __str__(self) -> str:
        return f"case {self.pk} of {self.student_id}"


class CaseFollowUp(models.Model):
    """One entry of a case's follow-up: a home visit, the return to school, a transfer, an exemption, a note."""

    case = models.ForeignKey(DropoutCase, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("kind"), max_length=16, choices=FollowUpKind.choices)
    note = models.TextField(_("note"), blank=True)
    on = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class LeftBehindEntry(models.Model):
    """留守儿童: a left-behind pupil's entry of one term (guardian, contact, care measures), renewed each term."""

    jurisdiction_path = "student__school__org_unit__path"
    security_label_lookup = "student__security_label"  # a labelled pupil's rows: cleared users only

    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    term = models.CharField(_("term"), max_length=6)  # "2026-1" autumn term of 2026/27, "2027-2" its spring term
    guardian_name = models.CharField(_("guardian"), max_length=64)
    guardian_relation = models.CharField(_("relation"), max_length=32, blank=True)
    guardian_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    parents_away = models.CharField(_("where the parents work"), max_length=128, blank=True)
    care_measures = models.TextField(_("care measures"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-term", "student_id"]
        constraints = [models.UniqueConstraint(fields=["student", "term"], name="attendance_left_behind_term")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.term}"


class MonthlyReport(models.Model):
    """月报 of one authority for one month: figures generated from the data at month end, the manual items, the
    leader's signature (SM2, xueji/signing), the submission to the level above."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # the first day of the month
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    figures = models.JSONField(default=dict)
    manual = models.JSONField(default=dict)
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    late = models.BooleanField(_("late"), default=False)
    late_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-month", "org_unit__path"]
        verbose_name = _("monthly report")
        constraints = [models.UniqueConstraint(fields=["org_unit", "month"], name="attendance_report_unit_month")]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.month:%Y-%m}"


class MisuseReport(models.Model):
    """举报: a signed-in user's report of a misuse by a unit, routed to the level above that unit. The reporter is
    stored (so they can follow their own reports) but never shown to the handlers; the audit log (read by the
    auditors only) keeps who filed it."""

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    about_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("unit concerned"))
    handler_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("handled by"))
    text = models.TextField(_("what happened"))
    status = models.CharField(_("status"), max_length=8, choices=MisuseStatus.choices, default=MisuseStatus.OPEN)
    created_at = models.DateTimeField(_("filed"))
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handling_note = models.TextField(_("handling"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["handler_unit", "status"])]

    def __str__(self) -> str:
        return f"report {self.pk} about {self.about_unit_id}"
