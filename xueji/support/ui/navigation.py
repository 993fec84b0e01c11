"""服务支持 in the menu: tickets (the level's queue and the unit's tickets that wait for it), messages (unread),
asking, the FAQ and announcements (unread), with cards on the workbench. The counts are cached a short while per user
(the menu is on every page; a write of the user's own clears them)."""

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.support import selectors
from xueji.ui.navigation import Entry, Waiting, register, register_waiting

COUNTS_SECONDS = 30


def counts_key(user_id: int) -> str:
    return f"support:counts:{user_id}"


def _counts(user) -> dict[str, int]:
    def compute() -> dict[str, int]:
        tickets = selectors.ticket_counts(user=user) if (has_cap(user, Cap.SUPPORT_ASK)
                                                         or has_cap(user, Cap.SUPPORT_ANSWER)) else {}
        return {"support.tickets": tickets.get("queue", 0) + tickets.get("mine", 0),
                "support.unread": selectors.unread_count(user=user),
                "support.messages": selectors.unread_messages(user=user)}

    return cache.get_or_set(counts_key(user.pk), compute, COUNTS_SECONDS)


# Parts only (shown on the entries, not added to the inbox's total: they are not approval steps).
register_waiting(Waiting("support", lambda user: (0, _counts(user)), order=90))
register(
    Entry("support:ticket_list", _("Consultation and tickets"), "bi-life-preserver", "support", order=10,
          waiting="support.tickets", count=lambda user: _counts(user)["support.tickets"],
          text=_("咨询与工单: ask the level above; support staff take, answer, solve or pass up.")),
    Entry("support:conversation_list", _("Messages"), "bi-chat-dots", "support", order=15,
          waiting="support.messages", count=lambda user: _counts(user)["support.messages"],
          text=_("即时通讯: messages and files with the users of your unit and of the levels above and below.")),
    Entry("support:ticket_ask", _("Ask a question"), "bi-question-circle", "support", order=20),
    Entry("support:faq_list", _("Frequently asked questions"), "bi-patch-question", "support", order=30),
    Entry("support:announcement_list", _("Announcements"), "bi-megaphone", "support", order=40,
          waiting="support.unread", count=lambda user: _counts(user)["support.unread"],
          text=_("公告: the announcements of the levels above; the unread ones first.")),
)


# 平台账号 and 服务统计 (xueji/support/accounts.py, reports.py): the reports of the units below waiting to be bound,
# the open tickets of the area.
def _platform_waiting(user) -> int:
    from xueji.support.accounts import waiting_count

    return waiting_count(user=user) if has_cap(user, Cap.PLATFORM_ACCOUNTS) else 0


def _report_counts(user) -> dict[str, int]:
    from xueji.support.reports import counts

    if not has_cap(user, Cap.SUPPORT_REPORT):
        return {"open_tickets": 0, "uncertified": 0}
    return cache.get_or_set(f"support:report_counts:{user.pk}", lambda: counts(user=user), COUNTS_SECONDS)


# The menu counts only the reports waiting to be bound (system administrators); the statistics' card counts the area's
# open tickets on the workbench (the menu already shows the level's queue: support.tickets).
register_waiting(Waiting("platform", lambda user: (0, {"platform.bind": _platform_waiting(user)}), order=95))
register(
    Entry("platform:accounts", _("Platform accounts"), "bi-person-badge", "support", order=70,
          key="platform_accounts", waiting="platform.bind", count=_platform_waiting,
          text=_("平台账号: the account types; report your super administrator, bind those of the units below.")),
    Entry("platform:reports", _("Support statistics"), "bi-bar-chart", "support", order=80,
          key="support_reports", count=lambda user: _report_counts(user)["open_tickets"],
          text=_("服务统计: open tickets by level and age, escalations, response times, unread announcements, "
                 "certification coverage.")),
)
