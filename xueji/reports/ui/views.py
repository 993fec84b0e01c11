"""Pages of 统计报表: the dashboard of an authority over its area (charts, each with its table and an Excel export),
the statistics returns compared with the records, and funding (rules, allocations, approval, export). Thin:
selectors read, services write."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.reports import comparison, selectors, services
from xueji.reports.choices import AllocationStatus
from xueji.reports.export import XLSX, workbook
from xueji.reports.ui import forms
from xueji.ui.errors import errors_to_form, web_view


def _xlsx(name: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def dashboard(request):
    """The authority's dashboard over its own area."""
    unit = selectors.scope_of(request.user)
    charts = selectors.dashboard(user=request.user)
    return render(request, "reports/dashboard.html", {
        "title": _("Statistics dashboard"), "unit": unit, "charts": charts,
        "chart_data": [c.as_dict() for c in charts]})


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def dashboard_export(request):
    """One chart's table as an Excel file (?chart=<key>), audited."""
    key = request.GET.get("chart", "region")
    (chart,) = selectors.dashboard(user=request.user, only=key)
    services.export_audit(actor=request.user, what="dashboard", rows=len(chart.rows), detail={"chart": key})
    return _xlsx(f"{key}.xlsx", workbook([(chart.title, chart.columns, chart.rows)]))


@web_view(Cap.STUDENT_VIEW)
def statistics_list(request):
    form = forms.StatisticsForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            try:
                ret = services.statistics_import(actor=request.user, upload=form.cleaned_data["file"],
                                                 stat_date=form.cleaned_data["stat_date"])
            except services.ValidationFailed as exc:
                if exc.code != "statistics_rows":
                    raise
                errors = exc.details["errors"]
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The statistics return was imported."))
                return redirect("reports:statistics_detail", pk=ret.pk)
    page = Paginator(selectors.return_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "reports/statistics_list.html", {
        "title": _("Comparison with education statistics"), "form": form, "page": page, "errors": errors})


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def statistics_detail(request, pk: int):
    ret = selectors.return_get(user=request.user, pk=pk)
    result = comparison.compare(user=request.user, statistics_return=ret)
    if request.GET.get("format") == "xlsx":
        services.export_audit(actor=request.user, what="comparison", obj=ret, rows=len(result.differences))
        rows = [[d.school.code, d.school.name, d.as_dict()["grade_name"], d.as_dict()["sex_name"], d.in_return,
                 d.in_records, d.gap, "; ".join(f"{p['name']} {p['national_number']} ({p['why']})" for p in d.pupils)]
                for d in result.differences]
        return _xlsx(f"comparison-{ret.pk}.xlsx", workbook([(_("Differences"), [
            _("School code"), _("School"), _("Grade"), _("Sex"), _("In the return"), _("In the records"),
            _("Difference"), _("Pupils that may explain it")], rows)]))
    return render(request, "reports/statistics_detail.html", {
        "title": _("Statistics return compared with the records"), "ret": ret, "result": result})


@web_view(Cap.STUDENT_VIEW, post=Cap.REQUEST_FILE)
def funding(request):
    """Funding rules and allocations; the province's registrar adds rules and computes allocations."""
    user = request.user
    rule_form = forms.RuleForm(request.POST if request.POST.get("form") == "rule" else None, prefix="rule")
    run_form = forms.AllocationForm(request.POST if request.POST.get("form") == "run" else None, prefix="run")
    if request.method == "POST":
        if rule_form.is_bound and rule_form.is_valid():
            with errors_to_form(rule_form):
                services.funding_rule_create(actor=user, **rule_form.cleaned_data)
                messages.success(request, _("The funding rule was added."))
                return redirect("reports:funding")
        if run_form.is_bound and run_form.is_valid():
            with errors_to_form(run_form):
                allocation = services.allocation_create(actor=user, at_date=run_form.cleaned_data["at_date"])
                return redirect("reports:allocation_detail", pk=allocation.pk)
    return render(request, "reports/funding.html", {
        "title": _("Funding"), "rules": selectors.rule_list(user=user), "rule_form": rule_form, "run_form": run_form,
        "allocations": selectors.allocation_list(user=user)[:50],
        "may_edit": has_cap(user, Cap.REQUEST_FILE) and user.org_unit.kind == "province"})


@web_view(Cap.STUDENT_VIEW, post=Cap.REQUEST_FILE)
def allocation_detail(request, pk: int):
    user = request.user
    allocation = selectors.allocation_get(user=user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "submit":
            services.allocation_submit(actor=user, allocation=allocation)
            messages.success(request, _("The allocation was filed for approval."))
        elif action == "delete":
            services.allocation_delete(actor=user, allocation=allocation)
            messages.success(request, _("The allocation was deleted."))
            return redirect("reports:funding")
        return redirect("reports:allocation_detail", pk=pk)
    lines = selectors.allocation_lines(user=user, allocation=allocation)
    counties = selectors.allocation_counties(user=user, allocation=allocation)
    left_out = selectors.allocation_left_out(user=user, allocation=allocation)
    if request.GET.get("format") == "xlsx":
        line_rows = [[ln.county.name, ln.school.code, ln.school.name, ln.get_stage_display(),
                      ln.get_programme_display(), ln.pupils, float(ln.amount), float(ln.total)] for ln in lines]
        apart = [[x.school.name, x.student.name if x.student else "", x.get_reason_display()] for x in left_out]
        services.export_audit(actor=user, what="allocation", obj=allocation, rows=len(line_rows) + len(apart))
        return _xlsx(f"allocation-{allocation.pk}.xlsx", workbook([
            (_("Schools"), [_("County"), _("School code"), _("School"), _("Stage"), _("Programme"), _("Pupils"),
                            _("Per-pupil amount"), _("Total")], line_rows),
            (_("Counties"), [_("County"), _("Pupils"), _("Total")],
             [[c["county__name"], c["pupils"], float(c["total"])] for c in counties]),
            (_("Listed apart"), [_("School"), _("Pupil"), _("Reason")], apart)]))
    return render(request, "reports/allocation_detail.html", {
        "title": _("Funding allocation"), "allocation": allocation, "counties": counties,
        "lines": Paginator(lines, 50).get_page(request.GET.get("page")),
        "left_out": left_out[:200], "left_out_count": left_out.count(),
        "may_edit": has_cap(user, Cap.REQUEST_FILE) and user.org_unit.kind == "province"
        and allocation.status in (AllocationStatus.DRAFT, AllocationStatus.RETURNED)})
