"""Family members and guardians: the school adds, edits and removes them (audited, with the record's history),
through pages and the API; every error of a member at once, by the one row validator."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.changes import services
from xueji.changes.tests.helpers import snapshot
from xueji.core import idnumbers
from xueji.core.errors import XuejiError
from xueji.registry.models import FamilyMember, Student, StudentHistory
from xueji.registry.services import student_set_status


def members(world, school="tunxi_primary"):
    return list(FamilyMember.objects.filter(student=world.students[school]).order_by("pk"))


def test_add_edit_remove_with_history_and_audit(scene):
    world = scene
    registrar = world.user("tunxi_primary", "registrar")
    student = world.students["tunxi_primary"]
    added = services.family_add(actor=registrar, student=student, values={
        "name": "李母", "relation": "52", "phone": "13700000000", "is_guardian": "1",
        "id_number": idnumbers.make("341002", dt.date(1986, 2, 3), 22)})
    assert (added.name, added.relation, added.is_guardian) == ("李母", "52", True)
    services.family_update(actor=registrar, member=added, values={"phone": "13700000001", "employer": "黄山市医院"})
    added.refresh_from_db()
    assert (added.phone, added.employer) == ("13700000001", "黄山市医院")
    services.family_remove(actor=registrar, member=added)
    assert [m.name for m in members(world)] == ["家长1"]
    rows = list(StudentHistory.objects.filter(student=student, kind="family").order_by("at", "id"))
    assert [r.changes["action"] for r in rows] == ["add", "update", "remove"]
    assert rows[1].changes["phone"] == ["13700000000", "13700000001"]
    assert set(AuditEvent.objects.filter(object_type="registry.familymember").values_list("action", flat=True)) == {
        "family.add", "family.update", "family.remove"}


def test_every_error_of_a_member_at_once(scene):
    world = scene
    pk = world.students["tunxi_primary"].pk
    before = snapshot(pk)
    with pytest.raises(XuejiError) as caught:
        services.family_add(actor=world.user("tunxi_primary", "registrar"), student=pk,
                            values={"name": "李母", "phone": "12ab", "id_number": "341002198602030000"})
    assert caught.value.code == "invalid"
    assert set(caught.value.details) == {"phone", "relation", "id_number"}
    with pytest.raises(XuejiError) as caught:
        services.family_add(actor=world.user("tunxi_primary", "registrar"), student=pk, values={"name": "=cmd"})
    assert set(caught.value.details) == {"name"}
    assert snapshot(pk) == before


def test_a_pupil_without_an_id_keeps_a_guardian_with_one(scene):
    world = scene
    pk = world.students["tunxi_primary"].pk
    Student.objects.filter(pk=pk).update(id_number=None, id_type="Z")
    only = members(world)[0]
    before = snapshot(pk)
    with pytest.raises(XuejiError) as caught:
        services.family_remove(actor=world.user("tunxi_primary", "registrar"), member=only)
    assert caught.value.code == "invalid" and snapshot(pk) == before


def test_locked_and_foreign_pupils(scene, login):
    world = scene
    pk = world.students["tunxi_primary"].pk
    student_set_status(actor=None, student=pk, status="08")
    with pytest.raises(XuejiError) as caught:
        services.family_update(actor=world.user("tunxi_primary", "registrar"), member=members(world)[0],
                               values={"phone": "13700000009"})
    assert caught.value.code == "record_locked"
    other = members(world, "shexian_primary")[0]
    client = login(world.user("tunxi_primary", "registrar"))
    assert client.patch(reverse("api:family-member", kwargs={"pk": other.pk}), {"phone": "13700000009"},
                        content_type="application/json").status_code == 404


def test_the_api(scene, login):
    world = scene
    pk = world.students["tunxi_primary"].pk
    client = login(world.user("tunxi_primary", "registrar"))
    url = reverse("api:family-list", kwargs={"pk": pk})
    created = client.post(url, {"name": "王父", "relation": "51", "phone": "13600000000"},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    member = created.json()["id"]
    assert [m["name"] for m in client.get(url).json()] == ["家长1", "王父"]
    changed = client.patch(reverse("api:family-member", kwargs={"pk": member}), {"employer": "屯溪区政府"},
                           content_type="application/json")
    assert changed.status_code == 200 and changed.json()["employer"] == "屯溪区政府"
    bad = client.patch(reverse("api:family-member", kwargs={"pk": member}), {"phone": "x"},
                       content_type="application/json")
    assert bad.status_code == 400 and "phone" in bad.json()["details"]
    assert client.delete(reverse("api:family-member", kwargs={"pk": member})).status_code == 204
    leader = login(world.user("tunxi_primary", "leader"))
    assert leader.get(url).status_code == 200
    assert leader.post(url, {"name": "x", "relation": "51"}, content_type="application/json").status_code == 403


def test_the_pages(scene, login):
    world = scene
    pk = world.students["tunxi_primary"].pk
    client = login(world.user("tunxi_primary", "registrar"))
    page = client.get(reverse("changes:family_list", kwargs={"pk": pk})).content.decode()
    assert "家长1" in page and reverse("changes:family_add", kwargs={"pk": pk}) in page
    bad = client.post(reverse("changes:family_add", kwargs={"pk": pk}), {"name": "张三", "phone": "x"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'data-error-for="phone"' in html and 'data-error-for="relation"' in html
    done = client.post(reverse("changes:family_add", kwargs={"pk": pk}), {"name": "张三", "relation": "51",
                                                                          "is_guardian": "1", "id_type": "1"})
    assert done.status_code == 302
    member = members(world)[-1]
    assert member.name == "张三"
    assert client.post(reverse("changes:family_edit", kwargs={"pk": member.pk}),
                       {"name": "张三丰", "relation": "51", "id_type": "1"}).status_code == 302
    assert client.post(reverse("changes:family_remove", kwargs={"pk": member.pk})).status_code == 302
    assert [m.name for m in members(world)] == ["家长1"]
