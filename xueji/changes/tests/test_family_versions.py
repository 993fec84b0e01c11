"""SECURITY.md row 38 on the family members and guardians (`core.versions`): each member in the API's answers carries
its `version`; a PATCH with a stale If-Match answers 412 and writes nothing; the edit page opened before another save
shows the error and writes nothing."""

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.changes import services
from xueji.registry.models import FamilyMember
from xueji.testing.versions import STALE_WORDS, hidden_version, row_of

pytestmark = pytest.mark.django_db


def _member(world) -> FamilyMember:
    return FamilyMember.objects.filter(student=world.students["tunxi_primary"]).order_by("pk").first()


def test_a_stale_if_match_on_a_family_member_answers_412_and_writes_nothing(scene, login):
    world = scene
    registrar = world.user("tunxi_primary", "registrar")
    client = login(registrar)
    member = _member(world)
    listed = client.get(reverse("api:family-list", kwargs={"pk": member.student_id})).json()
    version = next(m["version"] for m in listed if m["id"] == member.pk)
    services.family_update(actor=registrar, member=member, values={"employer": "黄山市医院"})  # another registrar
    before, audits = row_of(member), AuditEvent.objects.filter(action="family.update").count()
    url = reverse("api:family-member", kwargs={"pk": member.pk})

    stale = client.patch(url, {"employer": "屯溪区政府"}, content_type="application/json",
                         headers={"If-Match": f'"{version}"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert row_of(member) == before and AuditEvent.objects.filter(action="family.update").count() == audits

    listed = client.get(reverse("api:family-list", kwargs={"pk": member.student_id})).json()
    current = next(m["version"] for m in listed if m["id"] == member.pk)
    saved = client.patch(url, {"employer": "屯溪区政府"}, content_type="application/json",
                         headers={"If-Match": f'"{current}"'})
    assert saved.status_code == 200 and row_of(member)["employer"] == "屯溪区政府"
    assert saved["ETag"] == f'"{saved.json()["version"]}"' != f'"{current}"'


def test_a_family_member_form_opened_before_another_save_shows_the_error_and_writes_nothing(scene, login):
    world = scene
    registrar = world.user("tunxi_primary", "registrar")
    client = login(registrar)
    member = _member(world)
    url = reverse("changes:family_edit", kwargs={"pk": member.pk})
    version = hidden_version(client.get(url).content.decode())
    services.family_update(actor=registrar, member=member, values={"employer": "黄山市医院"})
    before = row_of(member)
    data = {"name": "张三丰", "relation": member.relation, "id_type": member.id_type or "1", "version": version}

    refused = client.post(url, data)
    assert refused.status_code == 400 and STALE_WORDS in refused.content.decode()
    assert row_of(member) == before

    data["version"] = hidden_version(client.get(url).content.decode())
    assert client.post(url, data).status_code == 302 and row_of(member)["name"] == "张三丰"
