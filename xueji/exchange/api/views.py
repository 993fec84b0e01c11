"""Bulk import API: upload a file (202 + the batch; a job does the work), follow it, download the error report,
download the template."""

from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import requires
from xueji.core.errors import ValidationFailed
from xueji.exchange import selectors, services
from xueji.exchange.filters import ImportBatchFilterSet
from xueji.exchange.models import ImportBatch, ImportKind
from xueji.exchange.uploads import check_size, import_max_bytes, upload_handlers

# Multipart overhead besides the file itself (boundaries, part headers, the "kind" field).
MULTIPART_SLACK = 64 * 1024


class ImportBatchSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    progress = serializers.SerializerMethodField()
    has_error_report = serializers.SerializerMethodField()
    outcome = serializers.CharField(read_only=True)  # a finished import that imported nothing is "nothing"

    class Meta:
        model = ImportBatch
        fields = ["id", "school", "school_name", "kind", "status", "file_name", "file_size", "file_type", "sha256",
                  "encoding", "total_rows", "valid_rows", "invalid_rows", "duplicate_rows", "already_imported_rows",
                  "error_count", "has_error_report", "outcome", "warnings", "failure", "timings", "job", "progress",
                  "created_by", "created_at", "started_at", "finished_at"]

    def get_progress(self, obj) -> int:
        if obj.is_finished:
            return 100
        return obj.job.progress if obj.job_id else 0

    def get_has_error_report(self, obj) -> bool:
        return bool(obj.error_report)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=".xlsx (from the template) or .csv (UTF-8, UTF-8 with BOM, GB18030/GBK)")
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.ENROLLED)


def _limit_user(request):
    user = getattr(request, "_user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        user = getattr(request._request, "user", None)
    return user


@requires(get=Cap.STUDENT_VIEW, post=Cap.STUDENT_IMPORT)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in ImportBatchFilterSet.base_filters]))
class ImportBatchListApi(SelectorMixin, generics.ListCreateAPIView):
    """GET: imports into the schools of your jurisdiction. POST (school registrar): upload a file into your
    school; answers 202 with the batch, whose job runs the import (follow `progress` and `status`)."""

    serializer_class = ImportBatchSerializer
    list_selector = selectors.import_batch_list
    list_filters = ImportBatchFilterSet
    parser_classes = [MultiPartParser]
    accepts_large_uploads = True  # the body limit is the province's import.max_bytes, checked here

    def _upload_limit(self, request) -> int:
        user = _limit_user(request)
        return import_max_bytes(getattr(user, "org_unit", None))

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            # Before anything parses the body (session CSRF checks read POST): file parts stream to disk and stop
            # at the limit; nothing is held in memory.
            request._request.upload_handlers = upload_handlers(request._request,
                                                               limit=lambda: self._upload_limit(request))
        super().initial(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={202: ImportBatchSerializer})
    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = self._upload_limit(request)
        if length > limit + MULTIPART_SLACK:
            check_size(length, limit)  # refused before the body is read
        school = getattr(request.user.org_unit, "school", None)
        if school is None:
            raise ValidationFailed("Only a school imports pupils, into itself.", code="school_only")
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.import_start(actor=request.user, school=school, upload=data.validated_data["file"],
                                      kind=data.validated_data["kind"])
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


@requires(Cap.STUDENT_VIEW)
class ImportBatchDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = ImportBatchSerializer
    get_selector = selectors.import_batch_get


@requires(Cap.STUDENT_VIEW_ID)  # the report holds the rows as typed, full IDs included
class ImportErrorReportApi(SelectorMixin, generics.GenericAPIView):
    """The error report (xlsx): row number as in the file, column, reason, and the row as it was typed."""

    get_selector = selectors.import_batch_get

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                              OpenApiTypes.BINARY})
    def get(self, request, pk):
        batch, path = services.import_error_report_download(actor=request.user, pk=pk)
        stem = batch.file_name.rsplit(".", 1)[0][:80]
        return FileResponse(path.open("rb"), as_attachment=True, filename=f"{stem}-错误报告.xlsx")


class FormatIsTheFileType(DefaultContentNegotiation):
    """?format= names the template's file type here, not a DRF renderer; errors answer in JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@requires(Cap.STUDENT_IMPORT)
class ImportTemplateApi(generics.GenericAPIView):
    """The import template of your school: ?format=xlsx (default) or csv."""

    content_negotiation_class = FormatIsTheFileType

    @extend_schema(parameters=[OpenApiParameter("format", enum=["xlsx", "csv"])],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request):
        fmt = request.query_params.get("format", "xlsx")
        school = getattr(request.user.org_unit, "school", None)
        if school is None:
            raise ValidationFailed("Only a school imports pupils, into itself.", code="school_only")
        content = services.import_template(actor=request.user, school=school, fmt=fmt)
        if fmt == "csv":
            response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        filename = f"学生信息导入模板.{fmt}"
        response["Content-Disposition"] = f"attachment; filename=\"import-template.{fmt}\"; " \
                                          f"filename*=UTF-8''{quote(filename)}"
        return response
