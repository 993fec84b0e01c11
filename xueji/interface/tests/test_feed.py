"""The change feed: every change of the client's pupils since a cursor, whatever wrote it (an ORM save, a bulk
UPDATE, raw SQL, a delete), in order, with the pupils that left the scope as deletions, and nothing of other
scopes."""

import pytest
from django.db import connection
from django.urls import reverse

from xueji.interface import services, triggers
from xueji.interface.models import StudentChange
from xueji.interface.tests.helpers import caller, register
from xueji.registry.models import Student

pytestmark = pytest.mark.django_db
CHANGES = reverse("api:interface-changes")


def drain(http, cursor: int = 0, limit: int = 100) -> tuple[list[tuple[str, int]], int, list[dict]]:
    """Every change after `cursor`, page by page: ([(op, id)], the last cursor, the entries)."""
    entries = []
    while True:
        page = http.get(CHANGES, {"cursor": cursor, "limit": limit}).json()
        entries += page["changes"]
        assert page["next_cursor"] >= cursor
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return [(e["op"], e["id"]) for e in entries], cursor, entries


def test_the_triggers_are_on_the_pupil_table():
    assert triggers.installed(connection) == {"interface_student_inserted", "interface_student_updated",
                                              "interface_student_deleted"}
    assert Student._meta.db_table == triggers.STUDENT_TABLE


def test_a_reinstall_after_a_lost_trigger_puts_it_back():
    with connection.cursor() as cursor:
        for sql in triggers.drop_statements(connection.vendor)[:1]:
            cursor.execute(sql)
    assert len(triggers.installed(connection)) == 2
    triggers.reinstall(sender=None)
    assert len(triggers.installed(connection)) == 3


def test_the_feed_starts_with_the_pupils_of_the_scope_created(world):
    client, secret = register(world, scope="tunxi")
    changes, _cursor, entries = drain(caller(client, secret), limit=2)  # pages of two: the others' are passed over
    assert changes == [("created", world.students["tunxi_primary"].pk), ("created", world.students["tunxi_middle"].pk)]
    assert entries[0]["pupil"]["name"] == world.students["tunxi_primary"].name
    assert [e["cursor"] for e in entries] == sorted(e["cursor"] for e in entries)


def test_orm_saves_bulk_updates_raw_sql_and_deletes_all_reach_the_feed(world):
    client, secret = register(world, scope="tunxi")
    http = caller(client, secret)
    _changes, cursor, _entries = drain(http)
    primary, middle = world.students["tunxi_primary"], world.students["tunxi_middle"]
    outsider = world.students["shexian_primary"]

    primary.name = "改名"
    primary.save()  # the ORM
    Student.objects.filter(school=world.schools["tunxi_middle"]).update(health="20")  # set-based UPDATE
    with connection.cursor() as sql:
        sql.execute("UPDATE registry_student SET class_number = '9' WHERE school_id = %s", [outsider.school_id])
    newcomer = Student.objects.create(school=primary.school, school_class=primary.school_class,
                                      province_code="340000", name="新生", sex="2", birth_date=primary.birth_date)
    newcomer_pk = newcomer.pk
    newcomer.delete()
    changes, cursor, entries = drain(http, cursor)
    assert changes == [("updated", primary.pk), ("updated", middle.pk), ("deleted", newcomer_pk),
                       ("deleted", newcomer_pk)]
    assert entries[0]["pupil"]["name"] == "改名" and entries[2]["pupil"] is None
    assert outsider.pk not in {pk for _op, pk in changes}  # another county's pupil never shows
    assert drain(http, cursor)[0] == []


def test_a_pupil_who_leaves_the_scope_is_a_deletion_and_one_who_enters_a_creation(world):
    client, secret = register(world, scope="tunxi")
    http = caller(client, secret)
    _changes, cursor, _entries = drain(http)
    leaver, comer = world.students["tunxi_middle"], world.students["shexian_primary"]
    Student.objects.filter(pk=leaver.pk).update(school=world.schools["shexian_primary"],
                                                school_class=world.classes["shexian_primary"])
    changes, cursor, _entries = drain(http, cursor)
    assert changes == [("deleted", leaver.pk)]
    Student.objects.filter(pk=comer.pk).update(school=world.schools["tunxi_primary"],
                                               school_class=world.classes["tunxi_primary"])
    assert drain(http, cursor)[0] == [("created", comer.pk)]


def test_a_pupil_outside_the_scope_never_appears_in_the_feed(world):
    client, secret = register(world, scope="shexian")
    http = caller(client, secret)
    for name in ("tunxi_primary", "yaohai_primary", "xuanwu_primary"):
        Student.objects.filter(pk=world.students[name].pk).update(health="30")
    changes, _cursor, _entries = drain(http, limit=1)
    assert {pk for _op, pk in changes} == {world.students["shexian_primary"].pk}


def test_a_page_reads_at_most_limit_changes_by_the_cursors_index(world, django_assert_max_num_queries):
    client, secret = register(world, scope="tunxi")
    http = caller(client, secret)
    Student.objects.update(health="20")  # a change of every pupil
    services.changes_stamp()
    assert StudentChange.objects.filter(seq__isnull=True).count() == 0
    with django_assert_max_num_queries(20):
        page = http.get(CHANGES, {"cursor": 0, "limit": 3}).json()
    assert page["has_more"] and page["next_cursor"] == StudentChange.objects.order_by("seq")[2].seq


def test_a_client_behind_the_retentions_purge_is_told_to_read_in_full_again_never_given_a_gap(world):
    """The retention (xueji/ops/retention.py) deletes the feed's old rows and leaves a marker at the highest
    cursor it deleted: a client behind it gets 410 cursor_expired; one at or past it goes on as before."""
    import datetime as dt

    from xueji.core import clock
    from xueji.ops import retention

    client, secret = register(world, scope="tunxi")
    http = caller(client, secret)
    _changes, behind, _entries = drain(http, limit=1)
    assert behind > 0
    primary = world.students["tunxi_primary"]
    Student.objects.filter(pk=primary.pk).update(name="改名")
    services.changes_stamp()
    _changes, head, _entries = drain(http, cursor=behind)
    StudentChange.objects.filter(seq__lte=head).update(changed_at=clock.now() - dt.timedelta(days=400))
    with clock.frozen(clock.now()):
        assert retention.purge(now=clock.now())["interface_changes"] >= 2
    late = http.get(CHANGES, {"cursor": behind - 1, "limit": 10})
    assert late.status_code == 410 and late.json()["code"] == "cursor_expired"
    Student.objects.filter(pk=primary.pk).update(name="又改名")
    services.changes_stamp()
    changes, _cursor, _entries = drain(http, cursor=head)  # up to date before the purge: nothing lost
    assert changes == [("updated", primary.pk)]


def test_a_labelled_pupil_leaves_the_feed_and_the_full_read_and_comes_back_when_the_label_is_lifted(world):
    """Security labels (control 10): no client holds the clearance (a client holds `interface.read` only), so a pupil
    under special protection is in no full read and no feed; labelling reaches the feed once, as a deletion (the
    client drops its copy), the labelled pupil's changes reach it not at all, and lifting the label is a creation.
    A user cleared for the pupil still reads it (the county's leader)."""
    from xueji.registry.services import student_set_label

    client, secret = register(world, scope="tunxi")
    http = caller(client, secret)
    _changes, cursor, _entries = drain(http)
    pupil, other = world.students["tunxi_primary"], world.students["tunxi_middle"]
    registrar = world.user("tunxi_primary", "registrar")

    student_set_label(actor=registrar, student=pupil, label="special", reason="困境儿童")
    Student.objects.filter(pk__in=[pupil.pk, other.pk]).update(health="20")  # a change of both
    changes, cursor, entries = drain(http, cursor)

    assert changes == [("deleted", pupil.pk), ("updated", other.pk)]
    assert entries[0]["pupil"] is None
    listed = http.get(reverse("api:interface-pupil-list"), {"limit": 100}).json()["results"]
    assert pupil.pk not in {row["id"] for row in listed} and other.pk in {row["id"] for row in listed}
    assert http.get(reverse("api:interface-pupil-detail", args=[pupil.pk])).status_code == 404

    from django.test import Client

    cleared = Client()
    cleared.force_login(world.user("tunxi", "leader"))
    assert cleared.get(f"/api/v1/students/{pupil.pk}/").status_code == 200

    student_set_label(actor=registrar, student=Student.objects.get(pk=pupil.pk), label="none", reason="标记解除")
    changes, _cursor, entries = drain(http, cursor)
    assert changes == [("created", pupil.pk)] and entries[0]["pupil"]["name"] == pupil.name
