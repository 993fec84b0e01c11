from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.jobs.api.views import JobSerializer
from xueji.registry import selectors, services
from xueji.registry.models import FamilyMember, Student


class FamilyMemberSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = FamilyMember
        fields = ["id", "relation", "name", "id_type", "id_number", "phone", "is_guardian", "employer"]

    def get_id_number(self, obj) -> str:
        return selectors.shown_id(self.context["request"].user, obj.id_number)


class StudentSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField(help_text="masked unless the role needs it")
    school_name = serializers.CharField(source="school.name", read_only=True)
    class_name = serializers.CharField(source="school_class.display_name", read_only=True, default="")

    class Meta:
        model = Student
        fields = ["id", "national_number", "name", "name_pinyin", "sex", "birth_date", "ethnic", "nationality",
                  "id_type", "id_number", "status", "school", "school_name", "school_class", "class_name",
                  "class_number", "entry_date", "province_code"]

    def get_id_number(self, obj) -> str:
        return selectors.shown_id(self.context["request"].user, obj.id_number)


class StudentDetailSerializer(StudentSerializer):
    family = serializers.SerializerMethodField()

    class Meta(StudentSerializer.Meta):
        fields = StudentSerializer.Meta.fields + ["hukou_nature", "health", "address", "phone", "is_left_behind",
                                                  "is_migrant", "family"]

    def get_family(self, obj) -> list[dict]:
        members = selectors.family_of(user=self.context["request"].user, student=obj)
        return FamilyMemberSerializer(members, many=True, context=self.context).data


STUDENT_FILTERS = ("q", "school", "school_class", "status", "sex", "county")


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in STUDENT_FILTERS]))
class StudentListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = StudentSerializer
    list_selector = selectors.student_list
    filter_params = STUDENT_FILTERS


class StudentDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = StudentDetailSerializer
    get_selector = selectors.student_get


class StudentExportSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True)
    school = serializers.IntegerField(required=False)
    school_class = serializers.IntegerField(required=False)
    status = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.CharField(required=False, allow_blank=True)
    county = serializers.IntegerField(required=False)


class StudentExportApi(generics.GenericAPIView):
    required_caps = {"post": Cap.STUDENT_VIEW}
    serializer_class = StudentExportSerializer

    @extend_schema(request=StudentExportSerializer, responses={202: JobSerializer})
    def post(self, request):
        data = StudentExportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.students_export_start(actor=request.user, filters=data.validated_data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
