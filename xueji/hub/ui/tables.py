"""Tables of the boxes (django-tables2): the subject through the registry's presenter, the state as a badge, the
error in the reader's words."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.core.errors import XuejiError
from xueji.core.messages import user_message
from xueji.hub.choices import InboxState, OutboxState
from xueji.hub.errors import INTERNAL
from xueji.hub.handlers import kind_label
from xueji.registry.presenters import presenter_for
from xueji.ui.tables import NOWRAP, Base

STATE_STYLE = {
    OutboxState.PENDING: "text-bg-warning", OutboxState.SENT: "text-bg-success",
    InboxState.RECEIVED: "text-bg-info", InboxState.HELD: "text-bg-warning", InboxState.APPLIED: "text-bg-success",
    InboxState.REFUSED: "text-bg-danger",
}


def error_words(code: str, message: str) -> str:
    """A recorded error as its reader reads it: the words of its code, else its message."""
    if not code:
        return ""
    if code == "internal":
        return str(INTERNAL)
    return user_message(XuejiError(message, code=code))


class _MessageTable(Base):
    kind = tables.Column(verbose_name=_("Kind"))
    subject = tables.Column(verbose_name=_("Subject"))
    seq = tables.Column(verbose_name=_("Sequence"), attrs=NOWRAP)
    state = tables.Column(verbose_name=_("State"), attrs=NOWRAP)
    attempts = tables.Column(verbose_name=_("Attempts"), attrs=NOWRAP)
    error_code = tables.Column(verbose_name=_("Error"), orderable=False, default="—")

    def __init__(self, *args, user=None, provinces: dict[str, str] | None = None, **kwargs):
        self.shown = presenter_for(user)
        self.provinces = provinces or {}
        super().__init__(*args, **kwargs)

    def render_peer(self, value):
        name = self.provinces.get(value)
        return format_html("{} <span class=\"text-body-secondary small\">{}</span>", name, value) if name else value

    def render_kind(self, value):
        label = kind_label(value)
        return format_html("{}<div class=\"text-body-secondary small\"><code>{}</code></div>", label, value) \
            if label != value else format_html("<code>{}</code>", value)

    def render_subject(self, value):
        return self.shown.national_number(value)

    def render_state(self, record):
        return format_html('<span class="badge {}" data-state="{}">{}</span>', STATE_STYLE.get(record.state, ""),
                           record.state, record.get_state_display())

    def render_error_code(self, record):
        if not record.error_code:
            return "—"
        return format_html('<span class="small" data-error="{}">{}</span> <code class="small">{}</code>',
                           record.error_code, self.shown.text(error_words(record.error_code, record.error_message)),
                           record.error_code)


class OutboxTable(_MessageTable):
    peer = tables.Column(verbose_name=_("Receiving province"))
    created_at = tables.DateTimeColumn(verbose_name=_("Created"), format="Y-m-d H:i:s", attrs=NOWRAP)
    sent_at = tables.DateTimeColumn(verbose_name=_("Sent"), format="Y-m-d H:i:s", attrs=NOWRAP, default="—")

    class Meta(Base.Meta):
        sequence = ("created_at", "peer", "kind", "subject", "seq", "state", "attempts", "sent_at", "error_code")


class InboxTable(_MessageTable):
    peer = tables.Column(verbose_name=_("Sending province"))
    received_at = tables.DateTimeColumn(verbose_name=_("Received"), format="Y-m-d H:i:s", attrs=NOWRAP)
    applied_at = tables.DateTimeColumn(verbose_name=_("Applied or refused"), format="Y-m-d H:i:s", attrs=NOWRAP,
                                       default="—")

    class Meta(Base.Meta):
        sequence = ("received_at", "peer", "kind", "subject", "seq", "state", "attempts", "applied_at", "error_code")
