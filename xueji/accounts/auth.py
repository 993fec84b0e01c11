"""The one login check behind the web form and the API token endpoint.

Order: per-IP rate limit, account lockout (django-axes: by username, cool-off, reset on success),
credentials. Every failure writes only its audit row (and the lockout counter).
"""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _

from xueji.accounts import security_settings
from xueji.accounts.models import User
from xueji.accounts.selectors import ip_failures_exceeded
from xueji.audit.services import audit_record
from xueji.core import context
from xueji.core.errors import XuejiError
from xueji.core.middleware import client_ip


class LoginRefused(XuejiError):
    status_code = 400
    default_code = "invalid_credentials"

    def __init__(self, message: str, *, code: str, status_code: int) -> None:
        super().__init__(message, code=code)
        self.status_code = status_code


_lock_minutes = security_settings.LOCK_MINUTES
_unit_of_username = security_settings.unit_of_username


def _locked(request, username: str) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": username})


def credentials_verify(*, request, username: str, password: str) -> User:
    """Check a login; raise LoginRefused (401 wrong credentials, 403 locked, 429 rate-limited)."""
    ctx = context.current()
    if ctx.ip is None and request is not None:
        # Called outside the request middleware (another entry point, a test): the rate limit and the audit
        # rows still need the client's address, which the request carries.
        token = context.bind(context.RequestContext(request_id=getattr(request, "request_id", ctx.request_id),
                                                    ip=client_ip(request)))
        try:
            return _verify(request, username, password)
        finally:
            context.reset(token)
    return _verify(request, username, password)


def _verify(request, username: str, password: str) -> User:
    from django.conf import settings

    username = (username or "").strip()
    ip = context.current().ip
    if ip_failures_exceeded(ip):
        audit_record(actor=None, username=username, action="auth.ip_rate_limited", object_repr=username,
                     success=False)
        raise LoginRefused(_("Too many failed logins from this network address. Try again in %(m)d minutes.")
                           % {"m": settings.XUEJI_IP_FAILURE_WINDOW_MINUTES}, code="ip_rate_limited",
                           status_code=429)
    unit = _unit_of_username(username) if username else None
    minutes = int(security_settings.value(unit, "lockout.minutes"))
    token, bound = _lock_minutes.set(minutes), security_settings.LOGIN_UNIT.set((username, unit))
    try:
        return _verify_locked(request, username, password, minutes)
    finally:
        _lock_minutes.reset(token)
        security_settings.LOGIN_UNIT.reset(bound)


def _verify_locked(request, username: str, password: str, minutes: int) -> User:
    from django.conf import settings

    if username and _locked(request, username):
        audit_record(actor=None, username=username, action="auth.locked_out", object_repr=username, success=False,
                     org_unit=getattr(User.objects.filter(username=username).first(), "org_unit", None))
        raise LoginRefused(_("This account is locked after repeated failed logins. Try again in %(m)d minutes "
                             "or ask your system administrator to unlock it.") % {"m": minutes},
                           code="account_locked", status_code=403)
    user = authenticate(request, username=username, password=password)
    if user is None:
        if username and _locked(request, username):
            raise LoginRefused(_("Wrong password. The account is now locked for %(m)d minutes.") % {"m": minutes},
                               code="account_locked", status_code=403)
        raise LoginRefused(_("Wrong username or password."), code="invalid_credentials", status_code=401)
    if settings.AXES_RESET_ON_SUCCESS:
        # axes resets only on Django's user_logged_in signal, which the token endpoint never sends.
        from axes.handlers.proxy import AxesProxyHandler

        AxesProxyHandler.reset_attempts(username=user.get_username())
    if user.org_unit_id is None:
        raise LoginRefused(_("This account belongs to no organisation unit."), code="no_org_unit", status_code=403)
    return user
