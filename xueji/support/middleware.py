"""Presence: the last request of a support person or a messaging user, written at most once a minute per user and
worker process (a cache key guards the write, so most requests cost nothing). A conversation page's poll counts:
a user with a conversation open is online.

The lean poll (xueji/support/polling.py): an idle conversation poll with a valid poll token answered near the top
of the stack, after one query."""

from django.conf import settings
from django.http import HttpResponse

from xueji.support import polling
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


class LeanPollMiddleware:
    """`GET /support/messages/<id>/poll/?after=<cursor>&t=<token>` with a genuine token for this session, its user
    still active and in the conversation with the same account hash, and nothing newer than the cursor: an empty
    204, without the rest of the stack. Anything else (news, no or a bad token, a revoked session, another path or
    method) goes on to Django unchanged. Placed right after SecurityMiddleware (its headers and HTTPS redirect)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and request.path_info.endswith("/poll/"):
            match = polling.PATH.match(request.path_info)
            if match is not None and self._idle(request, int(match.group(1))):
                response = HttpResponse(status=204)
                response["Cache-Control"] = "no-store"
                return response
        return self.get_response(request)

    @staticmethod
    def _idle(request, conversation_id: int) -> bool:
        return polling.idle(conversation_id=conversation_id, after=request.GET.get("after", ""),
                            token=request.GET.get("t", ""),
                            session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""))
