"""Reads of the boxes, each from the user's jurisdiction: a province's system administrator reads its own side's
outbox and inbox (the rows' `side` is the province authority)."""

from django.db.models import Count, QuerySet

from xueji.accounts.jurisdiction import restrict
from xueji.accounts.permissions import Cap
from xueji.hub.choices import OPEN, InboxState, OutboxState
from xueji.hub.filters import InboxFilterSet, OutboxFilterSet
from xueji.hub.models import InboxMessage, OutboxMessage
from xueji.regions.models import Region, RegionLevel


def outbox_list(*, user, filters: dict | None = None) -> QuerySet[OutboxMessage]:
    """发件箱: what the user's province sent or will send, newest first."""
    qs = restrict(OutboxMessage.objects.select_related("side"), user, Cap.HUB_VIEW).order_by("-created_at", "-id")
    return OutboxFilterSet.narrow(qs, filters, user=user)


def inbox_list(*, user, filters: dict | None = None) -> QuerySet[InboxMessage]:
    """收件箱: what the user's province received, newest first."""
    qs = restrict(InboxMessage.objects.select_related("side"), user, Cap.HUB_VIEW).order_by("-received_at", "-id")
    return InboxFilterSet.narrow(qs, filters, user=user)


def _by_state(qs, states) -> dict[str, int]:
    counted = dict(qs.order_by().values_list("state").annotate(n=Count("id")))
    totals = {str(state): counted.get(state, 0) for state in states}
    totals["all"] = sum(totals.values())
    return totals


def outbox_totals(*, user) -> dict[str, int]:
    """The user's outbox by state, and in all (one grouped query)."""
    return _by_state(restrict(OutboxMessage, user, Cap.HUB_VIEW), OutboxState.values)


def inbox_totals(*, user) -> dict[str, int]:
    return _by_state(restrict(InboxMessage, user, Cap.HUB_VIEW), InboxState.values)


def waiting_count(*, user) -> int:
    """What waits on the user's side: outgoing messages not yet delivered, incoming ones not yet applied or refused
    (the workbench card's number)."""
    return (restrict(OutboxMessage, user, Cap.HUB_VIEW).filter(state=OutboxState.PENDING).count()
            + restrict(InboxMessage, user, Cap.HUB_VIEW).filter(state__in=OPEN).count())


def province_names() -> dict[str, str]:
    """Province codes and names of the region table (the boxes name the other province by its code)."""
    return dict(Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", "name"))
