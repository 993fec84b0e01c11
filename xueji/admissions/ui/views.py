"""Pages of admission (招生): the plans (list with totals, inline editing and a form), a school's plan change and the
office's decision, the admission-results import (template, upload, the row report), the admissions (录取名单) with
the admission run, and the duplicate admissions (重复招生) with the resolve. Thin: selectors read, services write."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import access
from xueji.accounts.permissions import Cap, has_cap
from xueji.admissions import catchment, entry, importing, selectors, services
from xueji.admissions.filters import AdmissionFilterSet, PlanFilterSet
from xueji.admissions.ui import forms, tables
from xueji.core.errors import XuejiError
from xueji.core.messages import user_message
from xueji.registry.presenters import presenter_for
from xueji.schools import selectors as school_selectors
from xueji.schools.models import School
from xueji.schools.selectors import current_school_year_start
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import paged

PAGE_SIZES = (25, 50, 100)


def _list(request, *, title: str, icon: str, table, filter_form=None, intro: str = "",
          template: str = "admissions/list.html", **extra):
    """A list with its total, its page size and its sortable columns."""
    return render(request, template, {
        "title": title, "icon": icon, "table": table, "filter_form": filter_form, "intro": intro,
        "total": table.paginator.count, "page_sizes": PAGE_SIZES, "per_page": table.paginator.per_page, **extra})


def _per_page(request) -> int:
    try:
        value = int(request.GET.get("per_page", 25))
    except ValueError:
        return 25
    return value if value in PAGE_SIZES else 25


def _refused(request, exc: XuejiError) -> None:
    messages.error(request, user_message(exc))


# ---------------------------------------------------------------- plans


@web_view(get=Cap.ADMISSION_VIEW, post=Cap.ADMISSION_MANAGE)
def plan_list(request):
    """招生计划: the plans of the schools in view with their totals; the office edits a row's places inline or sets
    a plan by the form."""
    user = request.user
    manage = has_cap(user, Cap.ADMISSION_MANAGE)
    schools = selectors.office_schools(user=user) if manage else School.objects.none()
    form = forms.PlanForm(request.POST or None, schools=schools, prefix="plan") if manage else None
    if request.method == "POST":
        if "inline" in request.POST:  # one row's places, from the list itself
            school = access(School.objects.select_related("org_unit"), user, pk=request.POST.get("school"))
            try:
                services.plan_set(actor=user, school=school, stage=request.POST.get("stage", ""),
                                  year=request.POST.get("year"), quota=request.POST.get("quota"),
                                  note=request.POST.get("note", ""))
                messages.success(request, _("The plan is saved."))
            except XuejiError as exc:
                _refused(request, exc)
            return redirect(request.get_full_path())
        if form.is_valid():
            values = form.cleaned_data
            with errors_to_form(form):
                services.plan_set(actor=user, school=values["school"], stage=values["stage"], year=values["year"],
                                  quota=values["quota"], note=values["note"])
                messages.success(request, _("The plan is saved."))
                return redirect(request.get_full_path())
    filters = PlanFilterSet(request.GET, user=user, page=True,
                            choices={"school": school_selectors.school_list(user=user)}).form
    plans = selectors.plan_list(user=user, filters=filters.filters())
    table = paged(request, tables.PlanTable(plans, editable=manage, order_by="school"), per_page=_per_page(request))
    return _list(request, title=_("Admission plans"), icon="bi-clipboard-data", table=table, filter_form=filters,
                 template="admissions/plan_list.html", form=form, totals=selectors.plan_totals(plans),
                 intro=_("招生计划: each school's places per stage and year. The admissions office sets them; a school "
                         "asks for a change (计划调整), which the office approves."),
                 may_file=has_cap(user, Cap.REQUEST_FILE) and user.org_unit.is_school)


@web_view(Cap.REQUEST_FILE)
def plan_change_new(request):
    """计划调整: a school asks its admissions office for other places."""
    user = request.user
    school = School.objects.filter(org_unit=user.org_unit).first()
    stages = school.stages if school is not None else ""
    form = forms.PlanChangeForm(request.POST or None, stages=stages)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            filed = services.plan_change_file(actor=user, **form.cleaned_data)
            messages.success(request, _("The plan change #%(pk)s is filed with the admissions office.")
                             % {"pk": filed.pk})
            return redirect("admissions:plan_change_list")
    return render(request, "ui/form.html", {"title": _("Ask for a plan change"), "form": form,
                                            "cancel_url": reverse("admissions:plan_list"), "submit": _("File"),
                                            "intro": _("The admissions office of your county decides.")})


@web_view(Cap.ADMISSION_VIEW, methods=("GET",))
def plan_change_list(request):
    user = request.user
    rows = selectors.plan_change_list(user=user).order_by("-created_at")
    table = paged(request, tables.PlanChangeTable(rows, deciding=has_cap(user, Cap.ADMISSION_MANAGE)),
                  per_page=_per_page(request))
    return _list(request, title=_("Plan changes"), icon="bi-arrow-repeat", table=table,
                 intro=_("计划调整: the changes schools asked for; the admissions office approves or returns the ones "
                         "waiting for it."),
                 create_url=reverse("admissions:plan_change_new") if has_cap(user, Cap.REQUEST_FILE)
                 and user.org_unit.is_school else None, create_label=_("Ask for a plan change"))


@web_view(Cap.ADMISSION_MANAGE, methods=("POST",))
def plan_change_decide(request, pk):
    filed = selectors.plan_change_get(user=request.user, pk=pk)
    try:
        services.plan_change_decide(actor=request.user, request=filed, approve=request.POST.get("approve") == "1",
                                    comment=request.POST.get("comment", ""))
        messages.success(request, _("Decided."))
    except XuejiError as exc:
        _refused(request, exc)
    return redirect("admissions:plan_change_list")


# ---------------------------------------------------------------- the results import


@web_view(Cap.ADMISSION_MANAGE)
def batch_list(request):
    """录取结果导入: download the template, upload the filled file; the imports made, each with its outcome."""
    user = request.user
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            batch = importing.results_import(actor=user, upload=form.cleaned_data["file"],
                                             year=form.cleaned_data["year"])
            return redirect("admissions:batch_detail", pk=batch.pk)
    table = paged(request, tables.BatchTable(selectors.batch_list(user=user)), per_page=_per_page(request))
    return _list(request, title=_("Admission results import"), icon="bi-file-earmark-arrow-up", table=table,
                 template="admissions/batch_list.html", form=form,
                 intro=_("统招与自主招生: one row per admitted pupil. A file with any error is not imported, and every "
                         "error is listed at once; the same file uploaded again admits nobody twice."))


@web_view(Cap.ADMISSION_MANAGE, methods=("GET",))
def batch_detail(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    counts = [(_("Rows"), batch.total_rows), (_("Admitted"), batch.admitted_rows),
              (_("Held as duplicates"), batch.held_rows), (_("Admitted before"), batch.already_rows),
              (_("Without a record"), batch.new_records), (_("Errors"), batch.error_count)]
    return render(request, "admissions/batch_detail.html", {"batch": batch, "counts": counts,
                                                            "errors": (batch.errors or [])[:1000]})


@web_view(Cap.ADMISSION_MANAGE, methods=("GET",))
def batch_errors(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    response = HttpResponse(importing.error_report(batch),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="admission-errors-{batch.pk}.xlsx"'
    return response


@web_view(Cap.ADMISSION_MANAGE, methods=("GET",))
def template_download(request):
    fmt = request.GET.get("format", "xlsx")
    body = importing.template(actor=request.user, fmt="csv" if fmt == "csv" else "xlsx")
    kind = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="admission-template.{"csv" if fmt == "csv" else "xlsx"}"'
    return response


# ---------------------------------------------------------------- admissions and duplicates


@web_view(Cap.ADMISSION_VIEW, methods=("GET",))
def admission_list(request):
    """录取名单: the admissions into the schools in view; the office runs the admission (入学) from here."""
    user = request.user
    filters = AdmissionFilterSet(request.GET, user=user, page=True,
                                 choices={"school": school_selectors.school_list(user=user)}).form
    rows = selectors.admission_list(user=user, filters=filters.filters())
    table = paged(request, tables.AdmissionTable(rows, order_by="-created_at"), per_page=_per_page(request))
    manage = has_cap(user, Cap.ADMISSION_MANAGE)
    return _list(request, title=_("Admission list"), icon="bi-mortarboard", table=table, filter_form=filters,
                 template="admissions/admission_list.html",
                 apply_form=forms.ApplyForm(initial={"year": current_school_year_start()}) if manage else None,
                 intro=_("录取名单: an admission holds its place and its class seat; it takes effect (入学) when the "
                         "admissions office runs the admission. Pupils admitted by several schools wait until one "
                         "admission is kept."))


@web_view(Cap.ADMISSION_MANAGE, methods=("POST",))
def admission_apply(request):
    form = forms.ApplyForm(request.POST)
    if form.is_valid():
        try:
            done = services.admissions_apply(actor=request.user, year=form.cleaned_data["year"])
            messages.success(request, _("%(enrolled)s pupils entered their schools; %(new)s new records were created "
                                        "as drafts for their schools to register.")
                             % {"enrolled": done["enrolled"], "new": done["new_records"]})
        except XuejiError as exc:
            _refused(request, exc)
    return redirect("admissions:admission_list")


@web_view(Cap.ADMISSION_MANAGE, methods=("GET",))
def duplicate_list(request):
    """重复招生: pupils admitted by several schools, held until one admission is kept."""
    user = request.user
    rows = selectors.duplicate_list(user=user)
    table = paged(request, tables.DuplicateTable(rows, order_by="name"), per_page=_per_page(request))
    return _list(request, title=_("Duplicate admissions"), icon="bi-people", table=table,
                 intro=_("重复招生: none of these admissions takes effect until one is kept. Keep one (an office whose "
                         "area holds every admitting school), or withdraw your own."))


@web_view(Cap.ADMISSION_MANAGE, methods=("POST",))
def admission_keep(request, pk):
    admission = selectors.admission_get(user=request.user, pk=pk)
    try:
        services.duplicate_keep(actor=request.user, admission=admission)
        messages.success(request, _("The admission is kept; the pupil's other admissions are withdrawn."))
    except XuejiError as exc:
        _refused(request, exc)
    return redirect("admissions:duplicate_list")


@web_view(Cap.ADMISSION_MANAGE, methods=("POST",))
def admission_withdraw(request, pk):
    admission = selectors.admission_get(user=request.user, pk=pk)
    try:
        services.admission_withdraw(actor=request.user, admission=admission)
        messages.success(request, _("The admission is withdrawn."))
    except XuejiError as exc:
        _refused(request, exc)
    return redirect("admissions:duplicate_list")


# ---------------------------------------------------------------- catchments


@web_view(Cap.ADMISSION_MANAGE)
def catchment_list(request):
    """划片: the office's catchments (an address area → a school, per compulsory stage), added by the form."""
    user = request.user
    form = forms.CatchmentForm(request.POST or None, schools=selectors.office_schools(user=user))
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        with errors_to_form(form):
            catchment.catchment_set(actor=user, school=values["school"], stage=values["stage"], area=values["area"])
            messages.success(request, _("The catchment is saved."))
            return redirect("admissions:catchment_list")
    table = paged(request, tables.CatchmentTable(selectors.catchment_list(user=user)), per_page=_per_page(request))
    return _list(request, title=_("Catchments"), icon="bi-geo-alt", table=table, form=form,
                 template="admissions/catchment_list.html",
                 intro=_("划片: pupils whose address begins with an area go to its school; the most specific area "
                         "decides."))


@web_view(Cap.ADMISSION_MANAGE, methods=("POST",))
def catchment_delete(request, pk):
    try:
        catchment.catchment_delete(actor=request.user, catchment=selectors.catchment_get(user=request.user, pk=pk))
        messages.success(request, _("The catchment is deleted."))
    except XuejiError as exc:
        _refused(request, exc)
    return redirect("admissions:catchment_list")


@web_view(Cap.ADMISSION_MANAGE)
def catchment_run(request):
    """义务教育划片入学: the preview (GET with a stage and year), then the run (POST)."""
    user = request.user
    if request.method == "POST":
        form = forms.CatchmentRunForm(request.POST)
        if form.is_valid():
            try:
                done = catchment.catchment_run(actor=user, **form.cleaned_data)
                messages.success(request, _("%(count)s pupils admitted by catchment; they enter school with the "
                                            "admission run.") % {"count": done["admitted"]})
                return redirect(reverse("admissions:admission_list") + "?status=admitted")
            except XuejiError as exc:
                _refused(request, exc)
        return redirect("admissions:catchment_run")
    form = forms.CatchmentRunForm(request.GET or None, initial={"year": current_school_year_start(), "stage": "2"})
    preview = None
    if request.GET and form.is_valid():
        try:
            preview = catchment.catchment_preview(actor=user, **form.cleaned_data)
        except XuejiError as exc:
            _refused(request, exc)
    return render(request, "admissions/catchment_run.html", {"form": form, "preview": preview})


# ---------------------------------------------------------------- cross-province entry after graduation


def _other_provinces(user) -> list[tuple[str, str]]:
    from xueji.regions.models import province_code_of
    from xueji.regions.selectors import region_options

    own = province_code_of(user.org_unit)
    return [(r["code"], r["name"]) for r in region_options() if r["code"] != own]


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def entry_list(request):
    """毕业后跨省就学: the entries of the schools in view with their state; the receiving school files one."""
    user = request.user
    rows = selectors.entry_list(user=user, filters={"state": request.GET.get("state", ""),
                                                    "side": request.GET.get("side", "")})
    table = paged(request, tables.EntryTable(rows), per_page=_per_page(request))
    may_file = has_cap(user, Cap.TRANSFER_FILE) and user.org_unit.is_school
    return _list(request, title=_("Entry after graduation from another province"), icon="bi-globe2", table=table,
                 intro=_("毕业后跨省就学: the receiving school files, its county approves, the graduating school's "
                         "county approves in its province, then the receiving school retrieves the record (调档); a "
                         "pupil with no record there gets a new record here."),
                 create_url=reverse("admissions:entry_new") if may_file else None,
                 create_label=_("File an entry after graduation"))


@web_view(Cap.TRANSFER_FILE)
def entry_new(request):
    """The receiving school files: the province, the national number, the class (and the identity of a pupil the
    graduating province does not know by number)."""
    from xueji.transfers.checks import receiving_school

    user = request.user
    school = receiving_school(user)
    form = forms.EntryForm(request.POST or None, provinces=_other_provinces(user),
                           classes=selectors.entry_classes(school=school))
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            filed = entry.entry_file(actor=user, **form.cleaned_data)
            messages.success(request, _("The entry #%(pk)s is filed; your county approves it next.") % {"pk": filed.pk})
            return redirect("admissions:entry_detail", pk=filed.pk)
    return render(request, "ui/form.html", {
        "title": _("File an entry after graduation"), "form": form, "cancel_url": reverse("admissions:entry_list"),
        "submit": _("File"),
        "intro": _("The graduating province is asked at once: the pupil must have graduated or completed there.")})


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def entry_detail(request, pk: int):
    user = request.user
    found = selectors.access_entry_by_id(user=user, pk=pk)
    shown = presenter_for(None)  # the pupil masked: before the file its record is not here
    may_retrieve = (found.side == "receiving" and has_cap(user, Cap.TRANSFER_FILE)
                    and user.org_unit_id == found.school.org_unit_id and found.retrieval_at is None
                    and found.state in ("awaiting_retrieval", "no_record"))
    return render(request, "admissions/entry_detail.html", {
        "entry": found, "national_number": shown.national_number(found.national_number),
        "id_number": shown.id_number(found.id_number or (found.pupil or {}).get("id_number", "")),
        "may_retrieve": may_retrieve,
        "classes": selectors.entry_classes(school=found.school) if may_retrieve else ()})


@web_view(Cap.TRANSFER_FILE, methods=("POST",))
def entry_retrieve(request, pk: int):
    """调档 (or, with no record there, the new record); a refusal comes back as a message on the entry's page."""
    user = request.user
    found = selectors.access_entry_by_id(user=user, pk=pk)
    try:
        entry.entry_retrieve(actor=user, entry=found, school_class=request.POST.get("school_class") or None)
        messages.success(request, _("Done: the record is asked for (or created)."))
    except XuejiError as exc:
        _refused(request, exc)
    return redirect("admissions:entry_detail", pk=found.pk)
