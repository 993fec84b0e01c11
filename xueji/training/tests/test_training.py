"""培训考试与证书: the issue's story (持证上岗 on: an uncertified county registrar's approval is refused and changes
nothing; they take the exam, get the certificate and the same approval succeeds), timed exams and their refusals,
automatic marking, the certificate's PDF and public verification, a new registrar's automatic enrolment, attendance,
and the pages and the API."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.accounts.services import user_create, user_roles_set
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.policy.services import setting_set
from xueji.registration.services import registration_submit
from xueji.registration.tests.test_flow import enter
from xueji.testing.fingerprint import fingerprint
from xueji.training import selectors, services
from xueji.training.choices import EnrolmentSource
from xueji.training.models import Attempt, Certificate, Course, Enrolment, Exam, Question
from xueji.training.services import add_months
from xueji.training.tests.helpers import registrar_course, right_answers
from xueji.workflow.models import RequestStatus
from xueji.workflow.services import request_decide

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)


def _pass(user, course) -> Certificate:
    exam = Exam.objects.get(course=course)
    attempt = services.attempt_start(actor=user, exam=exam)
    attempt = services.attempt_submit(actor=user, attempt=attempt, answers=right_answers(attempt))
    assert attempt.passed
    return attempt.certificate


def test_certificate_required_refuses_an_uncertified_approval_until_the_exam_is_passed(world, window):
    school_registrar, county_registrar = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    school_course = registrar_course(world.user("tunxi", "registrar"), level="school", title="学校学籍管理员培训")
    county_course = registrar_course(world.user("huangshan", "registrar"), level="county", title="区县学籍管理员培训")
    setting_set(actor=world.user("anhui", "sysadmin"), key="training.certificate_required", value=True)
    students = enter(world, 1)
    with pytest.raises(Forbidden) as refused:  # filing: the school registrar holds no certificate
        registration_submit(actor=school_registrar, kind="enrolled", student_ids=[students[0].pk])
    assert refused.value.code == "certificate_required"
    assert "学校学籍管理员培训" in str(refused.value.words)
    _pass(school_registrar, school_course)
    request = registration_submit(actor=school_registrar, kind="enrolled", student_ids=[students[0].pk])
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)  # a leader: no gate
    before = fingerprint()
    with pytest.raises(Forbidden) as refused:
        request_decide(actor=county_registrar, request=request, approve=True)
    assert refused.value.code == "certificate_required"
    assert "区县学籍管理员培训" in str(refused.value.words)
    assert fingerprint() == before  # refused: nothing changed
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    certificate = _pass(county_registrar, county_course)
    assert certificate.valid_until == services.add_months(clock.today(), 24)
    request = request_decide(actor=county_registrar, request=request, approve=True)
    assert request.status == RequestStatus.APPROVED


def test_a_lapsed_certificate_is_named_with_the_course_to_take(world):
    county_registrar = world.user("tunxi", "registrar")
    course = registrar_course(world.user("huangshan", "registrar"), level="county", title="区县学籍管理员培训")
    setting_set(actor=world.user("anhui", "sysadmin"), key="training.certificate_required", value=True)
    certificate = _pass(county_registrar, course)
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=clock.today() - dt.timedelta(days=1))
    with pytest.raises(Forbidden) as refused:
        services.certificate_gate(actor=county_registrar, action="approve", role="registrar")
    words = str(refused.value.words)
    assert certificate.number in words and "区县学籍管理员培训" in words
    assert (clock.today() - dt.timedelta(days=1)).isoformat() in words
    # Another province has not switched it on; a leader is never asked.
    services.certificate_gate(actor=world.user("xuanwu", "registrar"), action="approve", role="registrar")
    services.certificate_gate(actor=world.user("tunxi", "leader"), action="approve", role="leader")


def test_the_switch_is_off_by_default(world, window):
    students = enter(world, 1)
    request = registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                                  student_ids=[students[0].pk])
    assert request.status == RequestStatus.PENDING


def test_an_exam_submitted_after_its_time_is_refused_and_changes_nothing(world):
    user = world.user("tunxi_primary", "registrar")
    course = registrar_course(world.user("tunxi", "registrar"), level="school", duration=30)
    exam = Exam.objects.get(course=course)
    with clock.frozen(START):
        attempt = services.attempt_start(actor=user, exam=exam)
    assert attempt.deadline == START + dt.timedelta(minutes=30)
    with clock.frozen(START + dt.timedelta(minutes=30, seconds=20)):  # within the grace: still taken
        assert services.open_attempt(user=user, exam=exam) == attempt
    before = fingerprint()
    with clock.frozen(START + dt.timedelta(minutes=31)), pytest.raises(Conflict) as refused:
        services.attempt_submit(actor=user, attempt=attempt, answers=right_answers(attempt))
    assert refused.value.code == "exam_time_over"
    assert "09:30:00" in str(refused.value.words) and "09:31:00" in str(refused.value.words)
    assert fingerprint() == before
    assert not Certificate.objects.filter(user=user).exists()
    with clock.frozen(START + dt.timedelta(minutes=32)):  # a new attempt starts afresh
        again = services.attempt_start(actor=user, exam=exam)
    assert again.pk != attempt.pk


def test_marking_is_automatic_and_a_fail_issues_nothing(world):
    user = world.user("tunxi_primary", "registrar")
    course = registrar_course(world.user("tunxi", "registrar"), level="school")
    exam = Exam.objects.get(course=course)
    attempt = services.attempt_start(actor=user, exam=exam)
    answers = right_answers(attempt)
    single, multiple, true_false = attempt.question_ids
    answers[str(multiple)] = [0]  # half of a multiple choice is wrong
    answers[str(true_false)] = [1]
    attempt = services.attempt_submit(actor=user, attempt=attempt, answers=answers)
    assert (attempt.score, attempt.max_score, attempt.passed) == (1, 3, False)
    assert not Certificate.objects.filter(user=user).exists()
    with pytest.raises(Conflict) as refused:
        services.attempt_submit(actor=user, attempt=attempt, answers=answers)
    assert refused.value.code == "attempt_submitted"
    other = services.attempt_start(actor=user, exam=exam)
    with pytest.raises(ValidationFailed):
        services.attempt_submit(actor=user, attempt=other, answers={str(single): [7]})
    with pytest.raises(NotFound):  # another's attempt
        services.attempt_submit(actor=world.user("tunxi_primary", "leader"), attempt=other, answers={})


def test_questions_are_checked(world):
    manager = world.user("tunxi", "registrar")
    course = registrar_course(manager, level="school")
    for kind, choices, answer in (("single", ["a", "b"], [0, 1]), ("single", ["a"], [0]),
                                  ("multiple", ["a", "b"], [5]), ("nonsense", ["a", "b"], [0])):
        with pytest.raises(ValidationFailed):
            services.question_add(actor=manager, course=course, kind=kind, text="?", choices=choices, answer=answer)
    with pytest.raises(NotFound):  # a course of the level above is not the county's to edit
        services.question_add(actor=world.user("tunxi", "registrar"),
                              course=registrar_course(world.user("huangshan", "registrar"), level="county"),
                              kind="single", text="?", choices=["a", "b"], answer=[0])


def test_a_new_registrar_is_enrolled_in_the_next_session(world):
    course = registrar_course(world.user("tunxi", "registrar"), level="school")
    session = course.sessions.get()
    # 三员分立: the system administrator creates the account without roles, the security administrator grants them.
    sysadmin, security = world.user("tunxi", "sysadmin"), world.user("tunxi", "security")
    new = user_create(actor=sysadmin, username="new_registrar", full_name="新管理员",
                      org_unit=world.units["tunxi_primary"], roles=[], password="Kq7#Lx2!mZw9")
    assert not Enrolment.objects.filter(user=new).exists()
    user_roles_set(actor=security, user=new, roles=["registrar"])
    enrolment = Enrolment.objects.get(user=new)
    assert (enrolment.session, enrolment.source) == (session, EnrolmentSource.AUTOMATIC)
    leader = user_create(actor=sysadmin, username="new_leader", full_name="新领导",
                         org_unit=world.units["tunxi_primary"], roles=[], password="Kq7#Lx2!mZw9")
    user_roles_set(actor=security, user=leader, roles=["leader"])
    assert not Enrolment.objects.filter(user=leader).exists()
    user_roles_set(actor=security, user=leader, roles=["registrar"])  # the school's registrar changes
    assert Enrolment.objects.filter(user=leader, session=session, source=EnrolmentSource.AUTOMATIC).exists()


def test_enrolment_and_attendance(world):
    manager = world.user("tunxi", "registrar")
    course = registrar_course(manager, level="school")
    session = course.sessions.get()
    learner = world.user("tunxi_primary", "registrar")
    seen = selectors.session_get(user=learner, pk=session.pk)
    services.session_enrol(actor=learner, session=seen)
    with pytest.raises(Conflict):
        services.session_enrol(actor=learner, session=seen)
    with pytest.raises(NotFound):  # 江苏 sees no course of 屯溪区
        selectors.session_get(user=world.user("xuanwu_primary", "registrar"), pk=session.pk)
    assert services.attendance_record(actor=manager, session=session, present_ids=[learner.pk]) == {
        "present": 1, "absent": 0}
    with pytest.raises(ValidationFailed):
        services.attendance_record(actor=manager, session=session, present_ids=[world.user("tunxi", "leader").pk])
    with pytest.raises(NotFound):
        selectors.session_managed(user=world.user("shexian", "registrar"), pk=session.pk)


def test_verification_shows_only_the_masked_holder(world, client):
    user = world.user("tunxi_primary", "registrar")
    certificate = _pass(user, registrar_course(world.user("tunxi", "registrar"), level="school"))
    found = selectors.certificate_verify(code=certificate.code.lower())
    assert found["holder"] == selectors.mask_name(user.full_name) and found["holder"].startswith(user.full_name[0])
    assert user.full_name not in str(found) and user.username not in str(found)
    assert found["valid"] and found["unit"] == "tunxi_primary"
    response = client.get(reverse("api:training-verify"), {"code": certificate.code})
    assert response.status_code == 200 and response.json()["number"] == certificate.number
    assert client.get(reverse("api:training-verify"), {"code": "NOPE"}).status_code == 404
    page = client.get(reverse("training:verify"), {"code": certificate.code})
    assert page.status_code == 200 and certificate.number in page.content.decode()


def test_the_story_in_the_api_and_the_pdf(world, client):
    user = world.user("tunxi_primary", "registrar")
    registrar_course(world.user("tunxi", "registrar"), level="school")
    client.force_login(user)
    courses = client.get(reverse("api:training-course-list"), {"box": "offered"}).json()["results"]
    assert [c["title"] for c in courses] == ["学籍管理员上岗培训"]
    detail = client.get(reverse("api:training-course-detail", kwargs={"pk": courses[0]["id"]})).json()
    exam = detail["exams"][0]["id"]
    started = client.post(reverse("api:training-exam-start", kwargs={"pk": exam}), content_type="application/json")
    assert started.status_code == 200
    questions = started.json()["questions"]
    assert len(questions) == 3 and all("answer" not in q for q in questions)
    attempt = Attempt.objects.get(pk=started.json()["id"])
    submitted = client.post(reverse("api:training-exam-submit", kwargs={"pk": exam}),
                            {"answers": right_answers(attempt)}, content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["passed"] is True
    number = submitted.json()["certificate"]["number"]
    certificates = client.get(reverse("api:training-certificate-list")).json()["results"]
    assert [c["number"] for c in certificates] == [number]
    pdf = client.get(reverse("api:training-certificate-pdf", kwargs={"pk": certificates[0]["id"]}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # The question bank (with its answers) is its managers' only.
    assert client.get(reverse("api:training-question-list", kwargs={"pk": courses[0]["id"]})).status_code == 403


def test_the_story_in_the_pages(world, client, django_assert_max_num_queries):
    manager, user = world.user("tunxi", "registrar"), world.user("tunxi_primary", "registrar")
    client.force_login(manager)
    response = client.post(reverse("training:course_new"), {"title": "页面课程", "level": "school", "mode": "online",
                                                            "for_registrars": "on", "validity_months": 12,
                                                            "material": "在线材料"})
    assert response.status_code == 302
    course = selectors.course_list(user=manager).get(title="页面课程")
    url = reverse("training:question_new", kwargs={"pk": course.pk})
    assert client.post(url, {"kind": "single", "text": "一？", "choices": "甲\n乙", "answer": "2",
                             "points": 1}).status_code == 302
    assert client.post(url, {"kind": "true_false", "text": "二？", "answer": "1", "points": 1}).status_code == 302
    assert client.post(reverse("training:exam_new", kwargs={"pk": course.pk}),
                       {"duration_minutes": 20, "pass_mark": 100}).status_code == 302
    assert course.questions.count() == 2
    exam = course.exams.get()
    client.force_login(user)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("training:course_list")).status_code == 200
    with django_assert_max_num_queries(20):
        page = client.get(reverse("training:course_detail", kwargs={"pk": course.pk}))
    assert "在线材料" in page.content.decode()
    take = reverse("training:exam_take", kwargs={"pk": exam.pk})
    assert client.post(take, {"act": "start"}).status_code == 302
    attempt = Attempt.objects.get(user=user, exam=exam)
    first, second = attempt.question_ids
    assert client.post(take, {"act": "submit", f"q{first}": "1", f"q{second}": "0"}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed and attempt.certificate.valid_until == services.add_months(clock.today(), 12)
    with django_assert_max_num_queries(20):
        listing = client.get(reverse("training:certificate_list"))
    assert attempt.certificate.number in listing.content.decode()


def test_in_the_pages_an_uncertified_approval_is_refused_and_after_the_exam_it_succeeds(world, window, client):
    """持证上岗 in the UI: the county registrar's approval page refuses with the course to take; the exam page issues
    the certificate; the same approval then goes through."""
    county_registrar = world.user("tunxi", "registrar")
    course = registrar_course(world.user("huangshan", "registrar"), level="county", title="区县学籍管理员培训")
    setting_set(actor=world.user("anhui", "sysadmin"), key="training.certificate_required", value=True)
    Certificate.objects.create(user=world.user("tunxi_primary", "registrar"),
                               course=registrar_course(world.user("tunxi", "registrar"), level="school"),
                               org_unit=world.units["tunxi_primary"], number="PXTEST1", code="TESTCODE1",
                               issued_at=clock.now(), valid_until=clock.today() + dt.timedelta(days=30))
    request = registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                                  student_ids=[enter(world, 1)[0].pk])
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    client.force_login(county_registrar)
    decide = reverse("workflow:request_decide", kwargs={"pk": request.pk})
    refused = client.post(decide, {"decision": "approve", "comment": ""})
    assert refused.status_code == 403 and "区县学籍管理员培训" in refused.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert "区县学籍管理员培训" in client.get(reverse("training:certificate_list")).content.decode()
    exam = Exam.objects.get(course=course)
    take = reverse("training:exam_take", kwargs={"pk": exam.pk})
    client.post(take, {"act": "start"})
    attempt = Attempt.objects.get(user=county_registrar, exam=exam)
    answers = {f"q{pk}": [str(a) for a in choice] for pk, choice in right_answers(attempt).items()}
    assert client.post(take, {"act": "submit", **answers}).status_code == 302
    assert client.post(decide, {"decision": "approve", "comment": ""}).status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_the_workbench_frames_the_certificate_card_of_an_uncertified_registrar(world, client):
    registrar_course(world.user("huangshan", "registrar"), level="county", title="区县学籍管理员培训")
    client.force_login(world.user("tunxi", "registrar"))
    card = 'data-card="certificate_list"'
    body = client.get(reverse("ui:workbench")).content.decode()
    assert card in body and "border-warning" not in body.split(card)[0].rsplit("<a ", 1)[1]
    setting_set(actor=world.user("anhui", "sysadmin"), key="training.certificate_required", value=True)
    body = client.get(reverse("ui:workbench")).content.decode()
    assert "border-warning" in body.split(card)[0].rsplit("<a ", 1)[1]


# ---------------------------------------------------------------- editing courses and questions


def test_a_course_is_edited_and_closed_and_certificates_keep_their_validity(world, client):
    province = world.user("anhui", "registrar")
    course = registrar_course(province, level="city")
    certificate = _pass(world.user("huangshan", "registrar"), course)
    valid_until = certificate.valid_until
    services.course_update(actor=province, course=course, title="学籍管理员上岗培训（2027版）", level="city",
                           mode="online", material="新版材料", for_registrars=True, validity_months=12)
    course.refresh_from_db()
    assert (course.title, course.mode, course.validity_months) == ("学籍管理员上岗培训（2027版）", "online", 12)
    certificate.refresh_from_db()
    assert certificate.valid_until == valid_until == add_months(clock.today(), 24)  # issued before: unchanged
    event = AuditEvent.objects.get(action="training.course_update")
    assert event.before["validity_months"] == 24 and event.after["validity_months"] == 12
    # Another province's registrar, or a county below it, may not edit it: as if absent, nothing changes.
    for outsider in (world.user("jiangsu", "registrar"), world.user("huangshan", "registrar")):
        with pytest.raises(NotFound):
            services.course_update(actor=outsider, course=course, title="x", level="city", mode="face")
    with pytest.raises(ValidationFailed) as bad:
        services.course_update(actor=province, course=course, title=" ", level="city", mode="face")
    assert bad.value.code == "required" and Course.objects.get(pk=course.pk).title == "学籍管理员上岗培训（2027版）"
    # Closed: no longer offered to a city, no new enrolment or exam.
    client.force_login(province)
    page = client.post(reverse("training:course_edit", args=[course.pk]), {
        "title": course.title, "level": "city", "mode": "online", "validity_months": 12, "for_registrars": "on"})
    assert page.status_code == 302 and not Course.objects.get(pk=course.pk).is_active
    city = world.user("huangshan", "registrar")
    assert not selectors.course_list(user=city).filter(pk=course.pk).exists()
    with pytest.raises(Conflict) as closed:
        services.session_enrol(actor=city, session=course.sessions.get())
    assert closed.value.code == "training_course_closed"
    with pytest.raises(Conflict):
        services.attempt_start(actor=city, exam=course.exams.get())


def test_a_question_is_edited_for_the_next_exams_never_under_a_candidate(world, client):
    province, city = world.user("anhui", "registrar"), world.user("huangshan", "registrar")
    course = registrar_course(province, level="city")
    question = course.questions.get(kind="single")
    sitting = services.attempt_start(actor=city, exam=course.exams.get())
    with pytest.raises(Conflict) as refused:
        services.question_update(actor=province, question=question, kind="single", text="改了", choices=["甲", "乙"],
                                 answer=[0])
    assert refused.value.code == "question_in_open_exam" and refused.value.details == {"attempts": 1}
    with pytest.raises(Conflict):
        services.question_delete(actor=province, question=question)
    assert Question.objects.get(pk=question.pk).text == "全国学籍号由谁生成？"
    submitted = services.attempt_submit(actor=city, attempt=sitting, answers=right_answers(sitting))
    assert submitted.passed and submitted.score == 3
    # Handed in: the question may change; the mark given stays.
    services.question_update(actor=province, question=question, kind="multiple", text="全国学籍号由谁生成、谁维护？",
                             choices=["学校", "全国学籍系统", "家长"], answer=[0, 1], points=2)
    question.refresh_from_db()
    assert (question.kind, question.answer, question.points) == ("multiple", [0, 1], 2)
    submitted.refresh_from_db()
    assert submitted.score == 3 and submitted.passed
    with pytest.raises(ValidationFailed) as bad:  # the checks of a new question
        services.question_update(actor=province, question=question, kind="single", text="x", choices=["甲", "乙"],
                                 answer=[0, 1])
    assert bad.value.code == "training_bad_answer"
    with pytest.raises(NotFound):
        selectors.question_managed(user=city, pk=question.pk)  # not the city's course
    # The page: the form comes filled; a question taken out of the bank is no longer drawn.
    client.force_login(province)
    form = client.get(reverse("training:question_edit", args=[question.pk])).content.decode()
    assert "全国学籍号由谁生成、谁维护？" in form and 'value="1,2"' in form
    assert client.post(reverse("training:question_delete", args=[question.pk])).status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()
    assert AuditEvent.objects.filter(action__in=["training.question_update", "training.question_delete"]).count() == 2
    api = client.put(reverse("api:training-question-detail", args=[course.questions.first().pk]),
                     {"kind": "true_false", "text": "学籍号终身不变吗？", "answer": [0]},
                     content_type="application/json")
    assert api.status_code == 200 and api.json()["text"] == "学籍号终身不变吗？"
