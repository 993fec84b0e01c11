"""Problem records (问题学籍) with their members and history; deleted records and their retired numbers.

The tables were created by registration (before issue 7 split it): each model keeps its table's name."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.fields import BlindIndexField, SealedCharField, SealedJSONField, SealedModel
from xueji.problems.choices import MemberState, ProblemKind, ProblemStatus, Resolution


class Problem(SealedModel):
    """问题学籍: an ID error of one record, or a group of records sharing an ID number (or, without ID, name,
    sex and birth date). Seen by the schools of its members and the authorities above them."""

    jurisdiction_paths = ("members__school_org__path",)  # a duplicate across two counties is seen by both
    # Security labels (control 10): a problem record stays visible through any member (its arbiter, a city, needs
    # it), but a labelled member is shown to the uncleared as a record outside the jurisdiction is: its school only,
    # never who the pupil is (selectors.problem_members; the key of a duplicate without ID withheld).
    # Indexes are few on purpose: a scan files thousands of problems at once (the partial unique constraint
    # below serves lookups by kind and key).
    kind = models.CharField(_("kind"), max_length=16, choices=ProblemKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN,
                              db_index=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True,
                                  default="")
    province_code = models.CharField(_("province"), max_length=6)
    # What makes the problem one: "s<student id>" (ID error), the blind index of the shared ID number (the number
    # itself is sealed in id_number, for display; `filter(id_number=...)` compares the key), or "name|sex|YYYY-MM-DD".
    key = models.CharField(max_length=128)
    id_number = SealedCharField(_("shared ID number"), max_length=32, blank=True, default="", index="key")
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    source = models.CharField(_("found by"), max_length=16, default="scan")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            db_index=False)
    arbitration_request = models.ForeignKey("workflow.Request", null=True, blank=True, on_delete=models.SET_NULL,
                                            related_name="+", db_index=False)
    created_at = models.DateTimeField(_("found"))
    updated_at = models.DateTimeField(_("updated"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        db_table = "registration_problem"  # the table registration created (moved in state only)
        ordering = ["-created_at", "-id"]
        verbose_name = _("problem record")
        verbose_name_plural = _("problem records")
        constraints = [models.UniqueConstraint(fields=["kind", "province_code", "key"],
                                               condition=~models.Q(status="resolved"),
                                               name="one_unresolved_problem_per_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ProblemMember(models.Model):
    """A record concerned by a problem, with its school and county kept so jurisdiction works even after the
    record is deleted."""

    jurisdiction_path = "school_org__path"
    security_label_lookup = "student__security_label"  # a labelled pupil's membership: cleared users only

    # Indexed by the unique (problem, student) and (student, state) only: a scan writes thousands of members.
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="members", db_index=False)
    student = models.ForeignKey("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="problem_memberships", db_index=False)
    student_name = models.CharField(_("name"), max_length=64)
    school_org = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("school"), db_index=False)
    county_org = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("county authority"), db_index=False)
    state = models.CharField(_("state"), max_length=12, choices=MemberState.choices, default=MemberState.OPEN)
    request = models.ForeignKey("workflow.Request", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("latest request"), db_index=False)

    class Meta:
        db_table = "registration_problemmember"  # the table registration created (moved in state only)
        ordering = ["problem", "id"]
        constraints = [models.UniqueConstraint(fields=["problem", "student"], name="one_membership_per_record")]
        indexes = [models.Index(fields=["student", "state"])]

    def __str__(self) -> str:
        return f"{self.problem_id}: {self.student_name}"


class ProblemEvent(models.Model):
    """The history of a problem: found, actions filed, returned, approved, arbitration, resolved."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    member = models.ForeignKey(ProblemMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               db_index=False)
    kind = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", db_index=False)
    request = models.ForeignKey("workflow.Request", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", db_index=False)
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        db_table = "registration_problemevent"  # the table registration created (moved in state only)
        ordering = ["problem", "at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind}"


class DeletedRecord(SealedModel):
    """What is left of a registered record deleted through a problem: who it was, the numbers it held (never
    issued again) and a snapshot, so the deletion can be traced."""

    jurisdiction_path = "school_org__path"

    former_id = models.BigIntegerField(_("former record id"), db_index=True)
    province_code = models.CharField(_("province"), max_length=6)
    school_org = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=64)
    id_number = SealedCharField(_("ID number"), max_length=32, blank=True)  # sealed (core.sealing)
    # Sealed at rest: every number held, and the ID numbers of the snapshot (core.fields.ID_KEYS).
    numbers = SealedJSONField(_("numbers held"), default=list, whole=True)
    snapshot = SealedJSONField(default=dict)
    problem = models.ForeignKey(Problem, null=True, on_delete=models.SET_NULL, related_name="+")
    request = models.ForeignKey("workflow.Request", null=True, on_delete=models.SET_NULL, related_name="+")
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deleted_at = models.DateTimeField(_("deleted"))

    class Meta:
        db_table = "registration_deletedrecord"  # the table registration created (moved in state only)
        ordering = ["-deleted_at"]
        verbose_name = _("deleted record")

    def __str__(self) -> str:
        return self.name


class RetiredNumber(SealedModel):
    """A national student number of a deleted record: kept so it stays findable and is never issued again. Sealed
    at rest like the registry's numbers, unique through its blind index."""

    jurisdiction_path = "record__school_org__path"
    number = SealedCharField(_("national student number"), max_length=24, index="number_index")
    number_index = BlindIndexField(source="number")  # unique: Meta (a constraint: no LIKE twin of the index)
    kind = models.CharField(_("kind"), max_length=1)
    record = models.ForeignKey(DeletedRecord, on_delete=models.PROTECT, related_name="retired_numbers")
    issued_at = models.DateTimeField(_("issued"))
    retired_at = models.DateTimeField(_("retired"))

    class Meta:
        db_table = "registration_retirednumber"  # the table registration created (moved in state only)
        constraints = [models.UniqueConstraint(fields=["number_index"], name="retired_number_index_unique")]

    def __str__(self) -> str:
        return self.number
