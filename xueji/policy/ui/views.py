"""Policy pages: business windows (业务时间), approval routes per request type, function settings. Everyone with
business roles reads them; the province registrar (POLICY_MANAGE) changes them through the policy services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, has_cap
from xueji.core import clock
from xueji.policy import selectors as policy_selectors
from xueji.policy import services as policy_services
from xueji.policy.ui import forms, tables
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import command_view, form_page, list_page, paged
from xueji.workflow.resolvers import RESOLVER_LABELS

# ---------------------------------------------------------------- business windows


@web_view(methods=("GET",))
def window_list(request):
    can_manage = has_cap(request.user, Cap.POLICY_MANAGE)
    table = paged(request, tables.WindowTable(policy_selectors.window_list(user=request.user), today=clock.today(),
                                              can_manage=can_manage, request=request))
    return list_page(request, title=_("Business windows"), icon="bi-calendar-range", table=table,
                     create_url=reverse("policy:window_create") if can_manage else None,
                     create_label=_("New business window"),
                     intro=_("Registration is accepted only while its window is open; outside it the refusal "
                             "names the window. Today is %(today)s.") % {"today": clock.today().isoformat()})


@web_view(Cap.POLICY_MANAGE)
def window_create(request):
    form = forms.WindowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            window = policy_services.window_set(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The window %(start)s to %(end)s was added.") % {
                "start": window.start_date.isoformat(), "end": window.end_date.isoformat()})
            return redirect("policy:window_list")
    return form_page(request, form, title=_("New business window"), cancel_url=reverse("policy:window_list"),
                     submit=_("Add window"))


window_delete = command_view(
    Cap.POLICY_MANAGE, get=policy_selectors.window_get,
    run=lambda request, window: policy_services.window_delete(actor=request.user, window=window),
    done=lambda _window, _result: _("The business window was deleted."), then="policy:window_list")


# ---------------------------------------------------------------- approval routes


def _route_rows(steps) -> list[dict]:
    roles = dict(Role.choices)
    return [{"party": RESOLVER_LABELS.get(s["resolver"], s["resolver"]), "role": roles.get(s["role"], s["role"])}
            for s in steps]


@web_view(methods=("GET",))
def route_list(request):
    routes = [{**route, "rows": _route_rows(route["steps"]), "custom": route["steps"] != route["default_steps"]}
              for route in policy_selectors.route_list(user=request.user)]
    return render(request, "policy/route_list.html", {"routes": routes,
                                                      "can_manage": has_cap(request.user, Cap.POLICY_MANAGE)})


@web_view(Cap.POLICY_MANAGE)
def route_edit(request):
    routes = {r["request_type"]: r for r in policy_selectors.route_list(user=request.user)}
    wanted = request.POST.get("request_type") or request.GET.get("type") or ""
    if wanted not in routes:
        messages.error(request, _("Choose a request type."))
        return redirect("policy:route_list")
    route = routes[wanted]
    form = forms.RouteForm(request.POST or None, initial=forms.RouteForm.initial_for(wanted, route["steps"]))
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            policy_services.route_set(actor=request.user, request_type=wanted, steps=form.steps())
            messages.success(request, _("The route of %(type)s was saved; requests already filed keep their "
                                        "steps.") % {"type": route["label"]})
            return redirect("policy:route_list")
    return render(request, "policy/route_edit.html", {"form": form, "route": route,
                                                      "default_rows": _route_rows(route["default_steps"])})


# ---------------------------------------------------------------- function settings


@web_view(post=Cap.POLICY_MANAGE)  # every signed-in user reads the settings; the province registrar saves them
def setting_list(request):
    values = {row["key"]: row["value"] for row in policy_selectors.setting_list(user=request.user)}
    can_manage = has_cap(request.user, Cap.POLICY_MANAGE)
    form = forms.SettingsForm(request.POST or None, initial=forms.SettingsForm.initial_from(values))
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            changed = 0
            for key, value in form.values().items():
                if value != values[key]:
                    policy_services.setting_set(actor=request.user, key=key, value=value)
                    changed += 1
            messages.success(request, _("Settings saved (%(count)s changed).") % {"count": changed})
            return redirect("policy:setting_list")
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "policy/settings.html", {"form": form, "can_manage": can_manage,
                                                    "rows": policy_selectors.setting_list(user=request.user)})
