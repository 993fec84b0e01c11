"""Pages of the school year's turn: a school's graduation of its final grade (the list all ticked, exceptions
unticked, a destination per pupil; the graduates with their revert), the authorities' promotion page (state,
check per school, holding a school back, the dry run, schedule and start) and the calendar. Thin: the schoolyear
selectors read, its services write."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.admissions.selectors import admission_progress
from xueji.core.errors import Forbidden, NotFound, XuejiError
from xueji.policy.choices import WINDOW_KINDS
from xueji.policy.selectors import windows_open_for
from xueji.schools.selectors import school_get
from xueji.schoolyear import calendar, selectors, services
from xueji.schoolyear.choices import GRADUATION_WINDOW, Destination, LeaveKind, RunStatus, SchoolState
from xueji.ui.errors import error_message, web_view


def _own_school(request):
    school = getattr(request.user.org_unit, "school", None)
    if school is None:
        raise NotFound("school not found")
    return school


def _refused(request, exc: XuejiError) -> None:
    """A refusal as a message on the page; outside the jurisdiction (404) and without the right (403) pass on."""
    if isinstance(exc, NotFound | Forbidden):
        raise exc
    messages.error(request, error_message(exc))


@web_view(Cap.GRADUATION_MANAGE)
def graduation(request):
    """毕业/结业: the school's final-grade pupils of a compulsory stage, all ticked; untick the exceptions."""
    user = request.user
    school = _own_school(request)
    if request.method == "POST":
        chosen = [int(v) for v in request.POST.getlist("students") if v.isdigit()]
        destinations = {pk: request.POST.get(f"destination_{pk}", Destination.UNKNOWN) for pk in chosen}
        try:
            batch = services.graduation_graduate(actor=user, school=school, student_ids=chosen,
                                                 kind=request.POST.get("kind", LeaveKind.GRADUATED),
                                                 destinations=destinations)
        except XuejiError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("%(count)s pupils left the stage (%(kind)s).") % {
                "count": batch.count, "kind": batch.get_kind_display()})
            return redirect("schoolyear:graduation")
    candidates = list(selectors.graduation_candidates(user=user, school=school))
    senior = list(selectors.senior_candidates(user=user, school=school))
    graduates = list(selectors.graduates_list(user=user, filters={"school": school.pk})[:300])
    windows = [{**row, "label": WINDOW_KINDS.get(row["kind"], row["kind"])}
               for row in windows_open_for(user=user, kinds=[GRADUATION_WINDOW])]
    return render(request, "schoolyear/graduation.html", {
        "school": school, "candidates": candidates, "senior": senior, "graduates": graduates, "windows": windows,
        "year": selectors.school_year_of(school), "destinations": Destination.choices, "kinds": LeaveKind.choices})


@web_view(post=Cap.GRADUATION_MANAGE, methods=("POST",))
def senior_graduation(request):
    """普通高中毕业: file the ticked senior final-grade pupils for the authority's approval."""
    school = _own_school(request)
    chosen = [int(v) for v in request.POST.getlist("students") if v.isdigit()]
    try:
        filed = services.senior_graduation_file(actor=request.user, school=school, student_ids=chosen,
                                                kind=request.POST.get("kind", LeaveKind.GRADUATED))
    except XuejiError as exc:
        _refused(request, exc)
        return redirect("schoolyear:graduation")
    messages.success(request, _("Filed for approval: %(title)s.") % {"title": filed.title})
    return redirect("workflow:request_detail", pk=filed.pk)


@web_view(post=Cap.GRADUATION_MANAGE, methods=("POST",))
def graduation_revert(request, pk):
    """Revert a mistaken graduation (pk: the pupil)."""
    try:
        found = selectors.graduate_of_student(user=request.user, pk=pk, cap=Cap.GRADUATION_MANAGE)
        services.graduation_revert(actor=request.user, graduate=found, reason=request.POST.get("reason", ""))
    except XuejiError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The graduation of %(name)s was reverted: in school again.") % {
            "name": found.student.name})
    return redirect("schoolyear:graduation")


@web_view(post=Cap.GRADUATION_MANAGE, methods=("POST",))
def graduate_destination(request, pk):
    """Record a graduate's destination (pk: the pupil)."""
    try:
        found = selectors.graduate_of_student(user=request.user, pk=pk, cap=Cap.GRADUATION_MANAGE)
        services.graduate_destination_set(actor=request.user, graduate=found,
                                          destination=request.POST.get("destination", ""))
    except XuejiError as exc:
        _refused(request, exc)
    return redirect("schoolyear:graduation")


@web_view(Cap.PROMOTION_MANAGE, methods=("GET",))
def promotion(request):
    """升级: the province's run into the next school year, what blocks each school, the schools held back."""
    user = request.user
    run = services.promotion_prepare(actor=user)
    rows = selectors.promotion_check(user=user, run=run)
    return render(request, "schoolyear/promotion.html", {
        "run": run, "rows": rows, "summary": [(SchoolState(state).label, n) for state, n in
                                              selectors.promotion_summary(user=user, run=run).items()],
        "moment": services.promotion_moment(run), "province_level": user.org_unit.kind == "province",
        "running": run.status == RunStatus.RUNNING, "done": run.status == RunStatus.DONE,
        "job": run.job if run.job_id else None, "blocked": sum(1 for r in rows if r["blocked"])})


@web_view(Cap.PROMOTION_MANAGE, methods=("GET",))
def promotion_dry_run(request):
    """What the promotion will change, per school and grade; nothing is written."""
    run = services.promotion_prepare(actor=request.user)
    rows = selectors.promotion_dry_run(user=request.user, run=run)
    return render(request, "schoolyear/dry_run.html", {"run": run, "rows": rows,
                                                      "pupils": sum(r["pupils"] for r in rows)})


def _post_then_back(request, action, done: str):
    try:
        action()
    except XuejiError as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)
    return redirect("schoolyear:promotion")


@web_view(post=Cap.PROMOTION_MANAGE, methods=("POST",))
def promotion_start(request):
    return _post_then_back(request, lambda: services.promotion_start(actor=request.user),
                           _("The promotion started; its progress shows here."))


@web_view(post=Cap.PROMOTION_MANAGE, methods=("POST",))
def promotion_schedule(request):
    return _post_then_back(request, lambda: services.promotion_schedule(actor=request.user),
                           _("The promotion is scheduled for the configured moment."))


@web_view(post=Cap.PROMOTION_MANAGE, methods=("POST",))
def promotion_exclude(request, pk):
    school = school_get(user=request.user, pk=pk)
    return _post_then_back(request, lambda: services.promotion_exclude(
        actor=request.user, school=school, reason=request.POST.get("reason", "")),
        _("%(school)s is held back from the promotion.") % {"school": school.name})


@web_view(post=Cap.PROMOTION_MANAGE, methods=("POST",))
def promotion_include(request, pk):
    school = school_get(user=request.user, pk=pk)
    return _post_then_back(request, lambda: services.promotion_include(actor=request.user, school=school),
                           _("%(school)s goes with the promotion again.") % {"school": school.name})


@web_view(post=Cap.PROMOTION_MANAGE, methods=("POST",))
def promotion_school(request, pk):
    school = school_get(user=request.user, pk=pk)
    return _post_then_back(request, lambda: services.promotion_school_now(actor=request.user, school=school),
                           _("%(school)s was promoted.") % {"school": school.name})


@web_view(Cap.GRADUATION_VIEW, methods=("GET",))
def year_calendar(request):
    """The calendar of the turn per county and school: graduation, promotion, admission, what is late."""
    user = request.user
    county = request.GET.get("county", "")
    context = calendar.calendar_of(user=user, county=int(county) if county.isdigit() else None)
    admission = {"year": None, "counties": {}}
    if has_cap(user, Cap.ADMISSION_VIEW):
        admission = admission_progress(user=user, up_to_year=context["year"] + 1)
    for row in context["counties"]:
        row["admission"] = admission["counties"].get(row["id"])
    return render(request, "schoolyear/calendar.html", {
        **context, "admission_year": admission["year"], "may_promote": has_cap(user, Cap.PROMOTION_MANAGE)})


@web_view(post=Cap.PROMOTION_MANAGE, methods=("POST",))
def graduation_close(request):
    """统一毕业: the authority graduates the ticked schools' remaining final-grade pupils (from the calendar)."""
    chosen = [int(v) for v in request.POST.getlist("schools") if v.isdigit()]
    if not chosen:
        messages.error(request, _("Tick the schools whose final grade graduates."))
    else:
        try:
            done = services.graduation_close(actor=request.user, school_ids=chosen,
                                             kind=request.POST.get("kind", LeaveKind.GRADUATED))
        except XuejiError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("%(pupils)s pupils of %(schools)s schools graduated.") % done)
    county = request.POST.get("county", "")
    return redirect(f"{reverse('schoolyear:calendar')}{'?county=' + county if county.isdigit() else ''}")


# ---------------------------------------------------------------- 学业水平考试 results (senior high graduation)

_RESULT_COLUMNS = {"number": ("学籍号", "身份证件号", "身份证号", "number"), "subject": ("科目", "subject"),
                   "result": ("成绩", "结果", "result"), "score": ("分数", "等级", "score")}


def _subject_codes() -> dict[str, str]:
    """A subject as the exam office's file writes it (its Chinese name, or the code) -> its code."""
    from django.utils import translation

    from xueji.policy.choices import EXAM_SUBJECTS

    names = {}
    for code, label in EXAM_SUBJECTS.items():
        names[code] = code
        names[str(label)] = code  # in the reader's language
        with translation.override("en"):
            english = str(label)  # "Chinese (语文)": the Chinese name in brackets, whatever the language
        names[english] = code
        if "(" in english:
            names[english.rsplit("(", 1)[1].rstrip(")")] = code
    return names


def _result_rows(upload) -> list[dict]:
    """The rows of an uploaded CSV or xlsx file (the exchange app's readers: encodings, formulas, damaged files),
    by the titles of its header."""
    import tempfile
    from pathlib import Path

    from xueji.core.errors import ValidationFailed
    from xueji.exchange.readers import CsvSource, XlsxSource, cell_text
    from xueji.policy.services import setting_get

    limit = int(setting_get(province_code=None, key="import.max_bytes"))
    if upload.size > limit:
        raise ValidationFailed(_("The file is too large."), code="file_too_large", field="file")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        head = path.read_bytes()[:4]
        source = (XlsxSource if head.startswith(b"PK") else CsvSource)(path, upload.name)
        header = [cell_text(h).strip() for h in source.open()]
        where = {key: next((i for i, h in enumerate(header) if h in titles), None)
                 for key, titles in _RESULT_COLUMNS.items()}
        if where["number"] is None or where["subject"] is None or where["result"] is None:
            raise ValidationFailed(_("The file needs the columns 学籍号 (or 身份证件号), 科目 and 成绩."),
                                   code="missing_columns", field="file")
        subjects = _subject_codes()
        rows = []
        for _number, cells in source.rows():
            def cell(key, cells=cells):
                i = where[key]
                return cell_text(cells[i]).strip() if i is not None and i < len(cells) else ""

            rows.append({"number": cell("number"), "subject": subjects.get(cell("subject"), cell("subject")),
                         "result": cell("result"), "score": cell("score")})
        source.close()
    return rows


@web_view(Cap.PROMOTION_MANAGE)
def exam_results(request):
    """An authority loads the 学业水平考试 results file: every row error in one pass, nothing loaded then."""
    errors, loaded = [], None
    if request.method == "POST" and request.FILES.get("file"):
        try:
            loaded = services.exam_results_load(actor=request.user, rows=_result_rows(request.FILES["file"]))
        except XuejiError as exc:
            _refused(request, exc)
            errors = (exc.details or {}).get("rows", []) if isinstance(exc.details, dict) else []
    return render(request, "schoolyear/exam_results.html", {"errors": errors, "loaded": loaded})
