"""Registration API: entering pupils, submitting them for registration, returning pupils, pre-school takeover."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core import clock, codes
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import requires
from xueji.core.errors import ValidationFailed
from xueji.registration import services
from xueji.registry import selectors as registry_selectors
from xueji.registry import services as registry_services
from xueji.registry.api.views import StudentDetailSerializer
from xueji.registry.fields import GUARDIAN_ITEMS, STUDENT_ITEMS
from xueji.registry.models import Student
from xueji.registry.validation import validate_row
from xueji.schools.selectors import class_get
from xueji.workflow.api.views import RequestSerializer


def _char_fields(items, strip_prefix: str = "") -> dict:
    return {item.key.removeprefix(strip_prefix): serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text=f"{item.title}（{item.group}）"
        + (f"; codes: {item.table.name}" if item.table else "")) for item in items}


GuardianSerializer = type("GuardianSerializer", (serializers.Serializer,),
                          _char_fields(GUARDIAN_ITEMS[:12], "guardian1."))
StudentFormSerializer = type("StudentFormSerializer", (serializers.Serializer,), {
    **_char_fields(STUDENT_ITEMS),
    "school_class": serializers.IntegerField(help_text="id of the pupil's class in your school"),
    "guardians": GuardianSerializer(many=True, required=False, max_length=2),
})


def clean_from_api(data: dict):
    """Flatten the API shape into national-form keys and check it with the one row validator."""
    clean, details = _row_check(data)
    if details:
        raise ValidationFailed(_("The pupil's data is invalid: see each item."), code="invalid", details=details)
    return clean


def _row_check(data: dict) -> tuple[Any, dict[str, list[str]]]:
    raw = {k: v for k, v in data.items() if k not in ("guardians", "school_class")}
    for n, guardian in enumerate(data.get("guardians") or [], start=1):
        if isinstance(guardian, dict):
            raw.update({f"guardian{n}.{k}": v for k, v in guardian.items()})
    clean, errors = validate_row(raw, today=clock.today(), require_class=False)
    details: dict[str, list[str]] = {}
    for error in errors:
        details.setdefault(error.key or error.column, []).append(f"{error.column}：{error.message}")
    return clean, details


def pupil_input(request):
    """The class and the checked pupil of an entry or a correction, with every error in one answer: the
    serializer's (types, the class left out) and the row validator's together, never one round after another.
    A class outside the jurisdiction answers 404 first, as everywhere."""
    serializer = StudentFormSerializer(data=request.data)
    if serializer.is_valid():
        klass = class_get(user=request.user, pk=serializer.validated_data["school_class"])
        return klass, clean_from_api(serializer.validated_data)
    if not isinstance(request.data, dict):
        raise serializers.ValidationError(serializer.errors)
    details: dict[str, Any] = dict(serializer.errors)
    if "school_class" not in details:
        class_get(user=request.user, pk=request.data.get("school_class"))
    items = set(StudentFormSerializer().fields) - {"school_class"}
    _clean, row_details = _row_check({k: v for k, v in request.data.items() if k in items and k not in details
                                      and (k == "guardians" or isinstance(v, str))})
    for key, messages in row_details.items():
        details.setdefault(key, messages)
    raise ValidationFailed(_("The pupil's data is invalid: see each item."), code="invalid", details=details)


@requires(Cap.STUDENT_EDIT)
class StudentEnterApi(generics.GenericAPIView):
    """Enter one pupil as a draft of your school (school registrar)."""

    serializer_class = StudentFormSerializer

    @extend_schema(request=StudentFormSerializer, responses={201: StudentDetailSerializer})
    def post(self, request):
        klass, clean = pupil_input(request)
        student = registry_services.student_enter(actor=request.user, school=klass.school, school_class=klass,
                                                  clean=clean)
        return Response(StudentDetailSerializer(student, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


@requires(Cap.STUDENT_EDIT)
class StudentCorrectApi(SelectorMixin, generics.GenericAPIView):
    """Correct a draft, or a pupil of a returned registration request; or delete a draft."""

    serializer_class = StudentFormSerializer
    get_selector = registry_selectors.student_get

    @extend_schema(request=StudentFormSerializer, responses={200: StudentDetailSerializer})
    def put(self, request, pk):
        student = self.get_object()
        klass, clean = pupil_input(request)
        student = registry_services.student_correct(actor=request.user, student=student, clean=clean,
                                                    school_class=klass)
        return Response(StudentDetailSerializer(student, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        registry_services.student_delete_draft(actor=request.user, student=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegistrationSubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(services.KINDS), help_text="enrolled | grade1 | returning")
    student_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=20000)


@requires(Cap.REQUEST_FILE)
class RegistrationSubmitApi(generics.GenericAPIView):
    """Submit drafts of your school for registration (within the business window)."""

    serializer_class = RegistrationSubmitSerializer

    @extend_schema(request=RegistrationSubmitSerializer, responses={201: RequestSerializer})
    def post(self, request):
        data = RegistrationSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filed = services.registration_submit(actor=request.user, **data.validated_data)
        return Response(RequestSerializer(filed).data, status=status.HTTP_201_CREATED)


class ReturningSearchSerializer(serializers.Serializer):
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    sex = serializers.ChoiceField(choices=codes.SEX.codes, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)


class ReturningMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="repeat it, with the search terms, to take the record over")
    county = serializers.CharField(help_text="the county authority holding the record")
    in_school = serializers.BooleanField(help_text="still on a school's roll: a transfer, not a takeover")
    id_number = serializers.CharField(help_text="masked")


class ReturningSearchResultSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    matches = ReturningMatchSerializer(many=True)


@requires(Cap.REQUEST_FILE)
class ReturningSearchApi(generics.GenericAPIView):
    """来华归国: search the whole system for an existing record before creating one. Answers only what the
    takeover needs (found or not, the holding county, whether the record is still in school), masked; audited."""

    serializer_class = ReturningSearchSerializer
    queryset = Student.objects.none()  # for the schema only; the search is a service

    @extend_schema(request=ReturningSearchSerializer, responses={200: ReturningSearchResultSerializer})
    def post(self, request):
        data = ReturningSearchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        matches = services.returning_search(actor=request.user, **data.validated_data)
        return Response(ReturningSearchResultSerializer({
            "found": bool(matches),
            "matches": [{"id": m.pk, "county": m.county, "in_school": m.in_school, "id_number": m.id_number}
                        for m in matches]}).data)


class TakeoverSerializer(serializers.Serializer):
    student = serializers.IntegerField(help_text="id from the returning search")
    school_class = serializers.IntegerField()
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                      help_text="repeat the search terms: the ID number ...")
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    birth_date = serializers.DateField(required=False, allow_null=True, help_text="... or name and date of birth")


@requires(Cap.REQUEST_FILE)
class ReturningTakeoverApi(generics.GenericAPIView):
    serializer_class = TakeoverSerializer

    @extend_schema(request=TakeoverSerializer, responses={201: RequestSerializer})
    def post(self, request):
        data = TakeoverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        klass = class_get(user=request.user, pk=data.validated_data["school_class"])
        values = data.validated_data
        student = services.returning_match_get(actor=request.user, pk=values["student"],
                                               id_number=values.get("id_number", ""), name=values.get("name", ""),
                                               birth_date=values.get("birth_date"))
        filed = services.returning_takeover_submit(actor=request.user, student=student, school_class=klass)
        return Response(RequestSerializer(filed).data, status=status.HTTP_201_CREATED)


class PreschoolRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.DateField()
    ethnic = serializers.CharField()
    kindergarten = serializers.CharField()
    data = serializers.JSONField()


class PreschoolLookupSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=32)


@requires(Cap.STUDENT_EDIT)
class PreschoolLookupApi(generics.GenericAPIView):
    """小学新生: find the pupil's pre-school record by ID number to take it over instead of typing it again.
    POST, so the ID number stays out of URLs and access logs."""

    serializer_class = PreschoolRecordSerializer

    @extend_schema(request=PreschoolLookupSerializer, responses={200: PreschoolRecordSerializer})
    def post(self, request):
        data = PreschoolLookupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.preschool_lookup(actor=request.user, id_number=data.validated_data["id_number"])
        if record is None:
            from xueji.core.errors import NotFound

            raise NotFound("No pre-school record with this ID number.", code="no_preschool_record")
        return Response(PreschoolRecordSerializer(record).data)
