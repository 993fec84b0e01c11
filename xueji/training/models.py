"""培训考试与证书: courses an authority runs for the staff of a level below it (face-to-face sessions or online
material), enrolment and attendance, a question bank per course, timed exams with a pass mark, attempts marked
automatically, and the certificate of a pass (number, verification code, validity)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.models import ClockDateTimeField
from xueji.training.choices import TARGET_LEVELS, EnrolmentSource, Mode, QuestionKind


class Course(models.Model):
    """A course of an authority (`org_unit`) for the staff of one level below it (`level`); a registrar course
    (`for_registrars`) is the one 持证上岗 asks for and the one a new registrar is enrolled in."""

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("training unit"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("for the staff of"), max_length=16, choices=TARGET_LEVELS)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.FACE_TO_FACE)
    material = models.TextField(_("online material"), blank=True)
    for_registrars = models.BooleanField(_("registrar course (持证上岗)"), default=False)
    validity_months = models.PositiveSmallIntegerField(_("certificate valid for (months)"), default=24)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["org_unit__path", "title", "id"]
        verbose_name = _("course")
        indexes = [models.Index(fields=["org_unit", "level", "for_registrars"])]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """One running of a course: a face-to-face class at a place and time, or an online period."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("places"), default=50)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("training session")
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="training_session_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.course_id} {self.title}"


class Enrolment(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_enrolments")
    source = models.CharField(max_length=16, choices=EnrolmentSource.choices)
    enrolled_at = models.DateTimeField()
    attended = models.BooleanField(_("attended"), null=True)  # None: not recorded yet
    attendance_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    class Meta:
        ordering = ["session", "user__username"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="training_enrol_once")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.session_id}"


class Question(models.Model):
    """A question of a course's bank; `answer` the indexes of the right choices (true/false: 0 true, 1 false)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    choices = models.JSONField(_("choices"), default=list)
    answer = models.JSONField(_("right answer"), default=list)
    points = models.PositiveSmallIntegerField(_("points"), default=1)

    class Meta:
        ordering = ["course", "id"]
        verbose_name = _("question")

    def __str__(self) -> str:
        return self.text[:50]


class Exam(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="exams")
    title = models.CharField(_("title"), max_length=200)
    duration_minutes = models.PositiveSmallIntegerField(_("time allowed (minutes)"), default=30)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (% of the points)"), default=60)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        ordering = ["course", "id"]
        verbose_name = _("exam")
        constraints = [models.CheckConstraint(condition=models.Q(pass_mark__gte=1, pass_mark__lte=100),
                                              name="training_pass_mark_1_100")]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    """One sitting of an exam: the questions drawn, the deadline (server time), the answers and the mark."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_attempts")
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict)
    score = models.PositiveIntegerField(null=True, blank=True)
    max_score = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["user", "exam", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.exam_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int | None:
        if self.score is None or not self.max_score:
            return None
        return round(100 * self.score / self.max_score)


class Certificate(models.Model):
    """The certificate of a passed exam: its number, the code anyone may verify it by, and its validity."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_certificates")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    attempt = models.OneToOneField(Attempt, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="certificate")
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")  # the holder's then
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateField(_("valid until"))

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        indexes = [models.Index(fields=["user", "valid_until"]), models.Index(fields=["org_unit", "valid_until"])]

    def __str__(self) -> str:
        return self.number
