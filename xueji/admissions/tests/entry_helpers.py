"""Filing and deciding in the tests of the cross-province entry after graduation (毕业后跨省就学): B = 安徽 340000
(tunxi_middle receives), A = 江苏 320000 (xuanwu_primary graduated the pupil: the `entry_scene` fixture)."""

import datetime as dt

from xueji.admissions import entry as entries
from xueji.admissions.models import Entry
from xueji.core import idnumbers
from xueji.core.idnumbers import check_char
from xueji.hub.services import hub_run
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide, request_reject

NUMBER = "G" + "3" * 17 + check_char("3" * 17)
UNKNOWN_ID = idnumbers.make("320102", dt.date(2013, 5, 6), 121)


def registrar(world):
    return world.user("tunxi_middle", "registrar")


def file_entry(world, **kwargs) -> Entry:
    values = {"province": "320000", "school_class": world.classes["entering"], "national_number": NUMBER}
    return entries.entry_file(actor=registrar(world), **{**values, **kwargs})


def holder(world, request: Request):
    step = request.steps.filter(round=request.round, status="pending").order_by("order").first()
    unit = next(name for name, u in world.units.items() if u.pk == step.org_unit_id)
    return world.user(unit, step.role)


def approve(world, pk: int) -> Request:
    request = Request.objects.get(pk=pk)
    while request.status == "pending":
        request = request_decide(actor=holder(world, request), request=request, approve=True)
    return request


def reject(world, pk: int, comment: str = "不符合") -> Request:
    request = Request.objects.get(pk=pk)
    return request_reject(actor=holder(world, request), request=request, comment=comment)


def sending_row(entry: Entry) -> Entry | None:
    return Entry.objects.filter(side="sending", peer_key=f"340000:{entry.pk}").first()


def both_approved(world) -> tuple[Entry, Entry]:
    entry = file_entry(world)
    approve(world, entry.pk)
    hub_run()
    release = sending_row(entry)
    approve(world, release.pk)
    hub_run()
    entry.refresh_from_db()
    release.refresh_from_db()
    return entry, release
