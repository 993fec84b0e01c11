"""Registration pages: entering a pupil on the national form, correcting and deleting drafts, submitting drafts
for registration (在校生, 小学新生, 来华归国), the grade-1 pre-school takeover and the whole-system search for
returning pupils. Reads through selectors, writes through the registry and registration services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core.errors import Forbidden
from xueji.policy import selectors as policy_selectors
from xueji.policy.choices import WINDOW_KINDS
from xueji.registration import selectors as registration_selectors
from xueji.registration import services as registration_services
from xueji.registration.errors import MESSAGES
from xueji.registration.filters import DraftFilterSet
from xueji.registration.ui import forms, tables
from xueji.registration.ui.student_form import PupilForm, new_pupil_initial, preschool_values, pupil_initial
from xueji.registry import selectors as registry_selectors
from xueji.registry import services as registry_services
from xueji.registry.models import RegStatus
from xueji.registry.ui import search_tokens as registry_search_tokens
from xueji.schools import selectors as school_selectors
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import paged

KIND_LABELS = dict(forms._kind_choices())
KIND_WINDOWS = {"enrolled": "registration.enrolled", "grade1": "registration.grade1",
                "returning": "registration.returning"}


def _kind(request) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or "enrolled"
    return kind if kind in KIND_LABELS else "enrolled"


def _school_only(request, what: str):
    """Pupils are entered (and records taken over) by their school: authorities are sent to the drafts list."""
    messages.info(request, str(MESSAGES["school_only"]) + " " + what)
    return redirect("registration:draft_list")


def _classes(user, school_id=None):
    filters = {"school": school_id} if school_id else None
    return school_selectors.class_list(user=user, filters=filters).filter(is_active=True).select_related("school")


def _windows(user) -> list[dict]:
    """The registration windows that bind the user (the province's, narrowed by the city or county), to show
    beside the forms that need them."""
    return [{**row, "label": WINDOW_KINDS.get(row["kind"], row["kind"])}
            for row in policy_selectors.windows_open_for(user=user, kinds=KIND_WINDOWS.values())]


def _pupil_page(request, form, *, title: str, kind: str, action: str, intro: str = "", student=None,
                status: int = 200):
    return render(request, "registration/pupil_form.html", {
        "form": form, "title": title, "kind": kind, "kind_label": KIND_LABELS[kind], "action": action,
        "intro": intro, "student": student, "windows": _windows(request.user),
        "cancel_url": reverse("registration:draft_list")}, status=status)


# ---------------------------------------------------------------- entering and correcting pupils


@web_view(Cap.STUDENT_EDIT)
def student_enter(request):
    user = request.user
    kind = _kind(request)
    if request.method != "POST" and not user.org_unit.is_school:
        return _school_only(request, _("An authority sees its schools' drafts here."))
    form = PupilForm(request.POST or None, classes=_classes(user),
                     initial=new_pupil_initial())
    if request.method == "POST" and form.is_valid():
        klass = form.cleaned_data["school_class"]
        preschool = (form.cleaned_data.get("preschool") or "").strip().upper()
        clean = form.clean_student
        with errors_to_form(form):
            student = registration_services.pupil_enter(actor=user, school_class=klass, clean=clean,
                                                        preschool_id_number=preschool)
            messages.success(request, _("%(name)s was entered as a draft. Submit the drafts for registration when "
                                        "the class is complete.") % {"name": student.name})
            if "another" in request.POST:
                return redirect(f"{reverse('registration:student_enter')}?{urlencode({'kind': kind})}")
            return redirect(f"{reverse('registration:draft_list')}?{urlencode({'kind': kind})}")
    return _pupil_page(request, form, title=_("Enter a pupil"), kind=kind, action=reverse("registration:student_enter"),
                       intro=_("The items of the national student form. Items marked * are required; code items "
                               "use the national code tables."))


def _editable(student) -> bool:
    return student.reg_status == RegStatus.DRAFT or registry_services.correctable_beyond_draft(student)


@web_view(Cap.STUDENT_EDIT)
def draft_edit(request, pk):
    user = request.user
    student = registry_selectors.student_get(user=user, pk=pk)
    if not registry_selectors.may_see_id_numbers(user):  # the form saves full ID numbers (it shows them masked)
        raise Forbidden("permission denied", code="permission_denied")
    initial = pupil_initial(student, registry_selectors.student_details(user=user, student=student),
                            registry_selectors.family_of(user=user, student=student))
    form = PupilForm(request.POST or None, classes=_classes(user, student.school_id), initial=initial, stored=True)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            student = registry_services.student_correct(actor=user, student=student, clean=form.clean_student,
                                                        school_class=form.cleaned_data["school_class"])
            messages.success(request, _("%(name)s was saved.") % {"name": student.name})
            if student.registration_request_id:
                return redirect("workflow:request_detail", pk=student.registration_request_id)
            return redirect("registration:draft_list")
    intro = "" if _editable(student) else _("This pupil is registered or awaiting approval: it changes through "
                                            "other procedures, not here.")
    return _pupil_page(request, form, title=_("Correct %(name)s") % {"name": student.name}, kind="enrolled",
                       action=reverse("registration:draft_edit", args=[student.pk]), intro=intro, student=student)


@web_view(Cap.STUDENT_EDIT, methods=("POST",))
def draft_delete(request, pk):
    student = registry_selectors.student_get(user=request.user, pk=pk)
    registry_services.student_delete_draft(actor=request.user, student=student)
    messages.success(request, _("The draft of %(name)s was deleted.") % {"name": student.name})
    return redirect("registration:draft_list")


# ---------------------------------------------------------------- drafts and submitting them


@web_view(Cap.STUDENT_EDIT, methods=("GET", "POST"))
def draft_list(request):
    """The school's drafts; the filter form posts, so a search by ID number stays out of the URL."""
    user = request.user
    if registry_search_tokens.wants_redirect(request):
        return registry_search_tokens.redirect_without_text(request, "registration:draft_list")
    data, token = registry_search_tokens.restore(request, request.GET)
    classes = school_selectors.class_list(user=user).select_related("school")
    form = DraftFilterSet(data, user=user, page=True, choices={"school_class": classes}).form
    drafts = registration_selectors.draft_list(user=user, filters=form.filters())
    can_submit = user.org_unit.is_school and has_cap(user, Cap.REQUEST_FILE)
    table = paged(request, tables.DraftTable(drafts, user=user, selectable=can_submit), per_page=50)
    kind = _kind(request)
    return render(request, "registration/draft_list.html", {
        "title": _("Drafts to register"), "table": table, "filter_form": form, "can_submit": can_submit,
        "submit_form": forms.RegistrationSubmitForm(initial={"kind": kind}), "total": drafts.count(),
        "filters": form.filters(), "windows": _windows(user), "kind": kind,
        "can_enter": user.org_unit.is_school, "filter_method": "post", "search_token": token})


@web_view(Cap.REQUEST_FILE, methods=("POST",))
def registration_submit(request):
    user = request.user
    form = forms.RegistrationSubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of registration and at least one pupil."))
        return redirect("registration:draft_list")
    ids = form.cleaned_data["student_ids"]
    if form.cleaned_data["everything"]:  # the drafts the filter shows; a malformed filter refuses, never widens
        filters = {name: request.POST.get(name) for name in DraftFilterSet.base_filters}
        ids = list(registration_selectors.draft_list(user=user, filters=filters).values_list("pk", flat=True)[:20000])
    filed = registration_services.registration_submit(actor=user, kind=form.cleaned_data["kind"], student_ids=ids)
    messages.success(request, _("%(count)s pupils were submitted for registration; the school leader approves "
                                "first, then the county authority.") % {"count": filed.payload.get("count", len(ids))})
    return redirect("workflow:request_detail", pk=filed.pk)


# ---------------------------------------------------------------- grade-1 entrants: pre-school takeover


@web_view(Cap.STUDENT_EDIT)
def grade1_lookup(request):
    """小学新生: look the pupil's pre-school record up by ID number (POST: the number stays out of URLs and logs);
    found, the entry form opens filled from it and the record is taken over when the pupil is saved."""
    user = request.user
    if not user.org_unit.is_school:
        return _school_only(request, "")
    form = forms.IdNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        id_number = form.cleaned_data["id_number"].strip().upper()
        record = registration_services.preschool_lookup(actor=user, id_number=id_number)
        if record is not None:
            initial = new_pupil_initial(**preschool_values(record))
            initial["preschool"] = record.id_number
            messages.info(request, _("Pre-school record found (%(kindergarten)s): its items are filled in below. "
                                     "Check them, complete the form and save.") % {
                "kindergarten": record.kindergarten or _("kindergarten not named")})
        else:
            initial = new_pupil_initial(id_type="1", id_number=id_number, had_preschool="0")
            messages.info(request, _("No pre-school record with this ID number: enter the pupil on the form."))
        pupil_form = PupilForm(classes=_classes(user), initial=initial)
        return _pupil_page(request, pupil_form, title=_("Enter a grade-1 entrant"), kind="grade1",
                           action=f"{reverse('registration:student_enter')}?kind=grade1")
    return render(request, "registration/grade1.html", {"form": form, "windows": _windows(user)})


# ---------------------------------------------------------------- returning from abroad (来华归国)


@web_view(Cap.REQUEST_FILE)
def returning_search(request):
    """来华归国: search the whole system first (by ID number, or name, sex and date of birth); a match is shown
    masked and can be taken over; otherwise the pupil is entered as a new record."""
    user = request.user
    if not user.org_unit.is_school:
        return _school_only(request, "")
    form = forms.ReturningSearchForm(request.POST or None)
    matches = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_to_form(form):
            found = registration_services.returning_search(
                actor=user, id_number=data["id_number"], name=data["name"], sex=data["sex"],
                birth_date=data["birth_date"])
            terms = {"id_number": data["id_number"]} if data["id_number"] else {
                "name": data["name"], "birth_date": data["birth_date"]}
            matches = [{"match": m, "form": None if m.in_school else forms.TakeoverForm(
                user=user, initial={"student": m.pk, **terms}, prefix=f"m{m.pk}")} for m in found]
    return render(request, "registration/returning.html", {"form": form, "matches": matches, "windows": _windows(user)})


@web_view(Cap.REQUEST_FILE, methods=("POST",))
def returning_takeover(request):
    user = request.user
    prefix = next((key.split("-", 1)[0] for key in request.POST if key.endswith("-student")), None)
    form = forms.TakeoverForm(request.POST, user=user, prefix=prefix)
    if not form.is_valid():  # a class outside the jurisdiction is 404 already (ScopedChoiceField)
        messages.error(request, _("Choose the class the pupil joins."))
        return redirect("registration:returning_search")
    data = form.cleaned_data
    student = registration_services.returning_match_get(actor=user, pk=data["student"],
                                                        id_number=data["id_number"], name=data["name"],
                                                        birth_date=data["birth_date"])
    filed = registration_services.returning_takeover_submit(actor=user, student=student,
                                                            school_class=data["school_class"])
    messages.success(request, _("The takeover of the record was submitted for approval."))
    return redirect("workflow:request_detail", pk=filed.pk)

