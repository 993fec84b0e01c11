from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core import codes
from xueji.core.api import SelectorMixin, VersionedMixin
from xueji.core.capabilities import SIGNED_IN, requires
from xueji.core.errors import ValidationFailed
from xueji.core.filters import as_int
from xueji.regions.selectors import org_unit_get
from xueji.schools import selectors, services
from xueji.schools.filters import ClassFilterSet, SchoolFilterSet, class_label, school_label
from xueji.schools.models import School, SchoolClass, SchoolYear


class SchoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = ["id", "code", "name", "county", "running_type", "stages", "address", "phone", "is_active",
                  "org_unit"]


class SchoolCreateSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\d{10}$", help_text="10-digit school code")
    name = serializers.CharField(max_length=128)
    county = serializers.IntegerField(help_text="id of the county authority org unit")
    running_type = serializers.ChoiceField(choices=codes.RUNNING_TYPE.codes)
    stages = serializers.RegexField(r"^[123]{1,3}$", required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class SchoolUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128, required=False)
    running_type = serializers.ChoiceField(choices=codes.RUNNING_TYPE.codes, required=False)
    stages = serializers.RegexField(r"^[123]{1,3}$", required=False)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


# POST: checked before the body and its ids, so no capability answers 403 whatever is sent
@requires(get=Cap.ORG_VIEW, post=Cap.SCHOOL_MANAGE)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in SchoolFilterSet.base_filters]))
class SchoolListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = SchoolSerializer
    list_selector = selectors.school_list
    list_filters = SchoolFilterSet

    @extend_schema(request=SchoolCreateSerializer, responses={201: SchoolSerializer})
    def post(self, request):
        data = SchoolCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["county"] = org_unit_get(user=request.user, pk=values["county"])
        school = services.school_create(actor=request.user, **values)
        return Response(SchoolSerializer(school).data, status=status.HTTP_201_CREATED)


IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                            description="the ETag of the object as read: a changed one answers 412 stale_version")


@requires(get=Cap.ORG_VIEW, patch=Cap.SCHOOL_MANAGE)
class SchoolDetailApi(VersionedMixin, SelectorMixin, generics.RetrieveAPIView):
    """A school; its GET carries the ETag, its PATCH takes If-Match (a school changed since: 412, nothing written)."""

    serializer_class = SchoolSerializer
    get_selector = selectors.school_get

    @extend_schema(request=SchoolUpdateSerializer, responses={200: SchoolSerializer}, parameters=[IF_MATCH])
    def patch(self, request, pk):
        data = SchoolUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        school = services.school_update(actor=request.user, school=self.get_object(), version=self.if_match(),
                                        **data.validated_data)
        return self.versioned(Response(SchoolSerializer(school).data), school)


class SchoolClassSerializer(serializers.ModelSerializer):
    grade = serializers.SerializerMethodField()
    display_name = serializers.CharField(read_only=True)
    student_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = SchoolClass
        fields = ["id", "school", "stage", "cohort_year", "number", "name", "display_name", "grade",
                  "head_teacher", "head_teacher_phone", "is_active", "student_count"]

    def get_grade(self, obj) -> str | None:
        return obj.grade_code(obj.school.year_in_effect(self.context["school_year"]))


class SchoolClassCreateSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=codes.STAGE.codes)
    cohort_year = serializers.IntegerField(min_value=1990, max_value=2100)
    number = serializers.IntegerField(min_value=1, max_value=99)
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    head_teacher = serializers.CharField(max_length=64, required=False, allow_blank=True)
    head_teacher_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class SchoolClassUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    head_teacher = serializers.CharField(max_length=64, required=False, allow_blank=True)
    head_teacher_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class _ClassContext:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "school_year": selectors.current_school_year_start()}


@requires(get=Cap.ORG_VIEW, post=Cap.CLASS_MANAGE)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in ClassFilterSet.base_filters]))
class SchoolClassListApi(_ClassContext, SelectorMixin, generics.ListAPIView):
    serializer_class = SchoolClassSerializer
    list_selector = selectors.class_list
    list_filters = ClassFilterSet

    @extend_schema(request=SchoolClassCreateSerializer, responses={201: SchoolClassSerializer})
    def post(self, request):
        data = SchoolClassCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["school"] = selectors.school_get(user=request.user, pk=values["school"])
        klass = services.class_create(actor=request.user, **values)
        return Response(self.get_serializer(klass).data, status=status.HTTP_201_CREATED)


@requires(get=Cap.ORG_VIEW, patch=Cap.CLASS_MANAGE)
class SchoolClassDetailApi(VersionedMixin, _ClassContext, SelectorMixin, generics.RetrieveAPIView):
    """A class; its GET carries the ETag, its PATCH takes If-Match (a class changed since: 412, nothing written)."""

    serializer_class = SchoolClassSerializer
    get_selector = selectors.class_get

    @extend_schema(request=SchoolClassUpdateSerializer, responses={200: SchoolClassSerializer}, parameters=[IF_MATCH])
    def patch(self, request, pk):
        data = SchoolClassUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        klass = services.class_update(actor=request.user, school_class=self.get_object(), version=self.if_match(),
                                      **data.validated_data)
        return self.versioned(Response(self.get_serializer(klass).data), klass)


class ChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


def _choices(objects, label) -> Response:
    return Response({"results": [{"id": obj.pk, "text": label(obj)} for obj in objects]})


@requires(Cap.ORG_VIEW)
@extend_schema(parameters=[OpenApiParameter("q", description="part of the name, or the start of the code")],
               responses={200: ChoiceSerializer(many=True)})
class SchoolChoicesApi(generics.GenericAPIView):
    """Schools of the jurisdiction for a searchable select (a filter's options, loaded as the user types): at most
    20, {"results": [{"id", "text"}]}. Not paged, never counted."""

    serializer_class = ChoiceSerializer
    pagination_class = None

    def get(self, request):
        return _choices(selectors.school_choices(user=request.user, q=request.query_params.get("q", "")[:64]),
                        school_label)


@requires(Cap.ORG_VIEW)
@extend_schema(parameters=[OpenApiParameter("school", int), OpenApiParameter("q", description="cohort year, class "
                                                                                              "number or name")],
               responses={200: ChoiceSerializer(many=True)})
class ClassChoicesApi(generics.GenericAPIView):
    """Classes of the jurisdiction (of one school: ?school=) for a searchable select: at most 20."""

    serializer_class = ChoiceSerializer
    pagination_class = None

    def get(self, request):
        school = request.query_params.get("school", "")
        try:
            school = as_int(school) if school else None
        except ValueError as exc:
            raise ValidationFailed(str(exc), code="invalid", field="school") from None
        return _choices(selectors.class_choices(user=request.user, school=school,
                                                q=request.query_params.get("q", "")[:64]), class_label)


class SchoolYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchoolYear
        fields = ["id", "start_year", "start_date", "end_date", "is_current"]


class SchoolYearCreateSerializer(serializers.Serializer):
    start_year = serializers.IntegerField(min_value=2000, max_value=2100)
    make_current = serializers.BooleanField(default=False)


@requires(get=SIGNED_IN, post=Cap.SCHOOL_YEAR_MANAGE)
class SchoolYearListApi(generics.ListAPIView):
    serializer_class = SchoolYearSerializer

    def get_queryset(self):
        return selectors.school_year_list(user=self.request.user)

    @extend_schema(request=SchoolYearCreateSerializer, responses={201: SchoolYearSerializer})
    def post(self, request):
        data = SchoolYearCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        year = services.school_year_create(actor=request.user, **data.validated_data)
        return Response(SchoolYearSerializer(year).data, status=status.HTTP_201_CREATED)


@requires(Cap.SCHOOL_YEAR_MANAGE)
class SchoolYearSetCurrentApi(generics.GenericAPIView):
    serializer_class = SchoolYearSerializer

    @extend_schema(request=None, responses={200: SchoolYearSerializer})
    def post(self, request, pk):
        year = selectors.school_year_get(user=request.user, pk=pk)
        year = services.school_year_set_current(actor=request.user, school_year=year)
        return Response(SchoolYearSerializer(year).data)
