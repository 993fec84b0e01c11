"""Pages of the approval engine: the inbox (待办) with bulk approval, requests and their detail (steps, history,
proofs), deciding, withdrawing and resubmitting. Thin: workflow selectors read, workflow services write."""

from itertools import groupby

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, has_cap
from xueji.core.errors import NotFound, XuejiError
from xueji.registry import selectors as registry_selectors
from xueji.registry.presenters import presenter_for
from xueji.ui import navigation
from xueji.ui.errors import error_message, errors_to_form, web_view
from xueji.ui.views import command_view, list_page, paged
from xueji.workflow import selectors as workflow_selectors
from xueji.workflow import services as workflow_services
from xueji.workflow.filters import InboxFilterSet, RequestFilterSet
from xueji.workflow.models import RequestStatus, StepStatus
from xueji.workflow.resolvers import RESOLVER_LABELS
from xueji.workflow.types import page_of, payload_shown, request_type
from xueji.workflow.ui import forms, tables

# ---------------------------------------------------------------- inbox (待办)


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def inbox(request):
    form = InboxFilterSet(request.GET, user=request.user, page=True).form
    steps = workflow_selectors.inbox(user=request.user, filters=form.filters())
    table = paged(request, tables.InboxTable(steps), per_page=50)
    return render(request, "workflow/inbox.html", {
        "title": _("Inbox"), "table": table, "filter_form": form, "bulk_form": forms.BulkDecisionForm(),
        "todo": navigation.waiting_for(request),
        "returned": workflow_selectors.returned_requests(user=request.user)[:50]})


@web_view(Cap.REQUEST_VIEW, methods=("POST",))
def inbox_decide(request):
    """Approve the chosen requests at once; each is decided on its own, so one refusal keeps the others."""
    form = forms.BulkDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one request."))
        return redirect("workflow:inbox")
    wanted = form.cleaned_data["requests"]
    visible = list(workflow_selectors.request_list(user=request.user).filter(pk__in=wanted))
    if len(visible) != len(set(wanted)):
        raise NotFound("request not found")  # an id outside the jurisdiction: like every foreign object
    outcomes = workflow_services.request_bulk_decide(actor=request.user, requests=visible, approve=True,
                                                     comment=form.cleaned_data["comment"])
    titles = {r.pk: r.shown_title for r in visible}
    done = sum(1 for o in outcomes if o.ok)
    if done:
        messages.success(request, _("%(count)s requests approved.") % {"count": done})
    for outcome in outcomes:
        if not outcome.ok:
            reason = error_message(XuejiError(outcome.message, code=outcome.code or None))
            messages.warning(request, _("Not approved: %(title)s — %(reason)s") % {
                "title": titles[outcome.request_id], "reason": reason})
    return redirect("workflow:inbox")


# ---------------------------------------------------------------- requests


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def request_list(request):
    form = RequestFilterSet(request.GET, user=request.user, page=True).form
    requests = workflow_selectors.request_list(user=request.user, filters=form.filters())
    table = paged(request, tables.RequestTable(requests), lazy=True)
    return list_page(request, title=_("Requests"), icon="bi-card-checklist", table=table, filter_form=form)


def _steps_by_round(request_obj) -> list[dict]:
    roles = dict(Role.choices)
    rounds = []
    steps = workflow_selectors.request_steps(request=request_obj)
    for number, group in groupby(steps, key=lambda s: s.round):
        rounds.append({"round": number, "current": number == request_obj.round, "steps": [
            {"step": step, "party": RESOLVER_LABELS.get(step.resolver, step.resolver),
             "role": roles.get(step.role, step.role), "status_label": StepStatus(step.status).label}
            for step in group]})
    return rounds


def _subject(request, request_obj, *, editable: bool) -> dict:
    """What the request is about, as far as the user may see it: its pupils, the problem record, the changes."""
    user = request.user
    out: dict = {}
    if request_obj.type.startswith("registration.") and has_cap(user, Cap.STUDENT_VIEW):
        pupils = registry_selectors.student_list(user=user, filters={"registration_request": request_obj.pk})
        out["pupils"] = paged(request, tables.RequestPupilTable(pupils, user=user, editable=editable, prefix="p-"),
                              per_page=50)
        out["pupils_count"] = pupils.count()
    if request_obj.subject_type == "registry.student" and request_obj.subject_id and has_cap(user, Cap.STUDENT_VIEW):
        try:
            out["student"] = registry_selectors.student_get(user=user, pk=request_obj.subject_id)
        except NotFound:
            out["student"] = None  # a record of another jurisdiction (a takeover before approval)
    if request_obj.subject_type == "registration.problem" and has_cap(user, Cap.PROBLEM_VIEW):
        out["problem_id"] = request_obj.subject_id
    shown = presenter_for(user)
    if out.get("student") is not None:
        out["student_number"] = shown.national_number(out["student"].national_number)
    if getattr(request_obj, "pupil_withheld", False):  # a labelled pupil, the viewer not cleared (control 10)
        out["withheld"] = True
        return out
    payload = payload_shown(request_obj, shown)  # each type presents its payload; personal items masked by role
    if isinstance(payload.get("changes"), dict):
        before = payload.get("before") or {}
        out["changes"] = [{"key": key, "before": before.get(key, ""), "after": value}
                          for key, value in payload["changes"].items()]
    if payload.get("reason"):
        out["reason"] = payload["reason"]
    return out


def _detail(request, request_obj, *, decision_form=None, proof_form=None, status: int = 200):
    user = request.user
    permitted = workflow_selectors.request_permissions(user=user, request=request_obj)  # the API's answer too
    step = permitted.step
    filer_side = user.org_unit_id == request_obj.filer_org_id and has_cap(user, Cap.REQUEST_FILE)
    rounds = _steps_by_round(request_obj)
    can_decide = permitted.decide
    returned = request_obj.status == RequestStatus.RETURNED
    context = {
        "req": request_obj, "type_label": request_type(request_obj.type).label, "rounds": rounds,
        "actions": workflow_selectors.request_actions_signed(request=request_obj),
        "proofs": workflow_selectors.request_proofs(request=request_obj),
        "current_step": step, "can_decide": can_decide, "can_reject": permitted.reject,
        "can_cancel": permitted.cancel, "can_complete": permitted.complete,
        "arbitration": request_obj.type == "problem.arbitrate",
        "decision_form": decision_form or forms.DecisionForm(initial={"step": step.pk if step else None}),
        "can_add_proof": permitted.add_proof,
        "proof_form": proof_form or forms.ProofForm(),
        "can_withdraw": permitted.withdraw, "can_resubmit": permitted.resubmit,
        "comment_form": forms.CommentForm(),
        **_subject(request, request_obj, editable=filer_side and returned and has_cap(user, Cap.STUDENT_EDIT)),
    }
    return render(request, "workflow/request_detail.html", context, status=status)


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def request_detail(request, pk):
    request_obj = workflow_selectors.request_get(user=request.user, pk=pk)
    own_page = page_of(request_obj)  # a type with its own page (a transfer's): its decisions carry data there
    if own_page is not None:
        return redirect(own_page)
    return _detail(request, request_obj)


@web_view(Cap.REQUEST_VIEW, methods=("POST",))
def request_decide(request, pk):
    request_obj = workflow_selectors.request_get(user=request.user, pk=pk)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        decision, comment, step_id = (form.cleaned_data[k] for k in ("decision", "comment", "step"))
        approve = decision == "approve"
        with errors_to_form(form):
            if decision == "reject":
                decided = workflow_services.request_reject(actor=request.user, request=request_obj, comment=comment,
                                                           step_id=step_id)
                messages.success(request, _("Rejected: %(title)s") % {"title": request_obj.shown_title})
            elif decision == "cancel":
                decided = workflow_services.request_cancel(actor=request.user, request=request_obj, comment=comment)
                messages.success(request, _("Cancelled: %(title)s") % {"title": request_obj.shown_title})
            elif decision == "complete":
                decided = workflow_services.request_complete(actor=request.user, request=request_obj,
                                                             comment=comment, step_id=step_id)
                messages.success(request, _("Follow-up completed: %(title)s") % {"title": request_obj.shown_title})
            else:
                decided = workflow_services.request_decide(actor=request.user, request=request_obj,
                                                           approve=approve, comment=comment, step_id=step_id)
            if decision == "approve":
                messages.success(request, _("Approved: %(title)s") % {"title": request_obj.shown_title})
            elif decision == "return":
                messages.success(request, _("Returned to the filer: %(title)s") % {"title": request_obj.shown_title})
            if workflow_selectors.inbox_count(user=request.user):
                return redirect("workflow:inbox")
            return redirect("workflow:request_detail", pk=decided.pk)
    return _detail(request, request_obj, decision_form=form)


def _comment(request) -> str:
    form = forms.CommentForm(request.POST)
    return form.cleaned_data["comment"] if form.is_valid() else ""


request_withdraw = command_view(
    Cap.REQUEST_VIEW, get=workflow_selectors.request_get,
    run=lambda request, obj: workflow_services.request_withdraw(actor=request.user, request=obj,
                                                                comment=_comment(request)),
    done=lambda _obj, _result: _("The request was withdrawn."), then="workflow:request_detail", then_object=True)
request_resubmit = command_view(
    Cap.REQUEST_VIEW, get=workflow_selectors.request_get,
    run=lambda request, obj: workflow_services.request_resubmit(actor=request.user, request=obj,
                                                                comment=_comment(request)),
    done=lambda _obj, _result: _("The request was submitted again; its approval starts over."),
    then="workflow:request_detail", then_object=True)


@web_view(Cap.REQUEST_VIEW, methods=("POST",))
def proof_upload(request, pk):
    request_obj = workflow_selectors.request_get(user=request.user, pk=pk)
    form = forms.ProofForm(request.POST, request.FILES)
    if form.is_valid():
        with errors_to_form(form):
            proof = workflow_services.proof_add(actor=request.user, request=request_obj,
                                                upload=form.cleaned_data["file"],
                                                description=form.cleaned_data["description"])
            messages.success(request, _("Proof %(name)s was added.") % {"name": proof.original_name})
            return redirect("workflow:request_detail", pk=request_obj.pk)
    return _detail(request, request_obj, proof_form=form)


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def proof_download(request, pk):
    proof = workflow_selectors.proof_get(user=request.user, pk=pk)
    path = workflow_services.proof_open(actor=request.user, proof=proof)
    response = FileResponse(path.open("rb"), content_type=proof.content_type, as_attachment=True,
                            filename=proof.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
