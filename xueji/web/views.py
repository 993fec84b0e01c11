"""Server-rendered pages. Thin: reads through selectors, writes through services, refusals mapped in
`xueji.web.errors` (one place). Nothing here touches Model.objects."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_tables2 import LazyPaginator, RequestConfig

from xueji.accounts import selectors as account_selectors
from xueji.accounts import services as account_services
from xueji.accounts.auth import credentials_verify
from xueji.accounts.jurisdiction import org_in_jurisdiction
from xueji.accounts.models import Role
from xueji.accounts.passwords import ComplexityValidator
from xueji.accounts.permissions import Cap, has_cap, user_caps
from xueji.audit import selectors as audit_selectors
from xueji.core import clock, codes
from xueji.core.errors import NotFound
from xueji.core.paging import capped_page_size
from xueji.jobs import selectors as job_selectors
from xueji.jobs import services as job_services
from xueji.regions import selectors as region_selectors
from xueji.regions.models import OrgKind
from xueji.registration import selectors as registration_selectors
from xueji.registry import access_log
from xueji.registry import selectors as registry_selectors
from xueji.registry.fields import STUDENT_ITEMS
from xueji.registry.models import RegStatus
from xueji.registry.presenters import kind_of, presenter_for
from xueji.registry.services import students_export_start
from xueji.schools import selectors as school_selectors
from xueji.schools import services as school_services
from xueji.web import forms, search_tokens, tables
from xueji.web.errors import errors_to_form, web_view
from xueji.workflow import selectors as workflow_selectors

PER_PAGE = 25


class _CappedPaginator(Paginator):
    """django-tables2 takes ?per_page from the query string: cap it before any row is read."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, capped_page_size(int(per_page)), *args, **kwargs)


class _CappedLazyPaginator(LazyPaginator):
    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, capped_page_size(int(per_page)), *args, **kwargs)


def _table(request, table, *, lazy: bool = False, per_page: int = PER_PAGE):
    paginate = {"per_page": per_page, "paginator_class": _CappedLazyPaginator if lazy else _CappedPaginator}
    RequestConfig(request, paginate=paginate).configure(table)
    return table


def _list_page(request, *, title: str, icon: str, table, filter_form=None, template: str = "web/list.html",
               **extra):
    return render(request, template, {"title": title, "icon": icon, "table": table, "filter_form": filter_form,
                                      **extra})


def _form_page(request, form, *, title: str, cancel_url: str, submit: str | None = None, intro: str = "",
               status: int = 200, **extra):
    # A form that failed validation answers 200 with the errors shown (browsers re-render it in place).
    return render(request, "web/form.html", {"title": title, "form": form, "cancel_url": cancel_url,
                                             "submit": submit or _("Save"), "intro": intro, **extra},
                  status=status)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# ---------------------------------------------------------------- sign-in

@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.user.is_authenticated and request.method != "POST":
        return redirect(_safe_next(request, reverse("web:workbench")))
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            user = credentials_verify(request=request, username=form.cleaned_data["username"],
                                      password=form.cleaned_data["password"])
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if user.password_expired(settings.XUEJI_PASSWORD_MAX_AGE_DAYS):
                messages.warning(request, _("Your password has expired or was reset by an administrator. "
                                            "Please set a new password before you continue."))
                return redirect("web:password_change")
            return redirect(_safe_next(request, reverse("web:workbench")))
    return render(request, "web/login.html", {"form": form, "next": _safe_next(request, ""),
                                              "failure_limit": settings.AXES_FAILURE_LIMIT})


login_view.matrix_methods = ["get", "post"]


def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:login")


logout_view.matrix_methods = ["post"]


@sensitive_post_parameters("old_password", "new_password", "new_password2")
@web_view()
def password_change(request):
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            user = account_services.password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                                    new_password=form.cleaned_data["new_password"])
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("web:workbench")
    expired = request.user.password_expired(settings.XUEJI_PASSWORD_MAX_AGE_DAYS)
    return render(request, "web/password_change.html",
                  {"form": form, "expired": expired, "rules": ComplexityValidator().get_help_text()})


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
        card(Cap.REQUEST_VIEW, "web:inbox", "bi-inbox", _("Inbox"),
             _("Requests waiting for your decision, requests returned to you, problem records and drafts (待办)."),
             todo["total"])
        cards[-1]["todo"] = todo
        # Prominent for approvers (leaders, authorities); a school registrar's whenever something waits.
        cards[-1]["highlight"] = bool(todo["total"]) or user.has_role(Role.LEADER) or not is_school
    if Cap.STUDENT_EDIT in caps and is_school:
        card(Cap.STUDENT_EDIT, "web:draft_list", "bi-journal-check", _("Drafts to register"),
             _("Pupils entered or imported, not yet submitted for registration."),
             registry_selectors.student_list(user=user, filters={"reg_status": RegStatus.DRAFT}).count())
        cards[-1]["highlight"] = True
    if Cap.PROBLEM_VIEW in caps:
        card(Cap.PROBLEM_VIEW, "web:problem_list", "bi-exclamation-diamond", _("Problem records"),
             _("Unresolved ID errors and duplicate records to correct, confirm or delete."),
             registration_selectors.problem_list(user=user, filters={"status": "unresolved"}).count())
    if Cap.STUDENT_VIEW in caps:
        card(Cap.STUDENT_VIEW, "web:student_list", "bi-person-vcard", _("Students"),
             _("Look up registration records, family members, export lists."),
             registry_selectors.student_list(user=user).count())
    if Cap.STUDENT_EDIT in caps and is_school:
        card(Cap.STUDENT_EDIT, "web:student_enter", "bi-person-plus", _("Enter a pupil"),
             _("One pupil on the national student form; grade-1 entrants from their pre-school record."))
    if Cap.STUDENT_IMPORT in caps:
        card(Cap.STUDENT_IMPORT, "web:import_list", "bi-file-earmark-arrow-up", _("Bulk import"),
             _("A whole class from the Excel or CSV template, with an error report."))
    if Cap.REQUEST_FILE in caps and is_school:
        card(Cap.REQUEST_FILE, "web:returning_search", "bi-airplane", _("Returning from abroad"),
             _("Search the whole system for an existing record before creating one."))
    if Cap.REQUEST_VIEW in caps:
        card(Cap.REQUEST_VIEW, "web:request_list", "bi-card-checklist", _("Requests"),
             _("What your unit filed and what passed through your hands, with their history."))
    if Cap.VERIFY_RUN in caps:
        card(Cap.VERIFY_RUN, "web:verification_list", "bi-fingerprint", _("Identity verification"),
             _("Check pupils against the population register; issue national numbers."))
    if Cap.STUDENT_VIEW in caps:
        card(Cap.STUDENT_VIEW, "web:number_lookup", "bi-upc-scan", _("Find a national student number"),
             _("Any number ever issued, current or superseded."))
    if Cap.POLICY_MANAGE in caps:
        card(Cap.POLICY_MANAGE, "web:window_list", "bi-calendar-range", _("Business windows"),
             _("When each registration is open in the province."))
        card(Cap.POLICY_MANAGE, "web:route_list", "bi-signpost-split", _("Approval routes"),
             _("Who approves each kind of request, in order."))
        card(Cap.POLICY_MANAGE, "web:setting_list", "bi-toggles", _("Function settings"),
             _("Grade-1 entry age control, upload limits."))
    if Cap.ORG_VIEW in caps:
        card(Cap.ORG_VIEW, "web:class_list", "bi-people", _("Classes"),
             _("Classes by stage and cohort, with their grade this school year."),
             school_selectors.class_list(user=user).count())
        if not user.org_unit.is_school:
            card(Cap.ORG_VIEW, "web:school_list", "bi-building", _("Schools"),
                 _("Schools within your jurisdiction."), school_selectors.school_list(user=user).count())
            card(Cap.ORG_VIEW, "web:org_list", "bi-diagram-3", _("Organisation units"),
                 _("Education authorities and schools of your jurisdiction."),
                 region_selectors.org_unit_list(user=user).count())
        else:
            school = school_selectors.school_list(user=user).first()
            if school is not None:
                cards.append({"url": reverse("web:school_detail", args=[school.pk]), "icon": "bi-building",
                              "title": _("My school"), "text": school.name, "count": None, "key": "my_school"})
        card(Cap.ORG_VIEW, "web:school_year_list", "bi-calendar3", _("School years"),
             _("The school calendar; the current year decides every class's grade."))
    if Cap.USER_MANAGE in caps:
        card(Cap.USER_MANAGE, "web:user_list", "bi-person-gear", _("User accounts"),
             _("Create accounts, assign roles, reset passwords, unlock."),
             account_selectors.user_list(user=user).count())
    if Cap.AUDIT_VIEW in caps:
        today = clock.today()
        card(Cap.AUDIT_VIEW, "web:audit_list", "bi-shield-check", _("Audit log"),
             _("Security events of your jurisdiction: logins, changes, exports. Today:"),
             audit_selectors.audit_event_list(user=user, filters={"since": today}).count())
    recent_jobs = None
    if Cap.JOB_VIEW in caps:
        card(Cap.JOB_VIEW, "web:job_list", "bi-hourglass-split", _("Jobs"),
             _("Exports and other long work running in the background."))
        recent_jobs = job_selectors.job_list(user=user, filters={"mine": True})[:5]
    cards.sort(key=lambda c: not c.get("highlight"))  # what waits for the user first (the sort is stable)
    roles = [label for value, label in Role.choices if value in user.role_set]
    return render(request, "web/workbench.html", {"cards": cards, "roles": roles, "recent_jobs": recent_jobs,
                                                  "school_year": school_selectors.current_school_year_start()})


# ---------------------------------------------------------------- organisation units

@web_view(Cap.ORG_VIEW, methods=("GET",))
def org_list(request):
    form = forms.OrgUnitFilterForm(request.GET, user=request.user)
    units = region_selectors.org_unit_list(user=request.user, filters=form.filters())
    table = _table(request, tables.OrgUnitTable(units))
    return _list_page(request, title=_("Organisation units"), icon="bi-diagram-3", table=table, filter_form=form)


@web_view(Cap.ORG_VIEW, methods=("GET",))
def org_detail(request, pk):
    unit = region_selectors.org_unit_get(user=request.user, pk=pk)
    children = _table(request, tables.OrgUnitTable(
        region_selectors.org_unit_list(user=request.user, filters={"parent": unit.pk}), prefix="c-"))
    school = None
    schools = None
    if unit.kind == OrgKind.SCHOOL:
        school = school_selectors.school_list_under(user=request.user, org_unit=unit).first()
    else:
        schools = _table(request, tables.SchoolTable(
            school_selectors.school_list_under(user=request.user, org_unit=unit), prefix="s-"))
    return render(request, "web/org_detail.html", {
        "unit": unit, "children": children, "schools": schools, "school": school,
        "parent_visible": unit.parent_id is not None and org_in_jurisdiction(request.user, unit.parent)})


# ---------------------------------------------------------------- schools

@web_view(Cap.ORG_VIEW, methods=("GET",))
def school_list(request):
    form = forms.SchoolFilterForm(request.GET, user=request.user)
    table = _table(request, tables.SchoolTable(school_selectors.school_list(user=request.user,
                                                                            filters=form.filters())))
    return _list_page(request, title=_("Schools"), icon="bi-building", table=table, filter_form=form,
                      create_url=reverse("web:school_create") if has_cap(request.user, Cap.SCHOOL_MANAGE) else None,
                      create_label=_("New school"))


@web_view(Cap.ORG_VIEW, methods=("GET",))
def school_detail(request, pk):
    school = school_selectors.school_get(user=request.user, pk=pk)
    year = school_selectors.current_school_year_start()
    classes = _table(request, tables.ClassTable(
        school_selectors.class_list(user=request.user, filters={"school": school.pk}), school_year=year,
        show_school=False))
    return render(request, "web/school_detail.html", {
        "school": school, "classes": classes, "school_year": f"{year}-{year + 1}",
        "running_type": codes.RUNNING_TYPE.label(school.running_type),
        "can_edit": has_cap(request.user, Cap.SCHOOL_MANAGE),
        "can_add_class": has_cap(request.user, Cap.CLASS_MANAGE)})


@web_view(Cap.SCHOOL_MANAGE)
def school_create(request):
    form = forms.SchoolCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            school = school_services.school_create(actor=request.user, **form.values())
            messages.success(request, _("School %(name)s was created.") % {"name": school.name})
            return redirect("web:school_detail", pk=school.pk)
    return _form_page(request, form, title=_("New school"), cancel_url=reverse("web:school_list"),
                      submit=_("Create school"))


@web_view(Cap.SCHOOL_MANAGE)
def school_edit(request, pk):
    school = school_selectors.school_get(user=request.user, pk=pk)
    initial = {"name": school.name, "running_type": school.running_type, "stages": list(school.stages),
               "address": school.address, "phone": school.phone, "is_active": school.is_active}
    form = forms.SchoolUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            school_services.school_update(actor=request.user, school=school, **form.values())
            messages.success(request, _("The school was saved."))
            return redirect("web:school_detail", pk=school.pk)
    return _form_page(request, form, title=_("Edit school %(name)s") % {"name": school.name},
                      cancel_url=reverse("web:school_detail", args=[school.pk]),
                      intro=_("School code %(code)s, county authority %(county)s.") % {
                          "code": school.code, "county": school.county.name})


# ---------------------------------------------------------------- classes

@web_view(Cap.ORG_VIEW, methods=("GET",))
def class_list(request):
    form = forms.ClassFilterForm(request.GET, user=request.user)
    table = _table(request, tables.ClassTable(
        school_selectors.class_list(user=request.user, filters=form.filters()),
        school_year=school_selectors.current_school_year_start(), show_school=not request.user.org_unit.is_school))
    return _list_page(request, title=_("Classes"), icon="bi-people", table=table, filter_form=form,
                      create_url=reverse("web:class_create") if has_cap(request.user, Cap.CLASS_MANAGE) else None,
                      create_label=_("New class"))


@web_view(Cap.ORG_VIEW, methods=("GET",))
def class_detail(request, pk):
    klass = school_selectors.class_get(user=request.user, pk=pk)
    year = school_selectors.current_school_year_start()
    students = None
    if has_cap(request.user, Cap.STUDENT_VIEW):
        students = _table(request, tables.StudentTable(
            registry_selectors.student_list(user=request.user, filters={"school_class": klass.pk}), user=request.user,
            exclude=("school", "school_class")), lazy=True, per_page=50)
    return render(request, "web/class_detail.html", {
        "klass": klass, "grade": klass.grade_label(year), "school_year": f"{year}-{year + 1}",
        "stage": codes.STAGE.label(klass.stage), "students": students,
        "can_edit": has_cap(request.user, Cap.CLASS_MANAGE)})


@web_view(Cap.CLASS_MANAGE)
def class_create(request):
    initial = {"cohort_year": school_selectors.current_school_year_start(), "number": 1}
    school_id = request.GET.get("school")
    if school_id:
        initial["school"] = school_id
    elif request.user.org_unit.is_school:
        initial["school"] = school_selectors.school_list(user=request.user).first()
    form = forms.ClassCreateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            klass = school_services.class_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Class %(name)s was created.") % {"name": klass.display_name})
            return redirect("web:class_detail", pk=klass.pk)
    return _form_page(request, form, title=_("New class"), cancel_url=reverse("web:class_list"),
                      submit=_("Create class"))


@web_view(Cap.CLASS_MANAGE)
def class_edit(request, pk):
    klass = school_selectors.class_get(user=request.user, pk=pk)
    initial = {"name": klass.name, "head_teacher": klass.head_teacher,
               "head_teacher_phone": klass.head_teacher_phone, "is_active": klass.is_active}
    form = forms.ClassUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            school_services.class_update(actor=request.user, school_class=klass, **form.cleaned_data)
            messages.success(request, _("The class was saved."))
            return redirect("web:class_detail", pk=klass.pk)
    return _form_page(request, form, title=_("Edit class %(name)s") % {"name": f"{klass.school} {klass}"},
                      cancel_url=reverse("web:class_detail", args=[klass.pk]))


# ---------------------------------------------------------------- school years

@web_view(methods=("GET",))
def school_year_list(request):
    can_manage = has_cap(request.user, Cap.SCHOOL_YEAR_MANAGE)
    table = _table(request, tables.SchoolYearTable(school_selectors.school_year_list(user=request.user),
                                                   can_manage=can_manage, request=request))
    return _list_page(request, title=_("School years"), icon="bi-calendar3", table=table,
                      create_url=reverse("web:school_year_create") if can_manage else None,
                      create_label=_("New school year"))


@web_view(Cap.SCHOOL_YEAR_MANAGE)
def school_year_create(request):
    initial = {"start_year": school_selectors.current_school_year_start() + 1}
    form = forms.SchoolYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            year = school_services.school_year_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("School year %(year)s was created.") % {"year": year})
            return redirect("web:school_year_list")
    return _form_page(request, form, title=_("New school year"), cancel_url=reverse("web:school_year_list"),
                      submit=_("Create school year"))


@web_view(Cap.SCHOOL_YEAR_MANAGE, methods=("POST",))
def school_year_set_current(request, pk):
    year = school_selectors.school_year_get(user=request.user, pk=pk)
    school_services.school_year_set_current(actor=request.user, school_year=year)
    messages.success(request, _("%(year)s is now the current school year.") % {"year": year})
    return redirect("web:school_year_list")


# ---------------------------------------------------------------- students

@web_view(Cap.STUDENT_VIEW, methods=("GET", "POST"))
def student_list(request):
    """The students of the jurisdiction. The filter form posts; the search text (a name, an ID number, a
    national number) never goes into the URL: it waits in the session behind a hashed lookup token."""
    if search_tokens.wants_redirect(request):
        return search_tokens.redirect_without_text(request, "web:student_list")
    data, token = search_tokens.restore(request, request.GET)
    form = forms.StudentFilterForm(data, user=request.user)
    filters = form.filters()
    table = _table(request, tables.StudentTable(registry_selectors.student_list(user=request.user, filters=filters),
                                                user=request.user), lazy=True)
    search_tokens.shown_back(form, data, request.user)
    return _list_page(request, title=_("Students"), icon="bi-person-vcard", table=table, filter_form=form,
                      template="web/student_list.html", filter_method="post",
                      export_filters={**{k: v for k, v in filters.items() if k != "q"},
                                      **({"search": token} if "q" in filters else {})},
                      search_token=token if "q" in data else "")


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def student_detail(request, pk):
    student = registry_selectors.student_get(user=request.user, pk=pk)
    access_log.student_view_record(actor=request.user, student=student, channel="page")
    shown = presenter_for(request.user)  # every personal item below passes through it
    year = school_selectors.current_school_year_start()
    klass = student.school_class
    family = [{"member": m, "relation": codes.FAMILY_RELATION.label(m.relation),
               "id_type": codes.ID_DOC_TYPE.label(m.id_type), "name": m.name, "is_guardian": m.is_guardian,
               "employer": m.employer, "id_number": shown.id_number(m.id_number), "phone": shown.phone(m.phone)}
              for m in registry_selectors.family_of(user=request.user, student=student)]
    rows = [
        (_("National student number"), shown.national_number(student.national_number) or "—"),
        (_("Full name"), student.name), (_("Name in pinyin"), student.name_pinyin or "—"),
        (_("Sex"), codes.SEX.label(student.sex)), (_("Date of birth"), student.birth_date),
        (_("Ethnic group"), codes.ETHNIC.label(student.ethnic)), (_("Nationality"), student.nationality),
        (_("ID document type"), codes.ID_DOC_TYPE.label(student.id_type)),
        (_("ID number"), shown.id_number(student.id_number) or "—"),
        (_("Status"), codes.STUDENT_STATUS.label(student.status)),
        (_("School"), student.school.name),
        (_("Class"), f"{klass.display_name} · {klass.grade_label(year)}" if klass else "—"),
        (_("Number in class"), student.class_number or "—"),
        (_("Entry date"), student.entry_date or "—"),
        (_("Hukou nature"), codes.HUKOU_NATURE.label(student.hukou_nature) or "—"),
        (_("Health"), codes.HEALTH_STATUS.label(student.health)),
        (_("Current address"), shown.address(student.address) or "—"),
        (_("Contact phone"), shown.phone(student.phone) or "—"),
        (_("Left-behind child"), _("Yes") if student.is_left_behind else _("No")),
        (_("Migrant child"), _("Yes") if student.is_migrant else _("No")),
    ]
    rows += [(_("Registration"), student.get_reg_status_display()),
             (_("Identity check"), student.get_verify_status_display())]
    details = registry_selectors.student_details(user=request.user, student=student)
    numbers = [{"number": shown.national_number(n.number), "kind_label": n.get_kind_display(),
                "issued_at": n.issued_at, "superseded_at": n.superseded_at}
               for n in registry_selectors.number_history(user=request.user, student=student)]
    request_visible = None
    if student.registration_request_id and has_cap(request.user, Cap.REQUEST_VIEW):
        request_visible = workflow_selectors.request_list(user=request.user).filter(
            pk=student.registration_request_id).first()
    return render(request, "web/student_detail.html", {
        "student": student, "rows": rows, "family": family, "klass": klass, "numbers": numbers,
        "form_groups": _national_form_groups(shown, student, details), "registration_request": request_visible,
        "can_correct": has_cap(request.user, Cap.STUDENT_EDIT) and (
            student.reg_status == RegStatus.DRAFT or getattr(request_visible, "status", "") == "returned")})


_PERSONAL_KINDS = {"id": "id_number", "phone": "phone"}  # form item kinds that are personal items, by presenter key


def _form_value(item, value, shown) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and (item.kind in _PERSONAL_KINDS or kind_of(item.key)):
        return shown.item(_PERSONAL_KINDS.get(item.kind, item.key), value) or "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if item.table is not None:
        return item.table.label(str(value))
    if item.kind == "yearmonth" and hasattr(value, "strftime"):
        return value.strftime("%Y-%m")
    return str(value)


def _national_form_groups(shown, student, details) -> list[tuple[str, list[tuple[str, str]]]]:
    """The national form's items of a pupil, grouped as on the form (the guardians are shown apart)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in STUDENT_ITEMS:
        source = student if item.target == "student" else details
        value = getattr(source, item.field, None) if source is not None else None
        groups.setdefault(item.group, []).append((item.title, _form_value(item, value, shown)))
    return list(groups.items())


@web_view(Cap.STUDENT_VIEW, methods=("POST",))
def student_export(request):
    data, token = search_tokens.restore(request, request.POST)  # the list's search, by its lookup token
    if token and "q" not in data:  # an expired search exports nothing rather than everything
        return redirect("web:student_list")
    form = forms.StudentFilterForm(data, user=request.user)
    if not form.is_valid():
        if {"school", "school_class"} & set(form.errors):
            raise NotFound("school or class not found")  # an id outside the jurisdiction: not found
        messages.error(request, _("The filters are invalid; nothing was exported."))
        return redirect("web:student_list")
    job = students_export_start(actor=request.user, filters=form.filters())
    messages.success(request, _("The export has started. The file appears here when it is ready."))
    return redirect("web:job_detail", pk=job.pk)


# ---------------------------------------------------------------- users

@web_view(Cap.USER_MANAGE, methods=("GET",))
def user_list(request):
    form = forms.UserFilterForm(request.GET, user=request.user)
    table = _table(request, tables.UserTable(account_selectors.user_list(user=request.user, filters=form.filters())))
    return _list_page(request, title=_("User accounts"), icon="bi-person-gear", table=table, filter_form=form,
                      create_url=reverse("web:user_create"), create_label=_("New user"))


@sensitive_post_parameters("password")
@web_view(Cap.USER_MANAGE)
def user_create(request):
    form = forms.UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            user = account_services.user_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Account %(username)s was created; the user must change the password "
                                        "at the first login.") % {"username": user.username})
            return redirect("web:user_edit", pk=user.pk)
    return _form_page(request, form, title=_("New user"), cancel_url=reverse("web:user_list"),
                      submit=_("Create account"))


@web_view(Cap.USER_MANAGE)
def user_edit(request, pk):
    target = account_selectors.user_get(user=request.user, pk=pk)
    initial = {"full_name": target.full_name, "org_unit": target.org_unit, "roles": sorted(target.role_set),
               "phone": target.phone, "email": target.email}
    form = forms.UserUpdateForm(request.POST or None, user=request.user, target=target, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            account_services.user_update(actor=request.user, user=target, **form.values(target))
            messages.success(request, _("The account was saved."))
            return redirect("web:user_list")
    return render(request, "web/user_edit.html", {
        "form": form, "target": target, "locked": account_services.user_is_locked(target),
        "is_self": target.pk == request.user.pk, "title": _("Account %(username)s") % {"username": target.username}})


@sensitive_post_parameters("new_password")
@web_view(Cap.USER_MANAGE)
def user_reset_password(request, pk):
    target = account_selectors.user_get(user=request.user, pk=pk)
    form = forms.PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            account_services.user_reset_password(actor=request.user, user=target, **form.cleaned_data)
            messages.success(request, _("The password of %(username)s was reset and the account unlocked.") % {
                "username": target.username})
            return redirect("web:user_edit", pk=target.pk)
    return _form_page(request, form, title=_("Reset the password of %(username)s") % {"username": target.username},
                      cancel_url=reverse("web:user_edit", args=[target.pk]), submit=_("Reset password"))


@web_view(Cap.USER_MANAGE, methods=("POST",))
def user_set_active(request, pk):
    target = account_selectors.user_get(user=request.user, pk=pk)
    is_active = request.POST.get("is_active", "").lower() in ("1", "true", "on", "yes")
    account_services.user_set_active(actor=request.user, user=target, is_active=is_active)
    if is_active:
        messages.success(request, _("Account %(username)s is active.") % {"username": target.username})
    else:
        messages.success(request, _("Account %(username)s is deactivated.") % {"username": target.username})
    return redirect("web:user_edit", pk=target.pk)


@web_view(Cap.USER_MANAGE, methods=("POST",))
def user_unlock(request, pk):
    target = account_selectors.user_get(user=request.user, pk=pk)
    account_services.user_unlock(actor=request.user, user=target)
    messages.success(request, _("Account %(username)s was unlocked.") % {"username": target.username})
    return redirect("web:user_edit", pk=target.pk)


# ---------------------------------------------------------------- auditor accounts (三员分立)

@web_view(Cap.AUDITOR_MANAGE, methods=("GET",))
def auditor_list(request):
    table = _table(request, tables.AuditorTable(account_selectors.auditor_list(user=request.user)))
    return _list_page(request, title=_("Auditor accounts"), icon="bi-person-badge", table=table,
                      intro=_("Auditor accounts of the levels below yours. System administrators cannot create "
                              "them or reset their passwords."),
                      create_url=reverse("web:auditor_create"), create_label=_("New auditor"))


@sensitive_post_parameters("password")
@web_view(Cap.AUDITOR_MANAGE)
def auditor_create(request):
    form = forms.AuditorCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            user = account_services.user_create(actor=request.user, roles=[Role.AUDITOR], **form.cleaned_data)
            messages.success(request, _("Account %(username)s was created; the user must change the password "
                                        "at the first login.") % {"username": user.username})
            return redirect("web:auditor_list")
    return _form_page(request, form, title=_("New auditor"), cancel_url=reverse("web:auditor_list"),
                      submit=_("Create account"))


@sensitive_post_parameters("new_password")
@web_view(Cap.AUDITOR_MANAGE)
def auditor_reset_password(request, pk):
    target = account_selectors.auditor_get(user=request.user, pk=pk)
    form = forms.PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            account_services.user_reset_password(actor=request.user, user=target, **form.cleaned_data)
            messages.success(request, _("The password of %(username)s was reset and the account unlocked.") % {
                "username": target.username})
            return redirect("web:auditor_list")
    return _form_page(request, form, title=_("Reset the password of %(username)s") % {"username": target.username},
                      cancel_url=reverse("web:auditor_list"), submit=_("Reset password"))


@web_view(Cap.AUDITOR_MANAGE, methods=("POST",))
def auditor_set_active(request, pk):
    target = account_selectors.auditor_get(user=request.user, pk=pk)
    is_active = request.POST.get("is_active", "").lower() in ("1", "true", "on", "yes")
    account_services.user_set_active(actor=request.user, user=target, is_active=is_active)
    if is_active:
        messages.success(request, _("Account %(username)s is active.") % {"username": target.username})
    else:
        messages.success(request, _("Account %(username)s is deactivated.") % {"username": target.username})
    return redirect("web:auditor_list")


# ---------------------------------------------------------------- audit log

@web_view(Cap.AUDIT_VIEW, methods=("GET",))
def audit_list(request):
    form = forms.AuditFilterForm(request.GET, user=request.user)
    events = audit_selectors.audit_event_list(user=request.user, filters=form.filters())
    table = _table(request, tables.AuditEventTable(events, user=request.user), lazy=True, per_page=50)
    return _list_page(request, title=_("Audit log"), icon="bi-shield-check", table=table, filter_form=form)


def _pretty(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) if value is not None else ""


@web_view(Cap.AUDIT_VIEW, methods=("GET",))
def audit_detail(request, pk):
    event = audit_selectors.audit_event_get(user=request.user, pk=pk)
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
    return render(request, "web/audit_detail.html", {"event": event, "object_repr": shown["object_repr"],
                                                     "changes": changes, "before": _pretty(shown["before"]),
                                                     "after": _pretty(shown["after"])})


# ---------------------------------------------------------------- jobs

@web_view(Cap.JOB_VIEW, methods=("GET",))
def job_list(request):
    job_services.job_reap_if_due()  # a dead worker runs no reaper of its own: reading the jobs does
    form = forms.JobFilterForm(request.GET, user=request.user)
    jobs = job_selectors.job_list(user=request.user, filters=form.filters())
    table = _table(request, tables.JobTable(jobs), lazy=True)
    return _list_page(request, title=_("Jobs"), icon="bi-hourglass-split", table=table, filter_form=form)


@web_view(Cap.JOB_VIEW, methods=("GET",))
def job_detail(request, pk):
    job_services.job_reap_if_due()
    job = job_selectors.job_get(user=request.user, pk=pk)
    return render(request, "web/job_detail.html", {"job": job, **_job_state(job, request.user)})


@web_view(Cap.JOB_VIEW, methods=("GET",))
def job_progress(request, pk):
    """The progress fragment; htmx polls it every second until the job is finished."""
    job_services.job_reap_if_due()
    job = job_selectors.job_get(user=request.user, pk=pk)
    return render(request, "web/_job_progress.html", {"job": job, **_job_state(job, request.user)})


def _job_state(job, user) -> dict:
    rerun = job.reruns.order_by("-pk").first() if job.can_rerun else None
    state = job_selectors.file_state(user, job)
    return {"has_file": state == "ready", "file_state": state,
            "error_line": job_selectors.job_error_message(job),
            "rerun": rerun,
            "can_rerun": job.can_rerun and rerun is None and job.created_by_id == user.pk}


@web_view(Cap.JOB_VIEW, methods=("GET",))
def job_download(request, pk):
    _job, path = job_services.job_file_download(actor=request.user, pk=pk)
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@web_view(Cap.JOB_VIEW, methods=("POST",))
def job_rerun(request, pk):
    """重新运行: the interrupted job starts again as a new job; an import continues where it stopped."""
    job = job_selectors.job_get(user=request.user, pk=pk)
    new = job_services.job_rerun(actor=request.user, job=job)
    messages.success(request, _("The job runs again."))
    batch = getattr(new, "import_batch", None)
    if batch is not None:
        return redirect("web:import_detail", pk=batch.pk)
    return redirect("web:job_detail", pk=new.pk)
