"""Attendance API (/api/v1/attendance/...): a class's absences of a day (read, set), the absence import, dropout
cases (list, totals, detail, follow-up), the registers (migrant, left-behind, eligibility), monthly reports
(list, generate, detail, sign, submit, the subordinates' status and the notice) and misuse reports (list, file,
detail, handle). Thin: selectors read, services write; pupils' numbers and phones through the one presenter."""

import datetime as dt

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.attendance import assessment, selectors, services, terms
from xueji.attendance.choices import AbsenceKind, FollowUpKind
from xueji.attendance.models import CaseFollowUp, DropoutCase, MisuseReport, MonthlyReport
from xueji.core import clock
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import SIGNED_IN, requires
from xueji.core.errors import NotFound, ValidationFailed
from xueji.registry.presenters import presenter_for


def _date(value, field: str = "date") -> dt.date:
    if not value:
        return clock.today()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed("Write the date as YYYY-MM-DD.", code="invalid_date", field=field) from None


class PupilMixin(serializers.Serializer):
    student_name = serializers.CharField(source="student.name", read_only=True)
    national_number = serializers.SerializerMethodField()

    def get_national_number(self, obj) -> str:
        return presenter_for(self.context["request"].user).national_number(obj.student.national_number)


class AbsencesIn(serializers.Serializer):
    date = serializers.DateField()
    entries = serializers.DictField(child=serializers.ChoiceField(choices=AbsenceKind.choices, allow_null=True),
                                    help_text="pupil id -> unexcused | personal | sick | null (present)")


@requires(get=Cap.STUDENT_VIEW, post=Cap.STUDENT_EDIT)
class ClassAbsencesApi(APIView):
    """GET ?date=: the class's pupils on the roll with their absence of the day. POST: set them (the school)."""

    def _grid(self, request, klass, day):
        shown = presenter_for(request.user)
        return {"school_class": klass.pk, "date": day.isoformat(), "pupils": [
            {"id": row["student"].pk, "name": row["student"].name,
             "national_number": shown.national_number(row["student"].national_number), "kind": row["kind"] or None}
            for row in selectors.class_grid(user=request.user, school_class=klass, day=day)]}

    def get(self, request, pk):
        klass = selectors.class_get(user=request.user, pk=pk)
        return Response(self._grid(request, klass, _date(request.query_params.get("date"))))

    @extend_schema(request=AbsencesIn)
    def post(self, request, pk):
        klass = selectors.class_get(user=request.user, pk=pk)
        data = AbsencesIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            entries = {int(k): v for k, v in data.validated_data["entries"].items()}
        except ValueError:
            raise ValidationFailed("Pupil ids are numbers.", code="invalid", field="entries") from None
        services.absences_record(actor=request.user, school_class=klass, day=data.validated_data["date"],
                                 entries=entries)
        return Response(self._grid(request, klass, data.validated_data["date"]))


@requires(Cap.STUDENT_IMPORT)
class AbsenceImportApi(APIView):
    """POST multipart `file`: import absences into the caller's school; 400 with every row error in
    details.errors and nothing imported, or the number imported."""

    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        outcome = services.absences_import(actor=request.user, upload=request.FILES.get("file"))
        return Response({"rows": outcome.rows, "imported": outcome.imported}, status=status.HTTP_201_CREATED)


class CaseSerializer(PupilMixin, serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True)

    class Meta:
        model = DropoutCase
        fields = ["id", "student", "student_name", "national_number", "school", "school_name", "county",
                  "county_name", "reason", "days", "opened_on", "status", "closed_on", "outcome"]


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseFollowUp
        fields = ["id", "kind", "note", "on", "at"]


@requires(Cap.DROPOUT_VIEW)
class CaseListApi(SelectorMixin, generics.ListAPIView):
    """控辍保学: the cases of the jurisdiction, oldest first (`status`=open|closed|all, `reason`, `county`)."""

    serializer_class = CaseSerializer
    list_selector = staticmethod(selectors.case_list)
    filter_params = ("status", "reason", "county")


@requires(Cap.DROPOUT_VIEW)
class CaseTotalsApi(APIView):
    """Per county: open and closed cases and the oldest open case's date; and the ten oldest open cases."""

    def get(self, request):
        totals = [{"county": r["county_id"], "county_name": r["county__name"], "open": r["open"],
                   "closed": r["closed"], "oldest_open": r["oldest"]} for r in selectors.case_totals(user=request.user)]
        oldest = CaseSerializer(selectors.oldest_open_cases(user=request.user), many=True,
                                context={"request": request}).data
        return Response({"counties": totals, "oldest_open": oldest})


@requires(Cap.DROPOUT_VIEW)
class CaseDetailApi(APIView):
    def get(self, request, pk):
        case = selectors.case_get(user=request.user, pk=pk)
        data = CaseSerializer(case, context={"request": request}).data
        data["follow_ups"] = FollowUpSerializer(selectors.case_follow_ups(case=case), many=True).data
        return Response(data)


class FollowUpIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FollowUpKind.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    on = serializers.DateField(required=False, default=None)


@requires(Cap.DROPOUT_VIEW)
class CaseFollowUpApi(APIView):
    """Record a follow-up; a return, a transfer or an exemption closes the case."""

    @extend_schema(request=FollowUpIn)
    def post(self, request, pk):
        case = selectors.case_get(user=request.user, pk=pk)
        data = FollowUpIn(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.case_follow_up(actor=request.user, case=case, **data.validated_data)
        return Response(FollowUpSerializer(entry).data, status=status.HTTP_201_CREATED)


class StudentRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    national_number = serializers.SerializerMethodField()
    school = serializers.IntegerField(source="school_id")
    school_name = serializers.CharField(source="school.name")

    def get_national_number(self, obj) -> str:
        return presenter_for(self.context["request"].user).national_number(obj.national_number)


@requires(Cap.STUDENT_VIEW)
class MigrantApi(SelectorMixin, generics.ListAPIView):
    """随迁子女 on the roll (`county`); `by_county` and `flows` at ?summary=1."""

    serializer_class = StudentRowSerializer
    list_selector = staticmethod(selectors.migrant_list)
    filter_params = ("county",)

    def get(self, request, *args, **kwargs):
        if request.query_params.get("summary"):
            return Response({"by_county": selectors.migrant_by_county(user=request.user),
                             "flows": selectors.migrant_flows(user=request.user)})
        return super().get(request, *args, **kwargs)


class LeftBehindRowSerializer(StudentRowSerializer):
    has_entry = serializers.BooleanField()


@requires(Cap.STUDENT_VIEW)
class LeftBehindListApi(SelectorMixin, generics.ListAPIView):
    """留守儿童 on the roll with whether the term (`term`, default the current) has its entry (`missing=1`)."""

    serializer_class = LeftBehindRowSerializer
    list_selector = staticmethod(selectors.left_behind_list)
    filter_params = ("term", "missing")


class LeftBehindIn(serializers.Serializer):
    term = serializers.CharField(max_length=6)
    guardian_name = serializers.CharField(max_length=64)
    guardian_relation = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    guardian_phone = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    parents_away = serializers.CharField(max_length=128, required=False, default="", allow_blank=True)
    care_measures = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


@requires(get=Cap.STUDENT_VIEW, post=Cap.STUDENT_EDIT)
class LeftBehindEntryApi(APIView):
    """GET ?term=: a pupil's entry of the term (phone through the presenter). POST: the school saves it."""

    def get(self, request, pk):
        student = selectors.left_behind_get(user=request.user, pk=pk)
        term = request.query_params.get("term") or terms.term_of(clock.today())[0]
        entry = selectors.left_behind_entries(students=[student], term=term).get(student.pk)
        shown = presenter_for(request.user)
        return Response({"student": student.pk, "term": term, "entry": None if entry is None else {
            "guardian_name": entry.guardian_name, "guardian_relation": entry.guardian_relation,
            "guardian_phone": shown.phone(entry.guardian_phone), "parents_away": entry.parents_away,
            "care_measures": entry.care_measures, "updated_at": entry.updated_at}})

    @extend_schema(request=LeftBehindIn)
    def post(self, request, pk):
        student = selectors.left_behind_get(user=request.user, pk=pk)
        data = LeftBehindIn(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.left_behind_save(actor=request.user, student=student, **data.validated_data)
        return Response({"student": student.pk, "term": entry.term}, status=status.HTTP_201_CREATED)


@requires(Cap.STUDENT_VIEW)
class EligibilityApi(SelectorMixin, generics.ListAPIView):
    """营养改善计划 (`programme=nutrition`) or 资助 (`programme=aid`) eligibility list."""

    serializer_class = StudentRowSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DropoutCase.objects.none()
        programme = self.request.query_params.get("programme") or "nutrition"
        if programme not in selectors.PROGRAMMES:
            raise NotFound("programme not found")
        return selectors.eligibility_list(user=self.request.user, programme=programme)


class ReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    month = serializers.DateField(format="%Y-%m")

    class Meta:
        model = MonthlyReport
        fields = ["id", "org_unit", "unit_name", "month", "status", "figures", "manual", "generated_at",
                  "signed_by", "signed_at", "submitted_at", "late", "late_reason"]


class GenerateIn(serializers.Serializer):
    month = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"])
    manual = serializers.DictField(required=False, default=None, allow_null=True)


@requires(Cap.DROPOUT_VIEW)
class ReportListApi(SelectorMixin, generics.ListAPIView):
    """GET: the reports of the jurisdiction. POST {month, manual?}: generate the caller's unit's (draft) report."""

    serializer_class = ReportSerializer
    list_selector = staticmethod(lambda *, user, filters: selectors.report_list(user=user))

    @extend_schema(request=GenerateIn, responses={201: ReportSerializer})
    def post(self, request):
        data = GenerateIn(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_generate(actor=request.user, **data.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


@requires(Cap.DROPOUT_VIEW)
class ReportDetailApi(APIView):
    def get(self, request, pk):
        return Response(ReportSerializer(selectors.report_get(user=request.user, pk=pk)).data)


@requires(Cap.DROPOUT_VIEW)
class ReportSignApi(APIView):
    """确认签章: the unit's leader signs (SM2); anyone else gets 403 report_wrong_signer."""

    @extend_schema(request=None, responses=ReportSerializer)
    def post(self, request, pk):
        report = services.report_sign(actor=request.user, report=selectors.report_get(user=request.user, pk=pk))
        return Response(ReportSerializer(report).data)


@requires(Cap.DROPOUT_VIEW)
class ReportSubmitApi(APIView):
    """报送: after the signature and the subordinates' submissions; after the deadline it is marked late."""

    @extend_schema(request=None, responses=ReportSerializer)
    def post(self, request, pk):
        report = services.report_submit(actor=request.user, report=selectors.report_get(user=request.user, pk=pk))
        return Response(ReportSerializer(report).data)


@requires(Cap.DROPOUT_VIEW)
class ReportStatusApi(APIView):
    """?month=YYYY-MM (default the last month): the direct subordinates' reports and the 通报 list."""

    def get(self, request):
        raw = request.query_params.get("month")
        month = _date(f"{raw}-01", "month") if raw else selectors.last_month()

        def row(item):
            report = item["report"]
            return {"unit": item["unit"].pk, "unit_name": item["unit"].name,
                    "status": report.status if report else None, "late": bool(report and report.late),
                    **({"problem": item["problem"], "reason": item["reason"]} if "problem" in item else {})}

        return Response({"month": f"{month:%Y-%m}",
                         "subordinates": [row(i) for i in selectors.subordinate_status(user=request.user,
                                                                                       month=month)],
                         "notice": [row(i) for i in selectors.notice_list(user=request.user, month=month)]})


class MisuseSerializer(serializers.ModelSerializer):
    """No reporter: the handlers never learn who filed; `mine` tells the reporter their own."""

    about_unit_name = serializers.CharField(source="about_unit.name", read_only=True)
    handler_unit_name = serializers.CharField(source="handler_unit.name", read_only=True)
    mine = serializers.SerializerMethodField()

    class Meta:
        model = MisuseReport
        fields = ["id", "about_unit", "about_unit_name", "handler_unit", "handler_unit_name", "text", "status",
                  "created_at", "handled_at", "handling_note", "mine"]

    def get_mine(self, obj) -> bool:
        return obj.reporter_id == self.context["request"].user.pk


class MisuseIn(serializers.Serializer):
    about_unit = serializers.IntegerField()
    text = serializers.CharField(max_length=10000)


@requires(SIGNED_IN)
class MisuseListApi(SelectorMixin, generics.ListAPIView):
    """GET: one's own reports and those routed to one's unit (`box=mine|routed`). POST: file a report."""

    serializer_class = MisuseSerializer
    list_selector = staticmethod(selectors.misuse_list)
    filter_params = ("box",)

    @extend_schema(request=MisuseIn, responses={201: MisuseSerializer})
    def post(self, request):
        data = MisuseIn(data=request.data)
        data.is_valid(raise_exception=True)
        unit = selectors.misuse_units(user=request.user).filter(pk=data.validated_data["about_unit"]).first()
        if unit is None:
            raise NotFound("unit not found")
        report = services.misuse_file(actor=request.user, about_unit=unit, text=data.validated_data["text"])
        return Response(MisuseSerializer(report, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


@requires(SIGNED_IN)
class MisuseDetailApi(APIView):
    def get(self, request, pk):
        return Response(MisuseSerializer(selectors.misuse_get(user=request.user, pk=pk),
                                         context={"request": request}).data)


class HandleIn(serializers.Serializer):
    note = serializers.CharField(max_length=10000)


@requires(SIGNED_IN)
class MisuseHandleApi(APIView):
    """The leader of the unit it was routed to records how it was handled."""

    @extend_schema(request=HandleIn, responses=MisuseSerializer)
    def post(self, request, pk):
        report = selectors.misuse_get(user=request.user, pk=pk)
        data = HandleIn(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.misuse_handle(actor=request.user, report=report, note=data.validated_data["note"])
        return Response(MisuseSerializer(report, context={"request": request}).data)





@requires(Cap.DROPOUT_VIEW)
class AssessmentApi(APIView):
    """考核 (?term=2026-1): each unit directly below the caller's with its score and components."""

    def get(self, request):
        term = request.query_params.get("term") or None
        if term and terms.term_bounds(term) is None:
            raise ValidationFailed("The term is written like 2026-1 or 2026-2.", code="attendance_bad_term",
                                   field="term")
        result = assessment.assessment(user=request.user, term=term)
        return Response({"term": result["term"], "units": [
            {**{k: v for k, v in row.items() if k != "unit"}, "unit": row["unit"].pk,
             "unit_name": row["unit"].name} for row in result["rows"]]})
