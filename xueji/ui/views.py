"""Server-rendered pages. Thin: reads through selectors, writes through services, refusals mapped in
`xueji.ui.errors` (one place). Nothing here touches Model.objects."""


from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_tables2 import LazyPaginator, RequestConfig

from xueji.accounts import selectors as account_selectors
from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, user_caps
from xueji.audit import selectors as audit_selectors
from xueji.core import clock
from xueji.core.paging import capped_page_size
from xueji.jobs import selectors as job_selectors
from xueji.regions import selectors as region_selectors
from xueji.registration import selectors as registration_selectors
from xueji.registry import selectors as registry_selectors
from xueji.registry.models import RegStatus
from xueji.schools import selectors as school_selectors
from xueji.ui.errors import web_view
from xueji.workflow import selectors as workflow_selectors

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


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# ---------------------------------------------------------------- workbench

def todo_counts(user) -> dict:
    """待办 with counts, one rule for the workbench and the inbox page: steps to decide; and for the filer, the
    unit's returned requests, the school's open problem records and its drafts not yet submitted."""
    caps = user_caps(user)
    is_school = user.org_unit.is_school
    counts = {"steps": workflow_selectors.inbox(user=user).count(),
              "returned": workflow_selectors.returned_requests(user=user).count(), "problems": 0, "drafts": 0}
    if is_school and Cap.PROBLEM_VIEW in caps and Cap.REQUEST_FILE in caps:
        counts["problems"] = registration_selectors.problem_list(user=user, filters={"status": "unresolved"}).count()
    if is_school and Cap.STUDENT_EDIT in caps:
        counts["drafts"] = registry_selectors.student_list(user=user, filters={"reg_status": RegStatus.DRAFT}).count()
    counts["total"] = sum(counts.values())
    return counts


@web_view(methods=("GET",))
def workbench(request):
    """What this user's roles can do, with cheap counts of what lies in the jurisdiction."""
    user = request.user
    caps = user_caps(user)
    cards = []

    def card(cap, url, icon, title, text, count=None):
        if cap is None or cap in caps:
            cards.append({"url": reverse(url), "icon": icon, "title": title, "text": text, "count": count,
                          "key": url.split(":")[1]})

    is_school = user.org_unit.is_school
    if Cap.REQUEST_VIEW in caps:
        todo = todo_counts(user)
        card(Cap.REQUEST_VIEW, "workflow:inbox", "bi-inbox", _("Inbox"),
             _("Requests waiting for your decision, requests returned to you, problem records and drafts (待办)."),
             todo["total"])
        cards[-1]["todo"] = todo
        # Prominent for approvers (leaders, authorities); a school registrar's whenever something waits.
        cards[-1]["highlight"] = bool(todo["total"]) or user.has_role(Role.LEADER) or not is_school
    if Cap.STUDENT_EDIT in caps and is_school:
        card(Cap.STUDENT_EDIT, "registration:draft_list", "bi-journal-check", _("Drafts to register"),
             _("Pupils entered or imported, not yet submitted for registration."),
             registry_selectors.student_list(user=user, filters={"reg_status": RegStatus.DRAFT}).count())
        cards[-1]["highlight"] = True
    if Cap.PROBLEM_VIEW in caps:
        card(Cap.PROBLEM_VIEW, "registration:problem_list", "bi-exclamation-diamond", _("Problem records"),
             _("Unresolved ID errors and duplicate records to correct, confirm or delete."),
             registration_selectors.problem_list(user=user, filters={"status": "unresolved"}).count())
    if Cap.STUDENT_VIEW in caps:
        card(Cap.STUDENT_VIEW, "registry:student_list", "bi-person-vcard", _("Students"),
             _("Look up registration records, family members, export lists."),
             registry_selectors.student_list(user=user).count())
    if Cap.STUDENT_EDIT in caps and is_school:
        card(Cap.STUDENT_EDIT, "registration:student_enter", "bi-person-plus", _("Enter a pupil"),
             _("One pupil on the national student form; grade-1 entrants from their pre-school record."))
    if Cap.STUDENT_IMPORT in caps:
        card(Cap.STUDENT_IMPORT, "exchange:import_list", "bi-file-earmark-arrow-up", _("Bulk import"),
             _("A whole class from the Excel or CSV template, with an error report."))
    if Cap.REQUEST_FILE in caps and is_school:
        card(Cap.REQUEST_FILE, "registration:returning_search", "bi-airplane", _("Returning from abroad"),
             _("Search the whole system for an existing record before creating one."))
    if Cap.REQUEST_VIEW in caps:
        card(Cap.REQUEST_VIEW, "workflow:request_list", "bi-card-checklist", _("Requests"),
             _("What your unit filed and what passed through your hands, with their history."))
    if Cap.VERIFY_RUN in caps:
        card(Cap.VERIFY_RUN, "registration:verification_list", "bi-fingerprint", _("Identity verification"),
             _("Check pupils against the population register; issue national numbers."))
    if Cap.STUDENT_VIEW in caps:
        card(Cap.STUDENT_VIEW, "registration:number_lookup", "bi-upc-scan", _("Find a national student number"),
             _("Any number ever issued, current or superseded."))
    if Cap.POLICY_MANAGE in caps:
        card(Cap.POLICY_MANAGE, "policy:window_list", "bi-calendar-range", _("Business windows"),
             _("When each registration is open in the province."))
        card(Cap.POLICY_MANAGE, "policy:route_list", "bi-signpost-split", _("Approval routes"),
             _("Who approves each kind of request, in order."))
        card(Cap.POLICY_MANAGE, "policy:setting_list", "bi-toggles", _("Function settings"),
             _("Grade-1 entry age control, upload limits."))
    if Cap.ORG_VIEW in caps:
        card(Cap.ORG_VIEW, "schools:class_list", "bi-people", _("Classes"),
             _("Classes by stage and cohort, with their grade this school year."),
             school_selectors.class_list(user=user).count())
        if not user.org_unit.is_school:
            card(Cap.ORG_VIEW, "schools:school_list", "bi-building", _("Schools"),
                 _("Schools within your jurisdiction."), school_selectors.school_list(user=user).count())
            card(Cap.ORG_VIEW, "regions:org_list", "bi-diagram-3", _("Organisation units"),
                 _("Education authorities and schools of your jurisdiction."),
                 region_selectors.org_unit_list(user=user).count())
        else:
            school = school_selectors.school_list(user=user).first()
            if school is not None:
                cards.append({"url": reverse("schools:school_detail", args=[school.pk]), "icon": "bi-building",
                              "title": _("My school"), "text": school.name, "count": None, "key": "my_school"})
        card(Cap.ORG_VIEW, "schools:school_year_list", "bi-calendar3", _("School years"),
             _("The school calendar; the current year decides every class's grade."))
    if Cap.USER_MANAGE in caps:
        card(Cap.USER_MANAGE, "accounts:user_list", "bi-person-gear", _("User accounts"),
             _("Create accounts, assign roles, reset passwords, unlock."),
             account_selectors.user_list(user=user).count())
    if Cap.AUDIT_VIEW in caps:
        today = clock.today()
        card(Cap.AUDIT_VIEW, "audit:audit_list", "bi-shield-check", _("Audit log"),
             _("Security events of your jurisdiction: logins, changes, exports. Today:"),
             audit_selectors.audit_event_list(user=user, filters={"since": today}).count())
    recent_jobs = None
    if Cap.JOB_VIEW in caps:
        card(Cap.JOB_VIEW, "jobs:job_list", "bi-hourglass-split", _("Jobs"),
             _("Exports and other long work running in the background."))
        recent_jobs = job_selectors.job_list(user=user, filters={"mine": True})[:5]
    cards.sort(key=lambda c: not c.get("highlight"))  # what waits for the user first (the sort is stable)
    roles = [label for value, label in Role.choices if value in user.role_set]
    return render(request, "ui/workbench.html", {"cards": cards, "roles": roles, "recent_jobs": recent_jobs,
                                                  "school_year": school_selectors.current_school_year_start()})
