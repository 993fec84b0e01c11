import uuid

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from xueji.core import context


def client_ip(request) -> str | None:
    # Behind nginx, set XUEJI_TRUST_X_FORWARDED_FOR; otherwise the header is forgeable and ignored.
    if getattr(settings, "XUEJI_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming[:64] if incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestSizeLimitMiddleware:
    """Refuse oversized bodies before anything reads them (Django's upload settings are thresholds)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.XUEJI_MAX_REQUEST_BYTES
        if length > limit:
            message = _("The request is too large: %(size)d MB, the limit is %(limit)d MB.") % {
                "size": length // (1024 * 1024), "limit": limit // (1024 * 1024)}
            return JsonResponse({"code": "request_too_large", "message": message}, status=413,
                                json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)
