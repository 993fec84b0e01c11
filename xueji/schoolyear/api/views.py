"""The school year's turn API: graduation of a compulsory stage's final grade (the candidates, graduating with
exceptions, destinations, a mistaken graduation reverted), and the province's promotion (state and progress,
check, dry run, schedule, start, a school held back, included again or promoted later). Thin: the selectors read,
the services write."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.core.capabilities import requires
from xueji.core.errors import NotFound
from xueji.jobs.models import Job
from xueji.registry.api.views import PresentedSerializer
from xueji.schools.selectors import school_get
from xueji.schoolyear import selectors, services
from xueji.schoolyear.choices import Destination, LeaveKind


class CandidateSerializer(PresentedSerializer, serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    national_number = serializers.CharField(allow_null=True)
    class_name = serializers.CharField(source="school_class.display_name")
    stage = serializers.CharField(source="school_class.stage")


class GraduateSerializer(PresentedSerializer, serializers.Serializer):
    id = serializers.IntegerField()
    student = serializers.IntegerField(source="student_id")
    name = serializers.CharField(source="student.name")
    batch = serializers.IntegerField(source="batch_id")
    kind = serializers.CharField(source="batch.kind")
    school = serializers.IntegerField(source="school_id")
    destination = serializers.CharField()
    destination_school = serializers.IntegerField(source="destination_school_id", allow_null=True)
    reverted_at = serializers.DateTimeField(allow_null=True)


class GraduateInput(serializers.Serializer):
    students = serializers.ListField(child=serializers.IntegerField(), allow_empty=True,
                                     help_text="the pupils who graduate (the final grade's list minus exceptions)")
    kind = serializers.ChoiceField(choices=LeaveKind.choices, default=LeaveKind.GRADUATED)
    destinations = serializers.DictField(child=serializers.ChoiceField(choices=Destination.choices), required=False,
                                         help_text="pupil id -> destination code (去向); unknown by default")


def _own_school(request):
    school = getattr(request.user.org_unit, "school", None)
    if school is None:
        raise NotFound("school not found")
    return school


@requires(get=Cap.GRADUATION_MANAGE, post=Cap.GRADUATION_MANAGE)
class GraduationApi(APIView):
    """GET: the final grade's pupils of the user's school (the list to graduate). POST: graduate (or complete) the
    chosen ones at once; a pupil not in school in the final grade of a compulsory stage refuses the batch (409
    not_final_grade), outside the window 400 outside_business_window."""

    @extend_schema(responses=CandidateSerializer(many=True))
    def get(self, request):
        school = _own_school(request)
        rows = selectors.graduation_candidates(user=request.user, school=school)
        return Response(CandidateSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(request=GraduateInput, responses={201: GraduateSerializer(many=True)})
    def post(self, request):
        school = _own_school(request)
        data = GraduateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        batch = services.graduation_graduate(
            actor=request.user, school=school, student_ids=values["students"], kind=values["kind"],
            destinations={int(k): v for k, v in (values.get("destinations") or {}).items() if str(k).isdigit()})
        rows = selectors.graduates_of(user=request.user, batch=batch)
        return Response({"batch": batch.pk, "count": batch.count,
                         "graduates": GraduateSerializer(rows, many=True, context={"request": request}).data},
                        status=status.HTTP_201_CREATED)


@requires(Cap.GRADUATION_VIEW)
class GraduateListApi(APIView):
    """Graduates of the jurisdiction (?school=, ?batch=, ?destination=)."""

    @extend_schema(responses=GraduateSerializer(many=True))
    def get(self, request):
        filters = {k: request.query_params.get(k) for k in ("school", "batch", "destination")}
        rows = selectors.graduates_list(user=request.user, filters=filters)[:500]
        return Response(GraduateSerializer(rows, many=True, context={"request": request}).data)


class DestinationInput(serializers.Serializer):
    destination = serializers.ChoiceField(choices=Destination.choices)


@requires(get=Cap.GRADUATION_VIEW, patch=Cap.GRADUATION_MANAGE)
class StudentGraduationApi(APIView):
    """A pupil's standing graduation; PATCH records its destination (去向)."""

    @extend_schema(responses=GraduateSerializer)
    def get(self, request, pk):
        found = selectors.graduate_of_student(user=request.user, pk=pk)
        return Response(GraduateSerializer(found, context={"request": request}).data)

    @extend_schema(request=DestinationInput, responses=GraduateSerializer)
    def patch(self, request, pk):
        found = selectors.graduate_of_student(user=request.user, pk=pk, cap=Cap.GRADUATION_MANAGE)
        data = DestinationInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = services.graduate_destination_set(actor=request.user, graduate=found,
                                                  destination=data.validated_data["destination"])
        return Response(GraduateSerializer(found, context={"request": request}).data)


class RevertInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


@requires(post=Cap.GRADUATION_MANAGE)
class GraduationRevertApi(APIView):
    """A mistaken graduation reverted to in school by the school; 409 admitted_elsewhere once another school has
    the pupil."""

    @extend_schema(request=RevertInput, responses=GraduateSerializer)
    def post(self, request, pk):
        found = selectors.graduate_of_student(user=request.user, pk=pk, cap=Cap.GRADUATION_MANAGE)
        data = RevertInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = services.graduation_revert(actor=request.user, graduate=found,
                                           reason=data.validated_data.get("reason", ""))
        return Response(GraduateSerializer(found, context={"request": request}).data)


# ---------------------------------------------------------------- promotion

def _run(request):
    return services.promotion_prepare(actor=request.user)


def _job_of(run) -> dict | None:
    if not run.job_id:
        return None
    job = Job.objects.filter(pk=run.job_id).values("id", "status", "progress", "error", "result").first()
    return job


@requires(Cap.PROMOTION_MANAGE)
class PromotionApi(APIView):
    """The province's promotion into the next school year: its state, the schools per state, its job's progress,
    the configured moment."""

    @extend_schema(responses=dict)
    def get(self, request):
        run = _run(request)
        return Response({"id": run.pk, "province": run.province_code, "from_year": run.from_year,
                         "to_year": run.to_year, "status": run.status,
                         "moment": services.promotion_moment(run).isoformat(), "backup": bool(run.backup_file),
                         "schools": selectors.promotion_summary(user=request.user, run=run), "job": _job_of(run)})


def _check_rows(rows) -> list[dict]:
    return [{"school": r["school"].pk, "code": r["school"].code, "name": r["school"].name,
             "county": r["county"].name, "state": r["state"], "year": r["year"], "blocked": r["blocked"],
             "blockers": r["blockers"]} for r in rows]


@requires(Cap.PROMOTION_MANAGE)
class PromotionCheckApi(APIView):
    """Per school of the jurisdiction, what blocks its promotion now (open requests on its pupils, pupils still in
    a final grade, open problem records)."""

    @extend_schema(responses=dict)
    def get(self, request):
        rows = selectors.promotion_check(user=request.user, run=_run(request))
        return Response(_check_rows(rows))


@requires(Cap.PROMOTION_MANAGE)
class PromotionDryRunApi(APIView):
    """What the promotion will change, per school and grade (nothing is written)."""

    @extend_schema(responses=dict)
    def get(self, request):
        rows = selectors.promotion_dry_run(user=request.user, run=_run(request))
        return Response([{"school": r["school"].pk, "name": r["school"].name, "stage": r["stage"],
                          "cohort": r["cohort"], "pupils": r["pupils"], "grade": str(r["grade"]),
                          "next": str(r["next"]) if r["next"] else None} for r in rows])


@requires(post=Cap.PROMOTION_MANAGE)
class PromotionStartApi(APIView):
    """Start the promotion now (the province's authority): 202 with the job; 409 promotion_running."""

    @extend_schema(request=None, responses={202: dict})
    def post(self, request):
        job = services.promotion_start(actor=request.user)
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)


@requires(post=Cap.PROMOTION_MANAGE)
class PromotionScheduleApi(APIView):
    """Schedule the promotion for the configured moment (the province's authority)."""

    @extend_schema(request=None, responses=dict)
    def post(self, request):
        run = services.promotion_schedule(actor=request.user)
        return Response({"id": run.pk, "status": run.status, "moment": services.promotion_moment(run).isoformat()})


class ExcludeInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


def _row(row) -> dict:
    return {"school": row.school_id, "state": row.state, "reason": row.reason, "blockers": row.blockers,
            "promoted_at": row.promoted_at}


class CloseInput(serializers.Serializer):
    schools = serializers.ListField(child=serializers.IntegerField(), required=False,
                                    help_text="the schools whose final grade graduates; every school of the area "
                                              "by default")
    kind = serializers.ChoiceField(choices=LeaveKind.choices, default=LeaveKind.GRADUATED)


@requires(post=Cap.PROMOTION_MANAGE)
class GraduationCloseApi(APIView):
    """统一毕业: an authority graduates every pupil still in school in the compulsory final grade of the chosen
    schools of its area (all by default), the destination unknown; outside a county's graduation window 400
    outside_business_window, nobody left 400 nothing_to_graduate, a school outside the area 404."""

    @extend_schema(request=CloseInput, responses=dict)
    def post(self, request):
        data = CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.graduation_close(actor=request.user, school_ids=data.validated_data.get("schools"),
                                         kind=data.validated_data["kind"])
        return Response(done)


@requires(post=Cap.PROMOTION_MANAGE)
class PromotionExcludeApi(APIView):
    """Hold a school back from the province's promotion (to be promoted later)."""

    @extend_schema(request=ExcludeInput, responses=dict)
    def post(self, request, pk):
        school = school_get(user=request.user, pk=pk)
        data = ExcludeInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_row(services.promotion_exclude(actor=request.user, school=school,
                                                        reason=data.validated_data.get("reason", ""))))


@requires(post=Cap.PROMOTION_MANAGE)
class PromotionIncludeApi(APIView):
    """A school held back goes with the province's promotion again."""

    @extend_schema(request=None, responses=dict)
    def post(self, request, pk):
        school = school_get(user=request.user, pk=pk)
        return Response(_row(services.promotion_include(actor=request.user, school=school)))


@requires(post=Cap.PROMOTION_MANAGE)
class PromotionSchoolApi(APIView):
    """Promote one school later (held back or blocked), after the province's run: 409 promotion_blocked with what
    blocks it, promotion_not_run before the run."""

    @extend_schema(request=None, responses=dict)
    def post(self, request, pk):
        school = school_get(user=request.user, pk=pk)
        return Response(_row(services.promotion_school_now(actor=request.user, school=school)))


class SeniorInput(serializers.Serializer):
    students = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    kind = serializers.ChoiceField(choices=LeaveKind.choices, default=LeaveKind.GRADUATED)


@requires(post=Cap.GRADUATION_MANAGE)
class SeniorGraduationApi(APIView):
    """普通高中毕业: file the senior final grade's pupils for approval (201 with the request); 409
    conditions_not_met names each pupil's missing 学业水平考试 subjects."""

    @extend_schema(request=SeniorInput, responses={201: dict})
    def post(self, request):
        school = _own_school(request)
        data = SeniorInput(data=request.data)
        data.is_valid(raise_exception=True)
        filed = services.senior_graduation_file(actor=request.user, school=school,
                                                student_ids=data.validated_data["students"],
                                                kind=data.validated_data["kind"])
        return Response({"request": filed.pk, "status": filed.status}, status=status.HTTP_201_CREATED)


class ExamRowSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32, help_text="national student number or ID number")
    subject = serializers.CharField(max_length=16)
    result = serializers.CharField(max_length=8, help_text="合格 / 不合格")
    score = serializers.CharField(max_length=16, required=False, allow_blank=True)


class ExamRowsInput(serializers.Serializer):
    rows = ExamRowSerializer(many=True)


@requires(post=Cap.PROMOTION_MANAGE)
class ExamResultsApi(APIView):
    """An authority loads 学业水平考试 results: every row error in one pass (400 invalid_rows, nothing loaded); a
    re-upload is idempotent."""

    @extend_schema(request=ExamRowsInput, responses=dict)
    def post(self, request):
        data = ExamRowsInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.exam_results_load(actor=request.user, rows=data.validated_data["rows"]))
