from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from django.views import i18n
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from xueji.core.capabilities import PUBLIC, SIGNED_IN, requires
from xueji.core.health import healthz
from xueji.ops.metrics import metrics

# The API docs (Swagger UI, ReDoc; signed-in users, no personal data) style themselves inline and ReDoc runs a
# blob: worker; their scripts are files all the same (the split Swagger view serves its set-up script as one).
_docs_csp = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"], "img-src": ["blob:"]})
# The views of others declare what they need here, on their callbacks (xueji/core/capabilities.py): the API docs
# are for signed-in users (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] checks it), the language switch for anyone.
_signed_in = requires(SIGNED_IN)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated once per API version and language in each process: it depends on the code
    only (every endpoint is listed, whoever asks: SERVE_PUBLIC), and one generation walks every endpoint (seconds)."""

    _generated: dict = {}

    def _get_schema_response(self, request):
        from django.utils.translation import get_language
        from rest_framework.response import Response

        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, get_language())
        if key not in self._generated:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            self._generated[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(data=self._generated[key],
                        headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'})


@requires(PUBLIC)
def set_language(request):
    """Django's language switch (django.views.i18n.set_language), under the name Django's i18n URLs give it."""
    return i18n.set_language(request)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),  # Prometheus; only from XUEJI_METRICS_ALLOWED or with the token
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", _signed_in(SchemaView.as_view()), name="schema"),
    path("api/docs/", _signed_in(_docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema"))),
         name="swagger-ui"),
    path("api/redoc/", _signed_in(_docs_csp(SpectacularRedocView.as_view(url_name="schema"))), name="redoc"),
    path("i18n/setlang/", set_language, name="set_language"),
    # the pages: each app's ui/urls.py, under its own namespace (`schools:school_list`)
    path("", include("xueji.ui.urls")),
    path("", include("xueji.accounts.ui.urls")),
    path("", include("xueji.regions.ui.urls")),
    path("", include("xueji.schools.ui.urls")),
    path("", include("xueji.registry.ui.urls")),
    path("", include("xueji.audit.ui.urls")),
    path("", include("xueji.jobs.ui.urls")),
    path("", include("xueji.workflow.ui.urls")),
    path("", include("xueji.policy.ui.urls")),
    path("", include("xueji.registration.ui.urls")),
    path("", include("xueji.verification.ui.urls")),
    path("", include("xueji.problems.ui.urls")),
    path("", include("xueji.changes.ui.urls")),
    path("", include("xueji.transfers.ui.urls")),
    path("", include("xueji.schoolyear.ui.urls")),
    path("", include("xueji.admissions.ui.urls")),
    path("", include("xueji.exchange.ui.urls")),
    path("", include("xueji.hub.ui.urls")),
    path("", include("xueji.interface.ui.urls")),
    path("", include("xueji.support.ui.urls")),
    path("", include("xueji.training.ui.urls")),
    path("", include("xueji.support.ui.platform_urls")),  # 平台账号, 服务统计
    path("", include("xueji.attendance.ui.urls")),
    path("", include("xueji.reports.ui.urls")),
    path("", include("xueji.ops.ui.urls")),
]

handler400 = "xueji.core.views.bad_request"
handler404 = "xueji.core.views.page_not_found"
handler500 = "xueji.core.views.server_error"
