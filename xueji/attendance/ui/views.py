"""Pages of 考勤与控辍保学, the special registers, 月报 and 举报. Thin: the attendance selectors read, its services
write (the same as the API's)."""

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.attendance import assessment, exports, selectors, services, terms
from xueji.attendance.choices import FIGURES, MANUAL_ITEMS, AbsenceKind, CaseReason, CaseStatus, ReportStatus
from xueji.attendance.ui import forms, tables
from xueji.core import clock
from xueji.core.errors import NotFound, ValidationFailed
from xueji.regions.models import province_code_of
from xueji.registry.presenters import presenter_for
from xueji.signing.services import signatures_of, verified
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import form_page, paged

PAGE_SIZES = (25, 50, 100)


def _list(request, *, title: str, icon: str, table, intro: str = "", **extra):
    return render(request, "attendance/list.html", {
        "title": title, "icon": icon, "table": table, "intro": intro, "total": table.paginator.count,
        "page_sizes": PAGE_SIZES, "per_page": table.paginator.per_page, **extra})


def _day(value) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else clock.today()
    except ValueError:
        raise NotFound("bad date") from None


# ---------------------------------------------------------------- absences


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def class_list(request):
    """The classes of the jurisdiction, each with its absences of the day (a school's registrar enters them)."""
    day = _day(request.GET.get("date"))
    table = paged(request, tables.ClassTable(selectors.class_list(user=request.user, day=day), day=day))
    return _list(request, title=_("Daily attendance"), icon="bi-calendar2-check", table=table, day=day,
                 intro=_("考勤: open a class to enter its absences of the day."))


@web_view(Cap.STUDENT_VIEW, post=Cap.STUDENT_EDIT)
def class_grid(request, pk):
    """A class's day: its pupils × absent or present, entered by the school's registrar."""
    user = request.user
    klass = selectors.class_get(user=user, pk=pk)
    day = _day(request.POST.get("date") if request.method == "POST" else request.GET.get("date"))
    if request.method == "POST":
        rows = selectors.class_grid(user=user, school_class=klass, day=day)
        entries = {row["student"].pk: (request.POST.get(f"kind_{row['student'].pk}") or None) for row in rows}
        count = services.absences_record(actor=user, school_class=klass, day=day, entries=entries)
        messages.success(request, _("Saved: %(count)s absent on %(day)s.") % {"count": count, "day": day})
        return redirect(f"{request.path}?date={day.isoformat()}")
    rows = selectors.class_grid(user=user, school_class=klass, day=day)
    shown = presenter_for(user)
    for row in rows:
        row["number"] = shown.national_number(row["student"].national_number)
    return render(request, "attendance/class_grid.html", {
        "klass": klass, "day": day, "rows": rows, "kinds": AbsenceKind.choices,
        "editable": has_cap(user, Cap.STUDENT_EDIT) and user.org_unit_id == klass.school.org_unit_id,
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1)})


@web_view(Cap.STUDENT_IMPORT)
def absence_import(request):
    """Import a file of absences; every row error is listed at once and nothing is imported then."""
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.absences_import(actor=request.user, upload=form.cleaned_data["file"])
        except ValidationFailed as exc:
            errors = (exc.details or {}).get("errors", []) if isinstance(exc.details, dict) else []
            form.add_error("file", exc.message if exc.words is None else str(exc.words))
        else:
            messages.success(request, _("Imported %(count)s absences.") % {"count": outcome.imported})
            return redirect("attendance:absence_import")
    return render(request, "attendance/import.html", {"form": form, "errors": errors,
                                                      "columns": services.IMPORT_COLUMNS})


# ---------------------------------------------------------------- cases


@web_view(Cap.DROPOUT_VIEW, methods=("GET",))
def case_list(request):
    user = request.user
    filters = {k: request.GET.get(k) for k in ("status", "reason", "county") if request.GET.get(k)}
    table = paged(request, tables.CaseTable(selectors.case_list(user=user, filters=filters)))
    totals = selectors.case_totals(user=user) if user.org_unit.kind in ("city", "province") else []
    return _list(request, title=_("Dropout prevention cases"), icon="bi-person-exclamation", table=table,
                 intro=_("控辍保学: pupils whose unexcused absences reached the province's thresholds, and pupils who "
                         "dropped out; each is followed up until closed."),
                 totals=totals, statuses=[*CaseStatus.choices, ("all", _("All"))], reasons=CaseReason.choices,
                 filters=filters, template_extra="attendance/_case_filters.html")


@web_view(Cap.DROPOUT_VIEW)
def case_detail(request, pk):
    user = request.user
    case = selectors.case_get(user=user, pk=pk)
    form = forms.FollowUpForm(request.POST or None, initial={"on": clock.today()})
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            services.case_follow_up(actor=user, case=case, kind=form.cleaned_data["kind"],
                                    note=form.cleaned_data["note"], on=form.cleaned_data["on"])
            messages.success(request, _("The follow-up is recorded."))
            return redirect("attendance:case_detail", pk=case.pk)
    absences = selectors.absence_list(user=user).filter(student_id=case.student_id)[:60] \
        if has_cap(user, Cap.STUDENT_VIEW) else []
    return render(request, "attendance/case_detail.html", {
        "case": case, "follow_ups": selectors.case_follow_ups(case=case), "form": form, "absences": absences})


# ---------------------------------------------------------------- registers


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def migrant_register(request):
    user = request.user
    table = paged(request, tables.PupilTable(selectors.migrant_list(user=user)))
    return _list(request, title=_("Migrant children"), icon="bi-signpost-split", table=table,
                 intro=_("随迁子女: pupils on the roll whose record marks them as children of migrant workers; the "
                         "flows come from the completed transfers."),
                 by_county=selectors.migrant_by_county(user=user), flows=selectors.migrant_flows(user=user))


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def left_behind_register(request):
    user = request.user
    term = request.GET.get("term") or terms.term_of(clock.today())[0]
    if terms.term_bounds(term) is None:
        raise NotFound("bad term")
    rows = selectors.left_behind_list(user=user, filters={"term": term, "missing": request.GET.get("missing")})
    table = paged(request, tables.LeftBehindTable(rows))
    if not (has_cap(user, Cap.STUDENT_EDIT) and user.org_unit.is_school):
        table.exclude = ("edit",)
    return _list(request, title=_("Left-behind children"), icon="bi-house-heart", table=table,
                 intro=_("留守儿童: the school registers each term the guardian, the contact and the care measures."),
                 term=term)


@web_view(Cap.STUDENT_VIEW, post=Cap.STUDENT_EDIT)
def left_behind_edit(request, pk):
    user = request.user
    student = selectors.left_behind_get(user=user, pk=pk)
    term = request.GET.get("term") or terms.term_of(clock.today())[0]
    entry = selectors.left_behind_entries(students=[student], term=term).get(student.pk)
    initial = {"term": term}
    if entry:
        initial |= {k: getattr(entry, k) for k in ("guardian_name", "guardian_relation", "guardian_phone",
                                                   "parents_away", "care_measures")}
        initial["guardian_phone"] = presenter_for(user).phone(entry.guardian_phone)
    form = forms.LeftBehindForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            services.left_behind_save(actor=user, student=student, **form.cleaned_data)
            messages.success(request, _("The entry of %(term)s is saved.") % {"term": form.cleaned_data["term"]})
            return redirect("attendance:left_behind")
    return form_page(request, form, title=_("Left-behind register: %(name)s") % {"name": student.name},
                     cancel_url="/attendance/registers/left-behind/")


def _programme(request) -> str:
    programme = request.GET.get("programme") or "nutrition"
    if programme not in selectors.PROGRAMMES:
        raise NotFound("programme not found")
    return programme


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def eligibility(request):
    user = request.user
    programme = _programme(request)
    table = paged(request, tables.PupilTable(selectors.eligibility_list(user=user, programme=programme)))
    title = _("Nutrition programme eligibility") if programme == "nutrition" else _("Student aid eligibility")
    return _list(request, title=title, icon="bi-basket", table=table, programme=programme,
                 intro=_("From the record items: 营养改善计划 takes the pupils of compulsory education "
                         "on the roll; 资助 those who need aid, receive the boarding subsidy, are orphans, "
                         "children of martyrs or have a disability. Export for the fund's own system."))


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def eligibility_export(request):
    programme = _programme(request)
    body, _count = exports.eligibility_export(actor=request.user, programme=programme,
                                              county=request.GET.get("county") or None)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{programme}-{clock.today():%Y%m%d}.xlsx"'
    return response


# ---------------------------------------------------------------- monthly reports


@web_view(Cap.DROPOUT_VIEW)
def report_list(request):
    user = request.user
    form = forms.MonthForm(request.POST or None, initial={"month": selectors.last_month()})
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            report = services.report_generate(actor=user, month=form.cleaned_data["month"])
            return redirect("attendance:report_detail", pk=report.pk)
    try:
        month = terms.month_start(dt.date.fromisoformat((request.GET.get("month") or "") + "-01")) \
            if request.GET.get("month") else selectors.last_month()
    except ValueError:
        raise NotFound("bad month") from None
    table = paged(request, tables.ReportTable(selectors.report_list(user=user)))
    return _list(request, title=_("Monthly reports"), icon="bi-calendar-check", table=table, form=form,
                 month=month, status=selectors.subordinate_status(user=user, month=month),
                 notice=selectors.notice_list(user=user, month=month),
                 deadline=services.report_deadline(month, province_code_of(user.org_unit)),
                 intro=_("月报: generated from the data after the month's end, completed with the manual items, signed "
                         "by the unit's leader and submitted to the level above by the deadline."))


@web_view(Cap.DROPOUT_VIEW)
def report_detail(request, pk):
    user = request.user
    report = selectors.report_get(user=user, pk=pk)
    manual = forms.ManualForm(request.POST or None, initial=report.manual)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "save" and manual.is_valid():
            with errors_to_form(manual):
                services.report_generate(actor=user, month=report.month, manual=manual.cleaned_data)
                messages.success(request, _("The report is generated again with the manual items."))
                return redirect("attendance:report_detail", pk=report.pk)
        elif action == "sign":
            services.report_sign(actor=user, report=report)
            messages.success(request, _("The report is confirmed and signed."))
            return redirect("attendance:report_detail", pk=report.pk)
        elif action == "submit":
            report = services.report_submit(actor=user, report=report)
            messages.success(request, _("The report is submitted.") + (f" {report.late_reason}" if report.late
                                                                        else ""))
            return redirect("attendance:report_detail", pk=report.pk)
    signature = signatures_of("attendance.monthlyreport", [report.pk]).get(report.pk)
    return render(request, "attendance/report_detail.html", {
        "report": report, "manual_form": manual, "signature": signature,
        "signature_ok": verified(signature, services.report_payload(report)),
        "figures": [(label, report.figures.get(key, "—")) for key, label in FIGURES],
        "manual_items": [(label, report.manual.get(key, "")) for key, label, _kind in MANUAL_ITEMS],
        "own": user.org_unit_id == report.org_unit_id, "draft": report.status == ReportStatus.DRAFT,
        "signed": report.status == ReportStatus.SIGNED,
        "deadline": services.report_deadline(report.month, province_code_of(report.org_unit))})


# ---------------------------------------------------------------- misuse reports


@web_view(None, methods=("GET",))
def misuse_list(request):
    box = request.GET.get("box") or ""
    table = paged(request, tables.MisuseTable(selectors.misuse_list(user=request.user, filters={"box": box})))
    return _list(request, title=_("Misuse reports"), icon="bi-flag", table=table, box=box, create_url=
                 "/attendance/misuse/new/", create_label=_("Report a misuse"),
                 intro=_("举报: a report goes to the level above the unit concerned; its handlers never see who filed "
                         "it."))


@web_view(None)
def misuse_new(request):
    # The choices: the units matching ?q= (code or name), at most 500; a posted unit is checked against all of them.
    units = list(selectors.misuse_units(user=request.user, q=request.GET.get("q", ""))[:500])
    posted = request.POST.get("about_unit", "")
    if posted.isdigit() and all(str(u.pk) != posted for u in units):
        units += list(selectors.misuse_units(user=request.user).filter(pk=int(posted)))
    form = forms.MisuseForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            unit = selectors.misuse_units(user=request.user).filter(pk=form.cleaned_data["about_unit"]).first()
            if unit is None:
                raise NotFound("unit not found")
            report = services.misuse_file(actor=request.user, about_unit=unit, text=form.cleaned_data["text"])
            messages.success(request, _("Your report is filed; it goes to %(unit)s.") % {
                "unit": report.handler_unit.name})
            return redirect("attendance:misuse_detail", pk=report.pk)
    return form_page(request, form, title=_("Report a misuse"), cancel_url="/attendance/misuse/",
                     intro=_("Your identity is not shown to those who handle the report."))


@web_view(None)
def misuse_detail(request, pk):
    user = request.user
    report = selectors.misuse_get(user=user, pk=pk)
    form = forms.HandleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            services.misuse_handle(actor=user, report=report, note=form.cleaned_data["note"])
            messages.success(request, _("The report is handled."))
            return redirect("attendance:misuse_detail", pk=report.pk)
    return render(request, "attendance/misuse_detail.html", {
        "report": report, "form": form, "mine": report.reporter_id == user.pk,
        "handler": user.org_unit_id == report.handler_unit_id})


# ---------------------------------------------------------------- assessment (考核)


@web_view(Cap.DROPOUT_VIEW, methods=("GET",))
def assessment_page(request):
    """考核: each unit below the user's, scored for the term with its components (xueji/attendance/assessment.py)."""
    term = request.GET.get("term") or None
    if term and terms.term_bounds(term) is None:
        raise NotFound("bad term")
    result = assessment.assessment(user=request.user, term=term)
    return render(request, "attendance/assessment.html", {**result, "weights": (
        assessment.QUALITY, assessment.TIMELINESS, assessment.TRAINING, assessment.SUPPORT)})
