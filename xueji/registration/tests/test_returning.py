"""来华归国: the whole-system search answers only what a takeover needs, masked and audited; a record still in
school elsewhere is a transfer, not a takeover."""

from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import idnumbers
from xueji.registry.models import Student
from xueji.workflow.models import Request


def _search(client, **terms):
    return client.post(reverse("api:returning-search"), terms, content_type="application/json")


def test_the_search_answers_found_the_holding_county_and_whether_in_school_masked(world, login):
    enrolled = world.students["shexian_primary"]  # another county's pupil, in school
    registrar = world.user("tunxi_primary", "registrar")
    client = login(registrar)
    response = _search(client, name=enrolled.name, sex=enrolled.sex, birth_date=enrolled.birth_date.isoformat())
    assert response.status_code == 200
    assert response.json() == {"found": True, "matches": [{
        "id": enrolled.pk, "county": "shexian authority", "in_school": True,
        "id_number": idnumbers.mask(enrolled.id_number)}]}
    text = response.content.decode()
    assert enrolled.id_number not in text and "shexian_primary" not in text and "G" + enrolled.id_number not in text
    event = AuditEvent.objects.filter(action="registration.returning_search").get()
    assert event.actor_id == registrar.pk and event.after["records"] == [enrolled.pk]
    assert event.after["in_school"] == 1 and event.after["by"] == "name_sex_birth"
    assert _search(client, name="无此人", sex="1", birth_date="2015-01-01").json() == {"found": False, "matches": []}


def test_a_record_still_in_school_elsewhere_is_not_handed_over(world, login):
    enrolled = world.students["shexian_primary"]
    client = login(world.user("tunxi_primary", "registrar"))
    response = client.post(reverse("api:returning-takeover"), {
        "student": enrolled.pk, "school_class": world.classes["tunxi_primary"].pk, "id_number": enrolled.id_number},
        content_type="application/json")
    assert response.status_code == 409
    assert response.json() == {"code": "still_enrolled", "message": "该学生仍在学校在籍，不能接收原学籍，请办理转学。"}
    assert not Request.objects.filter(type="registration.returning").exists()
    assert Student.objects.get(pk=enrolled.pk).school_id == enrolled.school_id
    html = client.post(reverse("registration:returning_search"), {"id_number": enrolled.id_number}).content.decode()
    assert 'data-testid="in-school"' in html and "returning/takeover" not in html
