"""Registration: pre-school records; identity verification (local population register, batches); problem
records (问题学籍) with their members and history; deleted records and their retired numbers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core import codes


class PreschoolRecord(models.Model):
    """A kindergarten record (幼儿园学籍) received from the pre-school system, taken over at grade-1 registration
    instead of typing the pupil again."""

    province_code = models.CharField(_("province"), max_length=6, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=codes.choices_of("SEX"))
    birth_date = models.DateField(_("date of birth"))
    ethnic = models.CharField(_("ethnic group"), max_length=2, default="01")
    kindergarten = models.CharField(_("kindergarten"), max_length=128, blank=True)
    data = models.JSONField(_("other items"), default=dict, blank=True)
    taken_over_by = models.OneToOneField("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="preschool_record")
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("pre-school record")
        verbose_name_plural = _("pre-school records")

    def __str__(self) -> str:
        return f"{self.name} ({self.kindergarten})"


# Identity verification (公安身份核查) -------------------------------------------------------------------------

class RegisterEntry(models.Model):
    """One person of the local population register: the stand-in for the public-security population database
    that the demo and the tests check pupils against. Loaded from a file (`manage.py load_population_register`)."""

    id_number = models.CharField(_("ID number"), max_length=18, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, blank=True, default="")
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    loaded_at = models.DateTimeField(_("loaded"))

    class Meta:
        verbose_name = _("population register entry")
        verbose_name_plural = _("population register entries")

    def __str__(self) -> str:
        return self.name


class VerifyResult(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    ID_NOT_FOUND = "id_not_found", _("ID number does not exist")
    NAME_MISMATCH = "name_mismatch", _("Name and ID number do not match")


class BatchMode(models.TextChoices):
    ADAPTER = "adapter", _("Checked through the register adapter")
    FILE = "file", _("Exchanged as files")


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SENT = "sent", _("Sent, awaiting answers")
    PARTLY = "partly", _("Partly answered")
    DONE = "done", _("Done")


class VerificationBatch(models.Model):
    """One verification run over a jurisdiction: either checked through the adapter, or exported as a file for
    the population register and answered by a file later."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="verification_batches",
                                 verbose_name=_("scope"))
    province_code = models.CharField(_("province"), max_length=6, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=BatchMode.choices)
    status = models.CharField(_("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    total = models.PositiveIntegerField(_("pupils"), default=0)
    answered = models.PositiveIntegerField(_("answered"), default=0)
    counts = models.JSONField(_("results"), default=dict, blank=True)
    # The exported file (under MEDIA_ROOT; it holds ID numbers, so it is served only through the batch, audited).
    file = models.CharField(_("file"), max_length=255, blank=True, default="")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("verification batch")
        verbose_name_plural = _("verification batches")

    def __str__(self) -> str:
        return f"{self.pk} {self.org_unit_id} {self.mode} {self.status}"


class VerificationItem(models.Model):
    """One pupil in a batch: what was sent (ID number and name as they were) and the answer."""

    jurisdiction_path = "batch__org_unit__path"

    batch = models.ForeignKey(VerificationBatch, on_delete=models.CASCADE, related_name="items")
    student = models.ForeignKey("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="verification_items")
    id_number = models.CharField(_("ID number"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    result = models.CharField(_("result"), max_length=16, choices=VerifyResult.choices, blank=True, default="")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "student"], name="one_item_per_pupil_and_batch")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.batch_id}-{self.student_id}"


# Problem records (问题学籍) ---------------------------------------------------------------------------------

class ProblemKind(models.TextChoices):
    ID_ERROR = "id_error", _("ID error")
    DUPLICATE_ID = "duplicate_id", _("Duplicate ID number")
    DUPLICATE_NO_ID = "duplicate_no_id", _("Duplicate without ID (same name, sex and birth date)")


class ProblemStatus(models.TextChoices):
    """Stored status; "pending decision" is derived from the members' requests (see selectors)."""

    OPEN = "open", _("Open")
    ARBITRATION = "arbitration", _("Under arbitration")
    RESOLVED = "resolved", _("Resolved")


class Resolution(models.TextChoices):
    CORRECTED = "corrected", _("Data corrected")
    DELETED = "deleted", _("Record deleted")
    CONFIRMED = "confirmed", _("Confirmed by household register")
    CONFIRMED_DISTINCT = "confirmed_distinct", _("Confirmed as distinct pupils")
    ARBITRATED = "arbitrated", _("Decided by arbitration")
    CLEARED = "cleared", _("No longer applies")


class Problem(models.Model):
    """问题学籍: an ID error of one record, or a group of records sharing an ID number (or, without ID, name,
    sex and birth date). Seen by the schools of its members and the authorities above them."""

    jurisdiction_paths = ("members__school_org__path",)  # a duplicate across two counties is seen by both
    # Indexes are few on purpose: a scan files thousands of problems at once (the partial unique constraint
    # below serves lookups by kind and key).
    kind = models.CharField(_("kind"), max_length=16, choices=ProblemKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN,
                              db_index=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True,
                                  default="")
    province_code = models.CharField(_("province"), max_length=6)
    # What makes the problem one: "s<student id>" (ID error), the ID number, or "name|sex|YYYY-MM-DD".
    key = models.CharField(max_length=128)
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
        ordering = ["-created_at", "-id"]
        verbose_name = _("problem record")
        verbose_name_plural = _("problem records")
        constraints = [models.UniqueConstraint(fields=["kind", "province_code", "key"],
                                               condition=~models.Q(status="resolved"),
                                               name="one_unresolved_problem_per_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class MemberState(models.TextChoices):
    OPEN = "open", _("Awaiting action")
    CONFIRMED = "confirmed", _("Confirmed with proof")
    CHANGED = "changed", _("Data changed")
    DELETED = "deleted", _("Record deleted")
    KEPT = "kept", _("Keeps the ID number (arbitration)")
    LOST = "lost", _("Must change the ID number (arbitration)")


# Members in these states still hold the problem's key and block their final number.
ACTIVE_MEMBER_STATES = (MemberState.OPEN, MemberState.CONFIRMED)


class ProblemMember(models.Model):
    """A record concerned by a problem, with its school and county kept so jurisdiction works even after the
    record is deleted."""

    jurisdiction_path = "school_org__path"

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
        ordering = ["problem", "at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind}"


class DeletedRecord(models.Model):
    """What is left of a registered record deleted through a problem: who it was, the numbers it held (never
    issued again) and a snapshot, so the deletion can be traced."""

    jurisdiction_path = "school_org__path"

    former_id = models.BigIntegerField(_("former record id"), db_index=True)
    province_code = models.CharField(_("province"), max_length=6)
    school_org = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=64)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    numbers = models.JSONField(_("numbers held"), default=list)
    snapshot = models.JSONField(default=dict)
    problem = models.ForeignKey(Problem, null=True, on_delete=models.SET_NULL, related_name="+")
    request = models.ForeignKey("workflow.Request", null=True, on_delete=models.SET_NULL, related_name="+")
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deleted_at = models.DateTimeField(_("deleted"))

    class Meta:
        ordering = ["-deleted_at"]
        verbose_name = _("deleted record")

    def __str__(self) -> str:
        return self.name


class RetiredNumber(models.Model):
    """A national student number of a deleted record: kept so it stays findable and is never issued again."""

    jurisdiction_path = "record__school_org__path"
    number = models.CharField(_("national student number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=1)
    record = models.ForeignKey(DeletedRecord, on_delete=models.PROTECT, related_name="retired_numbers")
    issued_at = models.DateTimeField(_("issued"))
    retired_at = models.DateTimeField(_("retired"))

    def __str__(self) -> str:
        return self.number
