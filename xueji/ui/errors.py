"""The one place where refused operations (XuejiError) become web answers.

- `web_view` wraps every page: sign-in, the capability gate, NotFound -> 404, Forbidden -> the 403 page (both
  audited as `access.denied`), any other refusal outside a form -> a message and back to where the user came from.
- `errors_to_form` turns a refusal inside a form submission into field errors on that form.
- `error_message` gives the user-facing text: services keep stable codes, the UI words them per language.
  MESSAGES below are registered into xueji.core.messages, so the API answers with the same words (in the
  language of Accept-Language): add the words of a new code here, once.
"""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, require_cap
from xueji.core import messages as core_messages
from xueji.core.errors import Forbidden, NotFound, XuejiError

# Services raise stable codes with an English developer message; these are the words users read. A service
# whose words carry details raises a lazy translation (gettext_lazy / format_lazy): those are shown as given.
MESSAGES = {
    "permission_denied": _("Your roles do not allow this operation."),
    "required": _("This field is required."),
    # accounts
    "roles_required": _("A user needs at least one role."),
    "unknown_role": _("Unknown role."),
    "role_not_at_level": _("This role does not exist at the level of the chosen organisation unit."),
    "separation_of_duties": _("System administrators and auditors hold no other role (separation of duties)."),
    "username_taken": _("This username is taken."),
    "self_escalation": _("You cannot change your own roles or organisation unit."),
    "self_deactivate": _("You cannot deactivate your own account."),
    "self_reset": _("Change your own password on the password page."),
    "wrong_password": _("The current password is wrong."),
    "password_reused": _("The new password must differ from your recent passwords."),
    "auditor_accounts": _("Auditor accounts are managed by the auditor of a level above only, and auditors manage "
                          "no other accounts (separation of duties)."),
    "manager_level": _("System administrator and auditor accounts are managed from the level above."),
    "duty_change": _("An account keeps its duty (system administration, audit or business); create a new account "
                     "for the other duty."),
    # schools
    "invalid_school_code": _("The school code has 10 digits."),
    "unknown_code": _("Unknown code."),
    "invalid_stages": _("Choose one or more stages: primary, junior secondary, senior secondary."),
    "code_taken": _("This code is already used."),
    "invalid_county": _("A school belongs to a county authority."),
    "stage_not_taught": _("The school does not teach this stage."),
    "invalid_cohort": _("The cohort year is out of range."),
    "invalid_number": _("The class number is 1 to 99."),
    "class_exists": _("This class already exists."),
    "exists": _("This school year already exists."),
    # regions
    "invalid_parent": _("This kind of organisation unit cannot sit under the chosen parent."),
    "unknown_region": _("Unknown region."),
    "audit_append_only": _("Audit events cannot be changed or deleted."),
    # approval engine (workflow)
    "already_decided": _("This request has already been decided, returned or withdrawn. Reload the page to see "
                         "where it stands."),
    "not_your_step": _("This step is not yours to decide."),
    "reason_required": _("Give the reason."),
    "not_filer": _("Only the registrar of the filing unit may do this."),
    "not_withdrawable": _("Only a pending or returned request can be withdrawn."),
    "not_returned": _("Only a returned request can be resubmitted."),
    "request_closed": _("The request is closed: proofs can no longer be added."),
    "type_mismatch": _("The file's content does not match its name: a PDF renamed .jpg, for example, is refused. "
                       "Upload the file as it is."),
    "unsupported_type": _("Only JPG, PNG and PDF files are accepted (checked by their content)."),
    "file_too_large": _("The file is larger than allowed."),
    "unresolvable_step": _("An approving party of this request cannot be found (e.g. the unit has no county "
                           "authority)."),
    "unknown_request_type": _("Unknown request type."),
    # policy
    "no_province": _("Policy is set per province; the ministry sets none."),
    "unknown_setting": _("Unknown setting."),
    "invalid_setting": _("This value does not fit the setting."),
    "unknown_window_kind": _("Unknown kind of business."),
    "invalid_window": _("The window closes before it opens."),
    "empty_route": _("A route has at least one step."),
    "unknown_resolver": _("Unknown approving party."),
    "invalid_role": _("Approvers are registrars or leaders."),
    # registration
    "unknown_kind": _("Unknown kind."),
    "no_students": _("Choose at least one pupil."),
    "school_only": _("This is done by the pupil's school."),
    "not_draft": _("Some of these pupils were already submitted or registered."),
    "search_terms": _("Search by ID number, or by name, sex and date of birth."),
    "still_enrolled": _("This pupil is still on a school's roll; use a transfer instead."),
    "takeover_pending": _("A takeover of this record is already pending."),
    "already_taken": _("This pre-school record was already taken over."),
    "wrong_class": _("The class belongs to another school."),
    "not_editable": _("Only drafts and pupils of a returned request can be corrected."),
    # problem records, verification, numbers
    "member_required": _("Choose the record this action is for."),
    "problem_resolved": _("This problem record is already resolved."),
    "under_arbitration": _("This problem is under arbitration by the common superior authority."),
    "member_settled": _("This record's part of the problem is already settled."),
    "request_in_progress": _("A request for this record is already in progress; withdraw or resubmit it."),
    "record_gone": _("The record no longer exists."),
    "not_confirmable": _("Only a well-formed resident ID number can be confirmed; correct it instead."),
    "not_in_arbitration": _("This problem is not under arbitration."),
    "invalid_choice": _("That record is not one of the disputed records."),
    "choice_required": _("Name the record that keeps the ID number on the problem record's page."),
    "unknown_action": _("Unknown action."),
    "no_preschool_record": _("No pre-school record with this ID number."),
    "batch_file_missing": _("The file of this batch is not available."),
    "proof_required": _("Attach the household-register proof before the confirmation is approved."),
    "unknown_problem_kind": _("Unknown kind of problem record."),
    "unknown_status": _("Unknown status."),
    "not_correctable": _("Only name, sex, date of birth, ID type and ID number can be corrected here."),
    "invalid_name": _("The name is required (64 characters at most)."),
    "invalid_code": _("Unknown code."),
    "invalid_date": _("Give the date as YYYY-MM-DD."),
    "future_date": _("The date lies in the future."),
    "id_birth_date_mismatch": _("The birth date in the ID number differs from the date of birth."),
    "id_sex_mismatch": _("The sex digit of the ID number differs from the sex."),
    "id_check_digit": _("The check digit of the ID number is wrong."),
    "id_length": _("A resident ID number has 18 characters."),
    "id_shape": _("A resident ID number is 17 digits and a digit or X."),
    "id_birth_date": _("The birth date in the ID number does not exist."),
    "invalid_id": _("The ID number is too long."),
    "id_taken": _("Another record already holds this ID number."),
    "no_change": _("The correction changes nothing."),
    "unknown_scan": _("Unknown scan."),
    "batch_not_waiting": _("This batch is not awaiting answers."),
    "missing_columns": _("The file's header must name the id_number and name columns."),
    "number_required": _("Give a national student number."),
    # bulk import
    "unknown_format": _("Unknown template format: use xlsx or csv."),
    "no_file": _("Choose a file."),
}
# Codes a service raises for more than one reason: the reason, by the service's own words.
MESSAGES_BY_TEXT = {
    "This step was already decided by someone else.":
        _("This step was already decided by someone else. Reload the page to see where the request stands."),
    "The filer cannot approve their own request.": _("The filer cannot approve their own request."),
    "Someone has already approved this request; it can no longer be withdrawn.":
        _("Someone has already approved this request; it can no longer be withdrawn."),
    "Only the filer or the current approver may add proofs.":
        _("Only the filing unit or the current approver may add proofs."),
    # registration: not-found answers of records outside the jurisdiction (the same words as absent records)
    "student not found": _("Pupil not found."),
    "class not found": _("Class not found."),
    "organisation unit not found": _("Organisation unit not found."),
    "problem record not found": _("Problem record not found."),
    "problem record member not found": _("Problem record not found."),
    "national student number not found": _("National student number not found."),
    "Some of these pupils are not in your jurisdiction.": _("Some of these pupils are not in your jurisdiction."),
}


core_messages.register(by_code=MESSAGES, by_text=MESSAGES_BY_TEXT)


def error_message(exc: XuejiError) -> str:
    """The words users read, in the active language (xueji.core.messages: the same words as the API)."""
    return core_messages.user_message(exc)


def _back(request):
    """Where a refused action returns: the page the user came from (same host only), else the workbench."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return redirect(referer)
    return redirect("ui:workbench")


def _audit_denial(request, status: int, code: str) -> None:
    """Refused pages are audited, coalesced per user and minute (audit.services.audit_denial)."""
    from xueji.audit.services import audit_denial

    audit_denial(actor=request.user, path=request.path, method=request.method, status=status, code=code)


def web_view(cap: Cap | None = None, *, methods: Iterable[str] = ("GET", "POST")) -> Callable:
    """Decorate a page: signed-in users only, optional capability, allowed methods, and error mapping."""
    allowed = {m.upper() for m in methods}
    if "GET" in allowed:
        allowed.add("HEAD")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.method not in allowed:
                return HttpResponseNotAllowed(sorted(allowed))
            try:
                if cap is not None:
                    require_cap(request.user, cap)
                return view(request, *args, **kwargs)
            except NotFound as exc:  # outside the jurisdiction looks exactly like absent
                _audit_denial(request, 404, exc.code)
                raise Http404(exc.message) from exc
            except Forbidden as exc:
                _audit_denial(request, 403, exc.code)
                raise PermissionDenied(error_message(exc)) from exc
            except XuejiError as exc:
                messages.error(request, error_message(exc))
                return _back(request)

        wrapper.capability = cap  # read by the menu (xueji.ui.navigation): it never offers what the view refuses
        wrapper.matrix_methods = sorted(m.lower() for m in allowed if m != "HEAD")  # for the jurisdiction matrix
        return wrapper

    return decorate


@contextlib.contextmanager
def errors_to_form(form: forms.Form) -> Iterator[None]:
    """Run a service; a refusal becomes an error on the field it names (or on the whole form).

    NotFound and Forbidden pass through to `web_view`. Code after the block runs only when the
    service failed, so views read: `with errors_to_form(form): obj = service(...); return redirect(...)`.
    """
    try:
        yield
    except (NotFound, Forbidden):
        raise
    except XuejiError as exc:
        field = exc.field if exc.field in form.fields and not form.fields[exc.field].disabled else None
        details = exc.details if isinstance(exc.details, dict) and exc.field in (exc.details or {}) else None
        if details is None:  # one reason
            form.add_error(field, error_message(exc))
            return
        for name, reasons in details.items():  # several, in the serializer's shape: each on its field
            target = name if name in form.fields and not form.fields[name].disabled else None
            for reason in reasons if isinstance(reasons, list) else [reasons]:
                form.add_error(target, str(reason))
