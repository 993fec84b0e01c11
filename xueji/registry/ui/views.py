"""Pupil-record pages: the student list, the record card, the export. Thin: reads through selectors, writes through
services, refusals mapped in `xueji.ui.errors` (one place). Nothing here touches Model.objects."""


from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core import codes
from xueji.core.errors import NotFound
from xueji.registry import access_log
from xueji.registry import selectors as registry_selectors
from xueji.registry.fields import STUDENT_ITEMS
from xueji.registry.filters import StudentFilterSet
from xueji.registry.models import RegStatus
from xueji.registry.presenters import kind_of, presenter_for
from xueji.registry.services import students_export_start
from xueji.registry.ui import search_tokens, tables
from xueji.schools import selectors as school_selectors
from xueji.ui.errors import web_view
from xueji.ui.views import list_page, paged
from xueji.workflow import selectors as workflow_selectors

# ---------------------------------------------------------------- students

def _student_filter_choices(user, data) -> dict:
    """The student filter's schools, and the classes of the chosen school only (an authority's whole list
    would be thousands of options)."""
    school_id = data.get("school")
    if not school_id and user.org_unit.is_school:
        classes = school_selectors.class_list(user=user)
    elif school_id and str(school_id).isdigit():
        classes = school_selectors.class_list(user=user, filters={"school": int(school_id)})
    else:
        classes = school_selectors.class_list(user=user).none()
    return {"school": school_selectors.school_list(user=user), "school_class": classes.select_related("school")}


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
                                               user=request.user), lazy=True)
    search_tokens.shown_back(form, data, request.user)
    return list_page(request, title=_("Students"), icon="bi-person-vcard", table=table, filter_form=form,
                     template="registry/student_list.html", filter_method="post",
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
    return render(request, "registry/student_detail.html", {
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
        return redirect("registry:student_list")
    form = StudentFilterSet(data, page=True, choices=_student_filter_choices(request.user, data)).form
    if not form.is_valid():
        if {"school", "school_class"} & set(form.errors):
            raise NotFound("school or class not found")  # an id outside the jurisdiction: not found
        messages.error(request, _("The filters are invalid; nothing was exported."))
        return redirect("registry:student_list")
    job = students_export_start(actor=request.user, filters=form.filters())
    messages.success(request, _("The export has started. The file appears here when it is ready."))
    return redirect("jobs:job_detail", pk=job.pk)
