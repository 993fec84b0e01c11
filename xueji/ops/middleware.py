"""Every request counted for /metrics (by view, method and status, with its latency), and the slow-request log:
a request slower than XUEJI_SLOW_REQUEST_MS (0: off) is logged on logger "xueji.slow_request" as one JSON line with
its view, path, status, time, number of SQL queries and their time, and the request id."""

import json
import logging
import time

from django.conf import settings
from django.db import connection

from xueji.ops import metrics

logger = logging.getLogger("xueji.slow_request")


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"  # 404s and static files: one label, not one per path
    return (match.view_name or "unnamed")[:100]


class OpsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        slow_ms = getattr(settings, "XUEJI_SLOW_REQUEST_MS", 0)
        stats = {"count": 0, "seconds": 0.0}

        def counted(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                stats["count"] += 1
                stats["seconds"] += time.perf_counter() - began

        began = time.perf_counter()
        if slow_ms:
            with connection.execute_wrapper(counted):
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        took = time.perf_counter() - began
        view = _view_name(request)
        try:
            metrics.REQUESTS.labels(view=view, method=request.method, status=str(response.status_code)).inc()
            metrics.LATENCY.labels(view=view).observe(took)
        except Exception:  # metrics never break a request
            logging.getLogger(__name__).exception("metrics: could not count the request")
        if slow_ms and took * 1000 >= slow_ms:
            metrics.SLOW.labels(view=view).inc()
            logger.warning(json.dumps({
                "slow_request": True, "view": view, "path": request.path[:300], "method": request.method,
                "status": response.status_code, "ms": round(took * 1000, 1), "queries": stats["count"],
                "query_ms": round(stats["seconds"] * 1000, 1),
                "request_id": getattr(request, "request_id", "")}, ensure_ascii=False))
        return response
