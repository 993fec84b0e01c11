from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from xueji.audit import selectors
from xueji.audit.filters import AuditEventFilterSet
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_query_record
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import Cap, requires


class AuditEventSerializer(serializers.ModelSerializer):
    """Personal items in before/after and in the object's name are shown masked (the stored row is complete)."""

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor_username", "org_unit", "action", "object_type", "object_id",
                  "object_repr", "before", "after", "ip", "request_id", "success", "actor_role", "org_code"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        data.update(selectors.audit_event_shown(user=getattr(request, "user", None), event=instance))
        return data


@requires(Cap.AUDIT_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in AuditEventFilterSet.base_filters]))
class AuditEventListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = AuditEventSerializer
    list_selector = selectors.audit_event_list
    list_filters = AuditEventFilterSet

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        audit_query_record(actor=request.user, filters=self.filters())
        return response


@requires(Cap.AUDIT_VIEW)
class AuditEventDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = AuditEventSerializer
    get_selector = selectors.audit_event_get

    def get_object(self):
        event = super().get_object()
        audit_query_record(actor=self.request.user, event=event)
        return event
