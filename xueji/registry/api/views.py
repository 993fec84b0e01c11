from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.audit.services import snapshot
from xueji.core.api import SelectorMixin, VersionSerializerField
from xueji.core.capabilities import requires
from xueji.core.errors import ValidationFailed
from xueji.core.filters import as_date
from xueji.jobs.api.views import JobSerializer
from xueji.registry import access_log, selectors, services, versions
from xueji.registry.filters import StudentFilterSet
from xueji.registry.models import FamilyMember, Student
from xueji.registry.presenters import presenter_for


class PresentedSerializer(serializers.Serializer):
    """Every answer about a pupil leaves through the presenter: personal items (ID, G number, phones,
    addresses, guardians') masked unless the user holds the ID right. A field added later is masked too."""

    def to_representation(self, instance):
        request = self.context.get("request")
        return presenter_for(getattr(request, "user", None)).mapping(super().to_representation(instance))


class FamilyMemberSerializer(PresentedSerializer, serializers.ModelSerializer):
    version = VersionSerializerField()  # If-Match of PATCH /api/v1/family-members/<pk>/ (core.versions)

    class Meta:
        model = FamilyMember
        fields = ["id", "relation", "name", "id_type", "id_number", "phone", "is_guardian", "employer", "version"]


class StudentSerializer(PresentedSerializer, serializers.ModelSerializer):
    id_number = serializers.CharField(read_only=True, help_text="masked unless the role needs it")
    national_number = serializers.CharField(read_only=True, allow_null=True,
                                            help_text="a G number is masked like the ID unless the role needs it")
    school_name = serializers.CharField(source="school.name", read_only=True)
    class_name = serializers.CharField(source="school_class.display_name", read_only=True, default="")

    class Meta:
        model = Student
        fields = ["id", "national_number", "name", "name_pinyin", "sex", "birth_date", "ethnic", "nationality",
                  "id_type", "id_number", "status", "school", "school_name", "school_class", "class_name",
                  "class_number", "entry_date", "province_code"]


class StudentDetailSerializer(StudentSerializer):
    family = serializers.SerializerMethodField()

    class Meta(StudentSerializer.Meta):
        fields = StudentSerializer.Meta.fields + ["hukou_nature", "health", "address", "phone", "is_left_behind",
                                                  "is_migrant", "family"]

    def get_family(self, obj) -> list[dict]:
        members = selectors.family_of(user=self.context["request"].user, student=obj)
        return FamilyMemberSerializer(members, many=True, context=self.context).data


STUDENT_FILTERS = ("q", "school", "school_class", "status", "sex", "county")  # the API's share of StudentFilterSet


@requires(Cap.STUDENT_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in STUDENT_FILTERS]))
class StudentListApi(SelectorMixin, generics.ListAPIView):
    """Students of the jurisdiction. Searching by ID or number goes by POST to students/search/: a `q` with
    digits in the query string is refused, so numbers stay out of URLs and access logs."""

    serializer_class = StudentSerializer
    list_selector = selectors.student_list
    list_filters = StudentFilterSet

    def filters(self) -> dict:
        filters = {k: v for k, v in super().filters().items() if k in STUDENT_FILTERS}
        if selectors.is_identity_query(filters.get("q")):
            raise ValidationFailed(_("Search by ID or student number with POST /api/v1/students/search/, so "
                                     "the number stays out of the address."), code="id_in_url", field="q")
        return filters

    def list_total(self):
        """The page's `count`: from the pupil counts when the filters allow, else capped (core.api.Pagination)."""
        return selectors.student_count(user=self.request.user, filters=self.filters())


class StudentSearchSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=64,
                              help_text="name, pinyin, ID number or national student number")
    school = serializers.IntegerField(required=False)
    school_class = serializers.IntegerField(required=False)
    status = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.CharField(required=False, allow_blank=True)
    county = serializers.IntegerField(required=False)


@requires(Cap.STUDENT_VIEW)
class StudentSearchApi(SelectorMixin, mixins.ListModelMixin, generics.GenericAPIView):
    """The student list searched with the filters in the body (POST): for an ID or a national number."""

    serializer_class = StudentSerializer
    list_selector = selectors.student_list

    def filters(self) -> dict:
        data = StudentSearchSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        return {key: value for key, value in data.validated_data.items() if value not in (None, "")}

    def list_total(self):
        return selectors.student_count(user=self.request.user, filters=self.filters())

    @extend_schema(request=StudentSearchSerializer, responses={200: StudentSerializer(many=True)})
    def post(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


@requires(Cap.STUDENT_VIEW)
class StudentDetailApi(SelectorMixin, generics.RetrieveAPIView):
    """One pupil's record; every view is audited (coalesced per user, pupil and hour)."""

    serializer_class = StudentDetailSerializer
    get_selector = selectors.student_get

    def get_object(self):
        student = super().get_object()
        access_log.student_view_record(actor=self.request.user, student=student, channel="api")
        return student

    def retrieve(self, request, *args, **kwargs):
        """The record, with its version as the ETag (what an edit's If-Match names: `registry.versions`)."""
        student = self.get_object()
        response = Response(self.get_serializer(student).data)
        response["ETag"] = versions.etag(versions.record_version(student))
        return response


class StudentUnmaskSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                   help_text="why the full personal items are needed (required, audited)")


class StudentUnmaskedSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    national_number = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    family = serializers.ListField(child=serializers.DictField())


@requires(Cap.STUDENT_VIEW_ID)
class StudentUnmaskApi(SelectorMixin, generics.GenericAPIView):
    """A pupil's personal items in full, for a stated reason (control 29): 400 without one, and nothing shown;
    each call is one `student.unmask` audit row with the reason."""

    serializer_class = StudentUnmaskSerializer
    get_selector = selectors.student_get

    @extend_schema(request=StudentUnmaskSerializer, responses={200: StudentUnmaskedSerializer})
    def post(self, request, *args, **kwargs):
        data = StudentUnmaskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        student = self.get_object()
        return Response(access_log.student_unmask(actor=request.user, student=student,
                                                  reason=data.validated_data.get("reason", "")))


class StudentExportSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True)
    school = serializers.IntegerField(required=False)
    school_class = serializers.IntegerField(required=False)
    status = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.CharField(required=False, allow_blank=True)
    county = serializers.IntegerField(required=False)


@requires(Cap.STUDENT_VIEW)
class StudentExportApi(generics.GenericAPIView):
    serializer_class = StudentExportSerializer

    @extend_schema(request=StudentExportSerializer, responses={202: JobSerializer})
    def post(self, request):
        data = StudentExportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        started = services.students_export_start(actor=request.user, filters=data.validated_data)
        if started.request is not None:  # past the province's threshold: filed for the leader's approval
            return Response({"approval_required": True, "request": started.request.pk,
                             "request_status": started.request.status, "rows": started.rows,
                             "threshold": started.threshold,
                             "message": started.held_words()},
                            status=status.HTTP_202_ACCEPTED)
        return Response(JobSerializer(started.job).data, status=status.HTTP_202_ACCEPTED)


class TimelineChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    """One presented entry (registry.timeline.present): masked and named there, once for page and API."""

    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    actor = serializers.CharField()
    org = serializers.CharField()
    note = serializers.CharField()
    changes = TimelineChangeSerializer(many=True)
    request = serializers.DictField(allow_null=True)
    links = serializers.ListField(child=serializers.DictField())


class TimelinePageSerializer(serializers.Serializer):
    results = TimelineEntrySerializer(many=True, source="entries")
    next = serializers.CharField(help_text="pass as ?before= for the next (older) page; empty at the end")


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("before"), OpenApiParameter("limit", int)],
                                      responses={200: TimelinePageSerializer}))
@requires(Cap.STUDENT_VIEW)
class StudentTimelineApi(generics.GenericAPIView):
    """A pupil's timeline, newest first, a page at a time by cursor (`next` -> `?before=`)."""

    required_caps = {"get": Cap.STUDENT_VIEW}
    serializer_class = TimelinePageSerializer

    def get(self, request, pk):
        limit = request.query_params.get("limit")
        try:
            limit = int(limit) if limit else None
        except ValueError:
            raise ValidationFailed(_("Expected a whole number."), code="invalid", field="limit") from None
        student, page = selectors.timeline_of(user=request.user, pk=pk, before=request.query_params.get("before"),
                                              limit=limit)
        access_log.student_view_record(actor=request.user, student=student, channel="api")
        return Response(TimelinePageSerializer(page).data)


class AsOfSerializer(serializers.Serializer):
    date = serializers.DateField()
    exists = serializers.BooleanField()
    changes_undone = serializers.IntegerField()
    record = serializers.SerializerMethodField()

    def get_record(self, obj) -> dict | None:
        if not obj.exists:
            return None
        data = AsOfStudentSerializer(obj.student, context=self.context).data
        data["family"] = FamilyMemberSerializer(obj.family, many=True, context=self.context).data
        data["detail"] = presenter_for(self.context["request"].user).mapping(
            {key: value for key, value in snapshot(obj.detail, exclude=("student",)).items()})
        return data


class AsOfStudentSerializer(StudentSerializer):
    class Meta(StudentSerializer.Meta):
        fields = [f for f in StudentSerializer.Meta.fields if f != "id"] + [
            "reg_status", "hukou_nature", "health", "address", "phone", "is_left_behind", "is_migrant"]


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("date", required=True)],
                                      responses={200: AsOfSerializer}))
@requires(Cap.STUDENT_VIEW)
class StudentAsOfApi(generics.GenericAPIView):
    """A pupil's record as it stood at the end of `?date=` (YYYY-MM-DD), replayed from its history; `exists` is
    false before the record was entered."""

    required_caps = {"get": Cap.STUDENT_VIEW}
    serializer_class = AsOfSerializer

    def get(self, request, pk):
        try:
            day = as_date(request.query_params.get("date", ""))
        except ValueError as exc:
            raise ValidationFailed(str(exc), code="invalid", field="date") from None
        record = selectors.student_as_of(user=request.user, pk=pk, date=day)
        return Response(AsOfSerializer(record, context={"request": request}).data)
