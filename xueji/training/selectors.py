"""Every read of the training app, from what the user may see.

Courses (with their sessions and exams): those of the user's unit and of every unit above it (the training offered
to them), and, for an authority's registrar (Cap.TRAINING_MANAGE), those of their unit and the units below it (the
training they run). Enrolments and attendance of a session: its course's managers. Attempts and certificates: their
holder's own. The verification of a certificate by its code is public and tells only the masked holder, the unit,
the course and the validity."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role, RoleAssignment, User
from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.core import clock
from xueji.core.errors import Conflict, NotFound
from xueji.regions.models import OrgUnit, child_segment
from xueji.training.models import Attempt, Certificate, Course, Enrolment, Exam, Question, Session


def _unit(user):
    unit = getattr(user, "org_unit", None) if getattr(user, "is_authenticated", False) else None
    return unit if unit is not None and unit.is_active else None


def _courses_q(user) -> Q | None:
    unit = _unit(user)
    if unit is None:
        return None
    q = Q(org_unit_id__in=unit.ancestor_ids(), is_active=True)
    if has_cap(user, Cap.TRAINING_MANAGE):
        q |= Q(org_unit__path__startswith=unit.path)
    return q


def course_list(*, user, filters: dict | None = None) -> QuerySet[Course]:
    """The courses in view. Filters: `box` ("offered": to the user's unit; "managed": run by the user's area),
    `level`, `q` (title contains)."""
    q = _courses_q(user)
    if q is None:
        return Course.objects.none()
    courses = Course.objects.filter(q).select_related("org_unit").annotate(
        session_count=Count("sessions", distinct=True), question_count=Count("questions", distinct=True)
    ).order_by("org_unit__path", "title", "id")
    filters = filters or {}
    if filters.get("box") == "offered":
        courses = courses.filter(org_unit_id__in=user.org_unit.ancestor_ids(), is_active=True)
    elif filters.get("box") == "managed":
        courses = courses.filter(org_unit__path__startswith=user.org_unit.path) if has_cap(
            user, Cap.TRAINING_MANAGE) else courses.none()
    if filters.get("level"):
        courses = courses.filter(level=filters["level"])
    if filters.get("q"):
        courses = courses.filter(title__icontains=filters["q"])
    return courses


def course_get(*, user, pk) -> Course:
    try:
        return course_list(user=user).get(pk=int(pk))
    except (Course.DoesNotExist, ValueError, TypeError):
        raise NotFound("course not found") from None


def course_managed(*, user, pk) -> Course:
    """A course the user runs (their unit's or a unit's below it), or 404."""
    require_cap(user, Cap.TRAINING_MANAGE)
    unit = _unit(user)
    try:
        return Course.objects.select_related("org_unit").get(pk=int(pk), org_unit__path__startswith=unit.path)
    except (Course.DoesNotExist, ValueError, TypeError, AttributeError):
        raise NotFound("course not found") from None


def sessions_of(*, user, course: Course) -> QuerySet[Session]:
    return course.sessions.annotate(
        taken=Count("enrolments"),
        mine=Exists(Enrolment.objects.filter(session=OuterRef("pk"), user_id=user.pk))).order_by("starts_at", "id")


def session_get(*, user, pk) -> Session:
    q = _courses_q(user)
    try:
        if q is None:
            raise Session.DoesNotExist
        return Session.objects.select_related("course__org_unit").get(
            Q(pk=int(pk)), Q(course__in=Course.objects.filter(q)))
    except (Session.DoesNotExist, ValueError, TypeError):
        raise NotFound("session not found") from None


def session_managed(*, user, pk) -> Session:
    require_cap(user, Cap.TRAINING_MANAGE)
    unit = _unit(user)
    try:
        return Session.objects.select_related("course__org_unit").get(
            pk=int(pk), course__org_unit__path__startswith=unit.path)
    except (Session.DoesNotExist, ValueError, TypeError, AttributeError):
        raise NotFound("session not found") from None


def enrolments_of(*, session: Session) -> QuerySet[Enrolment]:
    return session.enrolments.select_related("user__org_unit").order_by("user__org_unit__path", "user__username")


def question_managed(*, user, pk) -> Question:
    """A question of a course the user runs, or 404."""
    require_cap(user, Cap.TRAINING_MANAGE)
    unit = _unit(user)
    try:
        return Question.objects.select_related("course__org_unit").get(
            pk=int(pk), course__org_unit__path__startswith=unit.path)
    except (Question.DoesNotExist, ValueError, TypeError, AttributeError):
        raise NotFound("question not found") from None


def questions_of(*, course: Course) -> QuerySet[Question]:
    return course.questions.order_by("id")


def exams_of(*, course: Course) -> QuerySet[Exam]:
    return course.exams.annotate(question_count=Count("course__questions", distinct=True)).order_by("id")


def exam_get(*, user, pk) -> Exam:
    q = _courses_q(user)
    try:
        if q is None:
            raise Exam.DoesNotExist
        return Exam.objects.select_related("course__org_unit").get(Q(pk=int(pk)),
                                                                  Q(course__in=Course.objects.filter(q)))
    except (Exam.DoesNotExist, ValueError, TypeError):
        raise NotFound("exam not found") from None


def attempt_questions(*, attempt: Attempt) -> list[Question]:
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    return [by_id[pk] for pk in attempt.question_ids if pk in by_id]


def attempt_list(*, user, exam: Exam | None = None) -> QuerySet[Attempt]:
    attempts = Attempt.objects.filter(user_id=getattr(user, "pk", None)).select_related("exam__course")
    return attempts.filter(exam=exam) if exam is not None else attempts


def attempt_to_submit(*, user, exam: Exam) -> Attempt:
    """The user's latest attempt of the exam not handed in (its time may be over: submitting says so)."""
    attempt = attempt_list(user=user, exam=exam).filter(submitted_at__isnull=True).first()
    if attempt is None:
        raise Conflict(_("Start the exam first."), code="training_no_attempt")
    return attempt


def my_enrolments(*, user) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(user_id=getattr(user, "pk", None)).select_related(
        "session__course__org_unit").order_by("-session__starts_at")


def certificate_list(*, user) -> QuerySet[Certificate]:
    """The user's own certificates."""
    return Certificate.objects.filter(user_id=getattr(user, "pk", None)).select_related("course__org_unit",
                                                                                       "org_unit")


def certificate_get(*, user, pk) -> Certificate:
    try:
        return certificate_list(user=user).select_related("user").get(pk=int(pk))
    except (Certificate.DoesNotExist, ValueError, TypeError):
        raise NotFound("certificate not found") from None


def mask_name(name: str) -> str:
    """张三丰 -> 张**: the public verification shows the surname only."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "*"


def certificate_verify(*, code: str) -> dict | None:
    """What anyone may learn of a certificate by its code: the masked holder, the unit, course and validity."""
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    certificate = Certificate.objects.select_related("user", "org_unit", "course__org_unit").filter(
        code=code).first()
    if certificate is None:
        return None
    return {"number": certificate.number, "holder": mask_name(certificate.user.full_name or certificate.user.username),
            "unit": certificate.org_unit.name, "course": certificate.course.title,
            "issued_by": certificate.course.org_unit.name, "issued_on": certificate.issued_at.date().isoformat(),
            "valid_until": certificate.valid_until.isoformat(), "valid": certificate.valid_until >= clock.today()}


def _registrars_under(path: str):
    """The active registrars of the units under `path`, and the condition "holds a valid registrar certificate of
    their level" (the rule of 持证上岗's coverage, written once)."""
    registrars = User.objects.filter(is_active=True, org_unit__is_active=True, org_unit__path__startswith=path).filter(
        Exists(RoleAssignment.objects.filter(user=OuterRef("pk"), role=Role.REGISTRAR)))
    certified = Exists(Certificate.objects.filter(user=OuterRef("pk"), course__for_registrars=True,
                                                  course__level=OuterRef("org_unit__kind"),
                                                  valid_until__gte=clock.today()))
    return registrars, certified


def certification_under(*, path: str) -> tuple[int, int]:
    """(registrars, of them certified) under the units of `path`: one query (the assessment's training part)."""
    registrars, certified = _registrars_under(path)
    counted = registrars.aggregate(total=Count("pk"), certified=Count("pk", filter=Q(certified)))
    return counted["total"] or 0, counted["certified"] or 0


def certification_per_child(*, path: str) -> dict[int, tuple[int, int]]:
    """`certification_under` for every unit directly below `path` at once: child id -> (registrars, certified).
    One grouped query, whatever the number of units (the assessment's training part)."""
    registrars, certified = _registrars_under(path)
    rows = (registrars.exclude(org_unit__path=path).values(child=child_segment("org_unit__path", path))
            .annotate(total=Count("pk"), certified=Count("pk", filter=Q(certified))).order_by())
    return {int(r["child"]): (r["total"] or 0, r["certified"] or 0) for r in rows}


def coverage(*, user, limit: int = 500) -> list[dict]:
    """认证覆盖: per unit of the user's area, its registrars and how many hold a valid registrar certificate of their
    level. Two grouped queries, whatever the number of units."""
    unit = _unit(user)
    if unit is None:
        return []
    registrars, certified = _registrars_under(unit.path)
    rows = (registrars.values("org_unit_id").annotate(total=Count("pk"), certified=Count("pk", filter=Q(certified)))
            .order_by("org_unit_id")[:limit])
    names = dict(OrgUnit.objects.filter(pk__in=[r["org_unit_id"] for r in rows]).values_list("pk", "name"))
    paths = dict(OrgUnit.objects.filter(pk__in=list(names)).values_list("pk", "path"))
    result = [{"unit_id": r["org_unit_id"], "unit": names.get(r["org_unit_id"], ""), "total": r["total"],
               "certified": r["certified"], "share": round(100 * r["certified"] / r["total"]) if r["total"] else 0}
              for r in rows]
    return sorted(result, key=lambda r: paths.get(r["unit_id"], ""))
