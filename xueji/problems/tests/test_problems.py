import datetime as dt

import pytest

from xueji.core import idnumbers
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.policy.services import route_set
from xueji.problems import selectors
from xueji.problems.choices import MemberState, ProblemKind, ProblemStatus, Resolution
from xueji.problems.models import DeletedRecord, Problem, RetiredNumber
from xueji.problems.scans import duplicate_scan, error_scan
from xueji.problems.services import problem_action_file, problem_arbitrate
from xueji.registry.models import NationalNumber, Student, VerifyStatus
from xueji.registry.numbers import issue_temporary, number_lookup
from xueji.registry.services import student_delete_draft
from xueji.verification.services import verification_start
from xueji.verification.tests.helpers import add_pupil, proof_pdf, register_students, run
from xueji.workflow.models import Request, RequestStatus
from xueji.workflow.services import current_step, proof_add, request_decide, request_resubmit


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _id_error(world, school="tunxi_primary", rename=None):
    """Verify the world with one pupil missing from (or misnamed in) the register; return its problem."""
    student = world.students[school]
    if rename:
        register_students(world.students.values(), rename={student.pk: rename})
    else:
        register_students(world.students.values(), skip={student.pk})
    run(verification_start(actor=world.user("anhui", "registrar")))
    return Problem.objects.get(kind=ProblemKind.ID_ERROR, members__student=student), student


def _approve(world, request, unit="tunxi"):
    return request_decide(actor=world.user(unit, "registrar"), request=request, approve=True)


def test_correction_is_approved_by_the_county_and_reverified(world, media):
    problem, student = _id_error(world, rename="张小明")  # the register knows the pupil as 张小明
    registrar = world.user("tunxi_primary", "registrar")
    request = problem_action_file(actor=registrar, problem=problem, action="correct", changes={"name": "张小明"},
                                  reason="姓名录入错误")
    assert [s.org_unit for s in request.steps.all()] == [world.units["tunxi"]]
    assert Student.objects.get(pk=student.pk).name == student.name  # nothing changes before approval
    assert selectors.display_status(selectors.problem_get(user=registrar, pk=problem.pk)) == "pending"
    with pytest.raises(Conflict):  # one request per record at a time
        problem_action_file(actor=registrar, problem=problem, action="delete", reason="x")
    request = _approve(world, request)
    assert request.status == RequestStatus.APPROVED
    student.refresh_from_db()
    assert student.name == "张小明" and student.name_pinyin.startswith("zhang")
    assert student.verify_status == VerifyStatus.VERIFIED
    assert student.national_number == "G" + student.id_number
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, Resolution.CORRECTED)
    kinds = list(problem.events.values_list("kind", flat=True))
    assert kinds[0] == "filed_correct" and kinds[-1] == "resolved"


def test_correction_that_still_fails_keeps_the_problem_open(world, media):
    problem, student = _id_error(world, rename="张小明")
    request = problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=problem, action="correct",
                                  changes={"name": "张晓明"})
    result = _approve(world, request).result
    assert result["verify_status"] == VerifyStatus.MISMATCH
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.detail["after_correction"]
    assert problem.members.get().state == MemberState.OPEN
    # The school can file again.
    problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=problem, action="correct",
                        changes={"name": "张小明"})


def test_correction_is_checked(world, media):
    problem, student = _id_error(world)
    registrar = world.user("tunxi_primary", "registrar")
    with pytest.raises(ValidationFailed) as excinfo:
        problem_action_file(actor=registrar, problem=problem, action="correct", changes={"id_number": "341002"})
    assert excinfo.value.code == "id_length"
    with pytest.raises(ValidationFailed):  # birth date of the ID differs from the record's
        problem_action_file(actor=registrar, problem=problem, action="correct",
                            changes={"id_number": world.students["tunxi_middle"].id_number})
    with pytest.raises(ValidationFailed):
        problem_action_file(actor=registrar, problem=problem, action="correct", changes={"school": 1})
    with pytest.raises(ValidationFailed):
        problem_action_file(actor=registrar, problem=problem, action="correct", changes={"name": student.name})
    with pytest.raises(Forbidden):  # the county approves; the school files
        problem_action_file(actor=world.user("tunxi", "registrar"), problem=problem, action="correct",
                            member_id=problem.members.get().pk, changes={"name": "某某"})


def test_delete_through_approval_retires_the_numbers(world, media):
    problem, student = _id_error(world)
    issue_temporary(students=[Student.objects.select_related("school__county").get(pk=student.pk)],
                    actor=world.user("tunxi", "registrar"))
    temporary = Student.objects.get(pk=student.pk).national_number
    with pytest.raises(Conflict):  # registered records are never deleted as drafts
        student_delete_draft(actor=world.user("tunxi_primary", "registrar"), student=Student.objects.get(pk=student.pk))
    registrar = world.user("tunxi_primary", "registrar")
    with pytest.raises(ValidationFailed):
        problem_action_file(actor=registrar, problem=problem, action="delete")  # a reason is required
    request = problem_action_file(actor=registrar, problem=problem, action="delete",
                                  reason="重复建籍，学生已在外省就读")
    assert Student.objects.filter(pk=student.pk).exists()
    request = _approve(world, request)
    assert not Student.objects.filter(pk=student.pk).exists()
    record = DeletedRecord.objects.get(former_id=student.pk)
    assert record.numbers == [temporary] and record.snapshot["student"]["name"] == student.name
    assert RetiredNumber.objects.filter(number=temporary).exists()
    assert not NationalNumber.objects.filter(number=temporary).exists()
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, Resolution.DELETED)
    member = problem.members.get()
    assert member.student_id is None and member.state == MemberState.DELETED
    # Still seen by its school and county after the record is gone, and the number is still findable.
    assert selectors.problem_get(user=registrar, pk=problem.pk) == problem
    found = selectors.number_find(user=world.user("tunxi", "registrar"), number=temporary)
    assert found.deleted == record and not found.current
    with pytest.raises(NotFound):
        selectors.number_find(user=world.user("shexian", "registrar"), number=temporary)


def test_confirm_with_household_register_proof(world, media):
    problem, student = _id_error(world)
    registrar = world.user("tunxi_primary", "registrar")
    request = problem_action_file(actor=registrar, problem=problem, action="confirm", reason="户籍页已上传")
    with pytest.raises(ValidationFailed) as excinfo:
        _approve(world, request)
    assert excinfo.value.code == "proof_required"
    proof_add(actor=registrar, request=request, upload=proof_pdf())
    request = _approve(world, request)
    student.refresh_from_db()
    assert student.verify_status == VerifyStatus.PROOF
    assert student.national_number == "G" + student.id_number
    problem.refresh_from_db()
    assert problem.resolution == Resolution.CONFIRMED


def test_returned_request_can_be_resubmitted(world, media):
    problem, student = _id_error(world)
    registrar = world.user("tunxi_primary", "registrar")
    request = problem_action_file(actor=registrar, problem=problem, action="confirm", uploads=[proof_pdf()])
    request = request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=False,
                             comment="户籍页不清晰")
    assert request.status == RequestStatus.RETURNED
    with pytest.raises(Conflict):
        problem_action_file(actor=registrar, problem=problem, action="delete", reason="x")
    request = request_resubmit(actor=registrar, request=request)
    _approve(world, request)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED
    assert [e for e in problem.events.values_list("kind", flat=True) if e == "returned"]


def test_province_route_change_applies_to_new_problem_requests(world, media):
    route_set(actor=world.user("anhui", "sysadmin"), request_type="problem.confirm",
              steps=[{"resolver": "filing_county", "role": "registrar"},
                     {"resolver": "filing_city", "role": "registrar"}])
    problem, student = _id_error(world)
    request = problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=problem, action="confirm",
                                  uploads=[proof_pdf()])
    assert [s.org_unit for s in request.steps.order_by("order")] == [world.units["tunxi"], world.units["huangshan"]]
    request = _approve(world, request)
    assert request.status == RequestStatus.PENDING
    _approve(world, request, "huangshan")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED


def _duplicate_id_across_counties(world):
    a = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    b = Student.objects.get(pk=world.students["shexian_primary"].pk)
    Student.objects.filter(pk=b.pk).update(id_number=a.id_number)
    result = duplicate_scan(province_code="340000", scope=world.units["anhui"], actor=world.user("anhui", "registrar"))
    assert result["duplicate_id"]["new"] == 1
    return Problem.objects.get(kind=ProblemKind.DUPLICATE_ID), a, b


def test_duplicate_id_across_two_counties_goes_to_their_common_superior(world, media):
    problem, a, b = _duplicate_id_across_counties(world)
    member_a = problem.members.get(student=a)
    member_b = problem.members.get(student=b)
    assert (member_a.county_org, member_b.county_org) == (world.units["tunxi"], world.units["shexian"])
    # Each county sees it; a county elsewhere does not.
    for unit in ("tunxi", "shexian", "huangshan", "tunxi_primary", "shexian_primary"):
        assert selectors.problem_get(user=world.user(unit, "registrar"), pk=problem.pk) == problem
    for unit in ("yaohai", "tunxi_middle", "xuanwu"):
        with pytest.raises(NotFound):
            selectors.problem_get(user=world.user(unit, "registrar"), pk=problem.pk)
    view = {v.member.pk: v.visible for v in selectors.problem_members(user=world.user("tunxi", "registrar"),
                                                                         problem=problem)}
    assert view == {member_a.pk: True, member_b.pk: False}

    # Both schools confirm their record with proof; both counties approve their own.
    req_a = problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=problem, action="confirm",
                                uploads=[proof_pdf()])
    req_b = problem_action_file(actor=world.user("shexian_primary", "registrar"), problem=problem, action="confirm",
                                uploads=[proof_pdf()])
    with pytest.raises(Forbidden):  # not tunxi's step
        request_decide(actor=world.user("tunxi", "registrar"), request=req_b, approve=True)
    _approve(world, req_a, "tunxi")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN
    _approve(world, req_b, "shexian")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ARBITRATION
    arbitration = problem.arbitration_request
    assert arbitration.payload["parties"] == [world.units["tunxi"].pk, world.units["shexian"].pk]
    step = current_step(arbitration)
    assert (step.resolver, step.org_unit) == ("common_superior", world.units["huangshan"])
    with pytest.raises(Conflict):  # no more school actions while arbitration runs
        problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=problem, action="delete",
                            reason="x")

    # Approving from the inbox without naming the record that keeps the ID is refused.
    with pytest.raises(ValidationFailed) as excinfo:
        request_decide(actor=world.user("huangshan", "registrar"), request=arbitration, approve=True)
    assert excinfo.value.code == "choice_required"
    with pytest.raises(Forbidden):
        problem_arbitrate(actor=world.user("tunxi", "registrar"), problem=problem, keep_member_id=member_a.pk)
    problem_arbitrate(actor=world.user("huangshan", "registrar"), problem=problem, keep_member_id=member_a.pk,
                      comment="户籍证明显示该号码属于屯溪区学生")
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, Resolution.ARBITRATED)
    # The arbiter's choice travels with the decision: stored on its action, not written into the payload.
    assert arbitration.actions.get(kind="approve").data == {"keep_member": member_a.pk}
    assert "keep_member" not in Request.objects.get(pk=arbitration.pk).payload
    assert list(Student.objects.filter(id_number=a.id_number).values_list("pk", flat=True)) == [a.pk]
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.national_number == "G" + a.id_number and a.verify_status == VerifyStatus.PROOF
    assert b.id_number is None and b.verify_status == VerifyStatus.UNVERIFIED
    assert problem.members.get(pk=member_b.pk).state == MemberState.LOST
    # The loser must change: an ID-error problem of its own, seen by its school.
    follow_up = Problem.objects.get(kind=ProblemKind.ID_ERROR, members__student=b, status=ProblemStatus.OPEN)
    assert follow_up.detail["reason"] == "arbitration"
    assert selectors.problem_get(user=world.user("shexian_primary", "registrar"), pk=follow_up.pk)
    with pytest.raises(ValidationFailed):  # no ID left to confirm: it must be changed (or the record deleted)
        problem_action_file(actor=world.user("shexian_primary", "registrar"), problem=follow_up, action="confirm",
                            uploads=[proof_pdf()])


def test_duplicate_id_resolved_when_one_school_changes_its_record(world, media):
    problem, a, b = _duplicate_id_across_counties(world)
    register_students([a])
    right = idnumbers.make("341021", b.birth_date, 123)
    register_students([Student(id_number=right, name=b.name, sex=b.sex, birth_date=b.birth_date)])
    request = problem_action_file(actor=world.user("shexian_primary", "registrar"), problem=problem,
                                  action="correct", changes={"id_number": right})
    _approve(world, request, "shexian")
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, Resolution.CORRECTED)
    b.refresh_from_db()
    assert b.verify_status == VerifyStatus.VERIFIED and b.national_number == "G" + right
    # The other record was never verified: it gets its number from the next verification run.
    run(verification_start(actor=world.user("tunxi", "registrar")))
    a.refresh_from_db()
    assert a.national_number == "G" + a.id_number


def test_same_school_duplicate_is_arbitrated_by_its_county(world, media):
    a = world.students["tunxi_primary"]
    b = add_pupil(world, "tunxi_primary", name="重号", id_number=a.id_number)
    duplicate_scan(province_code="340000", scope=world.units["tunxi"], actor=world.user("tunxi", "registrar"))
    problem = Problem.objects.get(kind=ProblemKind.DUPLICATE_ID)
    registrar = world.user("tunxi_primary", "registrar")
    with pytest.raises(ValidationFailed):  # two records of the school: name the one
        problem_action_file(actor=registrar, problem=problem, action="confirm")
    for student in (a, b):
        member = problem.members.get(student=student)
        request = problem_action_file(actor=registrar, problem=problem, action="confirm", member_id=member.pk,
                                      uploads=[proof_pdf()])
        _approve(world, request)
    problem.refresh_from_db()
    assert current_step(problem.arbitration_request).org_unit == world.units["tunxi"]


def test_duplicates_without_id_stand_as_distinct_after_proof(world, media):
    birth = dt.date(2016, 4, 4)
    one = add_pupil(world, "tunxi_primary", name="王芳", sex="2", birth=birth, id_number=None, id_type="Z")
    two = add_pupil(world, "shexian_primary", name="王芳", sex="2", birth=birth, id_number=None, id_type="Z")
    result = duplicate_scan(province_code="340000", scope=world.units["anhui"], actor=world.user("anhui", "registrar"))
    assert result["duplicate_no_id"]["new"] == 1
    problem = Problem.objects.get(kind=ProblemKind.DUPLICATE_NO_ID)
    assert problem.key == "王芳|2|2016-04-04"
    # While the problem is open, neither gets a J number.
    run(verification_start(actor=world.user("anhui", "registrar")))
    assert Student.objects.get(pk=one.pk).national_number is None
    for school, county in (("tunxi_primary", "tunxi"), ("shexian_primary", "shexian")):
        request = problem_action_file(actor=world.user(school, "registrar"), problem=problem, action="confirm",
                                      uploads=[proof_pdf()])
        _approve(world, request, county)
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, Resolution.CONFIRMED_DISTINCT)
    numbers = [Student.objects.get(pk=s.pk).national_number for s in (one, two)]
    assert all(n and n.startswith("J") for n in numbers) and numbers[0] != numbers[1]
    again = duplicate_scan(province_code="340000", scope=world.units["anhui"], actor=world.user("anhui", "registrar"))
    assert again["duplicate_no_id"]["new"] == 0
    assert Problem.objects.filter(kind=ProblemKind.DUPLICATE_NO_ID).count() == 1


def test_duplicate_without_id_resolved_by_deleting_one(world, media):
    birth = dt.date(2016, 4, 4)
    one = add_pupil(world, "tunxi_primary", name="王芳", sex="2", birth=birth, id_number=None, id_type="Z")
    two = add_pupil(world, "tunxi_middle", name="王芳", sex="2", birth=birth, id_number=None, id_type="Z")
    duplicate_scan(province_code="340000", scope=world.units["tunxi"], actor=world.user("tunxi", "registrar"))
    problem = Problem.objects.get(kind=ProblemKind.DUPLICATE_NO_ID)
    request = problem_action_file(actor=world.user("tunxi_middle", "registrar"), problem=problem, action="delete",
                                  reason="同一学生重复建籍")
    _approve(world, request)
    problem.refresh_from_db()
    assert problem.resolution == Resolution.DELETED
    assert not Student.objects.filter(pk=two.pk).exists()
    assert Student.objects.get(pk=one.pk).national_number.startswith("J")


def test_scans_are_idempotent_and_list_per_county(world, media):
    a = world.students["tunxi_primary"]
    for other in ("yaohai_primary", "xuanwu_primary"):  # xuanwu is in another province
        Student.objects.filter(pk=world.students[other].pk).update(id_number=a.id_number, birth_date=a.birth_date)
    bad = world.students["shexian_primary"]
    Student.objects.filter(pk=bad.pk).update(birth_date=dt.date(2010, 1, 1))  # contradicts its ID
    actor = world.user("anhui", "registrar")
    first = duplicate_scan(province_code="340000", scope=world.units["anhui"], actor=actor)
    second = duplicate_scan(province_code="340000", scope=world.units["anhui"], actor=actor)
    assert first["duplicate_id"]["new"] == 1 and second["duplicate_id"] == {"new": 0, "existing": 1,
                                                                          "members_added": 0}
    problem = Problem.objects.get(kind=ProblemKind.DUPLICATE_ID)
    assert set(problem.members.values_list("student_id", flat=True)) == {a.pk, world.students["yaohai_primary"].pk}
    counties = {row["name"]: row for row in first["by_county"]}
    assert set(counties) == {world.units["tunxi"].name, world.units["yaohai"].name}
    assert counties[world.units["tunxi"].name]["new_records"] == {"duplicate_id": 1}

    errors = error_scan(province_code="340000", scope=world.units["anhui"], actor=actor)
    assert errors["id_error"]["new"] == 1 and errors["reasons"] == {"birth_date_mismatch": 1}
    assert error_scan(province_code="340000", scope=world.units["anhui"], actor=actor)["id_error"]["new"] == 0

    # A third record joining the same ID joins the open problem.
    add_pupil(world, "tunxi_middle", name="第三", id_number=a.id_number)
    third = duplicate_scan(province_code="340000", scope=world.units["anhui"], actor=actor)
    assert third["duplicate_id"] == {"new": 0, "existing": 1, "members_added": 1}
    # A county scanning its subtree lists only what concerns it.
    shexian = duplicate_scan(province_code="340000", scope=world.units["shexian"], actor=world.user("shexian",
                                                                                                     "registrar"))
    assert shexian["duplicate_id"]["existing"] == 0 and shexian["by_county"] == [
        {"county": world.units["shexian"].pk, "name": world.units["shexian"].name, "code": "341021",
         "unresolved": {"id_error": 1}, "new_records": {}}]
    # Each county sees its list through the selectors.
    tunxi = selectors.problem_list(user=world.user("tunxi", "registrar"), filters={"status": "unresolved"})
    assert list(tunxi) == [problem]
    assert not selectors.problem_list(user=world.user("yaohai", "leader"), filters={"kind": "id_error"}).exists()
    summary = {row["name"]: row["unresolved"] for row in selectors.problem_summary(user=world.user("anhui", "leader"))}
    assert summary == {world.units["tunxi"].name: {"duplicate_id": 1}, world.units["shexian"].name: {"id_error": 1},
                       world.units["yaohai"].name: {"duplicate_id": 1}}


def test_stale_duplicate_is_resolved_by_the_next_scan(world, media):
    a = world.students["tunxi_primary"]
    b = world.students["tunxi_middle"]
    Student.objects.filter(pk=b.pk).update(id_number=a.id_number)
    actor = world.user("tunxi", "registrar")
    duplicate_scan(province_code="340000", scope=world.units["tunxi"], actor=actor)
    Student.objects.filter(pk=b.pk).update(id_number=b.id_number)  # fixed outside the problem
    result = duplicate_scan(province_code="340000", scope=world.units["tunxi"], actor=actor)
    assert result["stale_resolved"] == 1
    assert Problem.objects.get(kind=ProblemKind.DUPLICATE_ID).resolution == Resolution.CLEARED


def test_issuance_files_a_duplicate_instead_of_two_numbers(world, media):
    a = world.students["tunxi_primary"]
    b = add_pupil(world, "shexian_primary", name=a.name, id_number=a.id_number)
    Student.objects.filter(pk__in=[a.pk, b.pk]).update(verify_status=VerifyStatus.VERIFIED)
    from xueji.problems.clearance import issue_cleared

    outcome = issue_cleared(student_ids=[a.pk, b.pk], actor=world.user("anhui", "registrar"))
    assert outcome["G"] == 0 and outcome["duplicates"] == 2
    assert Problem.objects.get(kind=ProblemKind.DUPLICATE_ID).members.count() == 2
    assert not NationalNumber.objects.filter(number="G" + a.id_number).exists()
    assert number_lookup("G" + a.id_number) is None


def test_problem_lists_filter_and_reject_bad_filters(world, media):
    problem, student = _id_error(world)
    user = world.user("tunxi", "registrar")
    assert list(selectors.problem_list(user=user, filters={"kind": "id_error", "status": "open"})) == [problem]
    assert list(selectors.problem_list(user=user, filters={"county": world.units["tunxi"].pk})) == [problem]
    assert list(selectors.problem_list(user=user, filters={"school": world.schools["tunxi_primary"].pk})) == [problem]
    assert not selectors.problem_list(user=user, filters={"school": world.schools["tunxi_middle"].pk}).exists()
    assert not selectors.problem_list(user=user, filters={"status": "resolved"}).exists()
    with pytest.raises(ValidationFailed):
        selectors.problem_list(user=user, filters={"status": "bogus"})
    with pytest.raises(ValidationFailed):
        selectors.problem_list(user=user, filters={"county": "abc"})
    with pytest.raises(Forbidden):
        selectors.problem_list(user=world.user("tunxi", "sysadmin"))
