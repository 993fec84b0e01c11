"""服务支持的统计 (item 6): over the user's area (their unit and every unit below it), open tickets by support level
and age, escalations, response and solve times, unread announcements and certification coverage per unit
(training's selector). Each report is a table (columns, rows) and a chart's data (categories, series), shown by the
page with ECharts and exported to Excel (xlsxwriter, every cell through safe_cell, the export audited).

Each report is a grouped query or two, whatever the number of tickets; the response and solve times read the levels
of the last 90 days (at most REPORT_ROWS of them) and average them here, the same on SQLite and PostgreSQL."""

import datetime as dt
import io

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.spreadsheets import safe_cell
from xueji.regions.models import OrgUnit
from xueji.support.choices import ACTIVE, Outcome
from xueji.support.models import Announcement, AnnouncementStatus, Ticket, TicketLevel
from xueji.support.selectors import audience_totals

REPORT_ROWS = 5000
TIMES_DAYS = 90
UNREAD_ANNOUNCEMENTS = 10
AGES = ((0, 1), (1, 3), (3, 7), (7, None))  # days at the level


def _names(ids) -> dict[int, str]:
    return dict(OrgUnit.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def _area(user) -> str:
    require_cap(user, Cap.SUPPORT_REPORT)
    return user.org_unit.path


def open_tickets(*, user) -> dict:
    path, now = _area(user), clock.now()
    buckets = {f"b{n}": Count("pk", filter=Q(arrived_at__lte=now - dt.timedelta(days=low))
                              & (Q(arrived_at__gt=now - dt.timedelta(days=high)) if high else Q()))
               for n, (low, high) in enumerate(AGES)}
    rows = list(Ticket.objects.filter(level_org__path__startswith=path, status__in=ACTIVE).values("level_org_id")
                .annotate(total=Count("pk"), **buckets).order_by("level_org_id"))
    names = _names(r["level_org_id"] for r in rows)
    labels = [str(_("under 1 day")), str(_("1 to 3 days")), str(_("3 to 7 days")), str(_("over 7 days"))]
    table = [[names.get(r["level_org_id"], ""), r["total"], *[r[f"b{n}"] for n in range(len(AGES))]] for r in rows]
    return {"key": "tickets", "title": str(_("Open tickets by support level and age")),
            "columns": [str(_("Support level")), str(_("Open")), *labels], "rows": table,
            "chart": {"type": "bar", "stack": True, "categories": [row[0] for row in table],
                      "series": [{"name": label, "data": [row[2 + n] for row in table]}
                                 for n, label in enumerate(labels)]}}


def escalations(*, user) -> dict:
    path = _area(user)
    rows = list(TicketLevel.objects.filter(org_unit__path__startswith=path).values("org_unit_id").annotate(
        escalated=Count("pk", filter=Q(outcome=Outcome.ESCALATED)),
        passed_up=Count("pk", filter=Q(outcome=Outcome.PASSED_UP)),
        solved=Count("pk", filter=Q(outcome=Outcome.SOLVED))).order_by("org_unit_id"))
    names = _names(r["org_unit_id"] for r in rows)
    table = [[names.get(r["org_unit_id"], ""), r["escalated"], r["passed_up"], r["solved"]] for r in rows]
    labels = [str(_("Escalated (response time over)")), str(_("Passed up")), str(_("Solved"))]
    return {"key": "escalations", "title": str(_("Escalations by support level")),
            "columns": [str(_("Support level")), *labels], "rows": table,
            "chart": {"type": "bar", "stack": False, "categories": [row[0] for row in table],
                      "series": [{"name": label, "data": [row[1 + n] for row in table]}
                                 for n, label in enumerate(labels)]}}


def times(*, user) -> dict:
    path = _area(user)
    since = clock.now() - dt.timedelta(days=TIMES_DAYS)
    levels = (TicketLevel.objects.filter(org_unit__path__startswith=path, arrived_at__gte=since)
              .values_list("org_unit_id", "arrived_at", "taken_at", "solved_at")[:REPORT_ROWS])
    sums: dict[int, list[float]] = {}
    for unit, arrived, taken, solved in levels:
        entry = sums.setdefault(unit, [0.0, 0, 0.0, 0])
        if taken:
            entry[0] += (taken - arrived).total_seconds() / 60
            entry[1] += 1
        if solved:
            entry[2] += (solved - arrived).total_seconds() / 60
            entry[3] += 1
    names = _names(sums)
    table = [[names.get(unit, ""), round(v[0] / v[1]) if v[1] else None, v[1],
              round(v[2] / v[3]) if v[3] else None, v[3]] for unit, v in sorted(sums.items())]
    return {"key": "times", "title": str(_("Response and solve times (last 90 days, minutes)")),
            "columns": [str(_("Support level")), str(_("Average response (minutes)")), str(_("Taken")),
                        str(_("Average solve (minutes)")), str(_("Solved"))], "rows": table,
            "chart": {"type": "bar", "stack": False, "categories": [row[0] for row in table],
                      "series": [{"name": str(_("Average response (minutes)")), "data": [row[1] for row in table]},
                                 {"name": str(_("Average solve (minutes)")), "data": [row[3] for row in table]}]}}


def unread(*, user) -> dict:
    path = _area(user)
    announcements = list(Announcement.objects.filter(org_unit__path__startswith=path,
                                                     status=AnnouncementStatus.PUBLISHED)
                         .select_related("org_unit").order_by("-published_at", "-id")[:UNREAD_ANNOUNCEMENTS])
    table = []
    for announcement in announcements:
        totals = audience_totals(announcement=announcement)
        table.append([announcement.title, announcement.org_unit.name, totals["total"], totals["read"],
                      totals["unread"]])
    return {"key": "unread", "title": str(_("Unread announcements (the latest of your area)")),
            "columns": [str(_("Announcement")), str(_("Publishing unit")), str(_("Audience")), str(_("Read")),
                        str(_("Unread"))], "rows": table,
            "chart": {"type": "bar", "stack": True, "categories": [row[0] for row in table],
                      "series": [{"name": str(_("Read")), "data": [row[3] for row in table]},
                                 {"name": str(_("Unread")), "data": [row[4] for row in table]}]}}


def coverage(*, user) -> dict:
    from xueji.training.selectors import coverage as training_coverage

    _area(user)
    rows = training_coverage(user=user)
    table = [[r["unit"], r["total"], r["certified"], r["share"]] for r in rows]
    return {"key": "coverage", "title": str(_("Certification coverage of registrars per unit")),
            "columns": [str(_("Unit")), str(_("Registrars")), str(_("Certified")), str(_("Share certified (%)"))],
            "rows": table,
            "chart": {"type": "bar", "stack": False, "max": 100, "categories": [row[0] for row in table],
                      "series": [{"name": str(_("Share certified (%)")), "data": [row[3] for row in table]}]}}


REPORTS = {"tickets": open_tickets, "escalations": escalations, "times": times, "unread": unread,
           "coverage": coverage}


def all_reports(*, user, keys=None) -> list[dict]:
    return [REPORTS[key](user=user) for key in (keys or REPORTS) if key in REPORTS]


def counts(*, user) -> dict[str, int]:
    """The workbench's and the menu's numbers: open tickets in the area, and its uncertified registrars."""
    path = _area(user)
    tickets = Ticket.objects.filter(level_org__path__startswith=path, status__in=ACTIVE).count()
    rows = coverage(user=user)["rows"]
    return {"open_tickets": tickets, "uncertified": sum(r[1] - r[2] for r in rows)}


def export_xlsx(*, actor, keys=None) -> bytes:
    """The reports as an Excel workbook, one sheet each (cells escaped against formulas); the export is audited."""
    import xlsxwriter

    reports = all_reports(user=actor, keys=keys)
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    head = workbook.add_format({"bold": True, "bg_color": "#E8F0FE", "border": 1})
    for report in reports:
        sheet = workbook.add_worksheet(report["key"])
        sheet.write_string(0, 0, report["title"], head)
        for col, name in enumerate(report["columns"]):
            sheet.write(1, col, safe_cell(name), head)
            sheet.set_column(col, col, 18 if col else 30)
        for row_no, row in enumerate(report["rows"], start=2):
            for col, value in enumerate(row):
                sheet.write(row_no, col, safe_cell(value))
    workbook.close()
    audit_record(actor=actor, action="support.report_export", object_type="support.report",
                 object_repr=",".join(r["key"] for r in reports), after={"reports": [r["key"] for r in reports]})
    return output.getvalue()
