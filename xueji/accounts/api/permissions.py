from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from xueji.accounts import security_settings
from xueji.accounts.permissions import require_declared
from xueji.core.capabilities import PUBLIC, declared_capability
from xueji.core.errors import Forbidden
from xueji.core.messages import user_message

PASSWORD_EXPIRED_MESSAGE = ("The password has expired or was reset; change it at /api/v1/auth/password/ first.")


class PasswordExpired(exceptions.PermissionDenied):
    default_detail = PASSWORD_EXPIRED_MESSAGE
    default_code = "password_expired"


def _handles(view, method: str) -> bool:
    method = method.lower()
    return method in view.http_method_names and hasattr(view, method)


class SecondFactorRequired(exceptions.PermissionDenied):
    default_detail = gettext_lazy("This account needs a second factor: verify it (or enrol one) on the web, or "
                                  "request a token with a one-time code at /api/v1/auth/token/.")
    default_code = "second_factor_required"


class IsActiveUser(BasePermission):
    """The API's one permission (DEFAULT_PERMISSION_CLASSES): what the view declares for the request's method
    (`@requires(...)`, xueji/core/capabilities.py). A PUBLIC method lets anyone in; any other needs a signed-in
    user with a current password (token users included; a view with `allow_expired_password` excepted) who holds
    the declared capability: checked before the body is read, so a user without it gets 403 (permission_denied,
    the words the selectors' refusal has) whatever they send. Selectors and services check again."""

    message = PASSWORD_EXPIRED_MESSAGE

    def has_permission(self, request, view):
        if declared_capability(view, request.method) is PUBLIC:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.auth is None:
            # A session (not a token: one is issued for these roles only with a second-factor code): the session
            # must have proved the second factor (the middleware refuses it already; this is the API's own check).
            from xueji.accounts import second_factor

            if second_factor.needs_verification(request._request):
                raise SecondFactorRequired()
        if not getattr(view, "allow_expired_password", False) and security_settings.password_expired(user):
            # Raised rather than returned so the answer says why (403 password_expired), as for session users.
            raise PasswordExpired()
        if not _handles(view, request.method):
            return True  # DRF answers 405
        try:
            require_declared(user, view, request.method)
        except Forbidden as exc:  # DRF's own refusal, so OPTIONS leaves out what the user may not do
            raise exceptions.PermissionDenied(user_message(exc), code=exc.code) from exc
        return True
