"""School, class and school-year pages. Thin: reads through selectors, writes through services, refusals mapped
in `xueji.ui.errors` (one place). Nothing here touches Model.objects."""


from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core import codes, versions
from xueji.core.paging import capped_count
from xueji.policy import selectors as policy_selectors
from xueji.regions.selectors import county_choices
from xueji.registry import selectors as registry_selectors
from xueji.registry.ui import tables as registry_tables
from xueji.schools import selectors as school_selectors
from xueji.schools import services as school_services
from xueji.schools.filters import ClassFilterSet, SchoolFilterSet
from xueji.schools.ui import forms, tables
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import command_view, form_page, list_page, paged

# ---------------------------------------------------------------- schools

@web_view(Cap.ORG_VIEW, methods=("GET",))
def school_list(request):
    form = SchoolFilterSet(request.GET, page=True, choices={"county": county_choices(user=request.user)}).form
    table = paged(request, tables.SchoolTable(school_selectors.school_list(user=request.user,
                                                                           filters=form.filters())), lazy=True)
    return list_page(request, title=_("Schools"), icon="bi-building", table=table, filter_form=form,
                     create_url=reverse("schools:school_create") if has_cap(request.user, Cap.SCHOOL_MANAGE) else None,
                     create_label=_("New school"))


@web_view(Cap.ORG_VIEW, methods=("GET",))
def school_detail(request, pk):
    school = school_selectors.school_get(user=request.user, pk=pk)
    year = school_selectors.current_school_year_start()
    classes = with_caps(paged(request, tables.ClassTable(
        school_selectors.class_list(user=request.user, filters={"school": school.pk}), school_year=year,
        show_school=False)))
    return render(request, "schools/school_detail.html", {
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
            return redirect("schools:school_detail", pk=school.pk)
    return form_page(request, form, title=_("New school"), cancel_url=reverse("schools:school_list"),
                     submit=_("Create school"))


@web_view(Cap.SCHOOL_MANAGE)
def school_edit(request, pk):
    school = school_selectors.school_get(user=request.user, pk=pk)
    initial = {"name": school.name, "running_type": school.running_type, "stages": list(school.stages),
               "address": school.address, "phone": school.phone, "is_active": school.is_active,
               "version": versions.version_of(school)}
    form = forms.SchoolUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            school_services.school_update(actor=request.user, school=school, version=form.submitted_version(),
                                          **form.values())
            messages.success(request, _("The school was saved."))
            return redirect("schools:school_detail", pk=school.pk)
    return form_page(request, form, title=_("Edit school %(name)s") % {"name": school.name},
                     cancel_url=reverse("schools:school_detail", args=[school.pk]),
                     intro=_("School code %(code)s, county authority %(county)s.") % {
                          "code": school.code, "county": school.county.name})


# ---------------------------------------------------------------- classes

@web_view(Cap.ORG_VIEW, methods=("GET",))
def class_list(request):
    schools = school_selectors.school_list(user=request.user)
    form = ClassFilterSet(request.GET, page=True, choices={"school": schools}).form
    classes = school_selectors.class_list(user=request.user, filters=form.filters())
    table = with_caps(paged(request, tables.ClassTable(
        classes, school_year=school_selectors.current_school_year_start(),
        show_school=not request.user.org_unit.is_school), lazy=True))
    return list_page(request, title=_("Classes"), icon="bi-people", table=table, filter_form=form,
                     total=capped_count(classes),
                     create_url=reverse("schools:class_create") if has_cap(request.user, Cap.CLASS_MANAGE) else None,
                     create_label=_("New class"))


def with_caps(table):
    """The page's classes with the class-size cap that binds each and who set it: one look-up for the page."""
    table.caps = policy_selectors.class_caps(classes=[row.record for row in table.page.object_list])
    return table


@web_view(Cap.ORG_VIEW, methods=("GET",))
def class_detail(request, pk):
    klass = school_selectors.class_get(user=request.user, pk=pk)
    year = school_selectors.current_school_year_start(klass.school)
    students = None
    if has_cap(request.user, Cap.STUDENT_VIEW):
        students = paged(request, registry_tables.StudentTable(
            registry_selectors.student_list(user=request.user, filters={"school_class": klass.pk}), user=request.user,
            exclude=("school", "school_class")), lazy=True, per_page=50)
    cap, cap_source = policy_selectors.class_cap(school_class=klass)
    return render(request, "schools/class_detail.html", {
        "klass": klass, "grade": klass.grade_label(year), "school_year": f"{year}-{year + 1}",
        "cap": cap, "cap_source": cap_source,
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
            return redirect("schools:class_detail", pk=klass.pk)
    return form_page(request, form, title=_("New class"), cancel_url=reverse("schools:class_list"),
                     submit=_("Create class"))


@web_view(Cap.CLASS_MANAGE)
def class_edit(request, pk):
    klass = school_selectors.class_get(user=request.user, pk=pk)
    initial = {"name": klass.name, "head_teacher": klass.head_teacher,
               "head_teacher_phone": klass.head_teacher_phone, "is_active": klass.is_active,
               "version": versions.version_of(klass)}
    form = forms.ClassUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            school_services.class_update(actor=request.user, school_class=klass, version=form.submitted_version(),
                                         **form.values())
            messages.success(request, _("The class was saved."))
            return redirect("schools:class_detail", pk=klass.pk)
    return form_page(request, form, title=_("Edit class %(name)s") % {"name": f"{klass.school} {klass}"},
                     cancel_url=reverse("schools:class_detail", args=[klass.pk]))


# ---------------------------------------------------------------- school years

@web_view(methods=("GET",))
def school_year_list(request):
    can_manage = has_cap(request.user, Cap.SCHOOL_YEAR_MANAGE)
    table = paged(request, tables.SchoolYearTable(school_selectors.school_year_list(user=request.user),
                                                  can_manage=can_manage, request=request))
    return list_page(request, title=_("School years"), icon="bi-calendar3", table=table,
                     create_url=reverse("schools:school_year_create") if can_manage else None,
                     create_label=_("New school year"))


@web_view(Cap.SCHOOL_YEAR_MANAGE)
def school_year_create(request):
    initial = {"start_year": school_selectors.current_school_year_start() + 1}
    form = forms.SchoolYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            year = school_services.school_year_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("School year %(year)s was created.") % {"year": year})
            return redirect("schools:school_year_list")
    return form_page(request, form, title=_("New school year"), cancel_url=reverse("schools:school_year_list"),
                     submit=_("Create school year"))


school_year_set_current = command_view(
    Cap.SCHOOL_YEAR_MANAGE, get=school_selectors.school_year_get,
    run=lambda request, year: school_services.school_year_set_current(actor=request.user, school_year=year),
    done=lambda year, _result: _("%(year)s is now the current school year.") % {"year": year},
    then="schools:school_year_list")
