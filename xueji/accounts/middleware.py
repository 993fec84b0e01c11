from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from xueji.accounts.api.permissions import PASSWORD_EXPIRED_MESSAGE

ALLOWED_PREFIXES = ("/static/", "/i18n/")


class PasswordPolicyMiddleware:
    """A user whose password expired (or was reset) may only change it, log out, or switch language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and \
                user.password_expired(settings.XUEJI_PASSWORD_MAX_AGE_DAYS):
            # /api/v1/me/ stays open so a client can learn why it is refused (`password_expired` there).
            allowed = {reverse("web:password_change"), reverse("web:logout"), reverse("api:password-change"),
                       reverse("api:me")}
            if request.path not in allowed and not request.path.startswith(ALLOWED_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse({"code": "password_expired", "message": PASSWORD_EXPIRED_MESSAGE},
                                        status=403)
                return redirect("web:password_change")
        return self.get_response(request)
