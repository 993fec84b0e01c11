"""The finder: the receiving school's one way to a pupil of another school. Exact only, within the province,
masked, audited found or not, limited per hour."""

import pytest

from xueji.audit.models import AuditEvent
from xueji.core.errors import Conflict, ValidationFailed
from xueji.registry.models import NationalNumber, Student
from xueji.transfers import finder, services
from xueji.transfers.tests.helpers import pupil


def test_three_exact_ways_find_the_pupil_masked(scene):
    world = scene
    registrar = world.user("shexian_primary", "registrar")
    student = pupil(world)
    Student.objects.filter(pk=student.pk).update(national_number="G" + student.id_number)
    ways = [{"national_number": "g" + student.id_number.lower()}, {"id_number": f" {student.id_number} "},
            {"name": student.name, "sex": student.sex, "birth_date": student.birth_date}]
    for terms in ways:
        found = finder.pupil_find(actor=registrar, **terms)
        assert found is not None and found.name == student.name
        assert found.id_number != student.id_number and "*" in found.id_number  # masked whatever the role
        assert found.national_number.startswith("G") and "*" in found.national_number
        assert found.school == "tunxi_primary" and found.distance == "across_counties" and found.refusal is None
    assert AuditEvent.objects.filter(action="transfers.find", actor_username=registrar.username).count() == 3


def test_an_old_number_finds_the_pupil_too(scene):
    world = scene
    student = pupil(world)
    NationalNumber.objects.create(number="L34100220170301" + "0007", kind="L", student=student,
                                  issued_at=student.created_at)
    found = finder.pupil_find(actor=world.user("tunxi_second", "registrar"),
                                national_number="L341002201703010007")
    assert found is not None and found.name == student.name


@pytest.mark.parametrize("terms", [
    {"name": "学"}, {"name": "学生1", "sex": "1"},  # partial: refused before any lookup
])
def test_partial_terms_are_refused(scene, terms):
    with pytest.raises(ValidationFailed) as refused:
        finder.pupil_find(actor=scene.user("tunxi_second", "registrar"), **terms)
    assert refused.value.code == "find_terms"


def test_nothing_but_an_exact_match_is_found(scene):
    world = scene
    registrar = world.user("tunxi_second", "registrar")
    student = pupil(world)
    assert finder.pupil_find(actor=registrar, name=student.name[:-1], sex=student.sex,
                               birth_date=student.birth_date) is None
    assert finder.pupil_find(actor=registrar, name=student.name, sex="2", birth_date=student.birth_date) is None
    with pytest.raises(ValidationFailed) as refused:
        finder.pupil_find(actor=registrar, id_number=student.id_number[:-1])
    assert refused.value.code == "invalid_id_number"
    missed = AuditEvent.objects.filter(action="transfers.find", actor_username=registrar.username)
    assert [e.after["found"] for e in missed] == [0, 0]  # misses are recorded too


def test_two_records_sharing_name_sex_and_birth_date_are_not_told_apart_by_name(scene):
    world = scene
    student = pupil(world)
    Student.objects.create(school=world.schools["yaohai_primary"], school_class=world.classes["yaohai_primary"],
                           province_code="340000", name=student.name, sex=student.sex, birth_date=student.birth_date)
    with pytest.raises(Conflict) as refused:
        finder.pupil_find(actor=world.user("tunxi_second", "registrar"), name=student.name, sex=student.sex,
                            birth_date=student.birth_date)
    assert refused.value.code == "find_ambiguous"


def test_lookups_are_limited_per_hour(scene, settings):
    world = scene
    settings.XUEJI_TRANSFER_FINDS_PER_HOUR = 2
    registrar = world.user("tunxi_second", "registrar")
    student = pupil(world)
    for _ in range(2):
        finder.pupil_find(actor=registrar, id_number=student.id_number)
    with pytest.raises(finder.TooManyLookups) as refused:
        finder.pupil_find(actor=registrar, id_number=student.id_number)
    assert refused.value.code == "find_limit" and refused.value.status_code == 429
    # Another registrar is not held back by this one's lookups.
    assert finder.pupil_find(actor=world.user("shexian_primary", "registrar"), id_number=student.id_number)


def test_a_draft_is_not_found(scene):
    world = scene
    student = pupil(world)
    Student.objects.filter(pk=student.pk).update(reg_status="draft")
    assert finder.pupil_find(actor=world.user("tunxi_second", "registrar"), id_number=student.id_number) is None


def _labelled(world) -> Student:
    from xueji.registry.services import student_set_label

    student = pupil(world)
    student_set_label(actor=world.user("tunxi_primary", "registrar"), student=student, label="special",
                      reason="困境儿童")
    return pupil(world)


def test_a_labelled_pupil_is_found_by_a_school_of_its_county_only(scene):
    """Security labels (control 10): the finder reads outside the finder's jurisdiction, so it applies the label
    itself. A school of the pupil's own county (cleared: its county approves the transfer) finds the labelled pupil;
    a school of another county, or of another city, finds nothing, as for no pupil, the audit row saying so."""
    world = scene
    student = _labelled(world)
    Student.objects.filter(pk=student.pk).update(national_number="G" + student.id_number)
    ways = [{"national_number": "G" + student.id_number}, {"id_number": student.id_number},
            {"name": student.name, "sex": student.sex, "birth_date": student.birth_date}]

    for terms in ways:
        found = finder.pupil_find(actor=world.user("tunxi_second", "registrar"), **terms)
        assert found is not None and found.name == student.name
        for stranger in ("shexian_primary", "yaohai_primary"):
            assert finder.pupil_find(actor=world.user(stranger, "registrar"), **terms) is None
    withheld = AuditEvent.objects.filter(action="transfers.find", actor_username="shexian_primary_registrar")
    assert [(e.after["found"], e.after["withheld_labelled"]) for e in withheld] == [(0, 1)] * 3
    assert student.name not in str([e.after for e in withheld]) and all(e.object_id == "" for e in withheld)


def test_a_pupil_labelled_after_the_lookup_is_not_filed_on_by_a_stranger(scene):
    from xueji.core.errors import NotFound
    from xueji.transfers.tests.conftest import certificate
    from xueji.workflow.models import Request

    world = scene
    registrar = world.user("shexian_primary", "registrar")
    token = finder.pupil_find(actor=registrar, id_number=pupil(world).id_number).token
    _labelled(world)

    with pytest.raises(NotFound):
        finder.pupil_found(actor=registrar, token=token)
    with pytest.raises(NotFound):
        services.transfer_file(actor=registrar, token=token, proofs={"certificate": [certificate()]})
    assert not Request.objects.filter(type="transfers.transfer").exists()


def test_another_province_is_not_told_of_a_labelled_pupil(scene):
    from types import SimpleNamespace

    from xueji.transfers.lookup import pupil_answer

    world = scene
    student = pupil(world)
    Student.objects.filter(pk=student.pk).update(national_number="G" + student.id_number)
    query = SimpleNamespace(receiver="340000", payload={"national_number": "G" + student.id_number})
    assert pupil_answer(query)["found"] is True
    _labelled(world)
    assert pupil_answer(query) == {"version": pupil_answer(query)["version"], "found": False}
