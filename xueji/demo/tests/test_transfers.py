"""The demo's transfers: the accounts of every distance (a school of 歙县, a second city 宣城市 > 绩溪县) and the
transfers in flight, filed through the services."""

from xueji.accounts.models import User
from xueji.demo import generator as demo
from xueji.demo.changes import demo_changes_data
from xueji.demo.transfers import demo_transfers_data
from xueji.transfers.models import Transfer
from xueji.workflow.models import Request

TINY = demo.DemoOptions(counties=2, schools=8, pupils=600, seed=7, batch_size=300)


def test_the_demo_runs_every_distance_within_the_province(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.generate(TINY)
    demo_changes_data()
    done = demo_transfers_data()
    distances = dict(Transfer.objects.filter(pk__in=done.values()).values_list("pk", "distance"))
    assert distances[done["across_counties"]] == "across_counties"
    assert distances[done["across_cities"]] == "across_cities"
    assert distances[done["same_county"]] == distances[done["same_county_completed"]] == "same_county"
    assert Transfer.objects.get(pk=done["same_county_completed"]).state == "completed"
    steps = {pk: Request.objects.get(pk=pk).steps.get(status="pending").org_unit.name
             for pk in (done["same_county"], done["across_counties"], done["across_cities"])}
    assert steps[done["across_cities"]] == "绩溪县实验小学"
    demo_transfers_data()  # a second run adds no accounts twice
    assert User.objects.filter(username="jixi_school_registrar").count() == 1


def test_the_demo_files_a_transfer_from_another_province(db, settings, tmp_path):
    """With the second province (浙江): zj_school receives a pupil of 安徽's demo school, waiting for
    zj_school_leader (浙江's engine holds 浙江's parties only)."""
    from xueji.transfers.tests.conftest import open_transfer_windows

    settings.MEDIA_ROOT = tmp_path
    demo.generate(demo.DemoOptions(counties=1, schools=3, pupils=120, seed=5, second_province=True))
    open_transfer_windows(("340000", "330000"))
    done = demo_transfers_data()
    transfer = Transfer.objects.get(pk=done["across_provinces"])
    assert (transfer.distance, transfer.side, transfer.migrant) == ("across_provinces", "receiving", True)
    assert transfer.student_id is None and transfer.pupil["name"]  # 浙江 holds no record of 安徽's pupil
    step = Request.objects.get(pk=transfer.pk).steps.get(status="pending")
    assert User.objects.get(username="zj_school_leader").org_unit_id == step.org_unit_id
