"""The one approval engine: requests, their frozen steps, actions and proof materials."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import RestrictedQuerySet
from xueji.core.fields import SealedJSONField


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned to the filer")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")
    FOLLOW_UP = "follow_up", _("Approved, follow-up work open")
    CANCELLED = "cancelled", _("Cancelled after approval")


# Statuses in which a request still holds its subjects (types that exclude each other wait for it).
OPEN_STATUSES = (RequestStatus.PENDING, RequestStatus.RETURNED, RequestStatus.FOLLOW_UP)


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Request(models.Model):
    """A request of some type about a subject, filed by a unit, approved by a chain of parties."""

    # Visible to its filer, its parties (those the type lets see it) and the holders of its steps: one
    # restricted queryset (accounts.jurisdiction.restrict) reads every path.
    jurisdiction_path = "filer_org__path"
    jurisdiction_paths = ("filer_org__path", "parties__org_unit__path", "steps__org_unit__path")
    # Parties see it if the type says so (a transfer's source school before its own step); holders of steps see
    # it once their step is reached (a waiting step grants nothing yet).
    jurisdiction_filters = {"parties": {"sees": True}, "steps": {"status__in": [
        StepStatus.PENDING, StepStatus.APPROVED, StepStatus.REJECTED, StepStatus.CANCELLED]}}

    type = models.CharField(_("type"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING, db_index=True)
    filer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requests_filed")
    filer_org = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="requests_filed")
    province_code = models.CharField(_("province"), max_length=6, blank=True)
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    # The ID numbers and national numbers a payload or result holds are sealed at rest (core.fields.ID_KEYS).
    payload = SealedJSONField(default=dict, blank=True)
    result = SealedJSONField(null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    reject_reason = models.TextField(_("reason for return"), blank=True)
    route_key = models.CharField(_("route key"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("filed"))
    updated_at = models.DateTimeField(_("updated"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.PENDING

    @property
    def shown_title(self) -> str:
        """The title as its reader sees it: a request about a labelled pupil the reader is not cleared for (the
        selectors' `pupil_withheld`, workflow/labels.py) names the type only."""
        if not getattr(self, "pupil_withheld", False):
            return self.title
        from xueji.workflow.labels import withheld_title
        from xueji.workflow.types import request_type

        try:
            label = request_type(self.type).label
        except Exception:  # noqa: BLE001 - a type no longer registered
            label = self.type
        return withheld_title(str(label))


class RequestParty(models.Model):
    """A named party of a request (destination_school, source_county, common_superior, ...), computed by the
    request type from its subject at submit and frozen with the steps. `sees`: whether the party's jurisdiction
    sees the request (a transfer's source school sees it before its own step)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(max_length=32)
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="request_parties")
    sees = models.BooleanField(default=True)

    class Meta:
        ordering = ["request", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "name"], name="unique_request_party")]
        indexes = [models.Index(fields=["org_unit", "sees"])]

    def __str__(self) -> str:
        return f"{self.request_id} {self.name} {self.org_unit_id}"


class Subject(models.Model):
    """What a request is about, as a row (a pupil, a problem record's member, a class, ...): the engine locks it
    while it checks that no request of an excluding type is open on it."""

    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="unique_subject")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class RequestSubject(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="subject_links")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="request_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "subject"], name="unique_request_subject")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.subject_id}"


class Step(models.Model):
    """One approval step, resolved to an org unit and role at submit and frozen on the request."""

    jurisdiction_path = "org_unit__path"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveSmallIntegerField(default=1)
    order = models.PositiveSmallIntegerField()
    resolver = models.CharField(max_length=32)
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="approval_steps")
    role = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.WAITING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["request", "round", "order"]
        constraints = [models.UniqueConstraint(fields=["request", "round", "order"], name="unique_step")]
        indexes = [models.Index(fields=["org_unit", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.round}.{self.order} {self.org_unit} {self.role} {self.status}"


class ActionKind(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    REJECT = "reject", _("Rejected")
    WITHDRAW = "withdraw", _("Withdrawn")
    RESUBMIT = "resubmit", _("Resubmitted")
    CANCEL = "cancel", _("Cancelled")
    COMPLETE = "complete", _("Follow-up completed")


class Action(models.Model):
    """The history of a request: who did what, when, with what comment."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="actions")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    # What the decision carried, checked by the request type (the arbiter's choice, the class a pupil joins).
    data = models.JSONField(null=True, blank=True)
    # The request's status after this action (one transition table: workflow.services.TRANSITIONS).
    status_after = models.CharField(max_length=16, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} by {self.actor_id}"


class Proof(models.Model):
    """证明材料: a file on a request, stored outside the web root, served only to those who may see it."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="proofs")
    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["request", "uploaded_at"]
        verbose_name = _("proof")
        verbose_name_plural = _("proofs")

    def __str__(self) -> str:
        return self.original_name
