"""The one place where refused operations (XuejiError) become web answers.

- `web_view` wraps every page: sign-in, the capability gate (it writes the page's declaration, `requires` of
  xueji/core/capabilities.py, and refuses by it: the menu reads the same), NotFound -> 404, Forbidden -> the 403
  page (both audited as `access.denied`), any other refusal outside a form -> a message and back to where the user
  came from.
- `errors_to_form` turns a refusal inside a form submission into field errors on that form.
- `error_message` gives the user-facing text: services keep stable codes, each app's errors.py words them
  (registered into xueji.core.messages, so the API answers with the same words in the language of the request).
"""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from xueji.accounts.permissions import Cap, require_declared
from xueji.core import messages as core_messages
from xueji.core.capabilities import PUBLIC, requires
from xueji.core.errors import Forbidden, Gone, NotFound, XuejiError


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


def web_view(cap: Cap | None = None, *, methods: Iterable[str] = ("GET", "POST"), **needs: Cap | None) -> Callable:
    """Decorate a page: signed-in users only, the capability it needs for each of its allowed methods (`cap` for
    every one, None: any signed-in user; a method named, `post=Cap.POLICY_MANAGE`, needs its own and is allowed),
    declared for the menu and checked here, and the error mapping."""
    declared = dict.fromkeys(sorted(m.lower() for m in methods), cap) | needs
    if PUBLIC in declared.values():
        raise TypeError("web_view pages are for signed-in users; declare a public page with requires(PUBLIC)")
    allowed = {m.upper() for m in declared}
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
                require_declared(request.user, wrapper, request.method)
                return view(request, *args, **kwargs)
            except NotFound as exc:  # outside the jurisdiction looks exactly like absent
                _audit_denial(request, 404, exc.code)
                raise Http404(exc.message) from exc
            except Forbidden as exc:
                _audit_denial(request, 403, exc.code)
                raise PermissionDenied(error_message(exc)) from exc
            except Gone as exc:  # an expired file: 410 with the words saying what to do
                return render(request, "410.html", {"message": error_message(exc)}, status=410)
            except XuejiError as exc:
                messages.error(request, error_message(exc))
                return _back(request)

        # The one declaration of the page (xueji.core.capabilities): this gate, the menu and the jurisdiction
        # matrix read it, so the menu never offers what the view refuses.
        return requires(**declared)(wrapper)

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
