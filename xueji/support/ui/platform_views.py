"""Pages of 平台账号 (the platform's account types and the report of a unit's super administrator to the level
above, bound there) and of 服务统计 (the support reports with their charts and the Excel export). Thin: the
modules support.accounts and support.reports read and write."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xueji.accounts.permissions import Cap
from xueji.support import accounts, reports
from xueji.ui.errors import errors_to_form, web_view


class ReportForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Super administrator"), queryset=None)
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=20, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = accounts.candidates(user=user)
        self.fields["user"].label_from_instance = lambda u: f"{u.full_name or u.username} ({u.username})"


def _platform_context(request, form):
    user = request.user
    return {"title": _("Platform accounts"), "types": accounts.ACCOUNT_TYPES, "form": form,
            "mine": accounts.account_type_of(user), "filed": list(accounts.reports_filed(user=user)[:20]),
            "to_bind": list(accounts.reports_to_bind(user=user)[:50]),
            "has_parent": user.org_unit.parent_id is not None}


@web_view(Cap.PLATFORM_ACCOUNTS)
def platform_accounts(request):
    """The three account types and their roles; your unit's report of its super administrator; the reports of the
    units below to bind."""
    form = ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        with errors_to_form(form):
            accounts.report_file(actor=request.user, user_id=values["user"].pk, phone=values["phone"],
                                 email=values["email"])
            messages.success(request, _("Reported to the level above."))
            return redirect("platform:accounts")
    return render(request, "support/platform_accounts.html", _platform_context(request, form))


@web_view(Cap.PLATFORM_ACCOUNTS, methods=("POST",))
def platform_bind(request, pk):
    report = accounts.report_get(user=request.user, pk=pk)
    report = accounts.report_bind(actor=request.user, report=report)
    messages.success(request, _("Bound: the credentials were sent (%(channels)s).") % {"channels": report.channels})
    return redirect("platform:accounts")


@web_view(Cap.SUPPORT_REPORT, methods=("GET",))
def support_reports(request):
    """The support reports of your area, each with its chart (ECharts, from the page's JSON) and the Excel export."""
    return render(request, "support/reports.html", {"title": _("Support statistics"),
                                                    "reports": reports.all_reports(user=request.user)})


@web_view(Cap.SUPPORT_REPORT, methods=("GET",))
def support_report_export(request):
    keys = [k for k in request.GET.getlist("report") if k in reports.REPORTS] or None
    response = HttpResponse(reports.export_xlsx(actor=request.user, keys=keys), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = 'attachment; filename="support-reports.xlsx"'
    return response
