"""The demo's record and status changes in flight, filed through the services at the demo primary school."""

from xueji.changes.models import StatusChange
from xueji.demo import generator as demo
from xueji.demo.changes import demo_changes_data
from xueji.registry.models import Student
from xueji.workflow.models import Request

TINY = demo.DemoOptions(counties=2, schools=6, pupils=400, seed=7, batch_size=200)


def test_the_demo_has_changes_in_flight(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.generate(TINY)
    done = demo_changes_data()
    assert {"record_change", "suspension", "dropout", "abroad"} <= set(done)
    statuses = dict(Request.objects.filter(pk__in=done.values()).values_list("pk", "status"))
    assert statuses[done["record_change"]] == "pending" and statuses[done["suspension"]] == "pending"
    assert statuses[done["dropout"]] == statuses[done["abroad"]] == "approved"
    dropout = StatusChange.objects.get(request_id=done["dropout"])
    assert Student.objects.get(pk=dropout.student_id).status == "06"
    assert StatusChange.objects.get(request_id=done["abroad"]).keep_until is not None
    assert demo_changes_data(prefix="nobody") == {}
