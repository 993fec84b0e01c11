from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts import security_settings
from xueji.accounts.api.permissions import PASSWORD_EXPIRED_MESSAGE
from xueji.core import clock

# Set at sign-in (accounts.signals.on_login): when the session's user proved their password, as a POSIX time.
LOGIN_AT_KEY = "xueji_login_at"
# Set at sign-in too: the idle timeout (seconds) of the user's level's security settings.
IDLE_KEY = "xueji_idle_seconds"

ALLOWED_PREFIXES = ("/static/", "/i18n/")


class PasswordPolicyMiddleware:
    """A user whose password expired (or was reset) may only change it, log out, or switch language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and \
                security_settings.password_expired(user):
            # /api/v1/me/ stays open so a client can learn why it is refused (`password_expired` there).
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout"), reverse("api:password-change"),
                       reverse("api:me")}
            if request.path not in allowed and not request.path.startswith(ALLOWED_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse({"code": "password_expired", "message": PASSWORD_EXPIRED_MESSAGE},
                                        status=403)
                return redirect("accounts:password_change")
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """A session ends XUEJI_SESSION_MAX_HOURS after its sign-in, however active (the idle timeout is
    SESSION_COOKIE_AGE). The request then goes on as anonymous: pages send to the sign-in, the API answers 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None and request.user.is_authenticated:
            started = session.get(LOGIN_AT_KEY)
            max_age = settings.XUEJI_SESSION_MAX_HOURS * 3600
            now = clock.now().timestamp()
            idle, touched = session.get(IDLE_KEY), session.get(TOUCHED_KEY, started)
            if isinstance(idle, int) and isinstance(touched, int | float) and now - touched >= idle:
                # Idle past the level's timeout (shorter than the cookie's SESSION_COOKIE_AGE): ended like an
                # expired session, without the message of the maximum length.
                user = request.user
                session.flush()
                request.user = AnonymousUser()
                from xueji.audit.services import audit_record

                audit_record(actor=user, action="auth.session_idle", obj=user)
            elif not isinstance(started, int | float) or now - started >= max_age:
                from xueji.audit.services import audit_record

                user = request.user
                session.flush()
                request.user = AnonymousUser()
                audit_record(actor=user, action="auth.session_expired", obj=user)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("Your session reached its maximum length of %(h)d hours; please sign "
                                             "in again.") % {"h": settings.XUEJI_SESSION_MAX_HOURS})
        return self.get_response(request)


# The session is saved (its expiry pushed forward) at most this often: not one UPDATE and commit per request.
TOUCH_EVERY_SECONDS = 60
TOUCHED_KEY = "xueji_touched"


class SessionTouchMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE) without a write per request: a signed-in session is saved, which moves
    its expiry forward, when it changed anyway or when it was last saved TOUCH_EVERY_SECONDS ago or more (so a
    session ends after 29 to 30 idle minutes). Django's SESSION_SAVE_EVERY_REQUEST would write it on every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.get(SESSION_KEY) is None or response.status_code >= 500:
            return response
        if getattr(request, "xueji_passive", False):  # a page's poll (set by its view) is not the user's activity
            return response
        now = clock.now().timestamp()
        touched = session.get(TOUCHED_KEY)
        if session.modified or not isinstance(touched, int | float) or now - touched >= TOUCH_EVERY_SECONDS:
            session[TOUCHED_KEY] = now  # marks it modified: SessionMiddleware saves it with a new expiry
        return response


SECOND_FACTOR_MESSAGE = ("This account needs a second factor: verify it (or enrol one) on the web, or request a token "
                         "with a one-time code at /api/v1/auth/token/.")


class SecondFactorMiddleware:
    """T-MFA-01: a signed-in user whose roles need a second factor (accounts.second_factor.required) and whose
    session has not proved one reaches nothing but signing in and out, the second-factor pages, static files,
    the language switch and /healthz: pages send to the second-factor step (the enrolment the first time), the API
    answers 403 second_factor_required. Token clients proved it when the token was issued."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from xueji.accounts import second_factor

        if second_factor.needs_verification(request):
            allowed = {reverse("accounts:login"), reverse("accounts:logout"), reverse("accounts:mfa_verify"),
                       reverse("accounts:mfa_enrol"), reverse("accounts:mfa_enrol_ukey"),
                       reverse("accounts:mfa_key_options"), reverse("accounts:mfa_key_verify"),
                       reverse("accounts:mfa_ukey_verify"), reverse("healthz")}
            if request.path not in allowed and not request.path.startswith(ALLOWED_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse({"code": "second_factor_required", "message": _(SECOND_FACTOR_MESSAGE)},
                                        status=403)
                return redirect("accounts:mfa_verify")
        return self.get_response(request)


class LoanMiddleware:
    """A password loan's borrower acting as the lender (accounts/loans.py): the request's user becomes the lender
    (its permissions), `request.borrower` the signed-in borrower, and the audit context names the borrower
    (`acted_by`). Checked on every request: at the loan's end the acting stops and the loan ends. After the second
    factor and the password policy, which apply to the borrower who is signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from xueji.accounts import loans
        from xueji.core import context

        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated or loans.ACTING_KEY not in session:
            return self.get_response(request)
        loan = loans.acting_loan(request)
        if loan is None:
            if not request.path.startswith("/api/"):
                messages.info(request, _("The password loan is over: you act as yourself again."))
            return self.get_response(request)
        lender = loan.lender
        # The session's second factor is the borrower's (django-otp put it on the signed-in user): carried over.
        lender.is_verified = getattr(user, "is_verified", lambda: False)
        lender.otp_device = getattr(user, "otp_device", None)
        request.borrower, request.user, request.loan = user, lender, loan
        current = context.current()
        token = context.bind(context.RequestContext(request_id=current.request_id, ip=current.ip,
                                                    acted_by=user.get_username()))
        try:
            return self.get_response(request)
        finally:
            context.reset(token)



class NotFoundCounterMiddleware:
    """Counts 404 answers per client address and minute (accounts.models.NotFoundCounter), for the 404-scan alert
    (accounts/alerts.py). One UPDATE per 404 (an INSERT for an address's first of the minute): a scan writes as
    many small updates as it asks pages, never audit rows; each minute's first path is kept as evidence."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404:
            try:
                _count_not_found(request)
            except Exception:  # noqa: BLE001  (counting must never turn a 404 into a 500)
                import logging

                logging.getLogger("xueji.accounts.alerts").exception("404 counter failed")
        return response


def _count_not_found(request) -> None:
    from django.db import IntegrityError, transaction
    from django.db.models import F

    from xueji.accounts.models import NotFoundCounter
    from xueji.core.middleware import client_ip

    ip = client_ip(request)
    if not ip:
        return
    minute = clock.now().replace(second=0, microsecond=0)
    rows = NotFoundCounter.objects.filter(ip=ip, minute=minute)
    with transaction.atomic():
        if rows.update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                NotFoundCounter.objects.create(ip=ip, minute=minute, count=1, paths=[request.path[:200]])
        except IntegrityError:
            rows.update(count=F("count") + 1)


class AdminNetworkMiddleware:
    """The consoles of the three administrators from XUEJI_ADMIN_NETWORKS only (accounts/network.py): a page or API
    method that declares a console capability, asked from another address, is refused with 403 before the view
    runs (nothing changes) and audited as `access.network_refused` with the address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from xueji.accounts import network
        from xueji.core.capabilities import declared_capability
        from xueji.core.middleware import client_ip

        need = declared_capability(view_func, request.method or "GET")
        if not network.is_console(need):
            return None
        address = client_ip(request)
        if network.address_allowed(address):
            return None
        from django.core.exceptions import PermissionDenied

        from xueji.audit.services import audit_record

        user = getattr(request, "user", None)
        audit_record(actor=user, action="access.network_refused", object_repr=request.path[:255], success=False,
                     after={"path": request.path[:255], "method": request.method, "address": address or "",
                            "capability": str(need)})
        message = _("The administration consoles are open only from the administrators' networks.")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "admin_network", "message": message}, status=403)
        raise PermissionDenied(message)

