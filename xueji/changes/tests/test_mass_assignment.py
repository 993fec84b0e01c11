"""Mass assignment and moves out of scope (SECURITY.md §1 row 8, T-AC-07/08): fields that are no item of the record
(status, reg_status, school, school_class, org_unit, created_by, is_superuser) posted to the record edit, on the
page and through the API, are ignored (API, page) or refused (the service) and change nothing; moving a pupil to a
school of another county is not an edit at all (cross-county moves go through the transfer workflow only)."""

import pytest
from django.urls import reverse

from xueji.accounts.models import User
from xueji.changes import services
from xueji.changes.tests.helpers import pupil, snapshot
from xueji.core.errors import XuejiError
from xueji.registry.models import Student

pytestmark = pytest.mark.django_db


def _hidden(world) -> dict:
    other = world.schools["shexian_primary"]  # a school of another county
    return {"status": "approved", "reg_status": "approved", "verify_status": "verified", "is_superuser": True,
            "is_staff": True, "org_id": other.org_unit_id, "org_unit": other.org_unit_id, "school": other.pk,
            "school_id": other.pk, "school_class": world.classes["shexian_primary"].pk,
            "created_by": world.user("shexian", "sysadmin").pk, "province_code": "320000",
            "national_number": "G000000000000000001", "id": 1}


def _unchanged_but_phone(world, before: dict, phone: str) -> None:
    after = Student.objects.filter(pk=before["id"]).values().first()
    assert pupil(world).phone == phone  # the one item that is an item of the record changed
    for key in ("school_id", "school_class_id", "status", "reg_status", "verify_status", "province_code",
                "national_number"):
        assert after[key] == before[key], key
    registrar = User.objects.get(pk=world.user("tunxi_primary", "registrar").pk)
    assert not registrar.is_superuser and not registrar.is_staff
    assert registrar.org_unit_id == world.units["tunxi_primary"].pk


def test_hidden_fields_in_an_api_patch_are_ignored(scene, login):
    world = scene
    student = world.students["tunxi_primary"]
    before = Student.objects.filter(pk=student.pk).values().first()
    client = login(world.user("tunxi_primary", "registrar"))

    answer = client.patch(reverse("api:student-record", kwargs={"pk": student.pk}),
                          {"phone": "13900000011", **_hidden(world)}, content_type="application/json")

    assert answer.status_code == 200, answer.content
    assert set(answer.json()["applied"]) == {"phone"}
    _unchanged_but_phone(world, before, "13900000011")


def test_hidden_fields_posted_to_the_edit_page_are_ignored(scene, login):
    world = scene
    student = world.students["tunxi_primary"]
    before = Student.objects.filter(pk=student.pk).values().first()
    client = login(world.user("tunxi_primary", "registrar"))
    url = reverse("changes:record_edit", kwargs={"pk": student.pk})
    form = client.get(url).context["form"]
    values = {name: form.initial.get(name, "") for name in form.fields if name not in ("proofs", "reason")}

    done = client.post(url, {**values, "phone": "13900000012", **_hidden(world)})

    assert done.status_code == 302
    _unchanged_but_phone(world, before, "13900000012")


@pytest.mark.parametrize("key", ["school", "school_id", "school_class", "status", "reg_status", "created_by"])
def test_the_service_refuses_what_is_no_item_of_the_record(scene, key):
    world = scene
    pk = world.students["tunxi_primary"].pk
    before = snapshot(pk)

    with pytest.raises(XuejiError):
        services.record_edit(actor=world.user("tunxi_primary", "registrar"), student=pk,
                             values={"phone": "13900000013", key: _hidden(world)[key]})

    assert snapshot(pk) == before


def test_moving_a_pupil_to_a_school_of_another_county_is_refused(scene, login):
    """Through the record edit (the only edit of a registered pupil) a county-A registrar, at the school or the
    county, cannot move the pupil to a county-B school: ignored by the API (nothing to change), refused by the
    service; the pupil stays at its school."""
    world = scene
    student = world.students["tunxi_primary"]
    other = world.schools["shexian_primary"]
    before = snapshot(student.pk)
    for unit in ("tunxi_primary", "tunxi"):
        client = login(world.user(unit, "registrar"))
        answer = client.patch(reverse("api:student-record", kwargs={"pk": student.pk}),
                              {"school": other.pk, "school_id": other.pk}, content_type="application/json")
        assert answer.status_code in (400, 403), answer.content
    with pytest.raises(XuejiError):
        services.record_edit(actor=world.user("tunxi_primary", "registrar"), student=student.pk,
                             values={"school": other})
    assert snapshot(student.pk) == before
    assert pupil(world).school_id == world.schools["tunxi_primary"].pk
