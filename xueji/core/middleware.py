import ipaddress
import uuid

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from xueji.core import context


def client_ip(request) -> str | None:
    """The client's address. Behind N trusted proxies (XUEJI_TRUSTED_PROXIES, e.g. 1 for the documented nginx)
    it is the Nth address from the right of X-Forwarded-For: each proxy appends the peer it saw, so the
    right end is written by our proxies and everything to its left is whatever the client sent. With 0
    (the default) the header is ignored and the peer address (REMOTE_ADDR) counts."""
    peer = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "XUEJI_TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return peer
    # Fewer hops than proxies: every hop was written by one of ours, the left-most is the client.
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # a malformed hop never reaches the audit log's address column
        return peer


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming[:64] if incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        deferred = context.open_deferred()
        try:
            response = self.get_response(request)
            context.run_deferred(request)  # after the view's transactions: e.g. the audit of a refused upload
        finally:
            context.close_deferred(deferred)
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _accepts_large_uploads(request) -> bool:
    """Views that take big files (bulk import) set `accepts_large_uploads = True` and enforce their own limit
    (from policy) before reading the body; for them the ceiling is XUEJI_MAX_UPLOAD_BYTES instead."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None) or match.func
    return bool(getattr(view, "accepts_large_uploads", False))


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
        if length > limit and _accepts_large_uploads(request):
            limit = settings.XUEJI_MAX_UPLOAD_BYTES
        if length > limit:
            # This runs before LocaleMiddleware: answer in the language the client asked for all the same.
            with translation.override(translation.get_language_from_request(request)):
                message = _("The request is too large: %(size)s; the limit is %(limit)s.") % {
                    "size": filesizeformat(length), "limit": filesizeformat(limit)}
            return JsonResponse({"code": "request_too_large", "message": message}, status=413,
                                json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)


class NulByteGuardMiddleware:
    """Refuse a NUL byte in the query string with a precise 400 (PostgreSQL text cannot hold one: a filter
    carrying it would fail deep in the database driver as a 500). Bodies are checked by the forms and
    serializers (Django's and DRF's CharFields refuse NUL characters)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = sorted({key for key, values in request.GET.lists() if "\x00" in key or any("\x00" in v for v in values)})
        if not bad:
            return self.get_response(request)
        with translation.override(translation.get_language_from_request(request)):
            message = _("A query parameter contains a NUL character: %(names)s.") % {
                "names": ", ".join(name.replace("\x00", "\\0") for name in bad)}
            field_message = _("NUL characters are not allowed.")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "invalid", "message": message,
                                 "details": {name.replace("\x00", "\\0"): [field_message] for name in bad}},
                                status=400, json_dumps_params={"ensure_ascii": False})
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class ServiceUnavailableMiddleware:
    """The one mapping of `ServiceUnavailable` (the audit log cannot be written, control 15) for pages: a 503 page
    (the API's handler answers its own body). The operation's transaction has rolled back: nothing was done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from xueji.core.errors import ServiceUnavailable

        if not isinstance(exception, ServiceUnavailable):
            return None
        from django.template.loader import render_to_string

        from xueji.core.api import UNAVAILABLE_WORDS

        if request.path.startswith("/api/"):
            return JsonResponse({"code": exception.code, "message": str(UNAVAILABLE_WORDS)}, status=503,
                                json_dumps_params={"ensure_ascii": False})
        body = render_to_string("503.html", {"message": UNAVAILABLE_WORDS,
                                             "request_id": getattr(request, "request_id", "")})
        return HttpResponse(body, status=503)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every answer, and `Cache-Control: no-store` on every answer this code makes (pages,
    API answers, downloads: they hold personal data, and neither a proxy nor the browser's cache may keep them).
    Static files are answered before this middleware (whitenoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.XUEJI_PERMISSIONS_POLICY)
        if not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, no_store=True, private=True)
        return response


class QueryCountMiddleware:
    """Benchmarks only (settings XUEJI_QUERY_COUNT_HEADER, off by default): the number of SQL queries a request made
    and their database time, as response headers X-Queries and X-Query-Ms (bench/load.py reads them). With
    XUEJI_SLOW_REQUEST_MS, each request slower than that is logged (logger "xueji.slow", one JSON line): its path,
    time, CPU time, queries, database time, the garbage collector's pauses and its slowest queries, to find the
    cause of a tail."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.slow_ms = getattr(settings, "XUEJI_SLOW_REQUEST_MS", 0)

    def __call__(self, request):
        import time

        from django.db import connection

        stats = {"count": 0, "seconds": 0.0}
        slow_ms = self.slow_ms
        queries = [] if slow_ms else None

        def counted(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                took = time.perf_counter() - began
                stats["count"] += 1
                stats["seconds"] += took
                if queries is not None:
                    queries.append((took, sql))

        if slow_ms:
            return self._timed(request, counted, stats, queries)
        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Queries"] = str(stats["count"])
        response["X-Query-Ms"] = f"{stats['seconds'] * 1000:.1f}"
        return response

    def _timed(self, request, counted, stats, queries):
        import gc
        import json
        import logging
        import os
        import time

        from django.db import connection

        pauses = []

        def collected(phase, info):
            if phase == "start":
                pauses.append([time.perf_counter(), info.get("generation")])
            elif pauses:
                pauses[-1][0] = time.perf_counter() - pauses[-1][0]

        gc.callbacks.append(collected)
        began, cpu = time.perf_counter(), time.process_time()
        try:
            with connection.execute_wrapper(counted):
                response = self.get_response(request)
        finally:
            gc.callbacks.remove(collected)
        ms = (time.perf_counter() - began) * 1000
        response["X-Queries"] = str(stats["count"])
        response["X-Query-Ms"] = f"{stats['seconds'] * 1000:.1f}"
        if ms >= self.slow_ms:
            logging.getLogger("xueji.slow").warning(json.dumps({
                "at": time.time(), "pid": os.getpid(), "path": request.get_full_path(), "ms": round(ms, 1),
                "cpu_ms": round((time.process_time() - cpu) * 1000, 1), "queries": stats["count"],
                "db_ms": round(stats["seconds"] * 1000, 1),
                "gc": [(round(p * 1000, 1), g) for p, g in pauses],
                "slowest": [(round(t * 1000, 1), sql[:400]) for t, sql in sorted(queries, reverse=True)[:3]]},
                ensure_ascii=False))
        return response
