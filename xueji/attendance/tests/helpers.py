"""Helpers of the attendance tests and the attendance app's part of the jurisdiction matrix
(xueji/ui/tests/test_matrix.py): a case for each county's pupil, a left-behind pupil per school, a monthly report of
each acting authority, and a misuse report about each school (routed to its county)."""

import datetime as dt

from xueji.attendance.choices import CaseReason
from xueji.attendance.models import DropoutCase, MisuseReport, MonthlyReport
from xueji.core import clock
from xueji.registry.models import Student

MONTH = dt.date(2026, 2, 1)


def make_case(student: Student, **extra) -> DropoutCase:
    return DropoutCase.objects.create(student=student, school=student.school, county=student.school.county,
                                      province_code=student.province_code, reason=CaseReason.CONSECUTIVE, days=3,
                                      opened_on=extra.pop("opened_on", clock.today()), **extra)


def matrix_attendance(world) -> None:
    for student in world.students.values():
        make_case(student)
        Student.objects.filter(pk=student.pk).update(is_left_behind=True, is_migrant=True)
    generated_by = world.user("tunxi", "registrar")
    for unit in ("anhui", "huangshan", "tunxi", "shexian", "jiangsu", "nanjing", "xuanwu"):
        MonthlyReport.objects.create(org_unit=world.units[unit], month=MONTH, figures={}, manual={},
                                     generated_at=clock.now(), generated_by=generated_by)
    # Reports about a unit of each level, so each acting authority is the handler of one (its leader and registrar
    # see it; routing, not the jurisdiction, decides who sees a report); filed by a school that does not act.
    reporter = world.user("shexian_primary", "registrar")
    for name in ("tunxi_primary", "tunxi", "huangshan", "anhui", "xuanwu_primary"):
        unit = world.units[name]
        MisuseReport.objects.create(reporter=reporter, about_unit=unit, handler_unit=unit.parent, text="矩阵举报",
                                    created_at=clock.now())


def matrix_objects(world, kind: str):
    if kind == "dropout_case":
        return [(c.school.org_unit, c) for c in DropoutCase.objects.select_related("school__org_unit").order_by("pk")]
    if kind == "monthly_report":
        return [(r.org_unit, r) for r in MonthlyReport.objects.select_related("org_unit").order_by("org_unit__path")]
    if kind == "misuse_report":  # owned by the unit it is routed to; each acting level meets its own first
        return [(r.handler_unit, r) for r in MisuseReport.objects.filter(text="矩阵举报")
                .select_related("handler_unit").order_by("handler_unit__path")]
    raise AssertionError(kind)
