"""Admission (招生): each school's plan per stage and year (招生计划), the results the admissions offices import
(录取), and the pupils admitted by several schools (重复招生), held until the offices keep one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.admissions.choices import AdmissionSource, AdmissionStatus, BatchStatus, EntrySide, EntryState
from xueji.core import codes
from xueji.core.fields import BlindIndexField, SealedCharField, SealedJSONField, SealedModel


class AdmissionPlan(models.Model):
    """招生计划: how many pupils a school admits into a stage in a year (the cohort its new classes carry)."""

    jurisdiction_path = "school__org_unit__path"

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="admission_plans",
                               verbose_name=_("school"))
    stage = models.CharField(_("stage"), max_length=1, choices=codes.choices_of("STAGE"))
    year = models.PositiveSmallIntegerField(_("year"))
    quota = models.PositiveIntegerField(_("places"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-year", "school__code", "stage"]
        verbose_name = _("admission plan")
        verbose_name_plural = _("admission plans")
        constraints = [models.UniqueConstraint(fields=["school", "stage", "year"], name="admission_plan_unique")]

    def __str__(self) -> str:
        return f"{self.school} {self.year} {self.stage}: {self.quota}"


class AdmissionBatch(models.Model):
    """One admission-results file an office imported, and what became of its rows. A file with any row error is
    refused whole (its errors kept here for the report); the same file again is recognised by its hash."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="admission_batches",
                                 verbose_name=_("admissions office"))
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    admitted_rows = models.PositiveIntegerField(_("admitted"), default=0)
    held_rows = models.PositiveIntegerField(_("held as duplicates"), default=0)
    already_rows = models.PositiveIntegerField(_("admitted before"), default=0)
    new_records = models.PositiveIntegerField(_("without a record"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)  # [[row, column, reason], ...]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("imported"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("admission import")
        verbose_name_plural = _("admission imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class Admission(SealedModel):
    """One pupil admitted by one school (录取) into a stage in a year, optionally into a named class. `student` is
    the pupil's record when the province holds one; without it the record is created when the admission takes
    effect (入学), as a draft of the receiving school that the school registers (temporary number, verification)."""

    jurisdiction_path = "school__org_unit__path"

    year = models.PositiveSmallIntegerField(_("year"))
    stage = models.CharField(_("stage"), max_length=1, choices=codes.choices_of("STAGE"))
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="admissions",
                               verbose_name=_("school"))
    school_class = models.ForeignKey("schools.SchoolClass", on_delete=models.PROTECT, related_name="admissions",
                                     verbose_name=_("class"))
    student = models.ForeignKey("registry.Student", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="admissions", verbose_name=_("record"))
    # Sealed at rest (core.sealing); compared (duplicates, re-imports, the one-per-school rule) by its blind index.
    id_number = SealedCharField(_("ID number"), max_length=32, index="id_number_index")
    id_number_index = BlindIndexField(source="id_number")
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=codes.choices_of("SEX"))
    birth_date = models.DateField(_("date of birth"))
    # Sealed at rest like the registry's (a G number holds the ID number).
    national_number = SealedCharField(_("national student number"), max_length=24, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=AdmissionStatus.choices,
                              default=AdmissionStatus.ADMITTED)
    source = models.CharField(_("source"), max_length=12, choices=AdmissionSource.choices,
                              default=AdmissionSource.IMPORT)
    batch = models.ForeignKey(AdmissionBatch, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="admissions")
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("admitted"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("in school since"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        indexes = [
            models.Index(fields=["year", "id_number_index"], name="admission_year_id"),
            models.Index(fields=["school", "year", "stage", "status"], name="admission_school_plan"),
            models.Index(fields=["school_class", "status"], name="admission_class_status"),
        ]
        constraints = [
            # One admission of a pupil per school and year that is not withdrawn: re-importing a row finds it.
            models.UniqueConstraint(fields=["year", "id_number_index", "school"], name="admission_once_per_school",
                                    condition=~models.Q(status="withdrawn")),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.school} ({self.year})"


class Catchment(models.Model):
    """划片: the pupils living in an area (an address prefix, as addresses are written: "黄山市屯溪区新安北路") go to
    this school for this stage. Set by an admissions office for the schools of its area; the most specific area
    (the longest prefix) that a pupil's address begins with decides."""

    jurisdiction_path = "school__org_unit__path"

    stage = models.CharField(_("stage"), max_length=1, choices=codes.choices_of("STAGE"))
    area = models.CharField(_("area (address prefix)"), max_length=128)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="catchments",
                               verbose_name=_("school"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["stage", "area"]
        verbose_name = _("catchment")
        verbose_name_plural = _("catchments")
        constraints = [models.UniqueConstraint(fields=["stage", "area"], name="catchment_area_unique")]

    def __str__(self) -> str:
        return f"{self.area} → {self.school}"


class Entry(SealedModel):
    """毕业后跨省就学: a graduate (毕业/结业) of another province entering a school of this one, one row per side like a
    cross-province transfer (its request's id is its id). The receiving side (`school`: the receiving school, and
    the class the pupil joins) names the pupil by national number, or by identity when the graduating province
    cannot find it, and holds no record until the file comes (`student` then); what it knows of the pupil before
    is `pupil` (the graduating province's answer to the lookup, or the identity the school gave). The graduating
    side (`school`: the graduating school) names its graduate (`student`). The two rows are linked by `peer_key`,
    the other side's request key ("<province>:<request id>")."""

    jurisdiction_path = "school__org_unit__path"

    request = models.OneToOneField("workflow.Request", primary_key=True, on_delete=models.CASCADE,
                                   related_name="entry", verbose_name=_("request"))
    side = models.CharField(_("side"), max_length=10, choices=EntrySide.choices)
    state = models.CharField(_("state"), max_length=20, choices=EntryState.choices, default=EntryState.FILED)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="entries",
                               verbose_name=_("school"))
    school_class = models.ForeignKey("schools.SchoolClass", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("class"))
    student = models.ForeignKey("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="entries", verbose_name=_("record"))
    pupil = SealedJSONField(_("pupil as known before the file"), default=dict, blank=True)  # its numbers sealed
    # Sealed at rest (a G number holds the ID number); one open entry per number through its blind index.
    national_number = SealedCharField(_("national student number"), max_length=24, blank=True, default="",
                                      index="national_number_index")
    national_number_index = BlindIndexField(source="national_number", blank=True, default="")
    # Sealed at rest (core.sealing); `pupil` holds it masked only.
    id_number = SealedCharField(_("ID number"), max_length=32, blank=True, default="")
    name = models.CharField(_("name"), max_length=64)
    peer_province_code = models.CharField(_("other province"), max_length=6)
    peer_school_name = models.CharField(_("other school"), max_length=128, blank=True, default="")
    peer_key = models.CharField(_("other side's request"), max_length=32, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=255, blank=True, default="")
    outcome = models.CharField(_("outcome"), max_length=255, blank=True, default="")
    filed_at = models.DateTimeField(_("filed"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    retrieval_at = models.DateTimeField(_("file retrieval"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-request_id"]
        verbose_name = _("cross-province entry after graduation")
        verbose_name_plural = _("cross-province entries after graduation")
        indexes = [models.Index(fields=["school", "state"], name="entry_school_state")]
        constraints = [
            # One open entry per pupil on the receiving side (the engine's subject claim refuses it first).
            models.UniqueConstraint(fields=["national_number_index"], name="one_open_entry_per_number",
                                    condition=models.Q(side="receiving", state__in=["filed", "awaiting_source",
                                                                                    "awaiting_retrieval",
                                                                                    "no_record"])
                                    & ~models.Q(national_number_index="")),
            models.UniqueConstraint(fields=["student"], name="one_open_entry_release_per_pupil",
                                    condition=models.Q(side="sending", state__in=["filed", "awaiting_retrieval"])),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.name} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in {"filed", "awaiting_source", "awaiting_retrieval", "no_record"}
