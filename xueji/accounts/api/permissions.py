from django.conf import settings
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from xueji.accounts.permissions import Cap, has_cap

PASSWORD_EXPIRED_MESSAGE = ("The password has expired or was reset; change it at /api/v1/auth/password/ first.")


class PasswordExpired(exceptions.PermissionDenied):
    default_detail = PASSWORD_EXPIRED_MESSAGE
    default_code = "password_expired"


class IsActiveUser(BasePermission):
    """Authenticated, with a current password (token users included), and holding the capability the view
    names for the method in `required_caps` ({"post": Cap.CLASS_MANAGE}): checked before the body is read,
    so a user without it gets 403 whatever they send. Selectors and services check again."""

    message = PASSWORD_EXPIRED_MESSAGE

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "allow_expired_password", False):
            return True
        if user.password_expired(settings.XUEJI_PASSWORD_MAX_AGE_DAYS):
            # Raised rather than returned so the answer says why (403 password_expired), as for session users.
            raise PasswordExpired()
        cap: Cap | None = getattr(view, "required_caps", {}).get(request.method.lower())
        if cap is not None and not has_cap(user, cap):
            raise exceptions.PermissionDenied(f"Your roles do not allow this operation ({cap}).",
                                              code="permission_denied")
        return True


def HasCap(cap):  # noqa: N802 - reads like a class in permission_classes
    class _HasCap(BasePermission):
        message = f"Your roles do not allow this operation ({cap})."

        def has_permission(self, request, view):
            return has_cap(request.user, cap)

    _HasCap.__name__ = f"HasCap_{cap}"
    return _HasCap
