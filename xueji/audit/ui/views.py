"""Audit-log pages. Thin: reads through selectors, writes through services, refusals mapped
in `xueji.ui.errors` (one place). Nothing here touches Model.objects."""

import datetime as dt
import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap
from xueji.audit import evidence
from xueji.audit import selectors as audit_selectors
from xueji.audit import services as audit_services
from xueji.audit.filters import AuditEventFilterSet
from xueji.audit.services import audit_query_record
from xueji.audit.ui import tables
from xueji.core.errors import ValidationFailed
from xueji.ui.errors import web_view
from xueji.ui.views import list_page, paged

# ---------------------------------------------------------------- audit log

@web_view(Cap.AUDIT_VIEW, methods=("GET",))
def audit_list(request):
    form = AuditEventFilterSet(request.GET, user=request.user, page=True).form
    events = audit_selectors.audit_event_list(user=request.user, filters=form.filters())
    audit_query_record(actor=request.user, filters=form.filters())
    table = paged(request, tables.AuditEventTable(events, user=request.user), lazy=True, per_page=50)
    return list_page(request, title=_("Audit log"), icon="bi-shield-check", table=table, filter_form=form)


def _pretty(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) if value is not None else ""


@web_view(Cap.AUDIT_VIEW, methods=("GET",))
def audit_detail(request, pk):
    event = audit_selectors.audit_event_get(user=request.user, pk=pk)
    audit_query_record(actor=request.user, event=event)
    shown = audit_selectors.audit_event_shown(user=request.user, event=event)  # personal items masked
    changes = []
    if isinstance(shown["before"], dict) or isinstance(shown["after"], dict):
        before = shown["before"] if isinstance(shown["before"], dict) else {}
        after = shown["after"] if isinstance(shown["after"], dict) else {}
        stored_before = event.before if isinstance(event.before, dict) else {}
        stored_after = event.after if isinstance(event.after, dict) else {}
        for key in sorted(set(before) | set(after)):
            changes.append({"key": key, "before": _pretty(before.get(key)) if key in before else "",
                            "after": _pretty(after.get(key)) if key in after else "",
                            "changed": stored_before.get(key) != stored_after.get(key)})
    return render(request, "audit/audit_detail.html", {"event": event, "object_repr": shown["object_repr"],
                                                       "changes": changes, "before": _pretty(shown["before"]),
                                                       "after": _pretty(shown["after"])})


@web_view(Cap.AUDIT_VIEW, methods=("GET", "POST"))
def audit_chain(request):
    """The hash chain of the audit log: the newest verification and where it broke; POST verifies now."""
    if request.method == "POST":
        check = audit_services.chain_check_run(actor=request.user)
        if check.ok:
            messages.success(request, _("The audit chain is intact."))
        else:
            messages.error(request, _("The audit chain is broken: see the first broken link of each partition."))
        return redirect("audit:audit_chain")
    return render(request, "audit/audit_chain.html", audit_selectors.audit_chain_status(user=request.user))


# ---------------------------------------------------------------- compliance evidence

def _evidence_period(request):
    start, end = evidence.default_period()
    try:
        start = dt.date.fromisoformat(request.GET.get("start") or start.isoformat())
        end = dt.date.fromisoformat(request.GET.get("end") or end.isoformat())
    except ValueError:
        raise ValidationFailed(_("Enter the dates as YYYY-MM-DD."), code="invalid_period", field="start") from None
    return start, end


@web_view(Cap.AUDIT_VIEW, methods=("GET",))
def audit_evidence(request):
    """The yearly compliance audit's evidence (control 34): per unit, reads, full-ID reads, exports, downloads,
    decisions, refusals and failed sign-ins of a period; `?format=csv` downloads it (audited)."""
    try:
        start, end = _evidence_period(request)
        evidence.check_period(start, end)
        csv = request.GET.get("format") == "csv"
    except ValidationFailed as exc:  # the form again, with the reason, on the default period
        messages.error(request, exc.words or exc.message)
        (start, end), csv = evidence.default_period(), False
    if csv:
        text = evidence.compliance_evidence_csv(actor=request.user, start=start, end=end)
        response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-evidence-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
        return response
    return render(request, "audit/audit_evidence.html",
                  evidence.compliance_evidence(user=request.user, start=start, end=end))


# ---------------------------------------------------------------- the register of personal information

@web_view(Cap.AUDIT_VIEW, methods=("GET",))
def pi_register(request):
    """个人信息清单 (SECURITY.md row 28): every model field holding personal information, with its purpose, legal
    basis, retention, mask rule and whether it is sealed at rest. Static: read from registry.pi_register. Grouped
    for reading: one section per table, and in it one row per purpose, basis, retention, mask and sealing that its
    fields share (a pupil's thirty items under one purpose read as one row, not thirty)."""
    from django.apps import apps

    from xueji.registry import pi_register as register

    tables, fields = {}, 0
    for label, name, verbose, item, sealed in register.rows():
        table = tables.setdefault(label, {"label": label, "model": apps.get_model(label)._meta.verbose_name,
                                          "groups": {}})
        group = table["groups"].setdefault((item.purpose, item.basis, item.retention, item.mask, sealed), {
            "item": item, "mask": register.MASKS[item.mask], "sealed": sealed, "fields": []})
        group["fields"].append({"name": name, "verbose": verbose})
        fields += 1
    tables = [{**table, "groups": list(table["groups"].values())} for table in tables.values()]
    return render(request, "audit/pi_register.html", {"tables": tables, "fields": fields,
                                                       "models": len(register.PI)})
