"""Training fixtures for the tests and the jurisdiction matrix (xueji/ui/tests/test_matrix.py): a registrar course
with questions and an exam, and the answers that pass it."""

import datetime as dt

from xueji.core import clock
from xueji.training import services
from xueji.training.models import Certificate, Course, Exam, Question, Session


def registrar_course(actor, *, level: str, title: str = "学籍管理员上岗培训", duration: int = 30) -> Course:
    """A registrar course of the actor's unit for the registrars of `level`: a session next week, three questions
    (single, multiple, true/false) and an exam of `duration` minutes with a pass mark of 60%."""
    course = services.course_create(actor=actor, title=title, level=level, for_registrars=True,
                                    material="学籍管理办法要点", validity_months=24)
    start = clock.now() + dt.timedelta(days=7)
    services.session_create(actor=actor, course=course, title=f"{title} 第1期", starts_at=start,
                            ends_at=start + dt.timedelta(hours=3), place="教育局三楼会议室", capacity=30)
    services.question_add(actor=actor, course=course, kind="single", text="全国学籍号由谁生成？",
                          choices=["学校", "全国学籍系统", "家长"], answer=[1])
    services.question_add(actor=actor, course=course, kind="multiple", text="哪些属于学籍异动？",
                          choices=["转学", "休学", "换座位"], answer=[0, 1])
    services.question_add(actor=actor, course=course, kind="true_false", text="学籍号终身不变。", choices=[],
                          answer=[0])
    services.exam_create(actor=actor, course=course, title=f"{title} 考试", duration_minutes=duration, pass_mark=60)
    return course


def right_answers(attempt) -> dict[str, list[int]]:
    from xueji.training.models import Question

    return {str(q.pk): q.answer for q in Question.objects.filter(pk__in=attempt.question_ids)}


# ---------------------------------------------------------------- the matrix

def matrix_training(world) -> None:
    """The ministry's course (offered to everyone) with a session, questions and two exams (one for the API's
    submit, one for the page's); every acting user's running attempt of each; a certificate for every acting user
    and one of 玄武区's registrar (another province)."""
    ministry = world.user("ministry", "registrar")
    course = registrar_course(ministry, level="school", title="矩阵课程", duration=600)
    services.exam_create(actor=ministry, course=course, title="矩阵考试 web", duration_minutes=600)
    start = clock.now() + dt.timedelta(days=3)
    for title in ("矩阵班 api", "矩阵班 web"):  # enough places for every acting user
        services.session_create(actor=ministry, course=course, title=title, starts_at=start,
                                ends_at=start + dt.timedelta(hours=2), capacity=1000)
    for unit in ("anhui", "huangshan", "tunxi"):
        registrar_course(world.user(unit, "registrar"), level="school", title=f"矩阵课程 {unit}", duration=600)
    exams = list(Exam.objects.filter(course=course).order_by("pk"))
    now = clock.now()
    for (unit, _role), user in world.users.items():
        if unit not in ("ministry", "anhui", "huangshan", "tunxi", "tunxi_primary", "xuanwu_primary"):
            continue
        for exam in exams:
            services.attempt_start(actor=user, exam=exam)
        Certificate.objects.create(user=user, course=course, org_unit=user.org_unit, number=f"MX{user.pk:08d}",
                                   code=f"MXC{user.pk:09d}"[:16], issued_at=now,
                                   valid_until=now.date() + dt.timedelta(days=300))


def matrix_objects(kind: str):
    course = Course.objects.get(title="矩阵课程")
    if kind == "course":  # the ministry's: offered to everyone
        return [(None, course)]
    if kind in ("session", "session_web"):
        return [(None, Session.objects.get(course=course, title=f"矩阵班 {kind[8:] or 'api'}"))]
    if kind == "exam":  # the API's submit uses the first exam, the page's the second
        return [(None, Exam.objects.filter(course=course).order_by("pk").first())]
    if kind == "exam_web":
        return [(None, Exam.objects.filter(course=course).order_by("pk").last())]
    if kind == "own_course":  # each acting authority's own, the top level first
        return [(c.org_unit, c) for c in Course.objects.filter(title__startswith="矩阵课程")
                .select_related("org_unit").order_by("org_unit__path")]
    if kind == "own_question":  # a question of each acting authority's own course (nobody sits its exam)
        return [(q.course.org_unit, q) for q in Question.objects.filter(course__title__startswith="矩阵课程 ")
                .select_related("course__org_unit").order_by("course__org_unit__path", "pk")]
    if kind == "own_session":
        return [(s.course.org_unit, s) for s in Session.objects.filter(course__title__startswith="矩阵课程")
                .select_related("course__org_unit").order_by("course__org_unit__path")]
    raise AssertionError(kind)


def matrix_own_certificate(user, inside: bool):
    """The acting user's own certificate (inside), or another's (outside: a certificate is its holder's only)."""
    certificates = Certificate.objects.filter(number__startswith="MX")
    if inside:
        return certificates.filter(user=user).first()
    return certificates.exclude(user=user).order_by("pk").first()
