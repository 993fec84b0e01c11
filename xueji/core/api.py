"""Shared REST plumbing: one error mapping, pagination, and the base for thin API views."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from xueji.core import versions
from xueji.core.errors import ServiceUnavailable, XuejiError
from xueji.core.messages import user_message
from xueji.core.paging import Total, capped_count, capped_page_size, max_page_size
from xueji.core.signals import access_denied


class Pagination(PageNumberPagination):
    """Every API list's pages (?page=, ?page_size=), without a COUNT over the whole list: a page reads page_size + 1
    rows (the extra one says whether a next page exists). The body keeps DRF's shape, {"count", "next",
    "previous", "results"}, with `count_exact`: the view's own total when it has one that costs no COUNT
    (`list_total()`, e.g. the student list's from the pupil counts), else a COUNT over at most COUNT_CAP rows,
    `count_exact: false` beyond (at least `count`). A page past the end answers 404 (as before)."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # read per request: XUEJI_MAX_PAGE_SIZE is a deployment setting
        return max_page_size()

    def get_page_size(self, request):
        return capped_page_size(super().get_page_size(request))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        try:
            self.number = max(1, int(request.query_params.get(self.page_query_param, 1)))
        except (TypeError, ValueError):
            raise drf_exceptions.NotFound(_("Invalid page.")) from None
        start = (self.number - 1) * size
        rows = list(queryset[start:start + size + 1])
        if not rows and self.number > 1:
            raise drf_exceptions.NotFound(_("Invalid page."))
        self.has_next = len(rows) > size
        rows = rows[:size]
        total = getattr(view, "list_total", None)
        total = total() if total is not None else None
        if total is None:
            total = Total(start + len(rows)) if not self.has_next else capped_count(queryset)
        if self.has_next and total.exact and total <= start + len(rows):  # a stale summary: never below the pages
            total = Total(start + len(rows) + 1, exact=False)
        self.total = total
        return rows

    def _link(self, number: int) -> str:
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, number) if number > 1 else \
            remove_query_param(url, self.page_query_param)

    def get_next_link(self):
        return self._link(self.number + 1) if self.has_next else None

    def get_previous_link(self):
        return self._link(self.number - 1) if self.number > 1 else None

    def get_paginated_response(self, data):
        return Response({"count": int(self.total), "count_exact": self.total.exact, "next": self.get_next_link(),
                         "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count_exact"] = {
            "type": "boolean", "example": True,
            "description": "false: the list holds at least `count` rows (counted up to a cap, not to the end)"}
        described["properties"]["count"]["description"] = "rows in the list (at least this many if not count_exact)"
        return described


UNAVAILABLE_WORDS = _("The audit log cannot be written just now, so this operation was not carried out. Try again "
                      "later; the system administrator finds the details in the server log.")

# Refusals that are not access denials: the client must sign in or change its password first.
_NOT_DENIALS = {"not_authenticated", "authentication_failed", "password_expired"}


def _audit_denial(exc, context) -> None:
    """403 and 404 answers to a signed-in user are audited (the audit app receives `access_denied`)."""
    if isinstance(exc, XuejiError):
        status, code = exc.status_code, exc.code
    elif isinstance(exc, Http404):
        status, code = 404, "not_found"
    elif isinstance(exc, PermissionDenied | drf_exceptions.PermissionDenied):
        status, code = 403, getattr(exc, "default_code", "permission_denied")
        if isinstance(exc, drf_exceptions.APIException) and isinstance(exc.get_codes(), str):
            code = exc.get_codes()
    else:
        return
    request = context.get("request")
    if status in (403, 404) and code not in _NOT_DENIALS and request is not None:
        access_denied.send(sender=exception_handler, actor=request.user, path=request.path, method=request.method,
                           status=status, code=code)


def exception_handler(exc, context):
    """Every API error has the same body: {"code", "message", ["field"], ["details"]}."""
    if isinstance(exc, ServiceUnavailable):  # the audit log cannot be written: nothing was done (control 15)
        return Response({"code": exc.code, "message": str(UNAVAILABLE_WORDS)}, status=exc.status_code)
    _audit_denial(exc, context)
    if isinstance(exc, XuejiError):  # the same words as the pages, in the request's language (Accept-Language)
        return Response(exc.as_dict(message=user_message(exc)), status=exc.status_code)
    if isinstance(exc, Http404):
        return Response({"code": "not_found", "message": str(_("Not found."))}, status=404)
    if isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError | drf_exceptions.ParseError):
        # Malformed JSON, wrong types and missing fields share one shape: details maps field -> messages.
        details = response.data
        if isinstance(exc, drf_exceptions.ParseError):
            details = {api_settings.NON_FIELD_ERRORS_KEY: [str(exc.detail)]}
        elif not isinstance(details, dict):
            details = {api_settings.NON_FIELD_ERRORS_KEY: details if isinstance(details, list) else [details]}
        response.data = {"code": "invalid", "message": str(_("The request is invalid.")), "details": details}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = exc.get_codes() if isinstance(exc, drf_exceptions.APIException) else None
        response.data = {"code": code if isinstance(code, str) else getattr(exc, "default_code", "error"),
                         "message": str(detail)}
    return response


class SelectorMixin:
    """Thin API views: reads go through a selector that starts from the user's jurisdiction.

    Subclasses set `list_selector` (fn(*, user, filters)) and/or `get_selector` (fn(*, user, pk)). A list's
    filters are its app's FilterSet (`list_filters`, the one its page uses too), or older `filter_params` names.
    """

    list_selector = None
    get_selector = None
    list_filters = None  # a xueji.core.filters.ListFilterSet: checked here, applied by the selector
    filter_params: tuple[str, ...] = ()

    def filters(self) -> dict:
        if self.list_filters is not None:
            return self.list_filters(self.request.query_params).values()
        return {k: v for k in self.filter_params if (v := self.request.query_params.get(k)) not in (None, "")}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no selector call
            return self.get_serializer_class().Meta.model.objects.none()
        return type(self).list_selector(user=self.request.user, filters=self.filters())

    def get_object(self):
        return type(self).get_selector(user=self.request.user, pk=self.kwargs["pk"])


class VersionedMixin:
    """An edit API whose object carries a version (SECURITY.md row 38, `core.versions`): its GET answers with the
    object's ETag; its edit reads `If-Match` (`self.if_match()`) for the service, and answers with the new ETag
    (`self.versioned(response, obj)`). `object_version` says what the version covers (default: the row)."""

    def object_version(self, obj) -> str:
        return versions.version_of(obj)

    def if_match(self) -> str | None:
        return versions.if_match(self.request)

    def versioned(self, response, obj):
        return versions.with_etag(response, self.object_version(obj))

    def retrieve(self, request, *args, **kwargs):  # a RetrieveAPIView's GET
        obj = self.get_object()
        return self.versioned(Response(self.get_serializer(obj).data), obj)


@extend_schema_field(OpenApiTypes.STR)
class VersionSerializerField(serializers.Field):
    """The object's version (`core.versions.version_of` of the row) as a read-only `version` item of an answer: what
    an edit without a GET of its own (a list's items) sends back in If-Match."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault("help_text", "the version to send back in If-Match (ETag without the quotes)")
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return versions.version_of(value)
