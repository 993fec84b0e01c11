"""Words of the support app's refusals, for the API's clients and for refusals raised with a developer message
only (xueji.core.messages)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "support_bad_action": _("The action is not one of answer, ask back or solve."),
    "announcement_bad_choice": _("A chosen role or school stage is not known."),
}

messages.register(by_code=MESSAGES)
