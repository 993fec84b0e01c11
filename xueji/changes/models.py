"""学籍异动记录: the status changes that took effect. The requests (filed, approved, returned) live in the approval
engine; the pupil's own history (each changed status and placement, before and after) in registry.StudentHistory,
written by the registry's door. A row here says, for the lists and the rules that follow (the dropout list, the
period a record is kept for a pupil abroad, who may return), which JY/T 1001 type and reason took effect, when, and
by which request."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.changes.choices import KIND_CHOICES


class StatusChange(models.Model):
    """One approved status change of a pupil, kept where it happened (the school's jurisdiction)."""

    jurisdiction_path = "school__org_unit__path"
    security_label_lookup = "student__security_label"  # a labelled pupil's rows: cleared users only (control 10)

    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="status_change_records",
                                verbose_name=_("pupil"))
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="status_change_records",
                               verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=16, choices=KIND_CHOICES)
    type_code = models.CharField(_("JY/T 1001 type"), max_length=2)
    reason_code = models.CharField(_("reason"), max_length=2)
    note = models.CharField(_("note"), max_length=255, blank=True)
    effective_date = models.DateField(_("effective"))
    old_status = models.CharField(_("status before"), max_length=2)
    new_status = models.CharField(_("status after"), max_length=2)
    old_class = models.ForeignKey("schools.SchoolClass", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("class before"))
    new_class = models.ForeignKey("schools.SchoolClass", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("class after"))
    # A pupil studying abroad: the record is kept until this day (the province's period); the return is due by it.
    keep_until = models.DateField(_("record kept until"), null=True, blank=True)
    request = models.ForeignKey("workflow.Request", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("request"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["student", "at"], name="status_change_student_at"),
                   models.Index(fields=["school", "type_code"], name="status_change_school_type")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.type_code} {self.effective_date}"
