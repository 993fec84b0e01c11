"""Support staff's presence: the last request of a user who answers support questions, written at most once a
minute per user (a cache key guards the write, so most requests cost nothing)."""

from django.conf import settings

from xueji.support.services import presence_touch


class PresenceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(settings, "XUEJI_SUPPORT_PRESENCE", True) and getattr(user, "is_authenticated", False):
            unit = getattr(user, "org_unit", None)
            if unit is not None and unit.is_authority:
                presence_touch(user=user)
        return response
