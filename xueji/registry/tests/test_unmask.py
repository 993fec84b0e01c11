"""Control 29 (T-PI-02): unmasking a pupil's personal items needs the ID right AND a reason, and writes one audit row
with the reason; without either, nothing is shown and nothing is written."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent


def _unmasks():
    return list(AuditEvent.objects.filter(action="student.unmask").order_by("id"))


def test_a_registrar_unmasks_through_the_api_with_a_reason_and_the_reason_is_audited(world, login):
    student = world.students["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))

    response = client.post(f"/api/v1/students/{student.pk}/unmask/", {"reason": "核对转学材料"},
                           content_type="application/json")

    assert response.status_code == 200, response.content
    assert response.json()["id_number"] == student.id_number
    [event] = _unmasks()
    assert (event.object_type, event.object_id, event.after["reason"]) == ("registry.student", str(student.pk),
                                                                           "核对转学材料")
    assert student.id_number not in str(event.after)  # the reason and the items' names, never the values


@pytest.mark.parametrize("reason", [None, "", "   ", "ab"])
def test_without_a_reason_nothing_is_shown_and_nothing_audited(world, login, reason):
    student = world.students["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))
    body = {} if reason is None else {"reason": reason}

    api = client.post(f"/api/v1/students/{student.pk}/unmask/", body, content_type="application/json")
    page = client.post(reverse("registry:student_unmask", args=[student.pk]), body)

    assert api.status_code == 400 and api.json()["code"] == "unmask_reason"
    assert student.id_number not in api.content.decode()
    assert page.status_code == 302 and student.id_number not in page.content.decode()
    assert _unmasks() == []


def test_without_the_id_right_a_reason_does_not_unmask(world, login):
    student = world.students["tunxi_primary"]
    client = login(world.user("tunxi", "leader"))

    api = client.post(f"/api/v1/students/{student.pk}/unmask/", {"reason": "核对转学材料"},
                      content_type="application/json")
    page = client.post(reverse("registry:student_unmask", args=[student.pk]), {"reason": "核对转学材料"})

    assert (api.status_code, page.status_code) == (403, 403)
    assert student.id_number not in api.content.decode() + page.content.decode()
    assert _unmasks() == []


def test_the_page_shows_the_items_in_full_once_per_reason(world, login):
    student = world.students["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))

    assert b'data-testid="unmask-form"' in client.get(reverse("registry:student_detail", args=[student.pk])).content
    response = client.post(reverse("registry:student_unmask", args=[student.pk]), {"reason": "家长来电\r\n核对"})

    assert response.status_code == 200
    assert student.id_number in response.content.decode()
    [event] = _unmasks()
    assert event.after["reason"] == "家长来电 核对"  # one line: CR/LF neutralised


# Control 29 for every role: the pupil's own school registrar holds the ID right and still reads no full ID number
# on any page or API answer without the unmask action and its reason.

def _ids(world):
    from xueji.registry.models import FamilyMember

    student = world.students["tunxi_primary"]
    return student, [student.id_number, *FamilyMember.objects.filter(student=student).values_list("id_number",
                                                                                                  flat=True)]


@pytest.mark.parametrize("who", [("tunxi_primary", "registrar"), ("tunxi", "registrar")])
def test_without_a_reason_no_page_or_api_shows_a_full_id_number(world, login, who):
    student, numbers = _ids(world)
    client = login(world.user(*who))

    answers = [client.get(reverse("registry:student_detail", args=[student.pk])),
               client.get(reverse("registry:student_list")),
               client.get(f"/api/v1/students/{student.pk}/"), client.get("/api/v1/students/?page_size=100"),
               client.get(f"/api/v1/students/{student.pk}/family/"),
               client.get(reverse("changes:family_list", kwargs={"pk": student.pk})),
               client.get(reverse("registry:student_card", args=[student.pk]))]

    assert [a.status_code for a in answers] == [200] * len(answers)
    for answer in answers[:-1]:
        assert all(number not in answer.content.decode() for number in numbers), answer.request["PATH_INFO"]
    masked = numbers[0][:4] + "**********" + numbers[0][-4:]
    assert masked in answers[0].content.decode() and answers[2].json()["id_number"] == masked
    assert 'data-testid="unmask-form"' in answers[0].content.decode()  # the way to the full numbers, with a reason
    view = AuditEvent.objects.filter(action="student.view", actor_username=world.user(*who).username).first()
    assert view.after["id_numbers"] == "masked"
    assert _unmasks() == []


def test_with_a_reason_the_page_and_the_api_show_the_pupils_and_the_guardians_ids_and_audit_the_reason(world, login):
    student, numbers = _ids(world)
    client = login(world.user("tunxi_primary", "registrar"))

    page = client.post(reverse("registry:student_unmask", args=[student.pk]), {"reason": "核对户口簿"})
    api = client.post(f"/api/v1/students/{student.pk}/unmask/", {"reason": "补办学籍卡"},
                      content_type="application/json")

    assert page.status_code == 200 and all(number in page.content.decode() for number in numbers)
    assert api.status_code == 200
    assert [api.json()["id_number"], *[m["id_number"] for m in api.json()["family"]]] == numbers
    assert [(e.actor_username, e.after["reason"]) for e in _unmasks()] == [
        ("tunxi_primary_registrar", "核对户口簿"), ("tunxi_primary_registrar", "补办学籍卡")]
    assert all(number not in str(e.after) for e in _unmasks() for number in numbers)


def test_the_edit_forms_show_the_id_masked_and_keep_it_unless_a_new_one_is_typed(world, login):
    """The forms that edit an ID number open it masked (placeholder), empty: left empty it stays as recorded; the
    editor types the full number from the document to change it. No form sends a stored number out."""
    from xueji.core import idnumbers
    from xueji.registry.models import FamilyMember, Student

    student, numbers = _ids(world)
    member = FamilyMember.objects.get(student=student)
    client = login(world.user("tunxi_primary", "registrar"))
    edit = client.get(reverse("changes:record_edit", kwargs={"pk": student.pk}))
    member_edit = client.get(reverse("changes:family_edit", kwargs={"pk": member.pk}))
    for page in (edit, member_edit):
        assert page.status_code == 200 and all(number not in page.content.decode() for number in numbers)
    assert idnumbers.mask(numbers[0]) in edit.content.decode()

    values = {name: edit.context["form"].initial.get(name, "") for name in edit.context["form"].fields
              if name not in ("proofs", "reason")}
    assert values["id_number"] == ""
    kept = client.post(reverse("changes:record_edit", kwargs={"pk": student.pk}), {**values, "phone": "13911112222"})
    assert kept.status_code == 302
    assert Student.objects.get(pk=student.pk).id_number == numbers[0]  # left empty: kept

    member_values = {name: member_edit.context["form"].initial.get(name, "")
                     for name in member_edit.context["form"].fields}
    assert member_values["id_number"] == ""
    new = idnumbers.make("341002", dt.date(1986, 2, 3), 17)
    assert client.post(reverse("changes:family_edit", kwargs={"pk": member.pk}),
                       {**member_values, "employer": "屯溪一中"}).status_code == 302
    assert FamilyMember.objects.get(pk=member.pk).id_number == numbers[1]
    member_edit = client.get(reverse("changes:family_edit", kwargs={"pk": member.pk}))  # the member's new version
    member_values = {name: member_edit.context["form"].initial.get(name, "")
                     for name in member_edit.context["form"].fields}
    assert client.post(reverse("changes:family_edit", kwargs={"pk": member.pk}),
                       {**member_values, "id_number": new}).status_code == 302
    assert FamilyMember.objects.get(pk=member.pk).id_number == new  # typed in full: replaced
