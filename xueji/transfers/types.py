"""The request type of a transfer (转学), `transfers.transfer`, and what its approval does.

- Parties: both sides of the move by level (`sides`: source_school, source_county, ..., destination_school, ...,
  common_superior), computed from the sending school named in the payload and the filing (receiving) school.
- Route key: the distance (`distance_key`: same_county, across_counties, across_cities, across_provinces), each with
  its route (choices.ROUTES), editable per province on the policy routes page.
- Subjects: the pupil; a transfer excludes another transfer and a status change open on the same pupil. Across
  provinces the receiving side's request claims the pupil's national number instead (it holds no record of the
  pupil): two receiving schools cannot file for one number at once.
- Visible to the sending school (and so its authorities) from the filing on, not only from its own step.
- The receiving school's step names the class (`check_decision`); the last approval moves the record
  (`services.transfer_approved` -> `transfer_complete`). No undo: a completed transfer is undone by another.
- Its own page (extra["page"]): the engine's pages link to the transfer's, where the class is chosen."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xueji.core.errors import ValidationFailed
from xueji.regions.models import OrgUnit
from xueji.transfers import cancellation, crossing, services
from xueji.transfers.choices import (
    ACROSS_PROVINCES,
    CANCELLATION_ROUTES,
    CANCELLATION_TYPE,
    FOUR_PARTIES,
    RELEASE_ROUTE,
    RELEASE_TYPE,
    ROUTES,
    TRANSFER_EXCLUDES,
    TRANSFER_TYPE,
    TRANSFER_WINDOW,
    VISIBLE_PARTIES,
    TransferState,
    distance_label,
    proof_label,
)
from xueji.workflow.resolvers import side, sides
from xueji.workflow.types import RequestType, register


def _parties(request) -> dict:
    """Both sides within a province; across provinces only the receiving side's (the sending school is no org unit
    of this province's engine: its side is the other province's `transfers.release`)."""
    source_org = (request.payload or {}).get("source_school_org")
    if not source_org:
        return side("destination", request.filer_org)
    return sides(source=OrgUnit.objects.get(pk=source_org), destination=request.filer_org)


def _route_key(request) -> str:
    return (request.payload or {}).get("distance", "")


def _present(payload: dict, presenter) -> dict:
    """The move as the parties read it: the schools, the distance, the class, the proofs; the pupil's number
    through the viewer's presenter."""
    shown = {"student": payload.get("student"), "distance": payload.get("distance"),
             "distance_label": distance_label(payload.get("distance", "")),
             "source_school": payload.get("source_school") or payload.get("source_school_name"),
             "destination_school": payload.get("destination_school"),
             "school_class": payload.get("school_class"), "migrant": payload.get("migrant", False),
             "national_number": payload.get("national_number", ""),
             "proofs": [proof_label(k) for k in payload.get("proofs") or []]}
    if payload.get("reason"):
        shown["reason"] = payload["reason"]
    return presenter.mapping(shown)


def _on_rejected(*, request, actor) -> None:
    services.transfer_closed(request=request, state=TransferState.REJECTED)


def _on_withdrawn(*, request, actor) -> None:
    services.transfer_closed(request=request, state=TransferState.WITHDRAWN)


def _on_resubmit(*, request, actor) -> None:
    services.transfer_recheck(request=request)


TRANSFER = register(RequestType(
    code=TRANSFER_TYPE, label=_("Transfer"), default_route=FOUR_PARTIES, routes=dict(ROUTES),
    route_key=_route_key, parties=_parties, visible_parties=VISIBLE_PARTIES,
    subjects=(services.PUPIL, services.NATIONAL_NUMBER), excludes=TRANSFER_EXCLUDES, window_kind=TRANSFER_WINDOW,
    apply=services.transfer_approved, check_decision=services.decision_check, on_rejected=_on_rejected,
    on_withdrawn=_on_withdrawn, on_resubmit=_on_resubmit, present_payload=_present,
    extra={"page": lambda request: reverse("transfers:transfer_detail", args=[request.pk])}))


# Across provinces: the sending side's request (opened by the hub's transfers.requested) and the cancellation ----

def _release_parties(request) -> dict:
    """The sending side by level; its deadline's escalation goes to the sending province's authority: the common
    superior of two provinces (the ministry) is outside a province's system, the province is the highest level
    of the sending side's own."""
    parties = side("source", OrgUnit.objects.get(pk=(request.payload or {})["source_school_org"]))
    if "source_province" in parties:
        parties["common_superior"] = parties["source_province"]
    return parties


def _no_data(*, request, step, data: dict) -> dict:
    if data:
        raise ValidationFailed(_("This step takes no data."), code="unexpected_data", field="data")
    return {}


def _present_release(payload: dict, presenter) -> dict:
    shown = {"student": payload.get("student"), "distance": payload.get("distance"),
             "distance_label": distance_label(payload.get("distance", "")),
             "source_school": payload.get("source_school"),
             "destination_school": payload.get("destination_school_name", ""),
             "destination_province": payload.get("destination_province", ""), "migrant": payload.get("migrant", False),
             "national_number": payload.get("national_number", ""), "peer": payload.get("peer", "")}
    return presenter.mapping(shown)


def _on_release_rejected(*, request, actor) -> None:
    crossing.release_rejected(request=request, actor=actor)


RELEASE = register(RequestType(
    code=RELEASE_TYPE, label=_("Transfer to another province (sending side)"), default_route=RELEASE_ROUTE,
    routes={ACROSS_PROVINCES: RELEASE_ROUTE}, route_key=lambda request: ACROSS_PROVINCES, parties=_release_parties,
    visible_parties=("source_school",), subjects=(services.PUPIL,), excludes=TRANSFER_EXCLUDES,
    window_kind=TRANSFER_WINDOW, apply=crossing.release_approved, check_decision=_no_data,
    on_rejected=_on_release_rejected, present_payload=_present_release,
    extra={"page": lambda request: reverse("transfers:transfer_detail", args=[request.pk])}))


def _cancellation_parties(request) -> dict:
    payload = request.payload or {}
    return side("destination" if payload.get("side") == "receiving" else "source",
                OrgUnit.objects.get(pk=payload["school_org"]))


def _present_cancellation(payload: dict, presenter) -> dict:
    return presenter.mapping({"transfer": payload.get("transfer"), "side": payload.get("side"),
                              "reason": payload.get("reason", "")})


CANCELLATION = register(RequestType(
    code=CANCELLATION_TYPE, label=_("Cancellation of a cross-province transfer"),
    default_route=CANCELLATION_ROUTES["receiving"], routes=dict(CANCELLATION_ROUTES),
    route_key=lambda request: (request.payload or {}).get("side", "receiving"), parties=_cancellation_parties,
    apply=cancellation.cancellation_approved, check_decision=_no_data, present_payload=_present_cancellation,
    extra={"page": lambda request: reverse("transfers:transfer_detail", args=[request.payload["transfer"]])}))
