"""Answers for URLs that match no route and for unexpected errors: JSON under /api/, the site's pages elsewhere."""

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "No such API endpoint or object."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """An unexpected error (also a database that does not answer): under /api/ the API's error body, never the HTML
    page. Touches nothing that could fail again (no database, no templates); the traceback is in the log."""
    if request.path.startswith("/api/"):
        with translation.override(translation.get_language_from_request(request)):
            message = _("An internal error occurred. Administrators find the details in the server log under "
                        "request %(request_id)s.") % {"request_id": getattr(request, "request_id", "-")}
        return JsonResponse({"code": "server_error", "message": message,
                             "request_id": getattr(request, "request_id", "")}, status=500,
                            json_dumps_params={"ensure_ascii": False})
    return defaults.server_error(request)


def bad_request(request, exception=None):
    """A request Django refuses before any view (a host not in ALLOWED_HOSTS, a malformed cookie or upload)."""
    if request.path.startswith("/api/"):
        with translation.override(translation.get_language_from_request(request)):
            message = _("The request is invalid.")
        return JsonResponse({"code": "bad_request", "message": message}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    return defaults.bad_request(request, exception)
