"""What a transfer (转学) is: the request type's code and business window, the transfer's states, the distances
(the route keys) and their default routes, and the proofs a transfer is filed with.

The route of the seed has four parties, in this order: the receiving (destination) school files and approves
(its leader 核办, naming the class the pupil joins), then the destination county authority, the sending (source)
school and the source county authority. Within one county one county step is enough: the two schools agree, then
the county decides once (destination school, source school, county: the county's step is the source_county
party, which is the destination's county too). Across cities and provinces the route is the four parties; a
province adds the cities' (or its own) approvals through the policy routes page (`policy.route_set(route_key=)`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.policy.choices import TRANSFER_CERTIFICATE, TRANSFER_PROOF_KINDS
from xueji.registry.choices import ON_ROLL
from xueji.workflow.resolvers import ACROSS_CITIES, ACROSS_COUNTIES, ACROSS_PROVINCES, ROUTE_KEY_LABELS, SAME_COUNTY
from xueji.workflow.types import step

TRANSFER_TYPE = "transfers.transfer"
TRANSFER_WINDOW = "transfers.transfer"  # its business window (policy.choices.WINDOW_KINDS)
# A pupil has at most one open request that moves it or changes its status (the engine's subject exclusion,
# symmetric: changes.status names transfers.transfer too).
TRANSFER_EXCLUDES = (TRANSFER_TYPE, "transfers.release", "changes.status")
PUPIL = "registry.student"

# On a school's roll (在读, 休学, 停学, 复学): only such a record moves by a transfer. A pupil who graduated, left
# (退学, 辍学, 转出 ...) or died is not transferred.
TRANSFERABLE = ON_ROLL


class TransferState(models.TextChoices):
    FILED = "filed", _("Filed, in approval")
    # Across provinces, on the receiving side: approved here, the sending province's side decides now.
    AWAITING_SOURCE = "awaiting_source", _("Approved here, awaiting the sending province")
    APPROVED = "approved", _("Approved")
    # Across provinces (the hop comes later): approved on both sides, the receiving school retrieves the file (调档).
    AWAITING_RETRIEVAL = "awaiting_retrieval", _("Approved, awaiting file retrieval")
    COMPLETED = "completed", _("Completed: the record moved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (TransferState.FILED, TransferState.AWAITING_SOURCE, TransferState.APPROVED,
               TransferState.AWAITING_RETRIEVAL)


class Side(models.TextChoices):
    """Which side of a move a transfer row is: within a province one row holds both; across provinces each
    province keeps its own row (the receiving side's, filed by its school; the sending side's, opened by the
    hub's `transfers.requested`), linked by the other side's request key (`peer_key`)."""

    BOTH = "both", _("Both sides (within the province)")
    RECEIVING = "receiving", _("Receiving side")
    SENDING = "sending", _("Sending side")

DISTANCES = (SAME_COUNTY, ACROSS_COUNTIES, ACROSS_CITIES, ACROSS_PROVINCES)
DISTANCE_CHOICES = [(key, ROUTE_KEY_LABELS[key]) for key in DISTANCES]


def distance_label(key: str) -> str:
    return str(ROUTE_KEY_LABELS.get(key, key))


DESTINATION_SCHOOL = step("destination_school", "leader")
DESTINATION_COUNTY = step("destination_county", "registrar")
SOURCE_SCHOOL = step("source_school", "leader")
SOURCE_COUNTY = step("source_county", "registrar")
FOUR_PARTIES = (DESTINATION_SCHOOL, DESTINATION_COUNTY, SOURCE_SCHOOL, SOURCE_COUNTY)
ROUTES = {
    SAME_COUNTY: (DESTINATION_SCHOOL, SOURCE_SCHOOL, SOURCE_COUNTY),
    ACROSS_COUNTIES: FOUR_PARTIES,
    ACROSS_CITIES: FOUR_PARTIES,
    # Across provinces each province's engine holds its own parties only: the receiving side's request
    # (transfers.transfer) routes the receiving school and county; the sending side's (transfers.release) the
    # sending school and county. A province adds its city's or its own level on the policy routes page.
    ACROSS_PROVINCES: (DESTINATION_SCHOOL, DESTINATION_COUNTY),
}
RELEASE_TYPE = "transfers.release"
RELEASE_ROUTE = (SOURCE_SCHOOL, SOURCE_COUNTY)
CANCELLATION_TYPE = "transfers.cancellation"
CANCELLATION_ROUTES = {"receiving": (DESTINATION_SCHOOL, DESTINATION_COUNTY), "sending": (SOURCE_SCHOOL, SOURCE_COUNTY)}
# The parties of the sending side: past the consent deadline (a function switch), a step of theirs goes to the
# common superior authority, which decides for the rest of the sending side too.
SOURCE_PARTIES = ("source_school", "source_county", "source_city", "source_province")
ESCALATION_PARTY, ESCALATION_ROLE = "common_superior", "registrar"
# Who sees a transfer from its filing on (besides the holders of its steps): both schools, and so their
# authorities above them (the jurisdiction is the org path).
VISIBLE_PARTIES = ("destination_school", "source_school")

CERTIFICATE = TRANSFER_CERTIFICATE
PROOF_KINDS = TRANSFER_PROOF_KINDS


def proof_label(kind: str) -> str:
    return str(PROOF_KINDS.get(kind, kind))
