"""The school year's turn (学年): graduation batches and their graduates (毕业/结业, with each one's destination,
去向), and the province's yearly promotion (升级): one run per province and year, one row per school.

The promotion writes no pupil: a pupil's grade follows from the class's cohort and the school's year in effect
(`schools.School.year_start`), so the turn advances each school's year and closes the classes that left their
stage. Each pupil's timeline shows the run's row of the school it sat in (schoolyear/timeline.py), not one history
row per pupil."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.schoolyear.choices import Destination, LeaveKind, RunStatus, SchoolState


class GraduationBatch(models.Model):
    """One graduation (or completion) of a school's final grade, done by its registrar in one go."""

    jurisdiction_path = "school__org_unit__path"

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="graduation_batches")
    stage = models.CharField(_("stage"), max_length=1)
    kind = models.CharField(_("kind"), max_length=2, choices=LeaveKind.choices)
    year = models.PositiveSmallIntegerField(_("school year"))  # its start year
    count = models.PositiveIntegerField(_("pupils"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("graduation")
        verbose_name_plural = _("graduations")

    def __str__(self) -> str:
        return f"{self.school_id} {self.year} {self.get_kind_display()}"


class Graduate(models.Model):
    """A pupil who left the stage with a batch: the destination (去向), and the revert when it was a mistake. The
    school and the ID number as they were, so a destination is found where the pupil (or a record with the same ID
    number) sits later."""

    jurisdiction_path = "school__org_unit__path"
    security_label_lookup = "student__security_label"  # a labelled pupil's rows: cleared users only (control 10)

    # No database constraint on the references below, the pupil's excepted: each graduate row would queue one
    # deferred check per reference at commit (a province's graduation: a million checks, a fifth of its time). The
    # batch and the school are written with the row, by the one statement that inserts it from the batch rows the
    # same transaction has just inserted (and batches are never deleted: PROTECT); the other two are null when the
    # row is written and set later only from rows the code has just read (schools and users are never deleted:
    # PROTECT, deactivation).
    batch = models.ForeignKey(GraduationBatch, on_delete=models.PROTECT, related_name="graduates",
                              db_constraint=False)
    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="graduations")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False)
    # The blind index of the pupil's ID number (core.sealing.blind_index, as registry's id_number_index): the
    # graduate is matched by it to a record elsewhere; the number itself is sealed on the pupil only.
    id_number = models.CharField(_("ID number (blind index)"), max_length=64, blank=True, default="")
    previous_status = models.CharField(_("status before"), max_length=2)
    destination = models.CharField(_("destination"), max_length=2, choices=Destination.choices,
                                   default=Destination.UNKNOWN)
    # Neither read by nor written in bulk (null until admission): no index for every graduate row to carry.
    destination_school = models.ForeignKey("schools.School", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("school admitted to"), db_index=False,
                                           db_constraint=False)
    destination_filled_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(_("reverted"), null=True, blank=True)
    reverted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_index=False, db_constraint=False)

    class Meta:
        ordering = ["batch", "id"]
        constraints = [models.UniqueConstraint(fields=["student"], condition=models.Q(reverted_at__isnull=True),
                                               name="one_standing_graduation")]
        # The unknown destinations that `destinations_fill` looks at, few once admission has run.
        indexes = [models.Index(fields=["destination"], condition=models.Q(destination="00", reverted_at__isnull=True),
                                name="graduate_unknown_destination")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.destination}"


class PromotionRun(models.Model):
    """升级 of one province from one school year to the next: prepared (check, dry run, schools held back),
    scheduled for the configured moment or run at once as one background job, resumable school by school."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")  # the province
    province_code = models.CharField(_("province"), max_length=6)
    from_year = models.PositiveSmallIntegerField(_("from school year"))
    to_year = models.PositiveSmallIntegerField(_("to school year"))
    status = models.CharField(_("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.OPEN)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    backup_file = models.CharField(_("backup"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-to_year", "province_code"]
        constraints = [models.UniqueConstraint(fields=["province_code", "to_year"], name="one_promotion_per_year")]

    def __str__(self) -> str:
        return f"{self.province_code} {self.from_year}->{self.to_year}"


class PromotionSchool(models.Model):
    """One school in a province's promotion: to be promoted, held back (by an authority, to be promoted later),
    blocked (what blocks it, as the run found it), or promoted (when, its classes closed, its pupils then)."""

    jurisdiction_path = "school__org_unit__path"

    run = models.ForeignKey(PromotionRun, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="promotions")
    state = models.CharField(_("state"), max_length=12, choices=SchoolState.choices, default=SchoolState.PENDING)
    blockers = models.JSONField(_("blocked by"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    excluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    pupils = models.PositiveIntegerField(_("pupils promoted"), default=0)
    classes_closed = models.PositiveIntegerField(_("classes closed"), default=0)
    promoted_at = models.DateTimeField(_("promoted"), null=True, blank=True)

    class Meta:
        ordering = ["run", "school"]
        constraints = [models.UniqueConstraint(fields=["run", "school"], name="one_row_per_school_and_run")]
        indexes = [models.Index(fields=["school", "promoted_at"], name="promotion_school_at")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.school_id} {self.state}"


class ExamResult(models.Model):
    """A pupil's result in one 学业水平考试 subject (senior high), loaded by an authority from the exam office's
    file; a re-upload replaces the result of the same pupil and subject (idempotent)."""

    jurisdiction_path = "student__school__org_unit__path"
    security_label_lookup = "student__security_label"  # a labelled pupil's rows: cleared users only

    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="exam_results")
    subject = models.CharField(_("subject"), max_length=16)
    passed = models.BooleanField(_("passed"))
    score = models.CharField(_("score"), max_length=16, blank=True)
    loaded_at = models.DateTimeField(_("loaded"))

    class Meta:
        ordering = ["student", "subject"]
        constraints = [models.UniqueConstraint(fields=["student", "subject"], name="one_result_per_subject")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject} {self.passed}"
