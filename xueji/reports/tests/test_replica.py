"""The read replica (issue 11 item 16): the dashboards' summary reads go to the replica's alias when one is
configured, and to the primary when not; the answers are the same. The replica alias is a mirror of the test
database (config/settings/test.py), so the test runs with real commits (the mirror is another connection)."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from xueji.core.db.replica import read_alias
from xueji.reports import selectors

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


def test_the_dashboards_summary_reads_go_to_the_replica_when_one_is_configured(world, settings):
    leader = world.user("anhui", "leader")
    settings.XUEJI_READ_REPLICA = ""
    assert read_alias() == "default"
    with CaptureQueriesContext(connections["replica"]) as unused:
        on_primary = [c.as_dict() for c in selectors.dashboard(user=leader)]
    assert len(unused) == 0

    settings.XUEJI_READ_REPLICA = "replica"
    assert read_alias() == "replica"
    with CaptureQueriesContext(connections["replica"]) as replica, \
            CaptureQueriesContext(connections["default"]) as primary:
        on_replica = [c.as_dict() for c in selectors.dashboard(user=leader)]

    assert on_replica == on_primary
    read_there = _tables(replica.captured_queries)
    for table in ("reports_pupilfigure", "reports_classband", "registry_schoolstudentcount"):
        assert table in read_there
        assert table not in _tables(primary.captured_queries)
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in replica.captured_queries)


def test_an_alias_that_is_not_configured_reads_the_primary(settings):
    settings.XUEJI_READ_REPLICA = "nowhere"
    assert read_alias() == "default"
