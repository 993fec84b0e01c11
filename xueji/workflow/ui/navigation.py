"""The approval engine's pages in the menu, and its waiting work: steps to decide, requests returned."""

from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.ui.navigation import PINNED, Entry, Waiting, register, register_waiting
from xueji.workflow import selectors


def _inbox_highlight(user, waiting) -> bool:
    # Prominent for approvers (leaders, authorities); a school registrar's whenever something waits.
    return bool(waiting.get("total")) or user.has_role(Role.LEADER) or not user.org_unit.is_school


def _steps(user) -> tuple[int, dict[str, int]]:
    """The steps to decide, and how many of them are of each request type ("steps:<type>"): one query."""
    by_type = selectors.inbox_count_by_type(user=user)
    return sum(by_type.values()), {f"steps:{code}": n for code, n in by_type.items()}


register_waiting(
    Waiting("steps", _steps, order=10),
    Waiting("returned", lambda user: selectors.returned_requests(user=user).count(), order=20),
)
register(
    Entry("workflow:inbox", _("Inbox"), "bi-inbox", PINNED, order=10, waiting="total", highlight=_inbox_highlight,
          text=_("Requests waiting for your decision, requests returned to you, problem records and drafts (待办).")),
    Entry("workflow:request_list", _("Requests"), "bi-card-checklist", "records", order=30,
          text=_("What your unit filed and what passed through your hands, with their history.")),
)
