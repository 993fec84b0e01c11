"""批量导出审批 (issue 11 item 8): a bulk export of pupils' personal data past the province's size threshold
(policy setting `export.approval_rows`, default 1,000 pupils) is not run at once: it is filed as a request that
the leader (领导) of the requester's own unit approves in the approval engine; at the approval the export job runs
for the requester (its file, watermark and rules are the requester's), at a rejection nothing is exported. Below
the threshold it runs at once. The province's `export.encrypt` makes every export an encrypted archive.

This is the registry's export gate (registry.services.EXPORT_GATES, registered at import from exchange's ready()):
the pages and the API both start exports through `students_export_start`, so the rule lives here once."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.core.errors import ValidationFailed
from xueji.policy.services import setting_get
from xueji.regions.models import province_code_of
from xueji.registry import services as registry_services
from xueji.registry.selectors import student_list
from xueji.registry.services import ExportStarted, students_export_job
from xueji.workflow.resolvers import register_party
from xueji.workflow.services import request_submit
from xueji.workflow.types import RequestType, register, step

EXPORT_TYPE = "exchange.bulk_export"
APPROVAL_ROWS = "export.approval_rows"
FULL_ID_APPROVAL = "export.full_id_approval"
MAX_ROWS = "export.max_rows"
ENCRYPT = "export.encrypt"

def _export_approver_unit(request):
    """The unit whose leader approves: the filer's own, unless the filer is its only active leader (nobody approves
    their own request), then the level above's."""
    from xueji.accounts.models import User

    unit = request.filer_org
    others = User.objects.filter(org_unit=unit, is_active=True, role_assignments__role="leader").exclude(
        pk=request.filer_id)
    if others.exists() or unit.parent_id is None:
        return unit
    return unit.parent


register_party("filing_unit", _("The filer's own unit"), lambda request: request.filer_org)
register_party("export_approver", _("The filer's own unit (the level above when the filer is its only leader)"),
               _export_approver_unit)


def export_gate(*, actor, filters: dict, params: dict) -> ExportStarted | None:
    """Refuse an export past the province's cap; add its encryption; past the threshold, or with full ID numbers
    when the province asks, file it for the leader's approval (never the requester's own: `export_approver`)."""
    from xueji.accounts.permissions import Cap, has_cap

    province = province_code_of(actor.org_unit)
    if setting_get(province_code=province, key=ENCRYPT):
        params["encrypt"] = True
    threshold = setting_get(province_code=province, key=APPROVAL_ROWS)
    cap = setting_get(province_code=province, key=MAX_ROWS)
    full_ids = bool(setting_get(province_code=province, key=FULL_ID_APPROVAL)) and has_cap(actor, Cap.STUDENT_VIEW_ID)
    past = bool(threshold) and threshold > 0
    if not (past or full_ids or (cap and cap > 0)):
        return None
    rows = student_list(user=actor, filters=filters).count()
    if cap and 0 < cap < rows:
        raise ValidationFailed(format_lazy(_("This export holds {rows} pupils, more than the {cap} a single export may "
                                             "hold: narrow it (by school, class or grade) and export in parts."),
                                           rows=rows, cap=cap), code="export_too_large",
                               details={"rows": rows, "cap": cap})
    if not full_ids and (not past or rows <= threshold):
        return None
    request = request_submit(actor=actor, type=EXPORT_TYPE, title=f"批量导出学生个人信息（{rows}人）",
                             payload={"filters": filters, "rows": rows, "threshold": threshold if past else None,
                                      "full_ids": full_ids, "encrypt": bool(params.get("encrypt"))})
    return ExportStarted(request=request, rows=rows, threshold=threshold if past else None, full_ids=full_ids)


def _approved(*, request, actor) -> dict:
    """The effect of the leader's approval: the export runs now, as the requester's job."""
    payload = request.payload or {}
    params = {"filters": payload.get("filters") or {}, "request": request.pk}
    if payload.get("encrypt"):
        params["encrypt"] = True
    job = students_export_job(actor=request.filer, params=params)
    return {"job": job.pk}


def _present(payload: dict, presenter) -> dict:
    """What the approver reads: how many pupils, past which threshold, with which filters (ids, no pupil)."""
    return {"rows": payload.get("rows"), "threshold": payload.get("threshold"),
            "full_ids": bool(payload.get("full_ids")), "filters": payload.get("filters") or {},
            "encrypt": bool(payload.get("encrypt"))}


BULK_EXPORT = register(RequestType(
    code=EXPORT_TYPE, label=_("Bulk export of personal data"), default_route=(step("export_approver", "leader"),),
    apply=_approved, present_payload=_present, filer_roles=("registrar", "leader", "admissions")))

if export_gate not in registry_services.EXPORT_GATES:
    registry_services.EXPORT_GATES.append(export_gate)
