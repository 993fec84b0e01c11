from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from xueji.core.api import SelectorMixin
from xueji.core.errors import NotFound
from xueji.jobs import selectors
from xueji.jobs.models import Job
from xueji.jobs.services import result_file_path


class JobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    has_result_file = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "kind", "title", "status", "progress", "log", "result", "error", "has_result_file",
                  "created_by", "created_at", "started_at", "finished_at"]

    def get_has_result_file(self, obj) -> bool:
        return bool(obj.result_file)


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in ("status", "kind", "mine")]))
class JobListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = JobSerializer
    list_selector = selectors.job_list
    filter_params = ("status", "kind", "mine")


class JobDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = JobSerializer
    get_selector = selectors.job_get


class JobDownloadApi(SelectorMixin, generics.GenericAPIView):
    get_selector = selectors.job_get

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        job = self.get_object()
        path = result_file_path(job)
        if path is None:
            raise NotFound("This job has no result file.")
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
