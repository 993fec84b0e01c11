"""The data interface (数据接口) for the province's own systems: the pupils of a client's scope with the items of
its field profile, and the change feed. Read-only; every call is counted against the client's rate limit and
written to the audit log (endpoint, status, counts: never the data). Thin: selectors read, services count, stamp
and audit; presenting.py shapes a pupil."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.core.capabilities import requires
from xueji.core.crypto import hmac_sm3
from xueji.interface import selectors, services
from xueji.interface.api.authentication import ClientAuthentication, given_client_id
from xueji.interface.models import ApiClient
from xueji.interface.presenting import presenter_of, pupil_data

# Each answer to a client carries the HMAC-SM3 (hex) of its exact body under the client's own secret, the one the
# call presented (SECURITY.md row 22): the client checks it before using the data.
SIGNATURE_HEADER = "X-Xueji-Signature"


def body_signature(secret: bytes, body: bytes) -> str:
    return "hmac-sm3=" + hmac_sm3(secret, body).hex()


_PUPIL = serializers.JSONField(help_text="the items of the client's field profile, with `id` and `updated_at`; "
                                         "personal items masked unless the profile unmasks them")


class _ClientApi(APIView):
    """A call of a registered client: its credentials (a user's session is refused: 403), its rate limit, its
    audit row."""

    authentication_classes = [ClientAuthentication, SessionAuthentication]
    endpoint = ""

    def initial(self, request, *args, **kwargs):
        self.audit_count, self.audit_extra = None, {}
        super().initial(request, *args, **kwargs)
        services.client_throttle(client=request.auth)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = getattr(request, "_auth", None)
        if isinstance(client, ApiClient):
            services.call_record(client=client, endpoint=self.endpoint, status=response.status_code,
                                 count=getattr(self, "audit_count", None), extra=getattr(self, "audit_extra", None))
        elif response.status_code == 401 and (named := given_client_id(request)):
            services.call_refused(client_id=named, endpoint=self.endpoint, status=401)
        if response.status_code == 429 and isinstance(response.data, dict):
            response["Retry-After"] = str((response.data.get("details") or {}).get("retry_after", 60))
        key = getattr(request.user, "response_key", None) if isinstance(client, ApiClient) else None
        if key:
            response.render()
            response[SIGNATURE_HEADER] = body_signature(key, response.content)
        return response

    def limit(self, request) -> int:
        return selectors.check_cursor(request.query_params.get("limit", "100"), name="limit", code="bad_limit",
                                      low=1, high=settings.XUEJI_INTERFACE_MAX_PAGE)


@requires(get=Cap.INTERFACE_READ)
class PupilListApi(_ClientApi):
    """学生列表: the registered pupils of the client's scope in id order, a page after `after` (0 first). Start a sync
    here: `feed_cursor` is where the change feed continues once every page is read."""

    endpoint = "pupils"

    @extend_schema(operation_id="interface_pupil_list",
                   parameters=[OpenApiParameter("after", int), OpenApiParameter("limit", int)],
                   responses=inline_serializer("InterfacePupilPage", {
                       "results": serializers.ListField(child=_PUPIL), "next_after": serializers.IntegerField(
                           allow_null=True), "feed_cursor": serializers.IntegerField()}))
    def get(self, request):
        after = selectors.check_cursor(request.query_params.get("after", "0"), name="after")
        limit = self.limit(request)
        services.changes_stamp()
        head = selectors.feed_head()  # before the read: what changes during it comes again in the feed
        pupils = selectors.pupil_page(principal=request.user, after=after, limit=limit)
        shown = presenter_of(request.auth)
        self.audit_count, self.audit_extra = len(pupils), {"after": after}
        return Response({"results": [pupil_data(p, request.auth, shown) for p in pupils],
                         "next_after": pupils[-1].pk if len(pupils) == limit else None, "feed_cursor": head})


@requires(get=Cap.INTERFACE_READ)
class PupilDetailApi(_ClientApi):
    """One pupil of the client's scope (404 outside it, as for an absent one)."""

    endpoint = "pupil"

    @extend_schema(operation_id="interface_pupil_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        self.audit_extra = {"id": pk}
        pupil = selectors.pupil_get(principal=request.user, pk=pk)
        self.audit_count = 1
        return Response(pupil_data(pupil, request.auth))


@requires(get=Cap.INTERFACE_READ)
class ChangeFeedApi(_ClientApi):
    """变更订阅: every change of the client's pupils after `cursor`, in order: `created`, `updated` (with the pupil's
    current items) or `deleted` (deleted, or gone out of the scope or the registered records: only `id`). Call again
    with `next_cursor` while `has_more`; a cursor is never followed by a lower one."""

    endpoint = "changes"

    @extend_schema(operation_id="interface_changes",
                   parameters=[OpenApiParameter("cursor", int), OpenApiParameter("limit", int)],
                   responses=inline_serializer("InterfaceChangePage", {
                       "changes": serializers.ListField(child=inline_serializer("InterfaceChange", {
                           "cursor": serializers.IntegerField(), "op": serializers.CharField(),
                           "id": serializers.IntegerField(), "pupil": _PUPIL})),
                       "next_cursor": serializers.IntegerField(), "has_more": serializers.BooleanField()}))
    def get(self, request):
        cursor = selectors.check_cursor(request.query_params.get("cursor", "0"))
        limit = self.limit(request)
        services.changes_stamp()
        page = selectors.change_page(principal=request.user, cursor=cursor, limit=limit)
        shown = presenter_of(request.auth)
        self.audit_count = len(page.entries)
        self.audit_extra = {"cursor": cursor, "next_cursor": page.next_cursor}
        return Response({
            "changes": [{"cursor": e["cursor"], "op": e["op"], "id": e["id"],
                         "pupil": pupil_data(e["pupil"], request.auth, shown) if e["pupil"] else None}
                        for e in page.entries],
            "next_cursor": page.next_cursor, "has_more": page.has_more})
