"""转学记录: one row per transfer of a pupil, beside its request in the approval engine (which holds the steps,
the decisions and the proofs) and the pupil's own history in the registry (the placement rows the door writes when
the record moves). A row says, for the lists, the inboxes and the flow statistics to come, who moves from where
to where, how far (the route key), whether the pupil is a migrant child (随迁子女), where the transfer stands and
when each thing happened.

Designed for the cross-province hop to come: the two sides are named by school and by province code, the schools
may be absent (a school of another province is not in this database), with their names kept; the national
number the transfer was filed with is kept (a cross-province transfer is filed by it).

The receiving side of a cross-province transfer holds no record of the pupil until 调档 brings the file: its
`student` is empty until then (`crossing.file_apply` sets it), and what it knows of the pupil is the sending
province's answer to the lookup, kept as `pupil` (peer.py has its shape)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.fields import BlindIndexField, SealedCharField, SealedJSONField, SealedModel
from xueji.transfers.choices import DISTANCE_CHOICES, OPEN_STATES, Side, TransferState


class Transfer(SealedModel):
    """A transfer of one pupil (its request's id is its id). Seen by both schools and the authorities above them."""

    jurisdiction_paths = ("destination_school__org_unit__path", "source_school__org_unit__path")

    request = models.OneToOneField("workflow.Request", primary_key=True, on_delete=models.CASCADE,
                                   related_name="transfer", verbose_name=_("request"))
    student = models.ForeignKey("registry.Student", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="transfers", verbose_name=_("pupil"))
    # Across provinces, on the receiving side: the sending province's answer to the lookup (peer.PeerPupil).
    # Its national number sealed at rest (core.fields.ID_KEYS; the ID number in it comes masked).
    pupil = SealedJSONField(_("pupil as the sending province told"), null=True, blank=True)
    source_school = models.ForeignKey("schools.School", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="transfers_out", verbose_name=_("sending school"))
    source_school_name = models.CharField(_("sending school"), max_length=128)
    source_class = models.ForeignKey("schools.SchoolClass", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("class before"))
    destination_school = models.ForeignKey("schools.School", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="transfers_in", verbose_name=_("receiving school"))
    destination_school_name = models.CharField(_("receiving school"), max_length=128)
    # Named by the receiving school at filing or at its step (the decision's data); the record joins it at the end.
    destination_class = models.ForeignKey("schools.SchoolClass", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", verbose_name=_("class after"))
    distance = models.CharField(_("distance"), max_length=32, choices=DISTANCE_CHOICES)
    migrant = models.BooleanField(_("migrant child (随迁子女)"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=TransferState.choices, default=TransferState.FILED)
    source_province_code = models.CharField(_("sending province"), max_length=6)
    destination_province_code = models.CharField(_("receiving province"), max_length=6)
    # Sealed at rest (a G number holds the ID number), compared (the one-open-transfer rule) by its blind index.
    national_number = SealedCharField(_("national student number"), max_length=24, blank=True,
                                      index="national_number_index")
    national_number_index = BlindIndexField(source="national_number", blank=True, default="")
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    filed_at = models.DateTimeField(_("filed"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Past the consent deadline (a function switch), the sending side's step went to the common superior.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_from = models.ForeignKey("regions.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("escalated from"))
    # Across provinces (crossing.py): which side this row is, the other side's request key ("330000:17"), when
    # the receiving school asked for the file (调档) or the sending side sent it, the cancellation (跨省转学撤销)
    # open or done on this side, and why the other side refused or closed it.
    side = models.CharField(_("side"), max_length=10, choices=Side.choices, default=Side.BOTH, db_default=Side.BOTH)
    peer_key = models.CharField(_("other side's request"), max_length=32, blank=True, default="", db_default="")
    retrieval_at = models.DateTimeField(_("file retrieval"), null=True, blank=True)
    cancellation = models.OneToOneField("workflow.Request", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="cancelled_transfer", verbose_name=_("cancellation"))
    outcome = models.CharField(_("outcome"), max_length=255, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-filed_at", "-request_id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [models.Index(fields=["destination_school", "state"], name="transfer_in_state"),
                   models.Index(fields=["source_school", "state"], name="transfer_out_state"),
                   models.Index(fields=["student", "filed_at"], name="transfer_student_filed")]
        constraints = [
            # A pupil is never moving to two schools at once (the engine's subject lock refuses a second filing
            # first; this holds it in the table too).
            # Across provinces each side keeps its row (in one database both rows name the same pupil).
            models.UniqueConstraint(fields=["student", "side"], condition=models.Q(state__in=OPEN_STATES),
                                    name="one_open_transfer_per_pupil_side"),
            # The receiving side holds no record before 调档: there a pupil is its national number.
            models.UniqueConstraint(fields=["national_number_index", "side"],
                                    condition=models.Q(state__in=OPEN_STATES, side=Side.RECEIVING),
                                    name="one_open_receiving_transfer_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.source_school_name} → {self.destination_school_name}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
