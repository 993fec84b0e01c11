"""Control 29 (T-PI-02): unmasking a pupil's personal items needs the ID right AND a reason, and writes one audit row
with the reason; without either, nothing is shown and nothing is written."""

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
