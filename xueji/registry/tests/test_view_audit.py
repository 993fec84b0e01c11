"""Every view of a pupil's record is audited (item 12): the record page and the API detail write a
`student.view` event, coalesced per user, pupil and clock hour so that a reload does not flood the log."""

import datetime as dt

from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock


def _views(student):
    return AuditEvent.objects.filter(action="student.view", object_type="registry.student", object_id=str(student.pk))


def test_viewing_a_record_is_audited_once_per_user_pupil_and_hour(world, login):
    student = world.students["tunxi_primary"]
    leader = world.user("tunxi", "leader")
    client = login(leader)
    page = reverse("registry:student_detail", args=[student.pk])
    api = reverse("api:student-detail", kwargs={"pk": student.pk})

    with clock.frozen(dt.datetime(2026, 3, 2, 9, 5, tzinfo=dt.UTC)):
        assert client.get(page).status_code == 200
        client.get(page)
        client.get(api)  # the same hour, another channel: still the one event
    (event,) = _views(student)
    assert (event.actor_id, event.after) == (leader.pk, {"channel": "page", "id_numbers": "masked",
                                                         "coalesced": "hour"})

    with clock.frozen(dt.datetime(2026, 3, 2, 10, 1, tzinfo=dt.UTC)):
        client.get(api)
    assert [e.after["channel"] for e in _views(student).order_by("created_at")] == ["page", "api"]


def test_each_user_and_each_pupil_has_its_own_event(world, login):
    student, other = world.students["tunxi_primary"], world.students["tunxi_middle"]
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 5, tzinfo=dt.UTC)):
        registrar = login(world.user("tunxi", "registrar"))
        registrar.get(reverse("api:student-detail", kwargs={"pk": student.pk}))
        registrar.get(reverse("api:student-detail", kwargs={"pk": other.pk}))
        login(world.user("tunxi", "leader")).get(reverse("api:student-detail", kwargs={"pk": student.pk}))

    assert sorted(_views(student).values_list("actor_username", "after__id_numbers")) == [
        ("tunxi_leader", "masked"), ("tunxi_registrar", "masked")]  # full only through the unmask (control 29)
    assert _views(other).count() == 1


def test_a_refused_view_writes_no_view_event(world, login):
    foreign = world.students["xuanwu_primary"]
    client = login(world.user("tunxi", "registrar"))

    assert client.get(reverse("api:student-detail", kwargs={"pk": foreign.pk})).status_code == 404
    assert client.get(reverse("registry:student_detail", args=[foreign.pk])).status_code == 404
    assert not _views(foreign).exists()
    assert not AuditEvent.objects.filter(action="student.view").exists()
