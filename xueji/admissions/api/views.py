"""Admission API (招生): plans (list; the office sets one by school, stage and year), a school's plan change and the
office's decision on it, the admission-results template and import, the admissions (录取名单), the duplicate
admissions held (重复招生) with the office's resolve, and the admission run (入学). Thin: selectors read, services
write."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.jurisdiction import access
from xueji.accounts.permissions import Cap
from xueji.admissions import catchment, entry, importing, selectors, services
from xueji.admissions.filters import AdmissionFilterSet, PlanFilterSet
from xueji.admissions.models import Admission, AdmissionBatch, AdmissionPlan, Catchment, Entry
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import requires
from xueji.exchange.api.views import FormatIsTheFileType
from xueji.registry.presenters import presenter_for
from xueji.schools.models import School
from xueji.workflow.api.views import RequestSerializer


class PlanSerializer(serializers.ModelSerializer):
    school_code = serializers.CharField(source="school.code", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    admitted = serializers.IntegerField(read_only=True, help_text="pupils the plan holds: admitted, held, in school")

    class Meta:
        model = AdmissionPlan
        fields = ["id", "school", "school_code", "school_name", "stage", "year", "quota", "admitted", "note",
                  "updated_at"]


class PlanSetSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    stage = serializers.CharField(max_length=1)
    year = serializers.IntegerField()
    quota = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


@requires(get=Cap.ADMISSION_VIEW, put=Cap.ADMISSION_MANAGE)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in PlanFilterSet.base_filters]))
class PlanListApi(SelectorMixin, generics.ListAPIView):
    """GET: the admission plans (招生计划) of the schools in your jurisdiction, with the pupils each holds. PUT (the
    admissions office): set a school's places for a stage and year (created or changed)."""

    serializer_class = PlanSerializer
    list_selector = selectors.plan_list
    list_filters = PlanFilterSet

    @extend_schema(request=PlanSetSerializer, responses=PlanSerializer)
    def put(self, request):
        data = PlanSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        school = access(School.objects.select_related("org_unit"), request.user, pk=values["school"])
        plan = services.plan_set(actor=request.user, school=school, stage=values["stage"], year=values["year"],
                                 quota=values["quota"], note=values["note"])
        plan = selectors.plan_list(user=request.user).get(pk=plan.pk)
        return Response(PlanSerializer(plan).data)


class PlanChangeSerializer(serializers.Serializer):
    stage = serializers.CharField(max_length=1)
    year = serializers.IntegerField()
    quota = serializers.IntegerField()
    reason = serializers.CharField(max_length=1000)


@requires(get=Cap.ADMISSION_VIEW, post=Cap.REQUEST_FILE)
class PlanChangeListApi(SelectorMixin, generics.ListAPIView):
    """GET: the plan changes (计划调整) in view. POST (a school's registrar): ask the admissions office to change
    the school's plan; approved by the office of the school's county."""

    serializer_class = RequestSerializer
    list_selector = staticmethod(lambda *, user, filters: selectors.plan_change_list(user=user))

    @extend_schema(request=PlanChangeSerializer, responses={201: RequestSerializer})
    def post(self, request):
        data = PlanChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filed = services.plan_change_file(actor=request.user, **data.validated_data)
        return Response(RequestSerializer(filed, context={"request": request}).data, status=status.HTTP_201_CREATED)


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


@requires(Cap.ADMISSION_MANAGE)
class PlanChangeDecideApi(APIView):
    """The admissions office approves a plan change it holds, or returns it with a reason."""

    @extend_schema(request=DecideSerializer, responses=RequestSerializer)
    def post(self, request, pk):
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filed = selectors.plan_change_get(user=request.user, pk=pk)
        decided = services.plan_change_decide(actor=request.user, request=filed, **data.validated_data)
        return Response(RequestSerializer(decided, context={"request": request}).data)


class BatchSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = AdmissionBatch
        fields = ["id", "org_unit", "org_unit_name", "year", "status", "file_name", "sha256", "total_rows",
                  "admitted_rows", "held_rows", "already_rows", "new_records", "error_count", "errors", "created_at"]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=".xlsx (from the template) or .csv")
    year = serializers.IntegerField(help_text="the admission year: the cohort of the entering classes")


@requires(Cap.ADMISSION_MANAGE)
class BatchListApi(SelectorMixin, generics.ListAPIView):
    """GET: the admission-results files your office imported. POST: import one (201 imported or unchanged; 200
    with status "refused" and every row error when any row fails: nothing is admitted then)."""

    serializer_class = BatchSerializer
    list_selector = staticmethod(lambda *, user, filters: selectors.batch_list(user=user))
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: BatchSerializer})
    def post(self, request):
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = importing.results_import(actor=request.user, upload=data.validated_data["file"],
                                         year=data.validated_data["year"])
        code = status.HTTP_200_OK if batch.status == "refused" else status.HTTP_201_CREATED
        return Response(BatchSerializer(batch).data, status=code)


@requires(Cap.ADMISSION_MANAGE)
class BatchDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = BatchSerializer
    get_selector = staticmethod(selectors.batch_get)


@requires(Cap.ADMISSION_MANAGE)
class TemplateApi(APIView):
    """The admission-results template (?format=xlsx, the default, or csv)."""

    content_negotiation_class = FormatIsTheFileType

    @extend_schema(parameters=[OpenApiParameter("format", enum=["xlsx", "csv"])],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request):
        fmt = request.query_params.get("format", "xlsx")
        body = importing.template(actor=request.user, fmt=fmt)
        kind = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(body, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="admission-template.{fmt}"'
        return response


class AdmissionSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    class_name = serializers.CharField(source="school_class.display_name", read_only=True)
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = Admission
        fields = ["id", "year", "stage", "school", "school_name", "school_class", "class_name", "student", "name",
                  "sex", "birth_date", "id_number", "status", "source", "batch", "row", "created_at", "enrolled_at"]

    def get_id_number(self, obj) -> str:
        return presenter_for(self.context["request"].user).id_number(obj.id_number)


@requires(Cap.ADMISSION_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in AdmissionFilterSet.base_filters]))
class AdmissionListApi(SelectorMixin, generics.ListAPIView):
    """录取名单: admissions into the schools of your jurisdiction (?status=held: the duplicate admissions)."""

    serializer_class = AdmissionSerializer
    list_selector = selectors.admission_list
    list_filters = AdmissionFilterSet


@requires(Cap.ADMISSION_MANAGE)
class AdmissionKeepApi(APIView):
    """重复招生: keep this admission of a pupil admitted by several schools; the others are withdrawn."""

    @extend_schema(request=None, responses=AdmissionSerializer)
    def post(self, request, pk):
        admission = selectors.admission_get(user=request.user, pk=pk)
        kept = services.duplicate_keep(actor=request.user, admission=admission)
        return Response(AdmissionSerializer(kept, context={"request": request}).data)


@requires(Cap.ADMISSION_MANAGE)
class AdmissionWithdrawApi(APIView):
    """Withdraw an admission of your area that has not taken effect."""

    @extend_schema(request=None, responses=AdmissionSerializer)
    def post(self, request, pk):
        admission = selectors.admission_get(user=request.user, pk=pk)
        done = services.admission_withdraw(actor=request.user, admission=admission)
        return Response(AdmissionSerializer(done, context={"request": request}).data)


class ApplySerializer(serializers.Serializer):
    year = serializers.IntegerField()


@requires(Cap.ADMISSION_MANAGE)
class ApplyApi(APIView):
    """录取生效 (入学): the admitted pupils of the year in your area enter their schools (held ones wait)."""

    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=ApplySerializer, responses={200: dict})
    def post(self, request):
        data = ApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.admissions_apply(actor=request.user, year=data.validated_data["year"]))


class CatchmentSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)

    class Meta:
        model = Catchment
        fields = ["id", "stage", "area", "school", "school_name", "created_at"]
        read_only_fields = ["created_at"]


class CatchmentSetSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    stage = serializers.CharField(max_length=1)
    area = serializers.CharField(max_length=128)


@requires(Cap.ADMISSION_MANAGE)
class CatchmentListApi(SelectorMixin, generics.ListAPIView):
    """GET: the catchments (划片) of the schools in your area. POST: add one (an area already set moves to this
    school)."""

    serializer_class = CatchmentSerializer
    list_selector = staticmethod(lambda *, user, filters: selectors.catchment_list(user=user))

    @extend_schema(request=CatchmentSetSerializer, responses={201: CatchmentSerializer})
    def post(self, request):
        data = CatchmentSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        school = access(School.objects.select_related("org_unit"), request.user, pk=values["school"])
        made = catchment.catchment_set(actor=request.user, school=school, stage=values["stage"], area=values["area"])
        return Response(CatchmentSerializer(made).data, status=status.HTTP_201_CREATED)


@requires(Cap.ADMISSION_MANAGE)
class CatchmentDetailApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        catchment.catchment_delete(actor=request.user, catchment=selectors.catchment_get(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CatchmentRunSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=[("1", "1"), ("2", "2")])
    year = serializers.IntegerField()


@requires(Cap.ADMISSION_MANAGE)
class CatchmentRunApi(APIView):
    """GET ?stage=&year=: the preview of the unified run (per school: admitted, over the plan, no plan, no seat;
    the pupils matching no catchment). POST: run it (the admissions then take effect with admission-apply)."""

    parser_classes = [JSONParser, FormParser]

    @extend_schema(parameters=[OpenApiParameter("stage"), OpenApiParameter("year", int)], responses={200: dict})
    def get(self, request):
        data = CatchmentRunSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response(catchment.catchment_preview(actor=request.user, **data.validated_data))

    @extend_schema(request=CatchmentRunSerializer, responses={200: dict})
    def post(self, request):
        data = CatchmentRunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(catchment.catchment_run(actor=request.user, **data.validated_data))


# Cross-province entry after graduation (毕业后跨省就学, xueji/admissions/entry.py) -----------------------------------

class EntrySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="request_id", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    side_label = serializers.CharField(source="get_side_display", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    school_class_name = serializers.CharField(source="school_class.display_name", default="", read_only=True)
    request_status = serializers.CharField(source="request.status", read_only=True)
    national_number = serializers.SerializerMethodField(help_text="masked")
    id_number = serializers.SerializerMethodField(help_text="masked")
    pupil = serializers.SerializerMethodField(help_text="what the receiving side knows of the pupil before the file "
                                                        "(the graduating province's answer, or the identity given), "
                                                        "masked")

    class Meta:
        model = Entry
        fields = ["id", "request_status", "side", "side_label", "state", "state_label", "name", "national_number",
                  "id_number", "pupil", "school", "school_name", "school_class", "school_class_name", "student",
                  "peer_province_code", "peer_school_name", "peer_key", "reason", "outcome", "filed_at",
                  "decided_at", "retrieval_at", "completed_at"]

    def get_national_number(self, obj) -> str:
        return presenter_for(None).national_number(obj.national_number)

    def get_id_number(self, obj) -> str:
        return presenter_for(None).id_number(obj.id_number)

    def get_pupil(self, obj) -> dict:
        return presenter_for(None).mapping(obj.pupil or {})


class EntryFileSerializer(serializers.Serializer):
    province = serializers.CharField(max_length=6, help_text="the province the pupil graduated in")
    school_class = serializers.IntegerField(help_text="the class of your school the pupil joins")
    national_number = serializers.CharField(required=False, allow_blank=True, max_length=24, default="")
    name = serializers.CharField(required=False, allow_blank=True, max_length=64, default="",
                                 help_text="with sex, birth_date and id_number: a pupil the graduating province "
                                           "does not know by national number")
    sex = serializers.CharField(required=False, allow_blank=True, max_length=1, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


class EntryRetrieveSerializer(serializers.Serializer):
    school_class = serializers.IntegerField(required=False, allow_null=True,
                                            help_text="the class the pupil joins (else the one named at filing)")


@requires(get=Cap.REQUEST_VIEW, post=Cap.TRANSFER_FILE)
class EntryListApi(SelectorMixin, generics.ListAPIView):
    """GET: the entries after graduation (毕业后跨省就学) of the schools in your jurisdiction (`state`, `side`).
    POST (the receiving school's registrar): file one; 201 with the entry."""

    serializer_class = EntrySerializer
    list_selector = selectors.entry_list
    filter_params = ("state", "side")

    @extend_schema(request=EntryFileSerializer, responses={201: EntrySerializer})
    def post(self, request):
        data = EntryFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filed = entry.entry_file(actor=request.user, **data.validated_data)
        filed = selectors.access_entry_by_id(user=request.user, pk=filed.pk)
        return Response(EntrySerializer(filed).data, status=status.HTTP_201_CREATED)


@requires(get=Cap.REQUEST_VIEW)
class EntryDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = EntrySerializer
    get_selector = selectors.access_entry_by_id


@requires(post=Cap.TRANSFER_FILE)
class EntryRetrieveApi(generics.GenericAPIView):
    """调档: the receiving school asks for the record once both provinces approved (or, when the graduating
    province holds no record, creates a new one: a draft in the class). A second call changes nothing."""

    serializer_class = EntryRetrieveSerializer
    queryset = Entry.objects.none()  # for the schema only

    @extend_schema(request=EntryRetrieveSerializer, responses=EntrySerializer)
    def post(self, request, pk):
        data = EntryRetrieveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = selectors.access_entry_by_id(user=request.user, pk=pk)
        entry.entry_retrieve(actor=request.user, entry=found, school_class=data.validated_data.get("school_class"))
        return Response(EntrySerializer(selectors.access_entry_by_id(user=request.user, pk=pk)).data)
