"""The reports app's tables: the pupil tally (the summary the dashboards read), the statistics returns (教育事业统计)
compared with the records, and the funding rules and allocations."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.reports.choices import AllocationStatus, ExcludedReason, Programme

TALLY_KEY = ("county_id", "stage", "cohort", "status", "reg_status", "verify_status", "number_kind", "sex", "ethnic",
             "hukou", "migrant", "left_behind")


class PupilTally(models.Model):
    """How many pupils of a county share one group: stage and cohort (of their class; "" and 0 without one),
    status, registration state, identity check, the first letter of the national number ("" without one), sex,
    ethnic group, hukou nature, migrant and left-behind. Kept by the registry's doors (`reports/tally.py`, a
    watcher of registry.counts) in the same transaction as each change; rebuilt from scratch by `manage.py
    reports_rebuild`. Its size depends on the counties and the variety of pupils, never on their number: a
    dashboard reads the rows under its path (a county its own, a city or the province their counties')."""

    jurisdiction_path = "path"

    county = models.ForeignKey("regions.OrgUnit", on_delete=models.CASCADE, related_name="+", db_index=False)
    path = models.CharField(max_length=255, db_index=True)  # the county's org path
    stage = models.CharField(max_length=1, blank=True)
    cohort = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=2)
    reg_status = models.CharField(max_length=12)
    verify_status = models.CharField(max_length=12)
    number_kind = models.CharField(max_length=1, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    ethnic = models.CharField(max_length=2, blank=True)
    hukou = models.CharField(max_length=1, blank=True)
    migrant = models.BooleanField(default=False)
    left_behind = models.BooleanField(default=False)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("pupil tally")
        constraints = [models.UniqueConstraint(fields=[k.removesuffix("_id") for k in TALLY_KEY],
                                               name="reports_tally_key")]

    def __str__(self) -> str:
        return f"{self.path} {self.stage}{self.cohort} {self.sex}: {self.n}"



class PupilFigure(models.Model):
    """The dashboards' figures per county: the pupils on the roll counted by one dimension at a time (`dim`,
    `value`): for the registered ones "all" (the total), "stage", "cohort" ("stage:cohort year"), "sex", "ethnic",
    "hukou", "migrant", "left_behind" (the true ones only), "verify" (identity check); for every one on the roll
    "reg" (registration state). Derived from the tally's changes in the same statement batch (`tally.apply`), so a
    county holds about a hundred rows whatever its pupils, and a province's dashboard reads a few thousand."""

    jurisdiction_path = "path"

    county = models.ForeignKey("regions.OrgUnit", on_delete=models.CASCADE, related_name="+", db_index=False)
    path = models.CharField(max_length=255, db_index=True)
    dim = models.CharField(max_length=12)
    value = models.CharField(max_length=16)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("pupil figure")
        constraints = [models.UniqueConstraint(fields=["county", "dim", "value"], name="reports_figure_key")]

    def __str__(self) -> str:
        return f"{self.path} {self.dim}={self.value}: {self.n}"


class ClassSize(models.Model):
    """The seated pupils of each class (kept from the registry's per-class count changes) and, in `ClassBand`, how
    many classes of each county fall in each size band: the class-size chart reads the bands (a few rows a county),
    never the classes."""

    school_class = models.OneToOneField("schools.SchoolClass", on_delete=models.CASCADE, primary_key=True,
                                        related_name="+")
    seated = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.school_class_id}: {self.seated}"


class ClassBand(models.Model):
    jurisdiction_path = "path"

    county = models.ForeignKey("regions.OrgUnit", on_delete=models.CASCADE, related_name="+", db_index=False)
    path = models.CharField(max_length=255, db_index=True)
    band = models.IntegerField()  # the band's lower bound (selectors.CLASS_BANDS)
    classes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "band"], name="reports_class_band_key")]

    def __str__(self) -> str:
        return f"{self.path} {self.band}+: {self.classes}"


class StatisticsReturn(models.Model):
    """An imported statistics return (教育事业统计基表): pupils per school, grade and sex at a statistics date."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    stat_date = models.DateField(_("statistics date"))
    original_name = models.CharField(_("file"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))
    rows = models.IntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("statistics return")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.stat_date})"


class StatisticsRow(models.Model):
    statistics_return = models.ForeignKey(StatisticsReturn, on_delete=models.CASCADE, related_name="lines")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=2, choices=codes.choices_of("GRADE"))
    sex = models.CharField(max_length=1, choices=codes.choices_of("SEX"))
    count = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["statistics_return", "school", "grade", "sex"],
                                               name="reports_stat_row_unique")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.grade} {self.sex}: {self.count}"



class FundingRule(models.Model):
    """A per-pupil amount (元 a pupil a year) set by the province for a stage and a programme, valid from a date
    to a date (inclusive; open-ended without an end). Rules of one stage and programme never overlap."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("stage"), max_length=1, choices=codes.choices_of("STAGE"))
    programme = models.CharField(_("programme"), max_length=16, choices=Programme.choices)
    amount = models.DecimalField(_("per-pupil amount (yuan)"), max_digits=10, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["stage", "programme", "valid_from"]
        verbose_name = _("funding rule")

    def __str__(self) -> str:
        return f"{self.stage} {self.programme} {self.amount} from {self.valid_from}"



class Allocation(models.Model):
    """An allocation run: per school and county, the verified enrolment at a date times the rules valid then.
    Frozen once approved (every write refused)."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    at_date = models.DateField(_("enrolment date"))
    status = models.CharField(_("status"), max_length=12, choices=AllocationStatus.choices,
                              default=AllocationStatus.DRAFT)
    total = models.DecimalField(_("total (yuan)"), max_digits=16, decimal_places=2, default=0)
    pupils = models.IntegerField(_("funded pupils"), default=0)
    excluded = models.IntegerField(_("pupils listed apart"), default=0)
    request_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("funding allocation")

    def __str__(self) -> str:
        return f"allocation {self.pk} at {self.at_date}"



class AllocationLine(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="lines")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=1, choices=codes.choices_of("STAGE"))
    programme = models.CharField(max_length=16, choices=Programme.choices)
    pupils = models.IntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    total = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["county_id", "school_id", "stage", "programme"]

    def __str__(self) -> str:
        return f"{self.school_id} {self.stage} {self.programme}: {self.total}"



class AllocationExcluded(models.Model):
    """A pupil left out of an allocation, with the reason (no national number, an open problem record)."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="left_out")
    student = models.ForeignKey("registry.Student", null=True, on_delete=models.SET_NULL, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=12, choices=ExcludedReason.choices)

    class Meta:
        ordering = ["school_id", "student_id"]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.reason}"
