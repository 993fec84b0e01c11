"""Identity verification API: run a check through the register adapter, export the file for the population
register and import its answers, list batches, and load the local population register (province registrar)."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import requires
from xueji.jobs.api.views import JobSerializer
from xueji.regions.selectors import org_unit_get
from xueji.verification import selectors, services
from xueji.verification.filters import BatchFilterSet
from xueji.verification.models import VerificationBatch


class ScopeSerializer(serializers.Serializer):
    org_unit = serializers.IntegerField(required=False, help_text="the part of your jurisdiction to check "
                                                                    "(default: all of it)")


def _scope(request):
    data = ScopeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    org_unit = data.validated_data.get("org_unit")
    return org_unit_get(user=request.user, pk=org_unit) if org_unit else None


@requires(Cap.VERIFY_RUN)
class VerificationRunApi(generics.GenericAPIView):
    """Check the unverified registered pupils of the scope through the register adapter; ID errors become
    problem records, cleared pupils get their final number (G, or J without usable ID). A job."""

    serializer_class = ScopeSerializer

    @extend_schema(request=ScopeSerializer, responses={202: JobSerializer})
    def post(self, request):
        job = services.verification_start(actor=request.user, org_unit=_scope(request))
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@requires(Cap.VERIFY_RUN)
class VerificationExportApi(generics.GenericAPIView):
    """Write the file of pupils to check for the population register (CSV: reference, id_number, name; audited).
    When the job has finished, download it from api:verification-batch-file (the job's result names the batch)."""

    serializer_class = ScopeSerializer

    @extend_schema(request=ScopeSerializer, responses={202: JobSerializer})
    def post(self, request):
        job = services.verification_export_start(actor=request.user, org_unit=_scope(request))
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class BatchSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = VerificationBatch
        fields = ["id", "org_unit", "org_unit_name", "mode", "status", "total", "answered", "counts", "job",
                  "created_by", "created_at", "finished_at"]


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in BatchFilterSet.base_filters]))
@requires(Cap.VERIFY_RUN)
class VerificationBatchListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = BatchSerializer
    list_selector = selectors.batch_list
    list_filters = BatchFilterSet


@requires(Cap.VERIFY_RUN)
class VerificationBatchDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = BatchSerializer
    get_selector = selectors.batch_get


@requires(Cap.VERIFY_RUN)
class VerificationBatchFileApi(SelectorMixin, generics.GenericAPIView):
    """Download the exported file of a batch (CSV: reference, id_number, name) for the population register. It
    holds full ID numbers: served only to those who run verification in the batch's scope, and audited."""

    get_selector = selectors.batch_get

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        path = services.batch_file_open(actor=request.user, batch=self.get_object())
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="text/csv")


class FileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8 or GB18030")


@requires(Cap.VERIFY_RUN)
class VerificationAnswersApi(SelectorMixin, generics.GenericAPIView):
    """Import the register's answer file of a batch (CSV: reference, id_number, result; result codes 1 verified,
    2 ID not found, 3 name mismatch). Applied by a job; refused rows are listed in its result file."""

    serializer_class = FileSerializer
    get_selector = selectors.batch_get
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": FileSerializer}, responses={202: JobSerializer})
    def post(self, request, pk):
        batch = self.get_object()
        data = FileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.answers_import_start(actor=request.user, batch=batch, upload=data.validated_data["file"])
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@requires(Cap.REGISTER_LOAD)
class RegisterLoadApi(generics.GenericAPIView):
    """Load the local population register from a CSV file (id_number,name[,sex,birth_date]): the province
    authority's registrar, since the register is province data. Upserts by ID number, in a job."""

    serializer_class = FileSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": FileSerializer}, responses={202: JobSerializer})
    def post(self, request):
        data = FileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.register_load_start(actor=request.user, upload=data.validated_data["file"])
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
