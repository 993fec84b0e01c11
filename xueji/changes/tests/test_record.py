"""Record maintenance (学籍信息修改): items no level controls change at once, audited with before and after; the
controlled ones become one change request with proofs, effective on the last approval; identity changes need
household-register proof and run the duplicate rule again, and a clash at approval files a problem record."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.changes import services
from xueji.changes.tests.conftest import pdf, png
from xueji.changes.tests.helpers import approve_all, pupil, snapshot
from xueji.core import clock, idnumbers
from xueji.core.errors import XuejiError
from xueji.core.messages import user_message
from xueji.policy.models import BusinessWindow
from xueji.problems.models import Problem
from xueji.registry.models import Student, StudentHistory
from xueji.registry.services import student_set_status
from xueji.workflow.models import Request, RequestStatus
from xueji.workflow.services import request_decide, request_reject, request_resubmit, request_withdraw


def edit(world, values, school="tunxi_primary", **kwargs):
    return services.record_edit(actor=world.user(school, "registrar"), student=world.students[school],
                                values=values, **kwargs)


def refused(world, values, school="tunxi_primary", **kwargs) -> XuejiError:
    pk = world.students[school].pk
    before = snapshot(pk)
    with pytest.raises(XuejiError) as caught:
        edit(world, values, school, **kwargs)
    assert snapshot(pk) == before, "a refused edit changed something"
    return caught.value


def test_a_non_controlled_edit_applies_at_once_with_its_history(scene):
    world = scene
    result = edit(world, {"phone": "13912345678", "address": "黄山路8号", "postcode": "245000"})
    assert result.request is None and result.filed == {}
    assert result.applied == {"phone": ["", "13912345678"], "address": ["", "黄山路8号"], "postcode": ["", "245000"]}
    student = pupil(world)
    assert (student.phone, student.address, student.detail.postcode) == ("13912345678", "黄山路8号", "245000")
    row = StudentHistory.objects.filter(student=student, kind="items").latest("at")
    assert row.changes == {"phone": ["", "13912345678"], "address": ["", "黄山路8号"],
                           "detail.postcode": ["", "245000"]}
    assert row.actor_id == world.user("tunxi_primary", "registrar").pk and row.request_id is None
    event = AuditEvent.objects.filter(action="changes.record_edit").latest("created_at")
    assert event.object_id == str(student.pk)


def test_a_controlled_edit_becomes_one_request_and_takes_effect_on_the_last_approval(scene):
    world = scene
    result = edit(world, {"name": "王小明", "ethnic": "02", "phone": "13900000001"}, reason="户口簿姓名有误",
                  proofs=[pdf("hukou.pdf")])
    request = result.request
    assert result.applied == {"phone": ["", "13900000001"]}
    assert result.filed == {"name": ["学生1", "王小明"], "ethnic": ["01", "02"]}
    assert request.type == "changes.record" and request.route_key == "identity"
    assert request.payload["changes"] == {"name": "王小明", "ethnic": "02"}
    assert request.payload["before"] == {"name": "学生1", "ethnic": "01"}
    assert request.proofs.get().description == "户籍证明"
    assert [(s.org_unit.code, s.role) for s in request.steps.all()] == [("3410021001", "leader"),
                                                                         ("341002", "registrar")]
    assert (pupil(world).name, pupil(world).phone) == ("学生1", "13900000001")  # nothing controlled yet
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    assert pupil(world).name == "学生1"
    approve_all(world, request)
    student = pupil(world)
    assert (student.name, student.ethnic, student.name_pinyin, student.verify_status) == (
        "王小明", "02", "wangxiaoming", "unverified")
    row = StudentHistory.objects.get(student=student, request_id=request.pk)
    assert row.kind == "identity" and row.changes["name"] == ["学生1", "王小明"]
    assert AuditEvent.objects.filter(action="changes.record_approved", object_id=str(student.pk)).exists()


def test_items_only_route_as_items(scene):
    world = scene
    request = edit(world, {"ethnic": "03"}).request
    assert request.route_key == "items" and not request.proofs.exists()


@pytest.mark.parametrize("values", [
    {"name": "李四"}, {"id_type": "Z"},
    {"sex": "2", "id_number": idnumbers.make("341002", dt.date(2017, 3, 1), 12)},
    {"birth_date": "2017-03-02", "id_number": idnumbers.make("341002", dt.date(2017, 3, 2), 13)}])
def test_an_identity_change_needs_household_register_proof(scene, values):
    world = scene
    error = refused(world, values)
    assert error.code == "proof_required" and error.field == "proofs"
    assert "户口簿" in user_message(error)


def test_every_error_of_an_edit_at_once_and_not_those_it_does_not_bring(scene, login):
    world = scene
    # The world's pupil lacks required items (birthplace, address, ...): an edit of its phone is not refused for them.
    assert edit(world, {"phone": "13912340000"}).applied
    error = refused(world, {"phone": "12ab", "postcode": "123", "entry_date": "2999-01", "birth_date": "2017-03-09"},
                    proofs=[pdf()])
    assert error.code == "invalid"
    assert set(error.details) == {"phone", "postcode", "entry_date", "birth_date"}
    # A birth date that no longer agrees with the ID number is refused on the item that changed.
    assert "身份证件号" in " ".join(error.details["birth_date"]) or "出生日期" in " ".join(error.details["birth_date"])
    client = login(world.user("tunxi_primary", "registrar"))
    answer = client.patch(reverse("api:student-record", kwargs={"pk": world.students["tunxi_primary"].pk}),
                          {"phone": "12ab", "postcode": "123"}, content_type="application/json")
    assert answer.status_code == 400 and set(answer.json()["details"]) == {"phone", "postcode"}


def test_an_edit_that_changes_nothing(scene):
    world = scene
    assert refused(world, {"name": "学生1", "sex": "1"}).code == "no_change"


def test_the_duplicate_rule_at_filing(scene):
    world = scene
    taken = world.students["tunxi_middle"].id_number
    error = refused(world, {"id_number": taken, "birth_date": "2017-03-02", "sex": "1"}, proofs=[pdf()])
    assert error.code == "duplicate_student"


def test_an_identity_taken_before_the_approval_files_a_problem_record_and_stays_pending(scene):
    world = scene
    birth = dt.date(2017, 3, 1)
    new_id = idnumbers.make("341002", birth, 501)
    request = edit(world, {"id_number": new_id}, proofs=[png()]).request
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    # Meanwhile another record gets this ID number (an entry elsewhere).
    other = world.students["shexian_primary"]
    Student.objects.filter(pk=other.pk).update(id_number=new_id)
    before = snapshot(world.students["tunxi_primary"].pk)
    with pytest.raises(XuejiError) as caught:
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert caught.value.code == "identity_clash" and "问题学籍" in user_message(caught.value)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and pupil(world).id_number != new_id
    assert snapshot(world.students["tunxi_primary"].pk)[:4] == before[:4]
    problem = Problem.objects.get(kind="duplicate_id", id_number=new_id)
    assert {m.student_id for m in problem.members.all()} == {other.pk, world.students["tunxi_primary"].pk}
    assert problem.source == "changes" and problem.detail["request"] == request.pk
    # The county returns it to the school; the pupil is free for another edit once it is withdrawn.
    request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=False, comment="证件号重复")
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED


def test_return_and_resubmit_reject_and_withdraw(scene):
    world = scene
    registrar = world.user("tunxi_primary", "registrar")
    request = edit(world, {"ethnic": "02"}).request
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=False, comment="缺证明")
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED
    request_resubmit(actor=registrar, request=request)
    approve_all(world, request)
    assert pupil(world).ethnic == "02"
    second = edit(world, {"ethnic": "03"}).request
    request_reject(actor=world.user("tunxi_primary", "leader"), request=second, comment="不予变更")
    third = edit(world, {"ethnic": "04"}).request
    request_withdraw(actor=registrar, request=third)
    assert pupil(world).ethnic == "02"
    assert list(Request.objects.filter(type="changes.record").values_list("status", flat=True).order_by("pk")) == [
        "approved", "rejected", "withdrawn"]


def test_one_open_record_change_at_a_time_naming_the_open_one(scene):
    world = scene
    first = edit(world, {"ethnic": "02"}).request
    error = refused(world, {"ethnic": "03"})
    assert error.code == "request_in_progress" and error.details["request"] == first.pk
    assert edit(world, {"phone": "13900000002"}).applied  # a direct edit is not a request


def test_the_record_change_window(scene):
    world = scene
    BusinessWindow.objects.filter(kind="changes.record").update(end_date=clock.today() - dt.timedelta(days=1))
    error = refused(world, {"ethnic": "02", "phone": "13900000003"})
    assert error.code == "outside_business_window"
    assert edit(world, {"phone": "13900000003"}).applied  # direct edits are not windowed


def test_locked_after_graduation_and_unlocked_when_it_is_reverted(scene):
    world = scene
    pk = world.students["tunxi_primary"].pk
    student_set_status(actor=None, student=pk, status="07")
    error = refused(world, {"phone": "13900000004"})
    assert error.code == "record_locked" and user_message(error).startswith("该生已毕业")
    error = refused(world, {"ethnic": "02"})
    assert error.code == "record_locked"
    student_set_status(actor=None, student=pk, status="01")  # a mistaken graduation reverted through the door
    assert edit(world, {"phone": "13900000004"}).applied


def test_only_the_pupils_school_edits_and_drafts_are_not_maintained_here(scene, login):
    world = scene
    pk = world.students["tunxi_primary"].pk
    county = login(world.user("tunxi", "registrar"))
    answer = county.patch(reverse("api:student-record", kwargs={"pk": pk}), {"phone": "13900000005"},
                          content_type="application/json")
    assert answer.status_code == 403 and answer.json()["code"] == "pupil_school_only"
    Student.objects.filter(pk=pk).update(reg_status="draft")
    assert refused(world, {"phone": "13900000005"}).code == "not_registered"


def test_the_api_answers_200_for_a_direct_edit_and_202_for_a_request(scene, login):
    world = scene
    client = login(world.user("tunxi_primary", "registrar"))
    url = reverse("api:student-record", kwargs={"pk": world.students["tunxi_primary"].pk})
    direct = client.patch(url, {"phone": "13900000006"}, content_type="application/json")
    assert direct.status_code == 200 and direct.json()["applied"]["phone"][1].startswith("139")
    assert direct.json()["request"] is None
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    body = encode_multipart(BOUNDARY, {"name": "赵六", "proofs": [pdf()], "reason": "更名"})
    filed = client.patch(url, body, content_type=MULTIPART_CONTENT)
    assert filed.status_code == 202, filed.content
    assert filed.json()["request"]["type"] == "changes.record" and filed.json()["filed"] == {"name": ["学生1", "赵六"]}
    wrong = encode_multipart(BOUNDARY, {"ethnic": "05", "proofs": [SimpleUploadedFile("x.png", b"%PDF-1.4")]})
    refused_answer = client.patch(url, wrong, content_type=MULTIPART_CONTENT)
    assert refused_answer.status_code == 400 and refused_answer.json()["code"] == "type_mismatch"


def test_what_each_level_controls_decides_direct_or_request(scene, login):
    from xueji.policy.services import controlled_items_set

    world = scene
    # The county controls the phone for its schools; the province takes 民族 out of its set.
    controlled_items_set(actor=world.user("tunxi", "sysadmin"), items=["phone"])
    controlled_items_set(actor=world.user("anhui", "sysadmin"), items=["id_type", "id_number", "name", "sex",
                                                                       "birth_date"])
    result = edit(world, {"phone": "13900000007", "ethnic": "02"})
    assert result.applied == {"ethnic": ["01", "02"]} and result.filed == {"phone": ["", "13900000007"]}
    assert result.request.route_key == "items"
    page = login(world.user("tunxi_primary", "registrar")).get(
        reverse("changes:record_edit", kwargs={"pk": world.students["tunxi_primary"].pk})).content.decode()
    assert 'data-controlled="phone"' in page and 'data-controlled="ethnic"' not in page
    assert "tunxi authority" in page  # the level that controls it
    # Another county's school edits the phone directly.
    other = edit(world, {"phone": "13900000008"}, school="shexian_primary")
    assert other.request is None and other.applied


def test_a_county_narrows_the_window_of_record_changes(scene):
    from xueji.policy.services import window_set

    world = scene
    today = clock.today()
    window_set(actor=world.user("tunxi", "sysadmin"), kind="changes.record", start_date=today + dt.timedelta(days=1),
               end_date=today + dt.timedelta(days=5))
    error = refused(world, {"ethnic": "02"})
    assert error.code == "outside_business_window" and error.details["set_by"] == "tunxi authority"
    assert edit(world, {"ethnic": "02"}, school="shexian_primary").request is not None


def test_a_stale_if_match_answers_412_and_writes_nothing(scene, login):
    """SECURITY.md row 38: the pupil's ETag (its record's version) from GET, sent back in If-Match; a record changed
    meanwhile answers 412 stale_version and nothing is written; the answer's ETag is the new version."""
    world = scene
    pk = world.students["tunxi_primary"].pk
    client = login(world.user("tunxi_primary", "registrar"))
    url = reverse("api:student-record", kwargs={"pk": pk})
    etag = client.get(reverse("api:student-detail", kwargs={"pk": pk}))["ETag"]
    done = client.patch(url, {"phone": "13900000011"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert done.status_code == 200 and done["ETag"] != etag
    before = snapshot(pk)
    stale = client.patch(url, {"phone": "13900000012"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert snapshot(pk) == before
    again = client.patch(url, {"phone": "13900000012"}, content_type="application/json", HTTP_IF_MATCH=done["ETag"])
    assert again.status_code == 200
    assert client.get(reverse("api:student-detail", kwargs={"pk": pk}))["ETag"] == again["ETag"]


def test_the_service_refuses_an_edit_over_a_version_changed_by_set_based_sql(scene):
    from xueji.registry.versions import record_version

    world = scene
    student = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    version = record_version(student)
    Student.objects.filter(pk=student.pk).update(class_number="7")  # a bulk UPDATE, not through the door
    assert refused(world, {"phone": "13900000013"}, version=version).code == "stale_version"
