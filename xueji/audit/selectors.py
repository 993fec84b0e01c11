from django.db.models import Q, QuerySet

from xueji.accounts.jurisdiction import within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.models import AuditEvent
from xueji.core.errors import NotFound
from xueji.core.filters import as_bool, as_date, as_ip, typed
from xueji.regions.models import OrgKind


def audit_event_list(*, user, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """Auditors read the events of their jurisdiction (by the actor's org unit at the time)."""
    require_cap(user, Cap.AUDIT_VIEW)
    qs = within(AuditEvent.objects.all(), user)
    if user.org_unit.kind in (OrgKind.MINISTRY, OrgKind.PROVINCE):
        # Events without an actor's org unit (system commands, unknown usernames) belong to the province.
        qs = qs | AuditEvent.objects.filter(org_path="")
    filters = typed(filters, ip=as_ip, since=as_date, until=as_date, success=as_bool)
    if action := filters.get("action"):
        qs = qs.filter(action__startswith=action)
    if actor := filters.get("actor"):
        qs = qs.filter(actor_username__icontains=actor)
    if obj := filters.get("object"):
        qs = qs.filter(Q(object_repr__icontains=obj) | Q(object_id=obj))
    if ip := filters.get("ip"):
        qs = qs.filter(ip=ip)
    if since := filters.get("since"):
        qs = qs.filter(created_at__date__gte=since)
    if until := filters.get("until"):
        qs = qs.filter(created_at__date__lte=until)
    if "success" in filters:
        qs = qs.filter(success=filters["success"])
    return qs


def audit_event_get(*, user, pk) -> AuditEvent:
    try:
        return audit_event_list(user=user).get(pk=pk)
    except (AuditEvent.DoesNotExist, ValueError):
        raise NotFound("audit event not found") from None


# Events about an organisation (a school, an authority): its phone and address are public contact data.
ORGANISATION_TYPES = frozenset({"schools.school", "regions.orgunit"})


def audit_event_shown(*, user, event: AuditEvent) -> dict:
    """What an auditor reads of an event: the pupils' personal items (IDs, G numbers, phones, addresses) in
    before/after and in the object's name masked by the one presenter. The stored row stays complete, for an
    investigation that goes through the database owner."""
    from xueji.registry.presenters import presenter_for

    shown = presenter_for(user)
    by_key = event.object_type not in ORGANISATION_TYPES
    return {"before": shown.mapping(event.before, by_key=by_key), "after": shown.mapping(event.after, by_key=by_key),
            "object_repr": shown.text(event.object_repr)}
