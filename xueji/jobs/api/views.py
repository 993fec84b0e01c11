from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import requires
from xueji.jobs import selectors, services
from xueji.jobs.filters import JobFilterSet
from xueji.jobs.models import Job


class JobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    has_result_file = serializers.SerializerMethodField()
    file_state = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    rerun_of = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Job
        fields = ["id", "kind", "title", "status", "progress", "log", "result", "error", "error_code",
                  "has_result_file", "file_state", "file_expires_at", "rerun_of", "created_by", "created_at",
                  "started_at", "finished_at", "heartbeat_at"]

    def get_has_result_file(self, obj) -> bool:
        return bool(obj.result_file)

    def get_file_state(self, obj) -> str:
        """ready (this user may download it) | forbidden | expired | none."""
        request = self.context.get("request")
        return selectors.file_state(request.user, obj) if request is not None else "none"

    def get_error(self, obj) -> str:
        """A short message for the user; the traceback stays in the server log."""
        return selectors.job_error_message(obj)


class _Reaping:
    """Reading jobs also runs the reaper (throttled): with the worker dead, nothing else would."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        services.job_reap_if_due()


@requires(Cap.JOB_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in JobFilterSet.base_filters]))
class JobListApi(_Reaping, SelectorMixin, generics.ListAPIView):
    serializer_class = JobSerializer
    list_selector = selectors.job_list
    list_filters = JobFilterSet


@requires(Cap.JOB_VIEW)
class JobDetailApi(_Reaping, SelectorMixin, generics.RetrieveAPIView):
    serializer_class = JobSerializer
    get_selector = selectors.job_get


@requires(Cap.JOB_VIEW)  # and the file's own rule (file_readable): a file with full IDs needs them
class JobDownloadApi(SelectorMixin, generics.GenericAPIView):
    get_selector = selectors.job_get

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        _job, path = services.job_file_download(actor=request.user, pk=pk)
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@requires(Cap.JOB_VIEW)
class JobRerunApi(SelectorMixin, generics.GenericAPIView):
    """Run an interrupted or failed job again (重新运行): 201 with the new job."""

    get_selector = selectors.job_get
    serializer_class = JobSerializer

    @extend_schema(request=None, responses={201: JobSerializer})
    def post(self, request, pk):
        job = services.job_rerun(actor=request.user, job=self.get_object())
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)
