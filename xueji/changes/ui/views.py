"""Pages of record maintenance (学籍信息修改), family members and status changes (异动), and their lists: the change
requests, the status changes that took effect and the county's dropout list (控辍保学). Thin: the changes selectors
read, the changes services write; approving happens in the inbox and on the request's page like every request."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.changes import checks, selectors, services
from xueji.changes.choices import RECORD_WINDOW, STATUS_WINDOW
from xueji.changes.filters import ChangeRequestFilterSet, DropoutFilterSet, StatusChangeFilterSet
from xueji.changes.ui import forms, tables
from xueji.core import codes
from xueji.core.errors import Forbidden
from xueji.policy import selectors as policy_selectors
from xueji.policy.choices import WINDOW_KINDS
from xueji.regions.selectors import county_choices
from xueji.registry.models import StudentDetail
from xueji.registry.presenters import presenter_for
from xueji.schools import selectors as school_selectors
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import paged

PAGE_SIZES = (25, 50, 100)


def _list(request, *, title: str, icon: str, table, filter_form, intro: str = "", **extra):
    """A list with its total, its page size and its sortable columns (changes/list.html)."""
    return render(request, "changes/list.html", {
        "title": title, "icon": icon, "table": table, "filter_form": filter_form, "intro": intro,
        "total": table.paginator.count, "page_sizes": PAGE_SIZES,
        "per_page": table.paginator.per_page, **extra})


def _pupil_context(user, student) -> dict:
    shown = presenter_for(user)
    return {"student": student, "national_number": shown.national_number(student.national_number),
            "status_label": codes.STUDENT_STATUS.label(student.status),
            "klass": student.school_class, "open_requests": list(selectors.open_requests(user=user, student=student))
            if has_cap(user, Cap.REQUEST_VIEW) else []}


def _windows(user, kind: str) -> list[dict]:
    """The windows of this business that bind the user (the province's, narrowed by the city or county)."""
    return [{**row, "label": WINDOW_KINDS.get(row["kind"], row["kind"])}
            for row in policy_selectors.windows_open_for(user=user, kinds=[kind])]


def _detail_of(student):
    return StudentDetail.objects.filter(student=student).first()


# ---------------------------------------------------------------- record maintenance


@web_view(Cap.STUDENT_EDIT)
def record_edit(request, pk):
    """学籍信息修改: items no level controls are saved at once; the controlled ones are filed for approval."""
    user = request.user
    student = selectors.access_student_by_id(user=user, pk=pk, cap=Cap.STUDENT_EDIT)
    if not presenter_for(user).contact:  # the ID right: the form saves full ID numbers (it shows them masked)
        raise Forbidden("permission denied", code="permission_denied")
    detail = _detail_of(student)
    family = list(selectors.family_of(user=user, student=student))
    controls = selectors.item_controls(student=student)
    form = forms.RecordEditForm(request.POST or None, request.FILES or None, student=student, detail=detail,
                                family=family, controls=controls,
                                initial=forms.RecordEditForm.initial_of(student, detail))
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            result = services.record_edit(actor=user, student=student, values=form.values,
                                          reason=form.cleaned_data["reason"], proofs=form.cleaned_data["proofs"],
                                          version=form.cleaned_data["version"] or None)
            if result.applied:
                messages.success(request, _("Saved at once: %(items)s.") % {
                    "items": "、".join(checks.EDITABLE[k].title for k in result.applied)})
            if result.request is not None:
                messages.info(request, _("Filed for approval (controlled items): %(items)s — %(title)s.") % {
                    "items": "、".join(checks.EDITABLE[k].title for k in result.filed), "title": result.request.title})
                return redirect("workflow:request_detail", pk=result.request.pk)
            return redirect("registry:student_detail", pk=student.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "changes/record_edit.html", {
        **_pupil_context(user, student), "form": form, "locked": _lock_words(student),
        "windows": _windows(user, RECORD_WINDOW) if any(c.controlled for c in controls.values()) else None},
        status=status)


def _lock_words(student) -> str:
    try:
        services.record_lock_require(student)
    except Exception as exc:  # noqa: BLE001 - a refusal's words, shown above the form
        return str(getattr(exc, "words", None) or exc)
    return ""


# ---------------------------------------------------------------- family members


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def family_list(request, pk):
    user = request.user
    student = selectors.access_student_by_id(user=user, pk=pk)
    shown = presenter_for(user)
    members = [{"member": m, "relation": codes.FAMILY_RELATION.label(m.relation), "name": m.name,
                "id_type": codes.ID_DOC_TYPE.label(m.id_type), "id_number": shown.id_number(m.id_number),
                "phone": shown.phone(m.phone), "is_guardian": m.is_guardian, "employer": m.employer}
               for m in selectors.family_of(user=user, student=student)]
    may_edit = (has_cap(user, Cap.STUDENT_EDIT) and user.org_unit_id == student.school.org_unit_id
                and not _lock_words(student))
    return render(request, "changes/family_list.html", {**_pupil_context(user, student), "members": members,
                                                         "may_edit": may_edit, "locked": _lock_words(student)})


def _member_page(request, form, student, *, title: str, status: int = 200):
    return render(request, "changes/member_form.html", {**_pupil_context(request.user, student), "form": form,
                                                         "title": title}, status=status)


@web_view(Cap.STUDENT_EDIT)
def family_add(request, pk):
    user = request.user
    student = selectors.access_student_by_id(user=user, pk=pk, cap=Cap.STUDENT_EDIT)
    family = list(selectors.family_of(user=user, student=student))
    form = forms.MemberForm(request.POST or None, student=student, detail=_detail_of(student), family=family,
                            initial={"is_guardian": "1", "id_type": "1"})
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            member = services.family_add(actor=user, student=student, values=form.values)
            messages.success(request, _("%(name)s was added to the family members.") % {"name": member.name})
            return redirect("changes:family_list", pk=student.pk)
    return _member_page(request, form, student, title=_("Add a family member"),
                        status=400 if request.method == "POST" else 200)


@web_view(Cap.STUDENT_EDIT)
def family_edit(request, pk):
    user = request.user
    member = selectors.access_member_by_id(user=user, pk=pk)
    student = member.student
    family = list(selectors.family_of(user=user, student=student))
    form = forms.MemberForm(request.POST or None, student=student, detail=_detail_of(student), family=family,
                            member=member, initial=forms.MemberForm.initial_of(member))
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            services.family_update(actor=user, member=member, values=form.values,
                                   version=form.cleaned_data["version"] or None)
            messages.success(request, _("%(name)s was saved.") % {"name": form.values.get("name") or member.name})
            return redirect("changes:family_list", pk=student.pk)
    return _member_page(request, form, student, title=_("Edit %(name)s") % {"name": member.name},
                        status=400 if request.method == "POST" else 200)


@web_view(Cap.STUDENT_EDIT, methods=("POST",))
def family_remove(request, pk):
    member = selectors.access_member_by_id(user=request.user, pk=pk)
    student_pk, name = member.student_id, member.name
    services.family_remove(actor=request.user, member=member)
    messages.success(request, _("%(name)s was removed from the family members.") % {"name": name})
    return redirect("changes:family_list", pk=student_pk)


# ---------------------------------------------------------------- status changes


@web_view(Cap.REQUEST_FILE)
def status_change_new(request, pk):
    """学籍异动: first the kind (only those the province allows for the pupil's stage are offered; those not possible
    from the pupil's status say why), then its form."""
    user = request.user
    student = selectors.access_student_by_id(user=user, pk=pk, cap=Cap.REQUEST_FILE)
    options = selectors.kind_options(student=student)
    offered = {o.kind.key: o for o in options}
    chosen = offered.get(request.POST.get("kind") or request.GET.get("kind") or "")
    context = {**_pupil_context(user, student), "options": options, "locked": _lock_words(student),
               "school_staff": user.org_unit_id == student.school.org_unit_id}
    if chosen is None or not chosen.possible:
        if request.method == "POST" or request.GET.get("kind"):
            messages.error(request, _("This kind of status change is not offered for this pupil."))
        return render(request, "changes/status_change_kinds.html", context)
    kind = chosen.kind
    form = forms.StatusChangeForm(request.POST or None, request.FILES or None, kind=kind,
                                  classes=selectors.target_classes(student=student, kind=kind))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_to_form(form):
            filed = services.status_change_file(
                actor=user, student=student, kind=kind.key, reason=data["reason"],
                school_class=data.get("school_class"), effective_date=data.get("effective_date"),
                note=data.get("note", ""), proofs=data["proofs"])
            messages.success(request, _("Filed for approval: %(title)s.") % {"title": filed.title})
            return redirect("workflow:request_detail", pk=filed.pk)
    return render(request, "changes/status_change_form.html", {**context, "form": form, "kind": kind,
                                                                "windows": _windows(user, STATUS_WINDOW)},
                  status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- lists


@web_view(Cap.REQUEST_VIEW, methods=("GET",))
def request_list(request):
    form = ChangeRequestFilterSet(request.GET, user=request.user, page=True).form
    rows = selectors.change_request_list(user=request.user, filters=form.filters())
    table = paged(request, tables.ChangeRequestTable(rows, order_by="-created_at"))
    return _list(request, title=_("Record and status change requests"), icon="bi-pencil-square", table=table,
                 filter_form=form, intro=_("Changes of controlled items and status changes (异动) filed by the "
                                           "schools, and where each stands. Approve them in the inbox."))


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def status_change_list(request):
    user = request.user
    form = StatusChangeFilterSet(request.GET, user=user, page=True,
                                 choices={"school": school_selectors.school_list(user=user)}).form
    if user.org_unit.is_school:
        form.fields.pop("school", None)
    rows = selectors.status_change_list(user=user, filters=form.filters())
    table = paged(request, tables.StatusChangeTable(rows, order_by="-effective_date"))
    return _list(request, title=_("Status change records"), icon="bi-arrow-left-right", table=table,
                 filter_form=form, intro=_("The status changes (学籍异动) that took effect, with their JY/T 1001 type "
                                           "and reason."))


@web_view(Cap.DROPOUT_VIEW, methods=("GET",))
def dropout_list(request):
    user = request.user
    form = DropoutFilterSet(request.GET, user=user, page=True,
                            choices={"county": county_choices(user=user),
                                     "school": school_selectors.school_list(user=user)}).form
    rows = selectors.dropout_list(user=user, filters=form.filters())
    table = paged(request, tables.DropoutTable(rows, order_by="-dropped_on"))
    return _list(request, title=_("Dropout list"), icon="bi-person-exclamation", table=table, filter_form=form,
                 intro=_("控辍保学: pupils of compulsory education in your area who dropped out (流失). They stay on "
                         "the list until their school restores their record (恢复学籍)."))

