"""Every write of the training app: courses, sessions, questions and exams (an authority's registrar, for courses of
their unit or a unit below), enrolment (oneself, or by the training unit), attendance, starting and submitting an
exam (marked automatically; a pass issues the certificate). Each keyword-only, atomic and audited.

Two checks other apps ask without importing this one: 持证上岗 (`certificate_gate`, registered as the approval
engine's gate: when the province switches it on, a registrar files and approves only while holding a valid
certificate of the registrar course of their level), and a new registrar's enrolment in the next session of that
course (`registrar_enrol_next`, registered with accounts' role hooks)."""

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.policy.services import setting_get
from xueji.regions.models import province_code_of
from xueji.training.choices import CERTIFICATE_SETTING, TARGET_LEVELS, EnrolmentSource, Mode, QuestionKind
from xueji.training.models import Attempt, Certificate, Course, Enrolment, Exam, Question, Session

LEVEL_CODES = tuple(code for code, _label in TARGET_LEVELS)
# The letters of a verification code: no 0/O, 1/I/L that a reader confuses.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def grace() -> dt.timedelta:
    """How late (server time) an exam's answers are still taken: the network's delay, not extra time."""
    return dt.timedelta(seconds=int(getattr(settings, "XUEJI_TRAINING_GRACE_SECONDS", 30)))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _require_manager(actor, course: Course) -> None:
    """An authority's registrar manages the courses of their unit and the units below it (else 404)."""
    require_cap(actor, Cap.TRAINING_MANAGE)
    if not course.org_unit.path.startswith(actor.org_unit.path):
        raise NotFound("course not found")


# ---------------------------------------------------------------- courses, sessions, questions, exams


def _clean_course(*, title: str, level: str, mode: str, validity_months: int) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("A course needs a title."), code="required", field="title")
    if level not in LEVEL_CODES:
        raise ValidationFailed(_("Choose the level whose staff the course trains."), code="training_bad_level",
                               field="level")
    if mode not in Mode.values:
        raise ValidationFailed(_("Choose face to face or online material."), code="training_bad_mode", field="mode")
    if not 1 <= int(validity_months) <= 120:
        raise ValidationFailed(_("A certificate is valid for 1 to 120 months."), code="training_bad_validity",
                               field="validity_months")
    return title[:200]


@transaction.atomic
def course_create(*, actor, title: str, level: str, mode: str = Mode.FACE_TO_FACE, description: str = "",
                  material: str = "", for_registrars: bool = False, validity_months: int = 24) -> Course:
    require_cap(actor, Cap.TRAINING_MANAGE)
    title = _clean_course(title=title, level=level, mode=mode, validity_months=validity_months)
    course = Course.objects.create(org_unit=actor.org_unit, title=title, description=description,
                                   level=level, mode=mode, material=material, for_registrars=bool(for_registrars),
                                   validity_months=int(validity_months), created_by=actor)
    audit_record(actor=actor, action="training.course_create", obj=course,
                 after={"title": course.title, "level": level, "mode": mode, "for_registrars": course.for_registrars})
    return course


COURSE_FIELDS = ("title", "level", "mode", "description", "material", "for_registrars", "validity_months",
                 "is_active")


@transaction.atomic
def course_update(*, actor, course: Course, title: str, level: str, mode: str, description: str = "",
                  material: str = "", for_registrars: bool = False, validity_months: int = 24,
                  is_active: bool = True) -> Course:
    """Its managers edit a course (the checks of a new one). Certificates already issued keep their validity; a
    closed course (`is_active` off) takes no new enrolments or exams and is no longer offered. Audited with the
    items before and after."""
    _require_manager(actor, course)
    course = Course.objects.select_for_update().select_related("org_unit").get(pk=course.pk)
    values = {"title": _clean_course(title=title, level=level, mode=mode, validity_months=validity_months),
              "level": level, "mode": mode, "description": description or "", "material": material or "",
              "for_registrars": bool(for_registrars), "validity_months": int(validity_months),
              "is_active": bool(is_active)}
    changed = [name for name in COURSE_FIELDS if getattr(course, name) != values[name]]
    if not changed:
        return course
    before = {name: getattr(course, name) for name in changed}
    for name in changed:
        setattr(course, name, values[name])
    course.save(update_fields=changed)
    audit_record(actor=actor, action="training.course_update", obj=course, before=before,
                 after={name: values[name] for name in changed})
    return course


@transaction.atomic
def session_create(*, actor, course: Course, title: str, starts_at: dt.datetime, ends_at: dt.datetime,
                   place: str = "", capacity: int = 50) -> Session:
    _require_manager(actor, course)
    if ends_at <= starts_at:
        raise ValidationFailed(_("A session ends after it starts."), code="training_bad_times", field="ends_at")
    if int(capacity) < 1:
        raise ValidationFailed(_("A session has at least one place."), code="training_bad_capacity",
                               field="capacity")
    session = Session.objects.create(course=course, title=(title or course.title).strip()[:200],
                                     starts_at=starts_at, ends_at=ends_at, place=place[:200],
                                     capacity=int(capacity))
    audit_record(actor=actor, action="training.session_create", obj=session,
                 after={"course": course.pk, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return session


def _clean_question(kind: str, text: str, choices: list[str], answer: list[int],
                    points: int) -> tuple[str, list[str], list[int]]:
    """A question's items checked (a new one's and an edited one's): its text, choices and right answer."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write the question."), code="required", field="text")
    if not 1 <= int(points) <= 100:
        raise ValidationFailed(_("A question is worth 1 to 100 points."), code="training_bad_points",
                               field="points")
    if kind not in QuestionKind.values:
        raise ValidationFailed(_("Choose single choice, multiple choice or true or false."),
                               code="training_bad_kind", field="kind")
    if kind == QuestionKind.TRUE_FALSE:
        choices = [str(_("True")), str(_("False"))]
    choices = [str(c).strip() for c in choices if str(c).strip()]
    if len(choices) < 2:
        raise ValidationFailed(_("A question needs at least two choices."), code="training_bad_choices",
                               field="choices")
    try:
        answer = sorted({int(a) for a in answer})
    except (TypeError, ValueError):
        raise ValidationFailed(_("The right answer names choices by their number."), code="training_bad_answer",
                               field="answer") from None
    if not answer or any(not 0 <= a < len(choices) for a in answer):
        raise ValidationFailed(_("The right answer must name one of the choices."), code="training_bad_answer",
                               field="answer")
    if kind != QuestionKind.MULTIPLE and len(answer) != 1:
        raise ValidationFailed(_("A single-choice or true-or-false question has exactly one right answer."),
                               code="training_bad_answer", field="answer")
    return text, choices, answer


@transaction.atomic
def question_add(*, actor, course: Course, kind: str, text: str, choices: list[str], answer: list[int],
                 points: int = 1) -> Question:
    _require_manager(actor, course)
    text, choices, answer = _clean_question(kind, text, list(choices or []), list(answer or []), points)
    question = Question.objects.create(course=course, kind=kind, text=text, choices=choices, answer=answer,
                                       points=int(points))
    audit_record(actor=actor, action="training.question_add", obj=question, after={"course": course.pk,
                                                                                    "kind": kind})
    return question


def _not_in_open_exam(question: Question) -> None:
    """A question drawn in an exam someone is sitting now is not changed under them (their answers name its
    choices); submitted attempts keep the mark they were given."""
    since = clock.now() - grace()
    open_ids = Attempt.objects.filter(exam__course_id=question.course_id, submitted_at__isnull=True,
                                      deadline__gte=since).values_list("question_ids", flat=True)
    sitting = sum(1 for ids in open_ids if question.pk in ids)
    if sitting:
        raise Conflict(format_lazy(_("{n} candidates are sitting an exam with this question now: change it after "
                                     "their time is over."), n=sitting), code="question_in_open_exam",
                       details={"attempts": sitting})


@transaction.atomic
def question_update(*, actor, question: Question, kind: str, text: str, choices: list[str], answer: list[int],
                    points: int = 1) -> Question:
    """Its course's managers edit a question (the checks of a new one). Exams handed in keep their marks; the next
    ones draw the question as it is now. Refused while someone sits an exam with it."""
    question = Question.objects.select_for_update().select_related("course__org_unit").get(pk=question.pk)
    _require_manager(actor, question.course)
    text, choices, answer = _clean_question(kind, text, list(choices or []), list(answer or []), points)
    _not_in_open_exam(question)
    before = {"kind": question.kind, "text": question.text, "choices": question.choices, "answer": question.answer,
              "points": question.points}
    question.kind, question.text, question.choices, question.answer, question.points = (
        kind, text, choices, answer, int(points))
    question.save(update_fields=["kind", "text", "choices", "answer", "points"])
    audit_record(actor=actor, action="training.question_update", obj=question, before=before,
                 after={"kind": kind, "text": text, "choices": choices, "answer": answer, "points": int(points)})
    return question


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    """Its course's managers take a question out of the bank: exams handed in keep their marks, the next ones no
    longer draw it. Refused while someone sits an exam with it."""
    question = Question.objects.select_for_update().select_related("course__org_unit").get(pk=question.pk)
    _require_manager(actor, question.course)
    _not_in_open_exam(question)
    audit_record(actor=actor, action="training.question_delete", obj=question,
                 before={"course": question.course_id, "kind": question.kind, "text": question.text})
    question.delete()


@transaction.atomic
def exam_create(*, actor, course: Course, title: str, duration_minutes: int = 30, pass_mark: int = 60) -> Exam:
    _require_manager(actor, course)
    if not 1 <= int(duration_minutes) <= 600:
        raise ValidationFailed(_("An exam lasts 1 to 600 minutes."), code="training_bad_duration",
                               field="duration_minutes")
    if not 1 <= int(pass_mark) <= 100:
        raise ValidationFailed(_("The pass mark is 1 to 100 per cent."), code="training_bad_pass_mark",
                               field="pass_mark")
    exam = Exam.objects.create(course=course, title=(title or course.title).strip()[:200],
                               duration_minutes=int(duration_minutes), pass_mark=int(pass_mark))
    audit_record(actor=actor, action="training.exam_create", obj=exam,
                 after={"course": course.pk, "duration_minutes": exam.duration_minutes, "pass_mark": exam.pass_mark})
    return exam


# ---------------------------------------------------------------- enrolment and attendance


def _enrol(session: Session, user, source: str) -> Enrolment:
    taken = Enrolment.objects.filter(session=session).count()
    if taken >= session.capacity:
        raise Conflict(format_lazy(_("The session {title} is full ({places} places)."), title=session.title,
                                   places=session.capacity), code="training_session_full")
    enrolment, created = Enrolment.objects.get_or_create(session=session, user=user, defaults={
        "source": source, "enrolled_at": clock.now()})
    if not created:
        raise Conflict(_("Already enrolled in this session."), code="training_already_enrolled")
    return enrolment


@transaction.atomic
def session_enrol(*, actor, session: Session, user=None) -> Enrolment:
    """Enrol oneself (the session's course is one the actor sees: the selector checked), or, as the course's
    manager, a user of the unit's jurisdiction."""
    session = Session.objects.select_for_update().select_related("course__org_unit").get(pk=session.pk)
    if session.ends_at <= clock.now():
        raise Conflict(_("This session is over."), code="training_session_over")
    if not session.course.is_active:
        raise Conflict(_("This course is closed."), code="training_course_closed")
    if user is None or user.pk == actor.pk:
        enrolment = _enrol(session, actor, EnrolmentSource.SELF)
    else:
        _require_manager(actor, session.course)
        if not user.org_unit.path.startswith(actor.org_unit.path):
            raise NotFound("user not found")
        enrolment = _enrol(session, user, EnrolmentSource.MANAGER)
    audit_record(actor=actor, action="training.enrol", obj=enrolment,
                 after={"session": session.pk, "user": enrolment.user_id, "source": enrolment.source})
    return enrolment


@transaction.atomic
def attendance_record(*, actor, session: Session, present_ids: list[int]) -> dict[str, int]:
    """Record who attended (every other enrolled user did not): two set-based updates, whatever the class size."""
    _require_manager(actor, session.course)
    present = {int(pk) for pk in present_ids}
    enrolled = Enrolment.objects.filter(session=session)
    unknown = present - set(enrolled.values_list("user_id", flat=True))
    if unknown:
        raise ValidationFailed(_("Attendance is recorded for enrolled users only."),
                               code="training_not_enrolled", field="present")
    came = enrolled.filter(user_id__in=present).update(attended=True, attendance_by=actor)
    absent = enrolled.exclude(user_id__in=present).update(attended=False, attendance_by=actor)
    audit_record(actor=actor, action="training.attendance", obj=session, after={"present": came, "absent": absent})
    return {"present": came, "absent": absent}


def registrar_enrol_next(*, user, roles) -> Enrolment | None:
    """学籍管理员调整后要及时安排培训: a user who becomes a registrar at a unit (a new account, a new role, a move) is
    enrolled in the next session, not yet started and not full, of a registrar course for their level offered by
    their unit or one above it. Nothing to do when none is planned (the coverage report shows them uncertified)."""
    if Role.REGISTRAR not in roles or user.org_unit_id is None:
        return None
    unit = user.org_unit
    session = (Session.objects.filter(course__for_registrars=True, course__is_active=True, course__level=unit.kind,
                                      course__org_unit_id__in=unit.ancestor_ids(), starts_at__gt=clock.now())
               .annotate(taken=Count("enrolments")).exclude(enrolments__user=user)
               .order_by("starts_at", "id"))
    session = next((s for s in session[:20] if s.taken < s.capacity), None)
    if session is None:
        return None
    enrolment = Enrolment.objects.create(session=session, user=user, source=EnrolmentSource.AUTOMATIC,
                                         enrolled_at=clock.now())
    audit_record(actor=None, username="system", action="training.enrol_automatic", obj=enrolment,
                 org_unit=unit, after={"session": session.pk, "user": user.pk})
    return enrolment


# ---------------------------------------------------------------- exams


def open_attempt(*, user, exam: Exam) -> Attempt | None:
    """The user's attempt of this exam still running (not submitted, time not over)."""
    return (Attempt.objects.filter(user=user, exam=exam, submitted_at__isnull=True,
                                   deadline__gt=clock.now() - grace()).order_by("-started_at").first())


@transaction.atomic
def attempt_start(*, actor, exam: Exam) -> Attempt:
    """Start an exam (or go on with the attempt still running): the course's questions, the deadline from now."""
    if not exam.is_active or not Course.objects.filter(pk=exam.course_id, is_active=True).exists():
        raise Conflict(_("This exam is closed."), code="training_exam_closed")
    running = open_attempt(user=actor, exam=exam)
    if running is not None:
        return running
    question_ids = list(Question.objects.filter(course_id=exam.course_id).order_by("id").values_list("id", flat=True))
    if not question_ids:
        raise Conflict(_("This course's question bank has no questions yet."), code="training_no_questions")
    now = clock.now()
    attempt = Attempt.objects.create(exam=exam, user=actor, question_ids=question_ids, started_at=now,
                                     deadline=now + dt.timedelta(minutes=exam.duration_minutes))
    audit_record(actor=actor, action="training.exam_start", obj=attempt,
                 after={"exam": exam.pk, "deadline": attempt.deadline.isoformat()})
    return attempt


def _selected(raw: Any) -> list[int]:
    values = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
    try:
        return sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise ValidationFailed(_("An answer names choices by their number."), code="training_bad_answer",
                               field="answers") from None


@transaction.atomic
def attempt_submit(*, actor, attempt: Attempt, answers: dict) -> Attempt:
    """Hand in the answers: refused after the deadline (server time, with a small grace) and once submitted; marked
    at once (a question counts when exactly its right choices are chosen); a pass issues the certificate."""
    attempt = Attempt.objects.select_for_update().select_related("exam__course__org_unit").get(pk=attempt.pk)
    if attempt.user_id != actor.pk:
        raise NotFound("attempt not found")
    if attempt.submitted_at is not None:
        raise Conflict(_("This attempt was already submitted."), code="attempt_submitted")
    now = clock.now()
    if now > attempt.deadline + grace():
        local = clock.SHANGHAI
        raise Conflict(format_lazy(
            _("The time for this exam ended at {deadline} ({minutes} minutes after the start at {start}); answers "
              "sent at {now} are not accepted. Start the exam again."),
            deadline=f"{attempt.deadline.astimezone(local):%H:%M:%S}", minutes=attempt.exam.duration_minutes,
            start=f"{attempt.started_at.astimezone(local):%H:%M:%S}", now=f"{now.astimezone(local):%H:%M:%S}"),
            code="exam_time_over")
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    answers = {str(k): v for k, v in (answers or {}).items()}
    chosen: dict[str, list[int]] = {}
    score = total = 0
    for qid in attempt.question_ids:
        question = questions.get(qid)
        if question is None:  # removed from the bank meanwhile: it counts for nobody
            continue
        picked = _selected(answers.get(str(qid)))
        if any(not 0 <= p < len(question.choices) for p in picked):
            raise ValidationFailed(format_lazy(_("Question {n} has no such choice."),
                                               n=attempt.question_ids.index(qid) + 1),
                                   code="training_bad_answer", field="answers")
        chosen[str(qid)] = picked
        total += question.points
        if picked == sorted(question.answer):
            score += question.points
    attempt.answers, attempt.score, attempt.max_score, attempt.submitted_at = chosen, score, total, now
    attempt.passed = bool(total) and 100 * score >= attempt.exam.pass_mark * total
    attempt.save(update_fields=["answers", "score", "max_score", "submitted_at", "passed"])
    audit_record(actor=actor, action="training.exam_submit", obj=attempt,
                 after={"exam": attempt.exam_id, "score": score, "max_score": total, "passed": attempt.passed})
    if attempt.passed:
        _certificate_issue(attempt)
    return attempt


def _certificate_issue(attempt: Attempt) -> Certificate:
    now = clock.now()
    course = attempt.exam.course
    for _try in range(5):
        number = f"PX{course.org_unit.code[:6]}{now:%Y%m%d}{secrets.randbelow(10 ** 6):06d}"
        code = "".join(secrets.choice(CODE_ALPHABET) for _n in range(12))
        if not Certificate.objects.filter(Q(number=number) | Q(code=code)).exists():
            break
    certificate = Certificate.objects.create(user=attempt.user, course=course, attempt=attempt,
                                             org_unit_id=attempt.user.org_unit_id, number=number, code=code,
                                             issued_at=now, valid_until=add_months(clock.today(),
                                                                                   course.validity_months))
    audit_record(actor=attempt.user, action="training.certificate_issue", obj=certificate,
                 after={"course": course.pk, "valid_until": certificate.valid_until.isoformat()})
    return certificate


def certificate_download(*, actor, certificate: Certificate) -> None:
    """A certificate's PDF was downloaded (the selector checked who may): audited."""
    audit_record(actor=actor, action="training.certificate_download", obj=certificate)


# ---------------------------------------------------------------- 持证上岗


def registrar_courses(unit):
    """The registrar courses for a unit's level, offered by the unit or one above it, the nearest first."""
    return (Course.objects.filter(for_registrars=True, is_active=True, level=unit.kind,
                                  org_unit_id__in=unit.ancestor_ids()).order_by("-org_unit__path", "id"))


def valid_certificate(user, *, today: dt.date | None = None) -> Certificate | None:
    """The user's valid registrar certificate for their level, the longest valid first."""
    today = today or clock.today()
    return (Certificate.objects.filter(user=user, course__for_registrars=True,
                                       course__level=user.org_unit.kind, valid_until__gte=today)
            .order_by("-valid_until").first())


def certificate_required(unit) -> bool:
    return bool(setting_get(province_code=province_code_of(unit), key=CERTIFICATE_SETTING))


def certificate_problem(user) -> Any:
    """Why the user may not act as a registrar under 持证上岗 (None: they may): the lapsed certificate or none, and
    the course to take. Lazy words, in the reader's language."""
    if valid_certificate(user) is not None:
        return None
    course = registrar_courses(user.org_unit).first()
    take = (format_lazy(_("Take the course {course} of {unit} and pass its exam."), course=course.title,
                        unit=course.org_unit.name) if course is not None
            else _("No registrar course is offered for your level yet: ask the authority above you."))
    lapsed = (Certificate.objects.filter(user=user, course__for_registrars=True, course__level=user.org_unit.kind)
              .select_related("course").order_by("-valid_until").first())
    if lapsed is not None:
        return format_lazy(_("Your province requires registrars to hold a valid certificate (持证上岗): your "
                             "certificate {number} ({course}) lapsed on {date}. {take}"), number=lapsed.number,
                           course=lapsed.course.title, date=lapsed.valid_until.isoformat(), take=take)
    return format_lazy(_("Your province requires registrars to hold a valid certificate (持证上岗): you hold no "
                         "registrar certificate. {take}"), take=take)


def certificate_gate(*, actor, action: str, role: str) -> None:
    """The approval engine's gate (workflow.gates): a registrar files and approves only with a valid certificate
    when their province switched 持证上岗 on."""
    if role != Role.REGISTRAR or getattr(actor, "org_unit", None) is None:
        return
    if not certificate_required(actor.org_unit):
        return
    problem = certificate_problem(actor)
    if problem is not None:
        raise Forbidden(problem, code="certificate_required")


def may_manage(actor, course: Course) -> bool:
    return has_cap(actor, Cap.TRAINING_MANAGE) and course.org_unit.path.startswith(actor.org_unit.path)
