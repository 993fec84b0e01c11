"""The pages: editing a record (controlled items marked, direct and controlled edits), filing the main status
changes and deciding them on the request's page (approve, return and resubmit, reject, withdraw), and the lists
with their totals."""

from django.urls import reverse

from xueji.changes.tests.conftest import pdf
from xueji.changes.tests.helpers import file_change, pupil
from xueji.workflow.models import Request, RequestStatus


def _decide(client, request, decision="approve", comment=""):
    return client.post(reverse("workflow:request_decide", kwargs={"pk": request.pk}),
                       {"decision": decision, "comment": comment})


def _form_values(client, pk) -> dict:
    """The record form as the page fills it (the stored values), to post back with a change."""
    response = client.get(reverse("changes:record_edit", kwargs={"pk": pk}))
    form = response.context["form"]
    return {name: form.initial.get(name, "") for name in form.fields if name not in ("proofs", "reason")}


def test_the_record_form_marks_the_controlled_items_and_saves_the_others_at_once(scene, login):
    world = scene
    pk = world.students["tunxi_primary"].pk
    client = login(world.user("tunxi_primary", "registrar"))
    page = client.get(reverse("changes:record_edit", kwargs={"pk": pk}))
    html = page.content.decode()
    assert page.status_code == 200
    for key in ("name", "sex", "birth_date", "id_type", "id_number", "ethnic"):
        assert f'data-controlled="{key}"' in html
    assert 'data-controlled="phone"' not in html
    values = _form_values(client, pk)
    done = client.post(reverse("changes:record_edit", kwargs={"pk": pk}), {**values, "phone": "13911112222"})
    assert done.status_code == 302 and done["Location"] == reverse("registry:student_detail", kwargs={"pk": pk})
    assert pupil(world).phone == "13911112222" and not Request.objects.exists()
    shown = client.get(done["Location"]).content.decode()
    assert "已直接保存：联系电话。" in shown


def test_a_controlled_change_through_the_page_needs_its_proof_then_is_approved(scene, login):
    world = scene
    pk = world.students["tunxi_primary"].pk
    client = login(world.user("tunxi_primary", "registrar"))
    values = {**_form_values(client, pk), "name": "王小明"}
    refused = client.post(reverse("changes:record_edit", kwargs={"pk": pk}), values)
    assert refused.status_code == 400
    assert 'data-error-for="proofs"' in refused.content.decode() and not Request.objects.exists()
    bad = client.post(reverse("changes:record_edit", kwargs={"pk": pk}), {**values, "phone": "12ab",
                                                                          "postcode": "1"})
    html = bad.content.decode()
    assert 'data-error-for="phone"' in html and 'data-error-for="postcode"' in html  # all errors in one pass
    filed = client.post(reverse("changes:record_edit", kwargs={"pk": pk}), {**values, "proofs": [pdf()],
                                                                            "reason": "户口簿"})
    request = Request.objects.get(type="changes.record")
    assert filed["Location"] == reverse("workflow:request_detail", kwargs={"pk": request.pk})
    detail = client.get(filed["Location"]).content.decode()
    assert "王小明" in detail and "学生1" in detail  # before and after, on the engine's page
    assert _decide(login(world.user("tunxi_primary", "leader")), request).status_code == 302
    assert _decide(login(world.user("tunxi", "registrar")), request).status_code == 302
    assert pupil(world).name == "王小明"


def test_a_suspension_filed_on_the_page_approved_by_the_leader_and_the_county(scene, login):
    world = scene
    pk = world.students["tunxi_primary"].pk
    client = login(world.user("tunxi_primary", "registrar"))
    kinds = client.get(reverse("changes:status_change_new", kwargs={"pk": pk})).content.decode()
    assert 'data-kind="suspend" data-possible="1"' in kinds and 'data-kind="resume" data-possible="0"' in kinds
    assert "只有休学的学生才能复学" in kinds
    form = client.get(reverse("changes:status_change_new", kwargs={"pk": pk}), {"kind": "suspend"})
    assert form.status_code == 200 and "10 疾病" in form.content.decode()
    missing = client.post(reverse("changes:status_change_new", kwargs={"pk": pk}), {"kind": "suspend",
                                                                                    "reason": "10"})
    assert missing.status_code == 400 and not Request.objects.exists()
    filed = client.post(reverse("changes:status_change_new", kwargs={"pk": pk}),
                        {"kind": "suspend", "reason": "10", "note": "住院治疗", "proofs": [pdf()]})
    request = Request.objects.get(type="changes.status")
    assert filed["Location"] == reverse("workflow:request_detail", kwargs={"pk": request.pk})
    page = client.get(filed["Location"]).content.decode()
    assert "10 疾病" in page and "休学" in page
    assert _decide(login(world.user("tunxi_primary", "leader")), request).status_code == 302
    assert _decide(login(world.user("tunxi", "registrar")), request).status_code == 302
    assert pupil(world).status == "02"
    listed = client.get(reverse("changes:status_change_list")).content.decode()
    assert "11 休学" in listed and 'data-testid="list-total"' in listed


def test_return_resubmit_reject_and_withdraw_on_the_pages(scene, login):
    world = scene
    registrar = login(world.user("tunxi_primary", "registrar"))
    request = file_change(world, "tunxi_primary", "repeat", "22", school_class=world.classes["grade1"])
    leader = login(world.user("tunxi_primary", "leader"))
    assert _decide(leader, request, "return", "请补充家长申请").status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED
    registrar = login(world.user("tunxi_primary", "registrar"))
    registrar.post(reverse("workflow:request_resubmit", kwargs={"pk": request.pk}))
    request.refresh_from_db()
    assert (request.status, request.round) == (RequestStatus.PENDING, 2)
    assert _decide(login(world.user("tunxi_primary", "leader")), request).status_code == 302
    assert _decide(login(world.user("tunxi", "registrar")), request, "reject", "不符合留级条件").status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED and pupil(world).school_class_id == world.classes[
        "tunxi_primary"].pk
    second = file_change(world, "tunxi_primary", "change_class", "99", proofs=[],
                         school_class=world.classes["grade2b"])
    registrar = login(world.user("tunxi_primary", "registrar"))
    registrar.post(reverse("workflow:request_withdraw", kwargs={"pk": second.pk}))
    second.refresh_from_db()
    assert second.status == RequestStatus.WITHDRAWN
    listed = registrar.get(reverse("changes:request_list")).content.decode()
    assert listed.count("data-page-size") == 2 and "2 in all" not in listed


def test_the_dropout_list_is_the_authorities(scene, login):
    from xueji.changes.tests.helpers import approve_all

    world = scene
    approve_all(world, file_change(world, "tunxi_primary", "dropout", "27", proofs=[]))
    county = login(world.user("tunxi", "registrar"))
    page = county.get(reverse("changes:dropout_list"))
    assert page.status_code == 200 and "学生1" in page.content.decode()
    assert login(world.user("shexian", "registrar")).get(reverse("changes:dropout_list")).context[
        "table"].paginator.count == 0
    assert login(world.user("tunxi_primary", "registrar")).get(reverse("changes:dropout_list")).status_code == 403
    county = login(world.user("tunxi", "registrar"))  # one test client: signed in again
    api = county.get(reverse("api:dropout-list")).json()
    assert [row["name"] for row in api["results"]] == ["学生1"] and api["results"][0]["dropout_reason"] == "27"
    # Back at school (恢复学籍): off the list.
    approve_all(world, file_change(world, "tunxi_primary", "restore", "99", proofs=[]))
    assert county.get(reverse("api:dropout-list")).json()["count"] == 0


def test_the_lists_filter(scene, login):
    from xueji.changes import services
    from xueji.changes.tests.helpers import approve_all

    world = scene
    services.record_edit(actor=world.user("tunxi_primary", "registrar"), student=world.students["tunxi_primary"],
                         values={"ethnic": "02"})
    approve_all(world, file_change(world, "tunxi_middle", "dropout", "27", proofs=[]))
    client = login(world.user("tunxi", "registrar"))
    requests = client.get(reverse("api:change-request-list"), {"what": "changes.record"}).json()
    assert [r["type"] for r in requests["results"]] == ["changes.record"]
    assert client.get(reverse("api:change-request-list"), {"what": "dropout"}).json()["count"] == 1
    assert client.get(reverse("api:change-request-list"), {"what": "nonsense"}).status_code == 400
    assert client.get(reverse("api:status-change-list"), {"q": "xuesheng"}).json()["count"] == 1
    assert client.get(reverse("api:status-change-list"), {"q": "学生2"}).json()["count"] == 1
    assert client.get(reverse("api:status-change-list"), {"q": "无此人"}).json()["count"] == 0
    assert client.get(reverse("api:dropout-list"), {"q": "xue", "stage": "2"}).json()["count"] == 1
    assert client.get(reverse("api:dropout-list"), {"stage": "1"}).json()["count"] == 0
    page = client.get(reverse("changes:request_list"), {"what": "changes.record", "per_page": 50})
    assert page.status_code == 200 and page.context["table"].paginator.per_page == 50
    assert 'data-page-size="25"' in page.content.decode() and "what=changes.record" in page.content.decode()


def test_the_pupil_page_offers_the_changes_actions(scene, login):
    from xueji.registry.services import student_set_status

    world = scene
    pk = world.students["tunxi_primary"].pk
    page = login(world.user("tunxi_primary", "registrar")).get(reverse("registry:student_detail", kwargs={"pk": pk}))
    html = page.content.decode()
    for name in ("changes:record_edit", "changes:status_change_new", "changes:family_list"):
        assert reverse(name, kwargs={"pk": pk}) in html, name
    leader = login(world.user("tunxi_primary", "leader")).get(reverse("registry:student_detail", kwargs={"pk": pk}))
    assert reverse("changes:record_edit", kwargs={"pk": pk}) not in leader.content.decode()  # STUDENT_EDIT only
    student_set_status(actor=None, student=pk, status="07")  # graduated: the record is locked
    locked = login(world.user("tunxi_primary", "registrar")).get(reverse("registry:student_detail",
                                                                         kwargs={"pk": pk})).content.decode()
    assert reverse("changes:record_edit", kwargs={"pk": pk}) not in locked
    assert reverse("changes:family_list", kwargs={"pk": pk}) in locked


def test_a_form_opened_before_another_save_is_refused_with_a_clear_error_and_writes_nothing(scene, login):
    """SECURITY.md row 38: the page keeps the record's version; a save over a newer version is a form error."""
    from xueji.changes.tests.helpers import snapshot
    from xueji.registry.models import Student

    world = scene
    pk = world.students["tunxi_primary"].pk
    client = login(world.user("tunxi_primary", "registrar"))
    opened = _form_values(client, pk)
    assert opened["version"]
    Student.objects.filter(pk=pk).update(class_number="42")  # someone else saved meanwhile
    before = snapshot(pk)
    stale = client.post(reverse("changes:record_edit", kwargs={"pk": pk}), {**opened, "phone": "13911113333"})
    assert stale.status_code == 400
    assert "已被他人修改" in stale.content.decode()
    assert snapshot(pk) == before and pupil(world).phone != "13911113333"
    fresh = client.post(reverse("changes:record_edit", kwargs={"pk": pk}),
                        {**_form_values(client, pk), "phone": "13911113333"})
    assert fresh.status_code == 302 and pupil(world).phone == "13911113333"
