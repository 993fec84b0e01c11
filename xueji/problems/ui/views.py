"""Problem records (问题学籍) and national-number lookup. Reads through the problem selectors, writes through the
problem services; approving the schools' actions happens in the inbox like every other request."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core.errors import NotFound
from xueji.problems import scans as scan_services
from xueji.problems import selectors as problem_selectors
from xueji.problems import services as problem_services
from xueji.problems.choices import EVENT_LABELS, SOURCE_LABELS, MemberState, ProblemStatus
from xueji.problems.errors import MESSAGES as PROBLEM_MESSAGES
from xueji.problems.filters import ProblemFilterSet
from xueji.problems.ui import forms, tables
from xueji.regions.selectors import county_choices
from xueji.registry.models import NumberKind, VerifyStatus
from xueji.registry.presenters import presenter_for
from xueji.registry.selectors import shown_id, shown_national_number
from xueji.schools import selectors as school_selectors
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import paged
from xueji.workflow.errors import MESSAGES as WORKFLOW_MESSAGES

# ---------------------------------------------------------------- problem records


@web_view(Cap.PROBLEM_VIEW, methods=("GET",))
def problem_list(request):
    user = request.user
    data = request.GET.copy()
    if "status" not in data:  # unresolved by default; "all" is an explicit empty choice
        data["status"] = "unresolved"
    form = ProblemFilterSet(data, user=user, page=True, choices={  # a school's page offers neither (the FilterSet)
        "county": county_choices(user=user), "school": school_selectors.school_list(user=user)}).form
    filters = form.filters()
    problems = problem_selectors.problem_list(user=user, filters=filters).prefetch_related(
        *problem_selectors.PROBLEM_LIST_PREFETCH)
    table = paged(request, tables.ProblemTable(problems, user=user), lazy=True)
    summary = problem_selectors.problem_summary(user=user) if not user.org_unit.is_school else []
    return render(request, "problems/problem_list.html", {
        "table": table, "filter_form": form, "summary": summary,
        "scan_form": forms.ScanForm(user=user) if has_cap(user, Cap.PROBLEM_SCAN) else None})


@web_view(Cap.PROBLEM_SCAN, methods=("POST",))
def problem_scan(request):
    form = forms.ScanForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose the scan."))
        return redirect("problems:problem_list")
    scope = form.cleaned_data.get("org_unit") or request.user.org_unit
    job = scan_services.scan_start(actor=request.user, kind=form.cleaned_data["kind"], org_unit=scope)
    messages.success(request, _("The scan of %(scope)s started; each county finds its new problem records in its "
                                "list.") % {"scope": scope.name})
    return redirect("jobs:job_detail", pk=job.pk)


def _member_rows(user, problem) -> list[dict]:
    rows = []
    for view in problem_selectors.problem_members(user=user, problem=problem):
        member, student = view.member, view.member.student
        request_obj = member.request if view.visible else None
        rows.append({
            "member": member, "visible": view.visible, "student": student if view.visible else None,
            "id_number": shown_id(user, student.id_number) if (view.visible and student) else "",
            "national_number": shown_national_number(user, student.national_number) if (view.visible and student)
            else "",
            "verify_label": VerifyStatus(student.verify_status).label if (view.visible and student) else "",
            "state_label": MemberState(member.state).label, "request": request_obj,
            "own": member.school_org_id == user.org_unit_id})
    return rows


def _actionable(user, problem, rows, permitted) -> list[dict]:
    """The user's own school's records that can take an action now (registration.selectors.problem_permissions,
    the API's answer too)."""
    ids = {m.pk for m in permitted.actionable}
    return [row for row in rows if row["member"].pk in ids and row["student"]]


def _options(user, problem) -> dict:
    """What the page offers the user: the records they may act on, and the arbitration when it is theirs."""
    rows = _member_rows(user, problem)
    permitted = problem_selectors.problem_permissions(user=user, problem=problem,
                                                           members=[row["member"] for row in rows])
    actionable = _actionable(user, problem, rows, permitted)
    out = {"rows": rows, "actionable": actionable, "arbitration": None, "may_arbitrate": False,
           "action_choices": [(row["member"].pk, f"{row['student'].name} · {row['member'].school_org.name}")
                              for row in actionable],
           "arbitration_choices": []}
    if problem.arbitration_request_id:
        request_obj = problem.arbitration_request
        payload = request_obj.payload or {}
        step = permitted.arbitration_step
        out["arbitration"] = {"request": request_obj, "step": step, "keep": permitted.keep_member}
        out["may_arbitrate"] = permitted.may_arbitrate
        # A member the arbiter may not name (a labelled pupil without the clearance, control 10) is chosen by its
        # school and county.
        out["arbitration_choices"] = [
            (row["member"].pk, " · ".join(
                ([row["student"].name if row["student"] else row["member"].student_name] if row["visible"] else [])
                + [row["member"].school_org.name, row["member"].county_org.name]))
            for row in rows if row["member"].pk in payload.get("members", [])
            and (row["visible"] or row["member"].school_org.path.startswith(user.org_unit.path))]
    return out


def _problem_page(request, problem, *, options: dict | None = None, bound: dict | None = None):
    user = request.user
    options = options or _options(user, problem)
    bound = bound or {}
    first = options["actionable"][0]["student"] if options["actionable"] else None
    correct_initial = {"name": first.name, "sex": first.sex, "birth_date": first.birth_date,
                       "id_type": first.id_type, "id_number": first.id_number or ""} if first else {}
    choices = options["action_choices"]
    context = {
        "problem": problem, "status": problem_selectors.display_status(problem), "rows": options["rows"],
        "key_shown": tables.problem_key_shown(user, problem),
        "events": [{"event": e, "label": EVENT_LABELS.get(e.kind, e.kind)}
                   for e in problem_selectors.problem_events(problem=problem)],
        "source_label": SOURCE_LABELS.get(problem.source, problem.source),
        "requests": problem_selectors.problem_requests(user=user, problem=problem),
        "arbitration": options["arbitration"], "actionable": bool(choices),
        "arbitrate_form": (bound.get("arbitrate") or forms.ArbitrationForm(members=options["arbitration_choices"]))
        if options["may_arbitrate"] else None,
        "correct_form": bound.get("correct") or forms.ProblemCorrectForm(members=choices, initial=correct_initial),
        "delete_form": bound.get("delete") or forms.ProblemDeleteForm(members=choices),
        "confirm_form": bound.get("confirm") or forms.ProblemConfirmForm(members=choices),
        "open_action": next(iter(bound), ""),
    }
    return render(request, "problems/problem_detail.html", context)


@web_view(Cap.PROBLEM_VIEW, methods=("GET",))
def problem_detail(request, pk):
    return _problem_page(request, problem_selectors.problem_get(user=request.user, pk=pk))


def _file_action(request, pk, action: str):
    user = request.user
    problem = problem_selectors.problem_get(user=user, pk=pk)
    options = _options(user, problem)
    form_class = {"correct": forms.ProblemCorrectForm, "delete": forms.ProblemDeleteForm,
                  "confirm": forms.ProblemConfirmForm}[action]
    form = form_class(request.POST, request.FILES, members=options["action_choices"])
    if form.is_valid():
        data = form.cleaned_data
        with errors_to_form(form):
            if action == "correct":
                if not (data.get("id_number") or "").strip():  # left empty: the number on record (shown masked)
                    row = next((r for r in options["actionable"] if str(r["member"].pk) == str(data["member"])), None)
                    data["id_number"] = (row["student"].id_number or "") if row else ""
                changes = {key: data[key] for key in problem_services.CORRECTABLE}
                filed = problem_services.problem_action_file(actor=user, problem=problem, action="correct",
                                                             member_id=data["member"], changes=changes,
                                                             reason=data["reason"])
            elif action == "delete":
                filed = problem_services.problem_action_file(actor=user, problem=problem, action="delete",
                                                             member_id=data["member"], reason=data["reason"])
            else:
                filed = problem_services.problem_action_file(actor=user, problem=problem, action="confirm",
                                                             member_id=data["member"], reason=data["reason"],
                                                             uploads=[data["file"]])
            messages.success(request, _("Filed for approval: %(title)s. The authority decides in its inbox.") % {
                "title": filed.title})
            return redirect("problems:problem_detail", pk=problem.pk)
    return _problem_page(request, problem, options=options, bound={action: form})


@web_view(Cap.REQUEST_FILE, methods=("POST",))
def problem_correct(request, pk):
    return _file_action(request, pk, "correct")


@web_view(Cap.REQUEST_FILE, methods=("POST",))
def problem_delete(request, pk):
    return _file_action(request, pk, "delete")


@web_view(Cap.REQUEST_FILE, methods=("POST",))
def problem_confirm(request, pk):
    return _file_action(request, pk, "confirm")


@web_view(Cap.REQUEST_VIEW, methods=("POST",))
def problem_arbitrate(request, pk):
    user = request.user
    problem = problem_selectors.problem_get(user=user, pk=pk)
    options = _options(user, problem)
    form = forms.ArbitrationForm(request.POST, members=options["arbitration_choices"])
    if form.is_valid():
        with errors_to_form(form):
            problem_services.problem_arbitrate(actor=user, problem=problem,
                                               keep_member_id=form.cleaned_data["keep_member"],
                                               comment=form.cleaned_data["comment"])
            messages.success(request, _("Arbitration decided: the chosen record keeps the ID number."))
            return redirect("problems:problem_detail", pk=problem.pk)
    if not options["may_arbitrate"]:
        arbitrating = problem.status == ProblemStatus.ARBITRATION
        messages.error(request, str(WORKFLOW_MESSAGES["not_your_step"]) if arbitrating
                       else str(PROBLEM_MESSAGES["not_in_arbitration"]))
        return redirect("problems:problem_detail", pk=problem.pk)
    return _problem_page(request, problem, options=options, bound={"arbitrate": form})


# ---------------------------------------------------------------- national numbers


@web_view(Cap.STUDENT_VIEW)
def number_lookup(request):
    """Any national number ever issued in the jurisdiction, current or superseded (POST: numbers that are ID
    numbers stay out of URLs and logs)."""
    form = forms.NumberLookupForm(request.POST or None)
    found = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with errors_to_form(form):
                found = problem_selectors.number_find(user=request.user, number=form.cleaned_data["number"])
        except NotFound:  # never issued, or a record outside the jurisdiction: the same answer
            form.add_error("number", _("No record in your jurisdiction ever held this number."))
            status = 404
    kind_label = NumberKind(found.kind).label if found and found.kind in NumberKind.values else ""
    shown = presenter_for(request.user)  # the number found and the current one: a G number masked like the ID
    if found and not shown.full:
        form = forms.NumberLookupForm()  # the page does not echo the full G number back either
    numbers = {"found": shown.national_number(found.number),
               "current": shown.national_number(found.student.national_number) if found.student else ""} \
        if found else {}
    return render(request, "problems/number_lookup.html", {"form": form, "found": found, "kind_label": kind_label,
                                                               "numbers": numbers}, status=status)
