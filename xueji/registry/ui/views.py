"""Pupil-record pages: the student list, the record card, the export. Thin: reads through selectors, writes through
services, refusals mapped in `xueji.ui.errors` (one place). Nothing here touches Model.objects."""


import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core import clock
from xueji.core.errors import NotFound
from xueji.core.filters import as_date
from xueji.core.labels import SecurityLabel
from xueji.registry import access_log, display, integrity
from xueji.registry import selectors as registry_selectors
from xueji.registry.filters import StudentFilterSet
from xueji.registry.models import RegStatus
from xueji.registry.presenters import presenter_for
from xueji.registry.services import student_set_label, students_export_start
from xueji.registry.ui import card, search_tokens, tables
from xueji.registry.ui.actions import pupil_actions
from xueji.registry.ui.forms import SecurityLabelForm
from xueji.schools import selectors as school_selectors
from xueji.ui.errors import web_view
from xueji.ui.views import PER_PAGE, list_page, paged
from xueji.workflow import selectors as workflow_selectors

# ---------------------------------------------------------------- students

def _student_filter_choices(user, data) -> dict:
    """What the student filter's school and class may be (the jurisdiction's): checked, never rendered whole; the
    page carries the chosen ones and the selects load the rest on demand (core.filters.RemoteSelect)."""
    return {"school": school_selectors.school_list(user=user),
            "school_class": school_selectors.class_list(user=user).select_related("school")}


@web_view(Cap.STUDENT_VIEW, methods=("GET", "POST"))
def student_list(request):
    """The students of the jurisdiction. The filter form posts; the search text (a name, an ID number, a
    national number) never goes into the URL: it waits in the session behind a hashed lookup token."""
    if search_tokens.wants_redirect(request):
        return search_tokens.redirect_without_text(request, "registry:student_list")
    data, token = search_tokens.restore(request, request.GET)
    form = StudentFilterSet(data, page=True, choices=_student_filter_choices(request.user, data)).form
    filters = form.filters()
    table = paged(request, tables.StudentTable(registry_selectors.student_list(user=request.user, filters=filters),
                                               user=request.user), lazy=True, per_page=_per_page(request))
    search_tokens.shown_back(form, data, request.user)
    return list_page(request, title=_("Students"), icon="bi-person-vcard", table=table, filter_form=form,
                     template="registry/student_list.html", filter_method="post",
                     export_filters={**{k: v for k, v in filters.items() if k != "q"},
                                     **({"search": token} if "q" in filters else {})},
                     search_token=token if "q" in data else "",
                     total=registry_selectors.student_count(user=request.user, filters=filters),
                     page_sizes=_page_size_links(request))


PAGE_SIZES = (10, 25, 50, 100)


def _per_page(request) -> int:
    value = request.GET.get("per_page", "")
    return int(value) if value.isdigit() and int(value) > 0 else PER_PAGE


def _page_size_links(request) -> list[dict]:
    """The list's page sizes as links keeping its filters (the search by its token) and its order."""
    current = _per_page(request)
    out = []
    for size in PAGE_SIZES:
        query = request.GET.copy()
        query["per_page"] = str(size)
        query.pop("page", None)
        out.append({"size": size, "url": f"?{query.urlencode()}", "active": size == current})
    return out


def _as_of_date(request) -> dt.date | None:
    """The day the record page shows (?as_of=YYYY-MM-DD); None: today's record. A date in the URL is no
    personal item. A malformed one answers the current record with a message."""
    text = request.GET.get("as_of", "").strip()
    if not text:
        return None
    try:
        day = as_date(text)
    except ValueError:
        messages.warning(request, _("The date is not valid (YYYY-MM-DD); today's record is shown."))
        return None
    return None if day >= clock.today() else day


def _record_context(user, student, details, family, year: int) -> dict:
    """What the record page and the record card show of a record (current or as of a date), every value through
    the presenter and every code as its name (`registry.display`)."""
    shown = display.shown_for_record(presenter_for(user), student, details, family)
    klass = student.school_class
    state = [
        (_("National student number"), shown.value("national_number", student.national_number)),
        (_("Full name"), student.name), (_("Name in pinyin"), student.name_pinyin or "—"),
        (_("Sex"), shown.value("sex", student.sex)),
        (_("Date of birth"), shown.value("birth_date", student.birth_date)),
        (_("Ethnic group"), shown.value("ethnic", student.ethnic)),
        (_("Nationality"), shown.value("nationality", student.nationality)),
        (_("ID document type"), shown.value("id_type", student.id_type)),
        (_("ID number"), shown.value("id_number", student.id_number)),
        (_("Status"), shown.value("status", student.status)),
        (_("School"), student.school.name),
        (_("Class"), f"{klass.display_name} · {klass.grade_label(year)}" if klass else "—"),
        (_("Number in class"), student.class_number or "—"),
        (_("Entry date"), shown.value("entry_date", student.entry_date)),
        (_("Current address"), shown.value("address", student.address)),
        (_("Contact phone"), shown.value("phone", student.phone)),
        (_("Registration"), shown.value("reg_status", student.reg_status)),
    ]
    if student.verify_status:  # not replayed in a record as of a date (registry.history)
        state.append((_("Identity check"), shown.value("verify_status", student.verify_status)))
    head_labels = {str(_("National student number")), str(_("School")), str(_("Class")), str(_("Number in class")),
                   str(_("Status")), str(_("Registration")), str(_("Identity check"))}
    return {"rows": state, "head": [row for row in state if str(row[0]) in head_labels],
            "form_groups": display.record_groups(shown, student, details),
            "family": display.family_rows(shown, family), "klass": klass}


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def student_detail(request, pk):
    """The pupil page: the record (or the record as of ?as_of=, replayed from the history), its numbers and family,
    and the actions the user may take (registry/ui/actions.py)."""
    student = registry_selectors.student_get(user=request.user, pk=pk)
    access_log.student_view_record(actor=request.user, student=student, channel="page")
    shown = presenter_for(request.user)
    details = registry_selectors.student_details(user=request.user, student=student)
    family = list(registry_selectors.family_of(user=request.user, student=student))
    as_of, record = _as_of_date(request), None
    shown_student, shown_details, shown_family = student, details, family
    if as_of is not None:
        record = registry_selectors.student_as_of(user=request.user, student=student, date=as_of, detail=details,
                                                  family=family)
        if record.exists:
            shown_student, shown_details, shown_family = record.student, record.detail, record.family
    numbers = [{"number": shown.national_number(n.number), "kind_label": n.get_kind_display(),
                "issued_at": n.issued_at, "superseded_at": n.superseded_at}
               for n in registry_selectors.number_history(user=request.user, student=student)]
    request_visible = None
    if student.registration_request_id and has_cap(request.user, Cap.REQUEST_VIEW):
        request_visible = workflow_selectors.request_list(user=request.user).filter(
            pk=student.registration_request_id).first()
    context = _record_context(request.user, shown_student, shown_details, shown_family,
                              school_selectors.current_school_year_start(student.school))
    return render(request, "registry/student_detail.html", {
        **context, "student": student, "numbers": numbers, "registration_request": request_visible,
        "as_of": as_of, "as_of_record": record, "today": clock.today(),
        "actions": pupil_actions(request.user, student),
        "security_label": student.get_security_label_display() if student.security_label != SecurityLabel.NONE
        else None,
        "label_form": SecurityLabelForm(initial={"label": student.security_label})
        if has_cap(request.user, Cap.STUDENT_LABEL) else None,
        "can_unmask": has_cap(request.user, Cap.STUDENT_VIEW_ID),
        "integrity_warning": integrity.check_on_read(actor=request.user, student=student),
        "can_correct": has_cap(request.user, Cap.STUDENT_EDIT) and (
            student.reg_status == RegStatus.DRAFT or getattr(request_visible, "status", "") == "returned")})


@web_view(Cap.STUDENT_LABEL, methods=("POST",))
def student_label(request, pk):
    """Set the pupil's security label (安全标记) from the small form on the pupil page: the door audits it."""
    student = registry_selectors.student_get(user=request.user, pk=pk)
    form = SecurityLabelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a label and give the reason; nothing was changed."))
        return redirect("registry:student_detail", pk=student.pk)
    student_set_label(actor=request.user, student=student, label=form.cleaned_data["label"],
                      reason=form.cleaned_data["reason"])
    messages.success(request, _("The security label was saved."))
    return redirect("registry:student_detail", pk=student.pk)


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def student_timeline(request, pk):
    """The pupil's timeline, newest first, a page at a time (?before= is the place of the last entry shown; htmx
    loads the next page into the list)."""
    student, page = registry_selectors.timeline_of(user=request.user, pk=pk, before=request.GET.get("before"))
    access_log.student_view_record(actor=request.user, student=student, channel="timeline")
    template = "registry/_timeline_entries.html" if request.htmx else "registry/student_timeline.html"
    return render(request, template, {"student": student, "page": page,
                                      "actions": pupil_actions(request.user, student)})


@web_view(Cap.STUDENT_VIEW, methods=("GET",))
def student_card(request, pk):
    """The printable record card (学籍卡 / 学生信息表) as PDF, masked as the page is; every download audited."""
    student = registry_selectors.student_get(user=request.user, pk=pk)
    details = registry_selectors.student_details(user=request.user, student=student)
    family = list(registry_selectors.family_of(user=request.user, student=student))
    as_of = _as_of_date(request)
    if as_of is not None:
        record = registry_selectors.student_as_of(user=request.user, student=student, date=as_of, detail=details,
                                                  family=family)
        if not record.exists:
            raise NotFound("no record on that day")
        student_shown, details, family = record.student, record.detail, record.family
    else:
        student_shown = student
    context = _record_context(request.user, student_shown, details, family,
                              school_selectors.current_school_year_start(student.school))
    pdf = card.card_pdf(request, student=student_shown, as_of=as_of, **context)
    access_log.student_card_printed(actor=request.user, student=student, as_of=as_of)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"xueji-card-{student.pk}{'-' + as_of.isoformat() if as_of else ''}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@web_view(Cap.STUDENT_VIEW_ID, methods=("POST",))
def student_unmask(request, pk):
    """The pupil's personal items in full, for the reason the form states (control 29): without one, the user is
    sent back with the refusal and nothing is shown; each unmasking is audited with its reason."""
    student = registry_selectors.student_get(user=request.user, pk=pk)
    shown = access_log.student_unmask(actor=request.user, student=student, reason=request.POST.get("reason", ""))
    return render(request, "registry/student_unmask.html", {"student": student, "shown": shown,
                                                            "reason": request.POST.get("reason", "")})


@web_view(Cap.STUDENT_VIEW, methods=("POST",))
def student_export(request):
    data, token = search_tokens.restore(request, request.POST)  # the list's search, by its lookup token
    if token and "q" not in data:  # an expired search exports nothing rather than everything
        return redirect("registry:student_list")
    form = StudentFilterSet(data, page=True, choices=_student_filter_choices(request.user, data)).form
    if not form.is_valid():
        if {"school", "school_class"} & set(form.errors):
            raise NotFound("school or class not found")  # an id outside the jurisdiction: not found
        messages.error(request, _("The filters are invalid; nothing was exported."))
        return redirect("registry:student_list")
    started = students_export_start(actor=request.user, filters=form.filters())
    if started.request is not None:  # past the province's threshold: the leader approves first
        messages.info(request, started.held_words())
        return redirect("workflow:request_detail", pk=started.request.pk)
    messages.success(request, _("The export has started. The file appears here when it is ready."))
    return redirect("jobs:job_detail", pk=started.job.pk)
