"""The shell's generic page helpers (a paged table, a list page, a detail page, a form page, a command, a safe
`next`) and the workbench.
Pages are thin: reads through selectors, writes through services, refusals mapped in `xueji.ui.errors` (one
place). Nothing here touches Model.objects."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_tables2 import LazyPaginator, RequestConfig

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, has_cap
from xueji.core.paging import capped_page_size
from xueji.jobs import selectors as job_selectors
from xueji.schools import selectors as school_selectors
from xueji.ui import navigation
from xueji.ui.errors import web_view

PER_PAGE = 25


class _CappedPaginator(Paginator):
    """django-tables2 takes ?per_page from the query string: cap it before any row is read."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, capped_page_size(int(per_page)), *args, **kwargs)


class _CappedLazyPaginator(LazyPaginator):
    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, capped_page_size(int(per_page)), *args, **kwargs)


def paged(request, table, *, lazy: bool = False, per_page: int = PER_PAGE):
    paginate = {"per_page": per_page, "paginator_class": _CappedLazyPaginator if lazy else _CappedPaginator}
    RequestConfig(request, paginate=paginate).configure(table)
    return table


def list_page(request, *, title: str, icon: str, table, filter_form=None, template: str = "ui/list.html",
              **extra):
    return render(request, template, {"title": title, "icon": icon, "table": table, "filter_form": filter_form,
                                      **extra})


def form_page(request, form, *, title: str, cancel_url: str, submit: str | None = None, intro: str = "",
              status: int = 200, **extra):
    # A form that failed validation answers 200 with the errors shown (browsers re-render it in place).
    return render(request, "ui/form.html", {"title": title, "form": form, "cancel_url": cancel_url,
                                            "submit": submit or _("Save"), "intro": intro, **extra},
                  status=status)


def detail_page(request, template: str, obj, *, name: str = "object", **extra):
    """One object's page: the object (fetched through its app's access helper, so a foreign one was a 404 before
    this) under `name` and as `object`, and the page's other context."""
    return render(request, template, {"object": obj, name: obj, **extra})


def command_view(cap: Cap, *, get: Callable[..., Any], run: Callable[[Any, Any], Any],
                 done: Callable[[Any, Any], str], then: str | Callable[[Any, Any], str], then_object: bool = False):
    """A POST-only action on one object (set current, activate, unlock, delete, withdraw ...): the object through
    its access selector `get(user=, pk=)` (404 outside the jurisdiction), the service `run(request, obj)`, the
    success message `done(obj, result)`, and back to `then` (a URL name, given the object's pk when
    `then_object`; or a function `then(obj, result)` giving the URL). The page asks for confirmation first (the
    form's `data-confirm`, xueji.js); refusals are web_view's: a message and back where the user came from."""

    def view(request, pk):
        obj = get(user=request.user, pk=pk)
        result = run(request, obj)
        messages.success(request, done(obj, result))
        if callable(then):
            return redirect(then(obj, result))
        return redirect(reverse(then, args=[obj.pk]) if then_object else reverse(then))

    return web_view(cap, methods=("POST",))(view)


def posted_flag(request, name: str) -> bool:
    """A checkbox or switch of a posted form: on, true, 1, yes."""
    return request.POST.get(name, "").lower() in ("1", "true", "on", "yes")


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# ---------------------------------------------------------------- workbench

@web_view(methods=("GET",))
def workbench(request):
    """The menu's entries as cards (xueji/ui/navigation.py), with cheap counts of what lies in the jurisdiction."""
    user = request.user
    cards = navigation.cards(user, waiting=navigation.waiting_for(request))
    recent_jobs = None
    if has_cap(user, Cap.JOB_VIEW):
        recent_jobs = job_selectors.job_list(user=user, filters={"mine": True})[:5]
    roles = [label for value, label in Role.choices if value in user.role_set]
    return render(request, "ui/workbench.html", {"cards": cards, "roles": roles, "recent_jobs": recent_jobs,
                                                 "school_year": school_selectors.current_school_year_start()})
