"""The jurisdiction matrix's reports objects (xueji/ui/tests/test_matrix.py): a statistics return of a county and
of a province, the funding rules and an allocation of each province."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.core import clock
from xueji.reports import services
from xueji.reports.models import Allocation, StatisticsReturn


def _file(code: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("matrix.csv", f"学校代码,年级,性别,人数\n{code},12,男,1\n".encode(), "text/csv")


def matrix_reports(world) -> None:
    today = clock.today()
    for unit, school in (("tunxi", "3410021001"), ("anhui", "3410211001"), ("jiangsu", "3201021001")):
        services.statistics_import(actor=world.user(unit, "registrar"), upload=_file(school), stat_date=today)
    for unit in ("anhui", "jiangsu"):
        actor = world.user(unit, "registrar")
        services.funding_rule_create(actor=actor, stage="1", programme="public_funds", amount=Decimal("720"),
                                     valid_from=today - dt.timedelta(days=30))
        services.allocation_create(actor=actor, at_date=today)


def matrix_objects(kind: str):
    if kind == "statistics_return":
        return [(r.org_unit, r) for r in StatisticsReturn.objects.select_related("org_unit").order_by("pk")]
    if kind == "allocation":
        # 江苏's first: a case's acting 安徽 province files its own allocation, which the levels below it then read
        # (filed allocations are visible below, read-only); a foreign one for them is 江苏's draft.
        return [(a.org_unit, a) for a in Allocation.objects.select_related("org_unit").order_by("-pk")]
    raise AssertionError(kind)
