"""The data interface's refusals: stable codes, and the words the client and the administrator are told."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages
from xueji.core.errors import XuejiError


class RateLimited(XuejiError):
    """More calls in the current minute than the client's limit: 429, try again after Retry-After seconds."""

    status_code = 429
    default_code = "rate_limited"


MESSAGES = {
    "rate_limited": _("Too many calls: this client's limit per minute is reached; try again after Retry-After "
                      "seconds."),
    "bad_client_credentials": _("The client credentials are wrong, expired or revoked."),
    "bad_cursor": _("The cursor is not a whole number from 0."),
    "cursor_expired": _("The changes after this cursor are past their retention and were deleted: read the pupils "
                        "in full again, then follow the feed from the cursor that read gives."),
    "bad_limit": _("The limit is not a whole number from 1 to the largest page."),
    "scope_outside": _("The scope is not a region within your jurisdiction with an education authority."),
    "unknown_item": _("The field profile names an item that is not a pupil item."),
    "unmask_not_allowed": _("Your roles do not allow giving a client unmasked personal items."),
    "unmask_not_included": _("An unmasked item must be one of the items given."),
    "client_revoked": _("The client is revoked: it can no longer be changed or rotated."),
    "bad_rate_limit": _("The rate limit must be from 1 to 6000 calls a minute."),
}

messages.register(by_code=MESSAGES)
