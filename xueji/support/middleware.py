"""Presence: the last request of a support person or a messaging user, written at most once a minute per user and
worker process (a cache key guards the write, so most requests cost nothing). A conversation page's poll counts:
a user with a conversation open is online."""

from django.conf import settings

from xueji.support.services import presence_touch


class PresenceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(settings, "XUEJI_SUPPORT_PRESENCE", True) and getattr(user, "is_authenticated", False):
            if getattr(user, "org_unit", None) is not None:
                presence_touch(user=user)
        return response
