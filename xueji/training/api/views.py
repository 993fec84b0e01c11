"""Training API (培训考试): courses (list, create, detail with sessions and exams), a course's question bank,
sessions and exams (its managers), enrolling, attendance, starting and submitting an exam, one's certificates and a
certificate's PDF, and the public verification by code. Thin: selectors read, services write."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import PUBLIC, SIGNED_IN, requires
from xueji.core.errors import NotFound
from xueji.training import pdf, selectors, services
from xueji.training.choices import TARGET_LEVELS, Mode, QuestionKind
from xueji.training.models import Attempt, Certificate, Course, Enrolment, Exam, Question, Session


class SessionSerializer(serializers.ModelSerializer):
    taken = serializers.IntegerField(read_only=True)
    mine = serializers.BooleanField(read_only=True)

    class Meta:
        model = Session
        fields = ["id", "title", "starts_at", "ends_at", "place", "capacity", "taken", "mine"]


class ExamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exam
        fields = ["id", "title", "duration_minutes", "pass_mark", "is_active"]


class CourseSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = Course
        fields = ["id", "title", "level", "mode", "for_registrars", "validity_months", "org_unit", "org_unit_name",
                  "is_active"]


class CourseDetailSerializer(CourseSerializer):
    sessions = serializers.SerializerMethodField()
    exams = serializers.SerializerMethodField()

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "description", "material", "sessions", "exams"]

    def get_sessions(self, course) -> list[dict]:
        return SessionSerializer(selectors.sessions_of(user=self.context["user"], course=course), many=True).data

    def get_exams(self, course) -> list[dict]:
        return ExamSerializer(course.exams.all(), many=True).data


class CourseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    level = serializers.ChoiceField(choices=TARGET_LEVELS)
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.FACE_TO_FACE)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    material = serializers.CharField(required=False, allow_blank=True, default="", max_length=50000)
    for_registrars = serializers.BooleanField(default=False)
    validity_months = serializers.IntegerField(default=24, min_value=1, max_value=120)


@requires(get=SIGNED_IN, post=Cap.TRAINING_MANAGE)
class CourseListApi(SelectorMixin, generics.ListAPIView):
    """GET: the courses in view (`box=offered|managed`, `level`, `q`). POST: a course of your unit."""

    serializer_class = CourseSerializer
    list_selector = staticmethod(lambda *, user, filters: selectors.course_list(user=user, filters=filters))
    filter_params = ("box", "level", "q")

    @extend_schema(request=CourseCreateSerializer, responses={201: CourseSerializer})
    def post(self, request):
        data = CourseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        course = services.course_create(actor=request.user, **data.validated_data)
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)


class CourseUpdateSerializer(CourseCreateSerializer):
    is_active = serializers.BooleanField(default=True, help_text="false: the course is closed (no longer offered)")


@requires(get=SIGNED_IN, put=Cap.TRAINING_MANAGE)
class CourseDetailApi(APIView):
    """GET: a course in view. PUT: its managers edit it (all its items; certificates issued keep their validity)."""

    @extend_schema(responses=CourseDetailSerializer)
    def get(self, request, pk):
        course = selectors.course_get(user=request.user, pk=pk)
        return Response(CourseDetailSerializer(course, context={"user": request.user}).data)

    @extend_schema(request=CourseUpdateSerializer, responses=CourseDetailSerializer)
    def put(self, request, pk):
        course = selectors.course_managed(user=request.user, pk=pk)
        data = CourseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        course = services.course_update(actor=request.user, course=course, **data.validated_data)
        return Response(CourseDetailSerializer(course, context={"user": request.user}).data)


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "kind", "text", "choices", "answer", "points"]


class QuestionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    text = serializers.CharField(max_length=5000)
    choices = serializers.ListField(child=serializers.CharField(max_length=500), required=False, default=list,
                                    max_length=10)
    answer = serializers.ListField(child=serializers.IntegerField(min_value=0), min_length=1, max_length=10)
    points = serializers.IntegerField(default=1, min_value=1, max_value=100)


@requires(Cap.TRAINING_MANAGE)
class QuestionListApi(APIView):
    """A course's question bank with the right answers (its managers only): list, add."""

    @extend_schema(responses=QuestionSerializer(many=True))
    def get(self, request, pk):
        course = selectors.course_managed(user=request.user, pk=pk)
        return Response(QuestionSerializer(selectors.questions_of(course=course), many=True).data)

    @extend_schema(request=QuestionCreateSerializer, responses={201: QuestionSerializer})
    def post(self, request, pk):
        course = selectors.course_managed(user=request.user, pk=pk)
        data = QuestionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_add(actor=request.user, course=course, **data.validated_data)
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


@requires(Cap.TRAINING_MANAGE)
class QuestionDetailApi(APIView):
    """PUT: edit a question of a course you run; DELETE: take it out of the bank. Exams handed in keep their marks;
    refused (409) while someone sits an exam with it."""

    @extend_schema(request=QuestionCreateSerializer, responses=QuestionSerializer)
    def put(self, request, pk):
        question = selectors.question_managed(user=request.user, pk=pk)
        data = QuestionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_update(actor=request.user, question=question, **data.validated_data)
        return Response(QuestionSerializer(question).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.question_delete(actor=request.user, question=selectors.question_managed(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(default=50, min_value=1, max_value=10000)


@requires(Cap.TRAINING_MANAGE)
class SessionCreateApi(APIView):
    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    def post(self, request, pk):
        course = selectors.course_managed(user=request.user, pk=pk)
        data = SessionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_create(actor=request.user, course=course, **data.validated_data)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class ExamCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    duration_minutes = serializers.IntegerField(default=30, min_value=1, max_value=600)
    pass_mark = serializers.IntegerField(default=60, min_value=1, max_value=100)


@requires(Cap.TRAINING_MANAGE)
class ExamCreateApi(APIView):
    @extend_schema(request=ExamCreateSerializer, responses={201: ExamSerializer})
    def post(self, request, pk):
        course = selectors.course_managed(user=request.user, pk=pk)
        data = ExamCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exam = services.exam_create(actor=request.user, course=course, **data.validated_data)
        return Response(ExamSerializer(exam).data, status=status.HTTP_201_CREATED)


class EnrolmentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    org_unit_name = serializers.CharField(source="user.org_unit.name", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "session", "user", "username", "full_name", "org_unit_name", "source", "enrolled_at",
                  "attended"]


@requires(SIGNED_IN)
class SessionEnrolApi(APIView):
    """Enrol yourself in a session of a course offered to you."""

    @extend_schema(request=None, responses={201: EnrolmentSerializer})
    def post(self, request, pk):
        session = selectors.session_get(user=request.user, pk=pk)
        enrolment = services.session_enrol(actor=request.user, session=session)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class AttendanceSerializer(serializers.Serializer):
    present = serializers.ListField(child=serializers.IntegerField(), max_length=10000,
                                    help_text="the users who attended; every other enrolled user did not")


@requires(Cap.TRAINING_MANAGE)
class SessionAttendanceApi(APIView):
    """A session's enrolments (GET) and its attendance (POST), for the course's managers."""

    @extend_schema(responses=EnrolmentSerializer(many=True))
    def get(self, request, pk):
        session = selectors.session_managed(user=request.user, pk=pk)
        return Response(EnrolmentSerializer(selectors.enrolments_of(session=session), many=True).data)

    @extend_schema(request=AttendanceSerializer, responses={200: None})
    def post(self, request, pk):
        session = selectors.session_managed(user=request.user, pk=pk)
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.attendance_record(actor=request.user, session=session,
                                                   present_ids=data.validated_data["present"]))


class AttemptQuestionSerializer(serializers.ModelSerializer):
    """A question as the candidate sees it: no right answer."""

    class Meta:
        model = Question
        fields = ["id", "kind", "text", "choices", "points"]


class AttemptSerializer(serializers.ModelSerializer):
    questions = serializers.SerializerMethodField()
    percent = serializers.IntegerField(read_only=True)
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = ["id", "exam", "started_at", "deadline", "submitted_at", "score", "max_score", "percent", "passed",
                  "questions", "certificate"]

    def get_questions(self, attempt) -> list[dict]:
        if attempt.submitted_at is not None:
            return []
        return AttemptQuestionSerializer(selectors.attempt_questions(attempt=attempt), many=True).data

    def get_certificate(self, attempt) -> dict | None:
        certificate = getattr(attempt, "certificate", None) if attempt.passed else None
        return CertificateSerializer(certificate).data if certificate else None


@requires(SIGNED_IN)
class ExamStartApi(APIView):
    """Start an exam of a course offered to you (or go on with your attempt still running): its questions and the
    deadline (server time)."""

    @extend_schema(request=None, responses=AttemptSerializer)
    def post(self, request, pk):
        exam = selectors.exam_get(user=request.user, pk=pk)
        return Response(AttemptSerializer(services.attempt_start(actor=request.user, exam=exam)).data)


class SubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField(min_value=0),
                                                                max_length=10),
                                    help_text='{"<question id>": [chosen choice numbers, from 0]}')


@requires(SIGNED_IN)
class ExamSubmitApi(APIView):
    """Hand in your attempt's answers: refused after its deadline; marked at once; a pass issues the certificate."""

    @extend_schema(request=SubmitSerializer, responses=AttemptSerializer)
    def post(self, request, pk):
        exam = selectors.exam_get(user=request.user, pk=pk)
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = selectors.attempt_to_submit(user=request.user, exam=exam)
        attempt = services.attempt_submit(actor=request.user, attempt=attempt, answers=data.validated_data["answers"])
        return Response(AttemptSerializer(attempt).data)


class CertificateSerializer(serializers.ModelSerializer):
    course_title = serializers.CharField(source="course.title", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = Certificate
        fields = ["id", "number", "code", "course", "course_title", "org_unit_name", "issued_at", "valid_until"]


@requires(SIGNED_IN)
class CertificateListApi(SelectorMixin, generics.ListAPIView):
    """Your certificates."""

    serializer_class = CertificateSerializer
    list_selector = staticmethod(lambda *, user, filters: selectors.certificate_list(user=user))


@requires(SIGNED_IN)
class CertificatePdfApi(APIView):
    """Your certificate as PDF (its download is audited)."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk):
        return pdf.certificate_response(request, selectors.certificate_get(user=request.user, pk=pk))


@requires(PUBLIC)
class CertificateVerifyApi(APIView):
    """Anyone: a certificate by its verification code (`code`): the masked holder, the unit, course and validity."""

    authentication_classes: list = []

    @extend_schema(responses={200: None})
    def get(self, request):
        found = selectors.certificate_verify(code=request.query_params.get("code", ""))
        if found is None:
            raise NotFound("No certificate has this verification code.", code="certificate_not_found")
        return Response(found)
