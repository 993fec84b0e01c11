"""Problem records (问题学籍) API: lists per jurisdiction and county, detail with history, the school's actions
(correct, delete, confirm with proof: each files a request for its authority), the arbiter's choice, scans,
and looking up a national number. Approving and returning happen in the workflow inbox (api:request-decide)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import requires
from xueji.jobs.api.views import JobSerializer
from xueji.problems import scans as problem_scans
from xueji.problems import selectors
from xueji.problems import services as problems
from xueji.problems.choices import SOURCE_LABELS, ProblemKind
from xueji.problems.filters import STATUS_FILTERS, ProblemFilterSet
from xueji.problems.models import Problem
from xueji.regions.selectors import org_unit_get
from xueji.registry.presenters import presenter_for
from xueji.registry.selectors import shown_id, shown_national_number
from xueji.workflow.api.views import RequestSerializer
from xueji.workflow.services import current_step


def _key_shown(user, problem: Problem, visible_key: bool = True) -> str:
    if problem.kind == ProblemKind.DUPLICATE_ID:
        return shown_id(user, problem.id_number)  # the key is its blind index
    if problem.kind == ProblemKind.DUPLICATE_NO_ID and visible_key and not selectors.key_withheld(user=user,
                                                                                                 problem=problem):
        return problem.key  # withheld when it names a labelled pupil (control 10)
    return ""


class ProblemMemberSerializer(serializers.Serializer):
    """A record of the problem: in full inside the user's jurisdiction; outside it, where it is and how far."""

    id = serializers.IntegerField(source="member.pk")
    visible = serializers.BooleanField()
    school = serializers.IntegerField(source="member.school_org_id")
    school_name = serializers.CharField(source="member.school_org.name")
    county = serializers.IntegerField(source="member.county_org_id")
    county_name = serializers.CharField(source="member.county_org.name")
    state = serializers.CharField(source="member.state")
    state_label = serializers.CharField(source="member.get_state_display")
    student = serializers.SerializerMethodField()
    request = serializers.SerializerMethodField()

    def get_student(self, view) -> dict | None:
        if not view.visible:
            return None
        member, user = view.member, self.context["request"].user
        student = member.student
        if student is None:
            return {"id": None, "name": member.student_name, "deleted": True}
        return {"id": student.pk, "name": student.name, "sex": student.sex, "birth_date": student.birth_date,
                "id_type": student.id_type, "id_number": shown_id(user, student.id_number),
                "national_number": shown_national_number(user, student.national_number),
                "verify_status": student.verify_status}

    def get_request(self, view) -> dict | None:
        request = view.member.request
        if request is None or not view.visible:
            return None
        return {"id": request.pk, "type": request.type, "status": request.status}


class ProblemSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.SerializerMethodField()
    key = serializers.SerializerMethodField(help_text="the shared ID number (masked by role) or name|sex|birth date")
    schools = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = ["id", "kind", "kind_label", "status", "resolution", "key", "source", "schools", "created_at",
                  "updated_at", "resolved_at"]

    def get_status(self, obj) -> str:
        return selectors.display_status(obj)

    def to_representation(self, instance):
        # Every answer leaves through the presenter: notes and details that quote an ID are masked as well.
        return presenter_for(self.context["request"].user).mapping(super().to_representation(instance))

    def get_key(self, obj) -> str:
        return _key_shown(self.context["request"].user, obj)

    def get_schools(self, obj) -> list[str]:
        return sorted({m.school_org.name for m in obj.members.all()})


class ProblemDetailSerializer(ProblemSerializer):
    detail = serializers.JSONField(read_only=True)
    members = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    requests = serializers.SerializerMethodField()
    arbitration = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="what this user may do now")

    class Meta(ProblemSerializer.Meta):
        fields = ProblemSerializer.Meta.fields + ["detail", "members", "events", "requests", "arbitration",
                                                  "actions"]

    def _views(self, obj):
        if not hasattr(self, "_member_views"):
            self._member_views = selectors.problem_members(user=self.context["request"].user, problem=obj)
        return self._member_views

    def get_members(self, obj) -> list[dict]:
        return ProblemMemberSerializer(self._views(obj), many=True, context=self.context).data

    def get_events(self, obj) -> list[dict]:
        found = {"kind": "found", "at": obj.created_at, "actor": None, "request": None, "note": obj.source}
        return [found] + [{"kind": e.kind, "at": e.at, "actor": e.actor.username if e.actor else None,
                           "request": e.request_id, "note": e.note} for e in selectors.problem_events(problem=obj)]

    def get_requests(self, obj) -> list[dict]:
        return RequestSerializer(selectors.problem_requests(user=self.context["request"].user, problem=obj),
                                 many=True, context=self.context).data

    def _permitted(self, obj):
        if not hasattr(self, "_permissions"):
            self._permissions = selectors.problem_permissions(
                user=self.context["request"].user, problem=obj, members=[v.member for v in self._views(obj)])
        return self._permissions

    def get_arbitration(self, obj) -> dict | None:
        request = obj.arbitration_request
        if request is None:
            return None
        step = current_step(request)
        return {"request": request.pk, "status": request.status, "parties": request.payload.get("parties"),
                "arbiter": step.org_unit.name if step else None, "keep_member": self._permitted(obj).keep_member}

    def get_actions(self, obj) -> list[str]:
        return self._permitted(obj).names()


@requires(Cap.PROBLEM_VIEW)
@extend_schema_view(get=extend_schema(parameters=[
    OpenApiParameter("kind", enum=ProblemKind.values), OpenApiParameter("status", enum=STATUS_FILTERS),
    OpenApiParameter("county", int, description="county authority (org unit id)"),
    OpenApiParameter("school", int, description="school id"), OpenApiParameter("source", enum=list(SOURCE_LABELS))]))
class ProblemListApi(SelectorMixin, generics.ListAPIView):
    """问题学籍: the problems with a record in the user's jurisdiction (a county's list: ?county=<id>), filtered
    by ProblemFilterSet like its page."""

    serializer_class = ProblemSerializer
    list_filters = ProblemFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Problem.objects.none()
        return selectors.problem_list(user=self.request.user, filters=self.filters()).prefetch_related(
            "members__school_org")


@requires(Cap.PROBLEM_VIEW)
class ProblemDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = ProblemDetailSerializer
    get_selector = selectors.problem_get


class CountySummarySerializer(serializers.Serializer):
    county = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    unresolved = serializers.DictField(child=serializers.IntegerField())


@requires(Cap.PROBLEM_VIEW)
class ProblemSummaryApi(generics.GenericAPIView):
    """Per county of the jurisdiction: unresolved problems by kind."""

    serializer_class = CountySummarySerializer

    def get(self, request):
        rows = selectors.problem_summary(user=request.user)
        return Response(CountySummarySerializer(rows, many=True).data)


class MemberChoiceSerializer(serializers.Serializer):
    member = serializers.IntegerField(required=False, help_text="the record (member id); needed only when the "
                                                                  "school has more than one record in the problem")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class CorrectionSerializer(MemberChoiceSerializer):
    name = serializers.CharField(required=False, max_length=64)
    sex = serializers.CharField(required=False, max_length=1)
    birth_date = serializers.DateField(required=False)
    id_type = serializers.CharField(required=False, max_length=1)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=32)


class ConfirmSerializer(MemberChoiceSerializer):
    file = serializers.FileField(required=False, help_text="household-register proof (JPG, PNG, PDF); more can be "
                                                           "added with api:request-proof-upload")


@requires(Cap.REQUEST_FILE)  # the school's actions below inherit it
class _ActionApi(SelectorMixin, generics.GenericAPIView):
    get_selector = selectors.problem_get


class ProblemCorrectApi(_ActionApi):
    """The school files a correction of the record (name, sex, birth date, ID type and number); on approval the
    record is updated and verified again."""

    serializer_class = CorrectionSerializer

    @extend_schema(request=CorrectionSerializer, responses={201: RequestSerializer})
    def post(self, request, pk):
        problem = self.get_object()
        data = CorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        changes = {k: values[k] for k in problems.CORRECTABLE if k in values}
        filed = problems.problem_action_file(actor=request.user, problem=problem, action="correct",
                                             member_id=values.get("member"), reason=values.get("reason", ""),
                                             changes=changes)
        return Response(RequestSerializer(filed, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ProblemDeleteApi(_ActionApi):
    """The school files the deletion of the record (the only way a registered record is deleted)."""

    serializer_class = MemberChoiceSerializer

    @extend_schema(request=MemberChoiceSerializer, responses={201: RequestSerializer})
    def post(self, request, pk):
        problem = self.get_object()
        data = MemberChoiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        filed = problems.problem_action_file(actor=request.user, problem=problem, action="delete",
                                             member_id=values.get("member"), reason=values.get("reason", ""))
        return Response(RequestSerializer(filed, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ProblemConfirmApi(_ActionApi):
    """The school confirms the record with proof from the household register (attached here or later); the
    authority checks the proof when it approves."""

    serializer_class = ConfirmSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": ConfirmSerializer, "application/json": MemberChoiceSerializer},
                   responses={201: RequestSerializer})
    def post(self, request, pk):
        problem = self.get_object()
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        uploads = request.FILES.getlist("file") if hasattr(request, "FILES") else []
        filed = problems.problem_action_file(actor=request.user, problem=problem, action="confirm",
                                             member_id=values.get("member"), reason=values.get("reason", ""),
                                             uploads=uploads[:5])
        return Response(RequestSerializer(filed, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ArbitrationSerializer(serializers.Serializer):
    keep_member = serializers.IntegerField(help_text="the record (member id) that keeps the ID number")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


@requires(Cap.REQUEST_VIEW)
class ProblemArbitrateApi(SelectorMixin, generics.GenericAPIView):
    """The common superior names the record that keeps the ID number and approves its step of the arbitration
    request (returning it goes through api:request-decide)."""

    serializer_class = ArbitrationSerializer
    get_selector = selectors.problem_get

    @extend_schema(request=ArbitrationSerializer, responses={200: RequestSerializer})
    def post(self, request, pk):
        problem = self.get_object()
        data = ArbitrationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = problems.problem_arbitrate(actor=request.user, problem=problem,
                                             keep_member_id=data.validated_data["keep_member"],
                                             comment=data.validated_data.get("comment", ""))
        return Response(RequestSerializer(decided, context={"request": request}).data)


class ScanSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(problem_scans.SCAN_KINDS), help_text="duplicates or errors")
    org_unit = serializers.IntegerField(required=False, help_text="scope (default: your own unit)")


@requires(Cap.PROBLEM_SCAN)
class ProblemScanApi(generics.GenericAPIView):
    """Start a duplicate scan (查重) or an ID-error scan of the province, or of a city or county subtree."""

    serializer_class = ScanSerializer

    @extend_schema(request=ScanSerializer, responses={202: JobSerializer})
    def post(self, request):
        data = ScanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org_unit = data.validated_data.get("org_unit")
        scope = org_unit_get(user=request.user, pk=org_unit) if org_unit else None
        job = problem_scans.scan_start(actor=request.user, kind=data.validated_data["kind"], org_unit=scope)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class NumberLookupSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=24, help_text="any national student number the record ever held")


class NumberFoundSerializer(serializers.Serializer):
    """The number found and the record's current number: a G number masked like the ID unless the role needs it."""

    number = serializers.CharField()
    kind = serializers.CharField()
    current = serializers.BooleanField()
    issued_at = serializers.DateTimeField()
    superseded_at = serializers.DateTimeField(allow_null=True)
    student = serializers.SerializerMethodField()
    deleted_record = serializers.SerializerMethodField()

    def get_student(self, found) -> dict | None:
        student = found.student
        if student is None:
            return None
        return {"id": student.pk, "name": student.name, "national_number": student.national_number,
                "school": student.school_id, "school_name": student.school.name}

    def get_deleted_record(self, found) -> dict | None:
        record = found.deleted
        if record is None:
            return None
        return {"id": record.pk, "name": record.name, "deleted_at": record.deleted_at,
                "school_name": record.school_org.name}

    def to_representation(self, instance):
        request = self.context.get("request")
        return presenter_for(getattr(request, "user", None)).mapping(super().to_representation(instance))


@requires(Cap.STUDENT_VIEW)
class NumberLookupApi(generics.GenericAPIView):
    """Find a record by any national number it ever held (L, G, J; current, superseded, or retired with a
    deleted record), within the jurisdiction. POST, so numbers (G + ID number) stay out of URLs and logs."""

    serializer_class = NumberLookupSerializer

    @extend_schema(request=NumberLookupSerializer, responses={200: NumberFoundSerializer})
    def post(self, request):
        data = NumberLookupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = selectors.number_find(user=request.user, number=data.validated_data["number"])
        return Response(NumberFoundSerializer(found, context={"request": request}).data)


__all__ = ["ProblemArbitrateApi", "ProblemConfirmApi", "ProblemCorrectApi", "ProblemDeleteApi", "ProblemDetailApi",
           "ProblemListApi", "ProblemScanApi", "ProblemSummaryApi", "NumberLookupApi"]
