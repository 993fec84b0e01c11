"""The boxes of the messages between provinces, read-only, for the province's system administrator: its side's
outbox and inbox with their states and errors. No payload (it is the domains' business and holds pupils' data);
subjects masked as the registry masks national numbers (hub/presenting.py)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import requires
from xueji.hub import presenting, selectors
from xueji.hub.filters import InboxFilterSet, OutboxFilterSet
from xueji.hub.handlers import kind_label
from xueji.hub.models import InboxMessage, OutboxMessage


class _MessageSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(read_only=True, help_text="province code")
    receiver = serializers.CharField(read_only=True, help_text="province code")
    kind_label = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField(help_text="masked like a national number unless you may see IDs")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    error_message = serializers.SerializerMethodField()

    common = ["id", "key", "kind", "kind_label", "sender", "receiver", "subject", "seq", "schema", "state",
              "state_label", "attempts", "error_code", "error_message"]

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_kind_label(self, obj) -> str:
        return kind_label(obj.kind)

    def get_subject(self, obj) -> str:
        return presenting.shown(self._user(), obj.subject)

    def get_error_message(self, obj) -> str:
        return presenting.shown(self._user(), obj.error_message)


class OutboxMessageSerializer(_MessageSerializer):
    class Meta:
        model = OutboxMessage
        fields = [*_MessageSerializer.common, "created_at", "sent_at"]


class InboxMessageSerializer(_MessageSerializer):
    class Meta:
        model = InboxMessage
        fields = [*_MessageSerializer.common, "sent_at", "received_at", "applied_at"]


@requires(get=Cap.HUB_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in OutboxFilterSet.base_filters]))
class OutboxListApi(SelectorMixin, generics.ListAPIView):
    """发件箱: the messages your province sent to other provinces (pending until delivered), newest first."""

    serializer_class = OutboxMessageSerializer
    list_selector = selectors.outbox_list
    list_filters = OutboxFilterSet


@requires(get=Cap.HUB_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in InboxFilterSet.base_filters]))
class InboxListApi(SelectorMixin, generics.ListAPIView):
    """收件箱: the messages your province received (received, held for an earlier one, applied, refused)."""

    serializer_class = InboxMessageSerializer
    list_selector = selectors.inbox_list
    list_filters = InboxFilterSet
