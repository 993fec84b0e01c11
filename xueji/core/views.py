"""Answers for URLs that match no route: JSON under /api/, the site's 404 page elsewhere."""

from django.http import JsonResponse
from django.views import defaults


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "No such API endpoint or object."}, status=404)
    return defaults.page_not_found(request, exception)
