"""Words of the training app's refusals, for the API's clients and for refusals raised with a developer message
only (xueji.core.messages)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "training_no_questions": _("This course's question bank has no questions yet."),
    "attempt_submitted": _("This attempt was already submitted."),
}

messages.register(by_code=MESSAGES)
