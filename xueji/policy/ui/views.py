"""Policy pages (系统配置): business windows (业务时间), controlled record items (受控字段), class-size caps (班额),
function switches (管理功能设置), approval routes and limits. The business roles and the system administrators read
the settings that bind them, each with where its value comes from; the system administrator of a level changes
that level's (POLICY_MANAGE), the province's what only a province sets (POLICY_PROVINCE), through the services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, has_cap
from xueji.core import clock, codes, versions
from xueji.policy import levels
from xueji.policy import security as policy_security
from xueji.policy import selectors as policy_selectors
from xueji.policy import services as policy_services
from xueji.policy.choices import STAGES
from xueji.policy.switches import (
    DELETE_FORMAL,
    ENTRY_AGE,
    REGISTRATION_OPEN,
    STATUS_CHANGE_CODES,
    STATUS_CHANGES,
    TRANSFER_CONSENT,
)
from xueji.policy.ui import forms, tables
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import command_view, form_page, list_page, paged
from xueji.workflow.resolvers import RESOLVER_LABELS

# ---------------------------------------------------------------- business windows


@web_view(methods=("GET",))
def window_list(request):
    user = request.user
    can_manage = has_cap(user, Cap.POLICY_MANAGE)
    windows = policy_selectors.window_list(user=user)
    province = levels.province_of(user.org_unit) if user.org_unit else None
    table = paged(request, tables.WindowTable(windows, today=clock.today(), can_manage=can_manage, request=request,
                                              viewer=user.org_unit, province=province))
    intro = _("Business is accepted only while its window is open; a city or county may narrow the province's "
              "windows for its area, never widen them. Outside a window the refusal names it. Today is "
              "%(today)s.") % {"today": clock.today().isoformat()}
    return list_page(request, title=_("Business windows"), icon="bi-calendar-range", table=table,
                     create_url=reverse("policy:window_create") if can_manage else None,
                     create_label=_("New business window"), intro=intro, total=table.paginator.count)


@web_view(Cap.POLICY_MANAGE)
def window_create(request):
    form = forms.WindowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            window = policy_services.window_set(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The window %(start)s to %(end)s was added.") % {
                "start": window.start_date.isoformat(), "end": window.end_date.isoformat()})
            return redirect("policy:window_list")
    intro = "" if request.user.org_unit.kind == "province" else _(
        "Your window narrows the province's for your area: it must lie inside a window of the level above.")
    return form_page(request, form, title=_("New business window"), cancel_url=reverse("policy:window_list"),
                     submit=_("Add window"), intro=intro)


@web_view(Cap.POLICY_MANAGE)
def window_edit(request, pk):
    window = policy_selectors.window_get(user=request.user, pk=pk)
    initial = {"start_date": window.start_date, "end_date": window.end_date, "note": window.note,
               "version": versions.version_of(window)}
    form = forms.WindowEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            window = policy_services.window_update(actor=request.user, window=window,
                                                   version=form.submitted_version(), **form.values())
            messages.success(request, _("The window was changed to %(start)s to %(end)s.") % {
                "start": window.start_date.isoformat(), "end": window.end_date.isoformat()})
            return redirect("policy:window_list")
    label = policy_services.WINDOW_KINDS.get(window.kind, window.kind)
    return form_page(request, form, title=_("Edit business window: %(kind)s") % {"kind": label},
                     cancel_url=reverse("policy:window_list"), submit=_("Save"))


window_delete = command_view(
    Cap.POLICY_MANAGE, get=policy_selectors.window_get,
    run=lambda request, window: policy_services.window_delete(actor=request.user, window=window),
    done=lambda _window, _result: _("The business window was deleted."), then="policy:window_list")


# ---------------------------------------------------------------- controlled record items


@web_view(get=Cap.POLICY_VIEW, post=Cap.POLICY_MANAGE)
def controlled_items(request):
    user = request.user
    rows = policy_selectors.controlled_item_rows(user=user)
    can_manage = policy_selectors.may_manage(user)
    form = forms.ControlledItemsForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            policy_services.controlled_items_set(actor=user, items=form.cleaned_data["items"])
            messages.success(request, _("The controlled record items were saved."))
            return redirect("policy:controlled_items")
    chosen = set(form["items"].value() or []) if form.is_bound else None
    for row in rows:
        row["checked"] = (row["item"] in chosen) if (chosen is not None and row["editable"]) else row["controlled"]
    return render(request, "policy/controlled_items.html", {
        "rows": rows, "form": form, "can_manage": can_manage, "total": len(rows),
        "controlled": sum(r["controlled"] for r in rows)})


# ---------------------------------------------------------------- class-size caps


@web_view(get=Cap.POLICY_VIEW, post=Cap.POLICY_MANAGE)
def cap_list(request):
    user = request.user
    rows = policy_selectors.cap_rows(user=user)
    can_manage = policy_selectors.may_manage(user)
    form = forms.CapsForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            changed = 0
            for stage, cap, locked in form.values():
                own = next(r["own"] for r in rows if r["stage"] == stage)
                if (own.cap if own else None, own.locked if own else False) != (cap, locked and cap is not None):
                    policy_services.cap_set(actor=user, stage=stage, cap=cap, locked=locked)
                    changed += 1
            messages.success(request, _("Class-size caps saved (%(count)s changed).") % {"count": changed})
            return redirect("policy:cap_list")
    below = list(policy_selectors.caps_below(user=user)) if user.org_unit.is_authority else []
    for row in rows:
        row["cap_field"], row["locked_field"] = form[f"cap_{row['stage']}"], form[f"locked_{row['stage']}"]
    return render(request, "policy/cap_list.html", {
        "rows": rows, "form": form, "can_manage": can_manage, "below": below})


# ---------------------------------------------------------------- function switches


@web_view(get=Cap.POLICY_VIEW, post=Cap.POLICY_PROVINCE)
def switch_list(request):
    user = request.user
    rows = policy_selectors.switch_rows(user=user)
    can_manage = has_cap(user, Cap.POLICY_PROVINCE)
    form = forms.SwitchForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            current = {(cell["stage"], row["key"]): cell["value"] for row in rows for cell in row["stages"]
                       if cell["applies"]}
            changed = 0
            for stage, key, value in form.values():
                if value != current[(stage, key)]:
                    policy_services.switch_set(actor=user, stage=stage, key=key, value=value)
                    changed += 1
            messages.success(request, _("Function switches saved (%(count)s changed).") % {"count": changed})
            return redirect("policy:switch_list")
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "policy/switch_list.html", {**_switch_page(rows, form), "can_manage": can_manage,
                                                       "form": form,
                                                       "stages": [codes.STAGE.label(s) for s in STAGES]})


def _checked(form, name: str, value) -> bool:
    """Whether a checkbox shows ticked: as posted (a form sent back with errors), else the current value."""
    if form.is_bound:
        return bool(form[name].value())
    return bool(value)


def _switch_page(rows: list[dict], form) -> dict:
    """The switches as the page lays them out: the status-change types as a grid (type x stage), the on/off
    switches one row each, the entry-age control (primary only); every stage's value with its source."""
    by_key = {row["key"]: row for row in rows}
    status = by_key[STATUS_CHANGES]
    posted = {cell["stage"]: set(form[f"status_changes_{cell['stage']}"].value() or []) for cell in status["stages"]}
    types = [{"code": code, "label": codes.STATUS_CHANGE_TYPE.label(code),
              "cells": [{"name": f"status_changes_{cell['stage']}", "label": cell["label"],
                         "checked": code in (posted[cell["stage"]] if form.is_bound else set(cell["value"])),
                         "default": code in cell["default"]} for cell in status["stages"]]}
             for code in STATUS_CHANGE_CODES]
    flags = []
    for key, prefix in ((REGISTRATION_OPEN, "registration_open"), (DELETE_FORMAL, "delete_formal")):
        row = by_key[key]
        flags.append({"key": key, "label": row["label"], "help": row["help"],
                      "cells": [{"name": f"{prefix}_{cell['stage']}", "source": cell["source"],
                                 "checked": _checked(form, f"{prefix}_{cell['stage']}", cell["value"])}
                                for cell in row["stages"]]})
    age = by_key[ENTRY_AGE]
    primary = next(cell for cell in age["stages"] if cell["applies"])
    consent = by_key[TRANSFER_CONSENT]
    consent_cells = [{"stage": cell["stage"], "source": cell["source"],
                      "enabled": _checked(form, f"consent_enabled_{cell['stage']}", cell["value"]["enabled"]),
                      "days": form[f"consent_days_{cell['stage']}"]} for cell in consent["stages"]]
    return {"status": status, "types": types, "flags": flags,
            "consent": {"key": TRANSFER_CONSENT, "label": consent["label"], "help": consent["help"],
                        "cells": consent_cells},
            "age": {"label": age["label"], "help": age["help"], "source": primary["source"],
                    "enabled": _checked(form, "entry_age_enabled_1", primary["value"]["enabled"]),
                    "min_age": form["entry_age_min_age_1"]}}


# ---------------------------------------------------------------- approval routes


def _route_rows(steps) -> list[dict]:
    roles = dict(Role.choices)
    return [{"party": RESOLVER_LABELS.get(s["resolver"], s["resolver"]), "role": roles.get(s["role"], s["role"])}
            for s in steps]


def _case_label(request_type: str, key: str) -> str:
    """A route key's words: the distances' (transfers), the type's own (extra["route_labels"]), else the key."""
    from xueji.workflow.resolvers import ROUTE_KEY_LABELS
    from xueji.workflow.types import request_type as get_type

    labels = get_type(request_type).extra.get("route_labels") or {}
    return str(ROUTE_KEY_LABELS.get(key) or labels.get(key) or key)


@web_view(Cap.POLICY_VIEW, methods=("GET",))
def route_list(request):
    routes = []
    for route in policy_selectors.route_list(user=request.user):
        cases = [{**case, "label": _case_label(route["request_type"], case["route_key"]),
                  "rows": _route_rows(case["steps"]), "custom": case["steps"] != case["default_steps"]}
                 for case in route["cases"]]
        routes.append({**route, "rows": _route_rows(route["steps"]), "custom": route["steps"] != route["default_steps"],
                       "cases": cases})
    return render(request, "policy/route_list.html", {"routes": routes,
                                                      "can_manage": has_cap(request.user, Cap.POLICY_PROVINCE)})


@web_view(Cap.POLICY_PROVINCE)
def route_edit(request):
    """One route of a request type: its default, or one of its cases (`key`: a transfer's distance, ...)."""
    routes = {r["request_type"]: r for r in policy_selectors.route_list(user=request.user)}
    wanted = request.POST.get("request_type") or request.GET.get("type") or ""
    key = (request.POST.get("route_key") or request.GET.get("key") or "").strip()
    if wanted not in routes:
        messages.error(request, _("Choose a request type."))
        return redirect("policy:route_list")
    route = routes[wanted]
    if key:
        case = next((c for c in route["cases"] if c["route_key"] == key), None)
        if case is None:
            messages.error(request, _("Choose a request type."))
            return redirect("policy:route_list")
        steps, default_steps = case["steps"], case["default_steps"]
        label = f"{route['label']} · {_case_label(wanted, key)}"
    else:
        steps, default_steps, label = route["steps"], route["default_steps"], route["label"]
    form = forms.RouteForm(request.POST or None, initial=forms.RouteForm.initial_for(wanted, steps, key))
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            policy_services.route_set(actor=request.user, request_type=wanted, steps=form.steps(), route_key=key)
            messages.success(request, _("The route of %(type)s was saved; requests already filed keep their "
                                        "steps.") % {"type": label})
            return redirect("policy:route_list")
    return render(request, "policy/route_edit.html", {"form": form, "route": {**route, "label": label},
                                                      "default_rows": _route_rows(default_steps)})


# ---------------------------------------------------------------- limits


# Everyone bound reads the limits; the province's system administrator saves them.
@web_view(get=Cap.POLICY_VIEW, post=Cap.POLICY_PROVINCE)
def setting_list(request):
    values = {row["key"]: row["value"] for row in policy_selectors.setting_list(user=request.user)}
    can_manage = has_cap(request.user, Cap.POLICY_PROVINCE)
    form = forms.SettingsForm(request.POST or None, initial={**forms.SettingsForm.initial_from(values),
                                                             "version": versions.version_of(values)})
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            changed = policy_services.settings_save(actor=request.user, values=form.values(),
                                                    version=form.submitted_version())
            messages.success(request, _("Settings saved (%(count)s changed).") % {"count": changed})
            return redirect("policy:setting_list")
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "policy/settings.html", {"form": form, "can_manage": can_manage,
                                                    "rows": policy_selectors.setting_list(user=request.user)})


# ---------------------------------------------------------------- security settings (安全策略)

# The security administrator of a level reads and sets its level's security settings; nobody else reaches them.
@web_view(get=Cap.SECURITY_MANAGE, post=Cap.SECURITY_MANAGE)
def security_settings(request):
    rows = policy_security.setting_rows(user=request.user)
    form = forms.SecuritySettingsForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            changed = policy_security.security_settings_set(actor=request.user, values=form.values())
            messages.success(request, _("Security settings saved (%(count)s changed).") % {"count": changed})
            return redirect("policy:security_settings")
    groups: dict = {}
    for row in rows:
        groups.setdefault(str(row["group"]), []).append({**row, "field": form[row["key"].replace(".", "__")]})
    return render(request, "policy/security_settings.html", {"form": form, "groups": groups,
                                                             "unit": request.user.org_unit})
