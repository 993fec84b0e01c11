"""The boxes of the messages between provinces (省际消息), read-only, for the province's system administrator: the
outbox (发件箱) and the inbox (收件箱) of its side, with their totals by state and their filters. Thin: the hub's
selectors read; nothing here writes (delivery and processing are the hub's own work: hub_run)."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap
from xueji.hub import selectors
from xueji.hub.choices import InboxState, OutboxState
from xueji.hub.filters import InboxFilterSet, OutboxFilterSet
from xueji.hub.ui import tables
from xueji.ui.errors import web_view
from xueji.ui.views import paged

PAGE_SIZES = (25, 50, 100)


def _box(request, *, box: str):
    user = request.user
    if box == "inbox":
        filterset, select, table_class = InboxFilterSet, selectors.inbox_list, tables.InboxTable
        totals, states, title = selectors.inbox_totals(user=user), InboxState, _("Inter-province messages: inbox")
    else:
        filterset, select, table_class = OutboxFilterSet, selectors.outbox_list, tables.OutboxTable
        totals, states, title = selectors.outbox_totals(user=user), OutboxState, _("Inter-province messages: outbox")
    form = filterset(request.GET, user=user, page=True).form
    rows = select(user=user, filters=form.filters())
    table = paged(request, table_class(rows, user=user, provinces=selectors.province_names()))
    here = reverse(f"hub:{box}")
    return render(request, "hub/box.html", {
        "title": title, "icon": "bi-mailbox", "table": table, "filter_form": form, "box": box,
        "total": table.paginator.count, "per_page": table.paginator.per_page, "page_sizes": PAGE_SIZES,
        "states": [{"value": state.value, "label": state.label, "count": totals[state.value],
                    "url": f"{here}?state={state.value}", "active": request.GET.get("state") == state.value}
                   for state in states],
        "all_count": totals["all"], "inbox_url": reverse("hub:inbox"), "outbox_url": reverse("hub:outbox"),
        "side": user.org_unit})


@web_view(Cap.HUB_VIEW, methods=("GET",))
def inbox(request):
    """收件箱: the messages other provinces sent to this one, applied in order per pupil."""
    return _box(request, box="inbox")


@web_view(Cap.HUB_VIEW, methods=("GET",))
def outbox(request):
    """发件箱: the messages this province sends to others, pending until delivered."""
    return _box(request, box="outbox")
