"""Words of the registry's refusals (xueji.core.messages: pages and API alike)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "unmask_reason": _("Say why you need the full personal items (at least 4 characters)."),
}

messages.register(by_code=MESSAGES)
