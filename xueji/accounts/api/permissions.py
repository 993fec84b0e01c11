from django.conf import settings
from rest_framework.permissions import BasePermission

from xueji.accounts.permissions import has_cap


class IsActiveUser(BasePermission):
    """Authenticated, placed in an org unit, and with a current password (token users included)."""

    message = "The password has expired or was reset; change it at /api/v1/auth/password/ first."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "allow_expired_password", False):
            return True
        return not user.password_expired(settings.XUEJI_PASSWORD_MAX_AGE_DAYS)


def HasCap(cap):  # noqa: N802 - reads like a class in permission_classes
    class _HasCap(BasePermission):
        message = f"Your roles do not allow this operation ({cap})."

        def has_permission(self, request, view):
            return has_cap(request.user, cap)

    _HasCap.__name__ = f"HasCap_{cap}"
    return _HasCap
