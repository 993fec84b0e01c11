"""Pages of transfers (转学): finding the pupil and filing (the receiving school), the transfers waiting for you
and all in view, one transfer with the engine's decisions (approve with the class at the receiving school's step,
return, reject; withdraw and resubmit are the engine's pages), and its printable form. Thin: the transfers
selectors read, the transfers and workflow services write."""

from itertools import groupby

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap
from xueji.audit.services import audit_record
from xueji.core.errors import XuejiError
from xueji.policy import selectors as policy_selectors
from xueji.policy.choices import WINDOW_KINDS
from xueji.regions.models import province_code_of
from xueji.regions.selectors import region_options
from xueji.registry.presenters import presenter_for
from xueji.schools import selectors as school_selectors
from xueji.transfers import cancellation, checks, crossing, finder, rules, selectors, services
from xueji.transfers.choices import ACROSS_PROVINCES, TRANSFER_WINDOW, distance_label, proof_label
from xueji.transfers.filters import TransferFilterSet
from xueji.transfers.peer import PeerPupil
from xueji.transfers.ui import forms, pdf, tables
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import paged
from xueji.workflow import selectors as workflow_selectors
from xueji.workflow import services as workflow_services
from xueji.workflow.models import StepStatus
from xueji.workflow.resolvers import distance_key, party_label
from xueji.workflow.ui.forms import CommentForm, ProofForm

PAGE_SIZES = (25, 50, 100)


def _windows(user) -> list[dict]:
    return [{**row, "label": WINDOW_KINDS.get(row["kind"], row["kind"])}
            for row in policy_selectors.windows_open_for(user=user, kinds=[TRANSFER_WINDOW])]


def _list(request, *, rows, title: str, intro: str, tab: str, order_by: str | None = "-filed_at"):
    user = request.user
    form = TransferFilterSet(request.GET, user=user, page=True,
                             choices={"school": school_selectors.school_list(user=user)}).form
    table = paged(request, tables.TransferTable(rows(form.filters()), order_by=order_by))
    return render(request, "transfers/list.html", {
        "title": title, "icon": "bi-box-arrow-in-right", "table": table, "filter_form": form, "intro": intro,
        "total": table.paginator.count, "page_sizes": PAGE_SIZES, "per_page": table.paginator.per_page, "tab": tab,
        "waiting": selectors.waiting_count(user=user)})


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def transfer_inbox(request):
    """转学待办: the transfers whose step waits for you, the longest waiting first."""
    return _list(request, rows=lambda f: selectors.transfer_inbox(user=request.user, filters=f),
                 title=_("Transfers waiting for you"), tab="inbox", order_by=None,  # the longest waiting first
                 intro=_("Transfers (转学) whose current step is yours: open one to approve it (the receiving "
                         "school's leader names the class), return it or reject it."))


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def transfer_list(request):
    """转学: every transfer into or out of your jurisdiction."""
    return _list(request, rows=lambda f: selectors.transfer_list(user=request.user, filters=f),
                 title=_("Transfers"), tab="all",
                 intro=_("Every transfer (转学) into or out of your area, where it stands and who holds it now."))


# ---------------------------------------------------------------- finding the pupil and filing


def _provinces(user) -> list[tuple[str, str]]:
    own = province_code_of(user.org_unit)
    return [(r["code"], r["name"]) for r in region_options() if r["code"] != own]


@web_view(Cap.TRANSFER_FILE)
def transfer_find(request):
    """转学申请, first step: find the pupil exactly (the finder is audited, and limited per hour)."""
    user = request.user
    checks.receiving_school(user)
    form = forms.FindForm(request.POST or None, provinces=_provinces(user))
    found, searched = None, False
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            found = finder.pupil_find(actor=user, **form.terms())
            searched = True
            form = forms.FindForm(provinces=_provinces(user))  # the numbers typed are not sent back to the page
    return render(request, "transfers/find.html", {"form": form, "found": found, "searched": searched,
                                                   "windows": _windows(user),
                                                   "distance": distance_label(found.distance) if found else ""},
                  status=400 if request.method == "POST" and form.errors else 200)


@web_view(Cap.TRANSFER_FILE)
def transfer_new(request):
    """转学申请: the filing of the pupil found (its token), with the proofs the province requires."""
    user = request.user
    token = request.POST.get("token") or request.GET.get("token") or ""
    student, school = finder.pupil_found(actor=user, token=token)  # a record, or another province's answer
    options = checks.class_options(school, student)
    kinds = rules.required_proofs(province_code_of(user.org_unit))
    form = forms.FileForm(request.POST or None, request.FILES or None, options=options, proof_kinds=kinds,
                          initial={"token": token})
    refusal = checks.transfer_refusal(student, school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_to_form(form):
            filed = services.transfer_file(actor=user, token=data["token"], proofs=form.proofs(),
                                           school_class=data.get("school_class"), migrant=data["migrant"],
                                           reason=data["reason"])
            messages.success(request, _("Filed for approval: %(title)s.") % {"title": filed.request.title})
            return redirect("transfers:transfer_detail", pk=filed.pk)
    shown = presenter_for(None)  # the pupil of another school: masked, whatever the role
    across = isinstance(student, PeerPupil)
    return render(request, "transfers/new.html", {
        "form": form, "student": student, "school": school, "options": options,
        "national_number": shown.national_number(student.national_number), "grade": checks.grade_label(student),
        "sending_school": student.school_name if across else student.school.name,
        "distance": distance_label(ACROSS_PROVINCES if across else distance_key(student.school.org_unit,
                                                                                 user.org_unit)),
        "refusal": (refusal.words or refusal.message) if refusal else None, "windows": _windows(user)},
        status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- one transfer


def _rounds(request_obj) -> list[dict]:
    roles = dict(Role.choices)
    out = []
    for number, group in groupby(workflow_selectors.request_steps(request=request_obj), key=lambda s: s.round):
        out.append({"round": number, "current": number == request_obj.round, "steps": [
            {"step": s, "party": party_label(s.resolver), "role": roles.get(s.role, s.role),
             "status_label": StepStatus(s.status).label} for s in group]})
    return out


def _history(request_obj) -> list:
    """The request's actions, each with the class its decision named (the receiving school's step)."""
    actions = list(workflow_selectors.request_actions(request=request_obj))
    ids = {(a.data or {}).get("school_class") for a in actions} - {None}
    names = selectors.class_names(ids)
    for action in actions:
        action.chosen_class = names.get((action.data or {}).get("school_class"), "")
    return actions


def _detail(request, transfer, *, decision_form=None, status: int = 200):
    user = request.user
    decision = selectors.decision_context(user=user, transfer=transfer)
    permitted = decision.permissions
    request_obj = transfer.request
    shown = selectors.transfer_presenter(user, transfer)
    pupil = selectors.pupil_shown(user, transfer)
    form = decision_form or forms.DecisionForm(initial={"step": permitted.step.pk if permitted.step else None},
                                               options=decision.class_options, choose_class=decision.choose_class)
    return render(request, "transfers/detail.html", {
        "transfer": transfer, "req": request_obj, "rounds": _rounds(request_obj),
        "actions": _history(request_obj), "proofs": workflow_selectors.request_proofs(request=request_obj),
        "permitted": permitted, "current_step": permitted.step, "decision_form": form,
        "choose_class": decision.choose_class, "class_options": decision.class_options,
        "held_for": selectors.held_for(transfer), "holder_party": party_label(transfer.holder_party or ""),
        "holder_role": dict(Role.choices).get(transfer.holder_role, transfer.holder_role),
        "pupil": pupil, "national_number": pupil.national_number, "id_number": pupil.id_number, "sex": pupil.sex,
        "distance": distance_label(transfer.distance), "proof_kinds": [proof_label(k) for k in
                                                                       (request_obj.payload or {}).get("proofs", [])],
        "proof_form": ProofForm(), "comment_form": CommentForm(), "masked": not shown.full,
        "class_after": selectors.class_after(transfer),
        "across": selectors.across_context(user=user, transfer=transfer)}, status=status)


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def transfer_detail(request, pk):
    return _detail(request, selectors.access_transfer_by_id(user=request.user, pk=pk))


@web_view(Cap.REQUEST_VIEW, methods=("POST",))
def transfer_decide(request, pk):
    """The engine's decision on the current step (request_decide / request_reject), with the class the receiving
    school names at its step."""
    user = request.user
    transfer = selectors.access_transfer_by_id(user=user, pk=pk)
    decision = selectors.decision_context(user=user, transfer=transfer)
    form = forms.DecisionForm(request.POST, options=decision.class_options, choose_class=decision.choose_class)
    if form.is_valid():
        choice, comment, step_id = (form.cleaned_data[k] for k in ("decision", "comment", "step"))
        with errors_to_form(form):
            if choice == "reject":
                workflow_services.request_reject(actor=user, request=transfer.request, comment=comment,
                                                 step_id=step_id)
                messages.success(request, _("Rejected: %(title)s") % {"title": transfer.request.shown_title})
            else:
                workflow_services.request_decide(actor=user, request=transfer.request, approve=choice == "approve",
                                                 comment=comment, step_id=step_id,
                                                 data=form.data_of_decision() if choice == "approve" else None)
                words = _("Approved: %(title)s") if choice == "approve" else _("Returned to the filer: %(title)s")
                messages.success(request, words % {"title": transfer.request.shown_title})
            if selectors.waiting_count(user=user):
                return redirect("transfers:transfer_inbox")
            return redirect("transfers:transfer_detail", pk=transfer.pk)
    return _detail(request, transfer, decision_form=form, status=400)


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def transfer_form_pdf(request, pk):
    """The printable transfer form (转学申请表 / 联系单) as PDF; every download audited."""
    user = request.user
    transfer = selectors.access_transfer_by_id(user=user, pk=pk)
    shown = selectors.transfer_presenter(user, transfer)
    pupil = selectors.pupil_shown(user, transfer)
    request_obj = transfer.request
    body = pdf.form_pdf(request, transfer=transfer, req=request_obj, rounds=_rounds(request_obj),
                        proofs=workflow_selectors.request_proofs(request=request_obj), pupil=pupil,
                        national_number=pupil.national_number, id_number=pupil.id_number, sex=pupil.sex,
                        distance=distance_label(transfer.distance),
                        masked=not shown.full, class_after=selectors.class_after(transfer))
    audit_record(actor=user, action="transfer.form_print", obj=transfer,
                 after={"id_numbers": "masked" if not shown.full else "full"})
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="xueji-transfer-{transfer.pk}.pdf"'
    return response


# ---------------------------------------------------------------- across provinces: 调档 and 跨省转学撤销


def _across_action(request, pk, fn, done_words):
    user = request.user
    transfer = selectors.access_transfer_by_id(user=user, pk=pk)
    try:
        fn(user, transfer)
    except XuejiError as exc:
        messages.error(request, exc.words or exc.message)
        return redirect("transfers:transfer_detail", pk=transfer.pk)
    messages.success(request, done_words)
    return redirect("transfers:transfer_detail", pk=transfer.pk)


@web_view(Cap.TRANSFER_FILE, methods=("POST",))
def transfer_retrieve(request, pk):
    """调档: the receiving school names the class and asks the sending province for the file."""
    return _across_action(request, pk, lambda user, transfer: crossing.transfer_retrieve(
        actor=user, transfer=transfer, school_class=request.POST.get("school_class") or None),
        _("File retrieval asked: the record moves when the sending province sends the file."))


@web_view(Cap.TRANSFER_FILE, methods=("POST",))
def transfer_cancel(request, pk):
    """跨省转学撤销: the receiving school files the cancellation, approved by both provinces' sides."""
    return _across_action(request, pk, lambda user, transfer: cancellation.cancellation_file(
        actor=user, transfer=transfer, reason=request.POST.get("reason", "")),
        _("Cancellation filed for approval."))
