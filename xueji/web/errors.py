"""The one place where refused operations (XuejiError) become web answers.

- `web_view` wraps every page: sign-in, the capability gate, NotFound -> 404, Forbidden -> the 403 page,
  any other refusal outside a form -> a message and back to where the user came from.
- `errors_to_form` turns a refusal inside a form submission into field errors on that form.
- `error_message` gives the user-facing text: services keep stable codes, the UI words them per language.
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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, require_cap
from xueji.core.errors import Forbidden, NotFound, XuejiError

# Services raise stable codes with an English developer message; these are the words users read.
# Codes whose message is already translated where it is raised (login refusals, weak passwords) are absent.
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
    "password_reused": _("The new password must differ from the current one."),
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
}


def error_message(exc: XuejiError) -> str:
    if exc.code in MESSAGES:
        return str(MESSAGES[exc.code])
    return gettext(exc.message) if exc.message else gettext("The operation was refused.")


def _back(request):
    """Where a refused action returns: the page the user came from (same host only), else the workbench."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return redirect(referer)
    return redirect("web:workbench")


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
                raise Http404(exc.message) from exc
            except Forbidden as exc:
                raise PermissionDenied(error_message(exc)) from exc
            except XuejiError as exc:
                messages.error(request, error_message(exc))
                return _back(request)

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
        form.add_error(field, error_message(exc))
