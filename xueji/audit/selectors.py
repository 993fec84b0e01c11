from django.db.models import QuerySet

from xueji.accounts.jurisdiction import within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.filters import AuditEventFilterSet
from xueji.audit.models import AuditChainCheck, AuditChainHead, AuditEvent
from xueji.core.errors import NotFound
from xueji.regions.models import OrgKind


def audit_event_list(*, user, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """Auditors read the events of their jurisdiction (by the actor's org unit at the time)."""
    require_cap(user, Cap.AUDIT_VIEW)
    qs = within(AuditEvent.objects.all(), user)
    if user.org_unit.kind in (OrgKind.MINISTRY, OrgKind.PROVINCE):
        # Events without an actor's org unit (system commands, unknown usernames) belong to the province.
        qs = qs | AuditEvent.objects.filter(org_path="")
    return AuditEventFilterSet.narrow(qs, filters, user=user)


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


def audit_chain_status(*, user) -> dict:
    """What the auditor's chain page shows: the newest verification (by audit_verify, the page or the daily
    anchor), the partitions' heads and the newest anchor. No personal data: ids, places and hashes only."""
    require_cap(user, Cap.AUDIT_VIEW)
    check = AuditChainCheck.objects.order_by("-started_at", "-id").first()
    anchor = (AuditEvent.objects.filter(action="audit.anchor").order_by("-id")
              .values("id", "created_at", "success").first())
    return {"check": check, "heads": list(AuditChainHead.objects.order_by("partition")), "anchor": anchor}
