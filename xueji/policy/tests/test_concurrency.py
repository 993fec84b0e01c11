"""Two real connections place pupils into the last seat of a class at the same moment: exactly one succeeds, the
other is refused with the cap (the door locks the class's row before it counts). PostgreSQL only: SQLite takes
no row locks (its writers are serialised anyway)."""

import threading
import time

import pytest
from django.db import connection, connections

from xueji.core import clock
from xueji.core.errors import Conflict
from xueji.policy.services import cap_set
from xueji.registration.tests.test_flow import pupil_row
from xueji.registry.guards import seated_counts
from xueji.registry.models import Student
from xueji.registry.services import student_enter, student_place
from xueji.registry.validation import validate_row
from xueji.schools.models import SchoolClass

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")]


def parallel(*calls):
    """Run the calls at the same moment, each thread on its own connection; (ok, value or exception) each."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def runner(index, call):
        try:
            barrier.wait()
            results[index] = (True, call())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = (False, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture(autouse=True)
def slow_count(monkeypatch):
    """Each placement waits a little after counting the seats taken, so the two really overlap: without the
    class's row lock both would count one seat taken and both would place."""
    from xueji.policy import guards

    real = guards.seated_counts

    def counted_then_wait(class_ids):
        counts = real(class_ids)
        time.sleep(0.3)
        return counts

    monkeypatch.setattr(guards, "seated_counts", counted_then_wait)


def _one_seat_left(world) -> SchoolClass:
    klass = world.classes["tunxi_primary"]
    cap_set(actor=world.user("tunxi", "sysadmin"), stage="1", cap=2)  # the world's pupil holds one seat
    assert seated_counts([klass.pk]) == {klass.pk: 1}
    return klass


def _outcome(results):
    assert sorted(ok for ok, _ in results) == [False, True], results
    failure = next(value for ok, value in results if not ok)
    assert isinstance(failure, Conflict) and failure.code == "class_full", failure


def test_two_placements_into_the_last_seat_one_wins(transactional_db, world):
    klass = _one_seat_left(world)
    movers = [world.students["shexian_primary"], world.students["yaohai_primary"]]
    actor = world.user("anhui", "registrar")
    results = parallel(*[lambda s=s: student_place(actor=actor, student=s.pk, school_class=klass) for s in movers])
    _outcome(results)
    assert seated_counts([klass.pk]) == {klass.pk: 2}
    assert Student.objects.filter(pk__in=[s.pk for s in movers], school_class=klass).count() == 1


def test_two_entries_into_the_last_seat_one_wins(transactional_db, world):
    klass = _one_seat_left(world)
    registrar = world.user("tunxi_primary", "registrar")
    cleans = []
    for n in (1, 2):
        clean, errors = validate_row(pupil_row(n), today=clock.today(), require_class=False)
        assert not errors
        cleans.append(clean)
    results = parallel(*[lambda c=c: student_enter(actor=registrar, school=klass.school, school_class=klass, clean=c)
                         for c in cleans])
    _outcome(results)
    assert seated_counts([klass.pk]) == {klass.pk: 2}
