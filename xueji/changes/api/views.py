"""Record maintenance and status changes API: editing a registered pupil's items (the controlled ones become a
change request), its family members, filing a status change (异动), the kinds offered for a pupil, the change
requests, the status changes that took effect and the county's dropout list (控辍保学). Approving, returning,
rejecting and withdrawing go through the engine's endpoints (api:request-decide, ...), like every request."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.changes import selectors, services
from xueji.changes.checks import EDITABLE, MEMBER_ITEMS
from xueji.changes.choices import KINDS, reason_label
from xueji.changes.filters import ChangeRequestFilterSet, DropoutFilterSet, StatusChangeFilterSet
from xueji.changes.models import StatusChange
from xueji.core import codes
from xueji.core.api import SelectorMixin, VersionedMixin
from xueji.core.capabilities import requires
from xueji.registry import versions
from xueji.registry.api.views import FamilyMemberSerializer, PresentedSerializer, StudentDetailSerializer
from xueji.registry.models import Student
from xueji.workflow.api.views import RequestSerializer


def _item_fields(items, prefix: str = "") -> dict:
    return {key: serializers.CharField(required=False, allow_blank=True, max_length=255,
                                       help_text=f"{item.title}（{item.group}）"
                                       + (f"; codes: {item.table.name}" if item.table else ""))
            for key, item in items.items()}


RecordEditSerializer = type("RecordEditSerializer", (serializers.Serializer,), {
    **_item_fields(EDITABLE),
    "reason": serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                    help_text="why the items change (shown to the approvers of a change request)"),
    "proofs": serializers.ListField(child=serializers.FileField(), required=False, max_length=5,
                                    help_text="proof files (multipart): household-register proof is required when an "
                                              "identity item (ID type, ID number, name, sex, birth date) changes"),
})
MemberSerializer = type("MemberSerializer", (serializers.Serializer,), _item_fields(MEMBER_ITEMS))


def _uploads(request, name: str = "proofs") -> list:
    return request.FILES.getlist(name)[:5] if hasattr(request, "FILES") else []


class RecordEditResultSerializer(serializers.Serializer):
    applied = serializers.DictField(help_text="items changed at once: item -> [before, after]")
    filed = serializers.DictField(help_text="controlled items filed for approval: item -> [before, after]")
    request = serializers.SerializerMethodField()
    student = serializers.SerializerMethodField()

    def get_request(self, result) -> dict | None:
        return RequestSerializer(result.request, context=self.context).data if result.request else None

    def get_student(self, result) -> dict:
        student = Student.objects.select_related("school", "school_class").get(pk=self.context["student"])
        return StudentDetailSerializer(student, context=self.context).data

    def to_representation(self, instance):
        from xueji.registry.presenters import presenter_for

        return presenter_for(self.context["request"].user).mapping(super().to_representation(instance))


def _only_items(data: dict, allowed) -> dict:
    return {key: value for key, value in data.items() if key in allowed}


@requires(patch=Cap.STUDENT_EDIT)
class StudentRecordApi(SelectorMixin, generics.GenericAPIView):
    """学籍信息修改: PATCH the items of a registered pupil of your school. Items no level controls change at once;
    controlled items (policy) become one change request (202) with their before and after, approved by the school
    leader and the county. JSON, or multipart with `proofs` files. Send `If-Match` with the ETag of the pupil's
    record (`GET /api/v1/students/<pk>/`, or this answer's): a record changed since answers 412 `stale_version`,
    nothing written. The answer's ETag is the record's new version."""

    serializer_class = RecordEditSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_object(self):
        return selectors.access_student_by_id(user=self.request.user, pk=self.kwargs["pk"], cap=Cap.STUDENT_EDIT)

    @extend_schema(request={"application/json": RecordEditSerializer, "multipart/form-data": RecordEditSerializer},
                   parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                                description="the ETag of the record as read")],
                   responses={200: RecordEditResultSerializer, 202: RecordEditResultSerializer})
    def patch(self, request, pk):
        student = self.get_object()
        data = RecordEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = _only_items(data.validated_data, EDITABLE)
        result = services.record_edit(actor=request.user, student=student, values=values,
                                      reason=data.validated_data.get("reason", ""), proofs=_uploads(request),
                                      version=versions.version_of_header(request.headers.get("If-Match")))
        body = RecordEditResultSerializer(result, context={"request": request, "student": student.pk}).data
        response = Response(body, status=status.HTTP_202_ACCEPTED if result.request else status.HTTP_200_OK)
        response["ETag"] = versions.etag(versions.record_version(Student.objects.get(pk=student.pk)))
        return response


@requires(get=Cap.STUDENT_VIEW, post=Cap.STUDENT_EDIT)
class FamilyListApi(SelectorMixin, generics.GenericAPIView):
    """A pupil's family members and guardians (GET); the school adds one (POST)."""

    serializer_class = MemberSerializer

    @extend_schema(responses={200: FamilyMemberSerializer(many=True)})
    def get(self, request, pk):
        student = selectors.access_student_by_id(user=request.user, pk=pk)
        members = selectors.family_of(user=request.user, student=student)
        return Response(FamilyMemberSerializer(members, many=True, context={"request": request}).data)

    @extend_schema(request=MemberSerializer, responses={201: FamilyMemberSerializer})
    def post(self, request, pk):
        student = selectors.access_student_by_id(user=request.user, pk=pk, cap=Cap.STUDENT_EDIT)
        data = MemberSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.family_add(actor=request.user, student=student, values=dict(data.validated_data))
        return Response(FamilyMemberSerializer(member, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


@requires(patch=Cap.STUDENT_EDIT, delete=Cap.STUDENT_EDIT)
class FamilyMemberApi(VersionedMixin, SelectorMixin, generics.GenericAPIView):
    """One family member: the school changes (PATCH, If-Match: its version; a member changed since answers 412) or
    removes (DELETE) it."""

    serializer_class = MemberSerializer
    get_selector = selectors.access_member_by_id

    @extend_schema(request=MemberSerializer, responses={200: FamilyMemberSerializer}, parameters=[
        OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                         description="the member's version as read (its `version`, or this answer's ETag)")])
    def patch(self, request, pk):
        member = self.get_object()
        data = MemberSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        member = services.family_update(actor=request.user, member=member, values=dict(data.validated_data),
                                        version=self.if_match())
        return self.versioned(Response(FamilyMemberSerializer(member, context={"request": request}).data), member)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.family_remove(actor=request.user, member=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class StatusChangeFileSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS), help_text="suspend, resume, repeat, skip, change_class, "
                                   "abroad, return, dropout, withdraw, expel, death, restore, other")
    reason = serializers.CharField(max_length=2, help_text="JY/T 1001 学籍异动原因 code (the kind's reasons: "
                                                           "see status-change-options)")
    school_class = serializers.IntegerField(required=False, allow_null=True,
                                            help_text="the class the pupil moves to (repeat, skip, change class; "
                                                      "optional for resume, return, restore)")
    effective_date = serializers.DateField(required=False, help_text="default: today")
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)
    proofs = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


@requires(post=Cap.REQUEST_FILE)
class StatusChangeFileApi(SelectorMixin, generics.GenericAPIView):
    """学籍异动: the pupil's school registrar files a status change with proof (multipart `proofs`). A kind the
    province switched off for the pupil's stage answers 409 status_change_not_allowed."""

    serializer_class = StatusChangeFileSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"application/json": StatusChangeFileSerializer,
                            "multipart/form-data": StatusChangeFileSerializer},
                   responses={201: RequestSerializer})
    def post(self, request, pk):
        student = selectors.access_student_by_id(user=request.user, pk=pk, cap=Cap.REQUEST_FILE)
        data = StatusChangeFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        filed = services.status_change_file(actor=request.user, student=student, kind=values["kind"],
                                            reason=values["reason"], school_class=values.get("school_class"),
                                            effective_date=values.get("effective_date"),
                                            note=values.get("note", ""), proofs=_uploads(request))
        return Response(RequestSerializer(filed, context={"request": request}).data, status=status.HTTP_201_CREATED)


class KindOptionSerializer(serializers.Serializer):
    kind = serializers.CharField(source="kind.key")
    label = serializers.CharField(source="kind.label")
    type = serializers.CharField(source="kind.type_code", help_text="JY/T 1001 学籍异动类别")
    type_label = serializers.CharField(source="kind.type_label")
    possible = serializers.BooleanField(help_text="possible from the pupil's status now")
    refusal = serializers.SerializerMethodField(help_text="why not, when it is not possible")
    proof_required = serializers.BooleanField(source="kind.proof_required")
    reasons = serializers.SerializerMethodField()
    classes = serializers.SerializerMethodField(help_text="the classes the pupil may move to (kinds that move it)")

    def get_refusal(self, option) -> str | None:
        return str(option.refusal) if option.refusal else None

    def get_reasons(self, option) -> list[dict]:
        return [{"code": code, "label": reason_label(code)} for code in option.kind.reasons]

    def get_classes(self, option) -> list[dict]:
        if not option.kind.places or not option.possible:
            return []
        return [{"id": c.pk, "name": c.display_name, "stage": c.stage}
                for c in selectors.target_classes(student=self.context["student"], kind=option.kind)]


@requires(get=Cap.REQUEST_FILE)
class StatusChangeOptionsApi(SelectorMixin, generics.GenericAPIView):
    """The kinds of status change the province allows for this pupil's stage (others are not listed), whether each
    is possible from the pupil's status, its reasons and the classes it may move the pupil to."""

    serializer_class = KindOptionSerializer

    @extend_schema(responses={200: KindOptionSerializer(many=True)})
    def get(self, request, pk):
        student = selectors.access_student_by_id(user=request.user, pk=pk, cap=Cap.REQUEST_FILE)
        options = selectors.kind_options(student=student)
        return Response(KindOptionSerializer(options, many=True, context={"request": request,
                                                                          "student": student}).data)


@requires(get=Cap.REQUEST_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in ChangeRequestFilterSet.base_filters]))
class ChangeRequestListApi(SelectorMixin, generics.ListAPIView):
    """Record-change and status-change requests in view (filter `what`: changes.record or a status-change kind)."""

    serializer_class = RequestSerializer
    list_selector = selectors.change_request_list
    list_filters = ChangeRequestFilterSet


class StatusChangeSerializer(PresentedSerializer, serializers.ModelSerializer):
    student_name = serializers.CharField(source="student.name", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    type_label = serializers.SerializerMethodField()
    reason_label = serializers.SerializerMethodField()
    old_class_name = serializers.CharField(source="old_class.display_name", default="", read_only=True)
    new_class_name = serializers.CharField(source="new_class.display_name", default="", read_only=True)

    class Meta:
        model = StatusChange
        fields = ["id", "student", "student_name", "school", "school_name", "kind", "kind_label", "type_code",
                  "type_label", "reason_code", "reason_label", "note", "effective_date", "old_status", "new_status",
                  "old_class", "old_class_name", "new_class", "new_class_name", "keep_until", "request", "at"]

    def get_type_label(self, obj) -> str:
        return str(codes.STATUS_CHANGE_TYPE.label(obj.type_code))

    def get_reason_label(self, obj) -> str:
        return reason_label(obj.reason_code)


@requires(get=Cap.STUDENT_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in StatusChangeFilterSet.base_filters]))
class StatusChangeListApi(SelectorMixin, generics.ListAPIView):
    """学籍异动记录: the status changes that took effect in your jurisdiction, newest first."""

    serializer_class = StatusChangeSerializer
    list_selector = selectors.status_change_list
    list_filters = StatusChangeFilterSet


class DropoutSerializer(PresentedSerializer, serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    county_name = serializers.CharField(source="school.county.name", read_only=True)
    class_name = serializers.CharField(source="school_class.display_name", default="", read_only=True)
    stage = serializers.CharField(source="school_class.stage", default="", read_only=True)
    dropped_on = serializers.DateField(read_only=True, allow_null=True)
    dropout_reason = serializers.CharField(read_only=True, allow_null=True)
    dropout_reason_label = serializers.SerializerMethodField()

    class Meta:
        model = Student
        fields = ["id", "national_number", "name", "sex", "birth_date", "school", "school_name", "county_name",
                  "school_class", "class_name", "stage", "dropped_on", "dropout_reason", "dropout_reason_label"]

    def get_dropout_reason_label(self, obj) -> str:
        return reason_label(obj.dropout_reason) if obj.dropout_reason else ""


@requires(get=Cap.DROPOUT_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in DropoutFilterSet.base_filters]))
class DropoutListApi(SelectorMixin, generics.ListAPIView):
    """控辍保学: pupils of compulsory education who dropped out (status 流失), in your area (authorities only)."""

    serializer_class = DropoutSerializer
    list_selector = selectors.dropout_list
    list_filters = DropoutFilterSet
