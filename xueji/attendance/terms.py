"""Terms (学期) and school days: the autumn term runs from 1 September to the end of January ("2026-1"), the spring
term from 1 February to the end of August ("2026-2", of the school year 2026/27). A school day is a weekday; holidays
are not known to the system, so a holiday between two absences breaks no run of consecutive absences."""

import datetime as dt
import re

EPOCH_MONDAY = dt.date(1970, 1, 5)
TERM_PATTERN = re.compile(r"(\d{4})-([12])")


def school_day(day: dt.date) -> int:
    """Weekdays since 1970-01-05: Friday and the next Monday differ by 1. Saturday and Sunday count as Friday."""
    weeks, weekday = divmod((day - EPOCH_MONDAY).days, 7)
    return weeks * 5 + min(weekday, 4)


def is_school_day(day: dt.date) -> bool:
    return day.weekday() < 5


def term_of(day: dt.date) -> tuple[str, dt.date, dt.date]:
    """(key, first day, last day) of the term holding the day."""
    if day.month >= 9:
        return f"{day.year}-1", dt.date(day.year, 9, 1), dt.date(day.year + 1, 1, 31)
    if day.month == 1:
        return f"{day.year - 1}-1", dt.date(day.year - 1, 9, 1), dt.date(day.year, 1, 31)
    return f"{day.year - 1}-2", dt.date(day.year, 2, 1), dt.date(day.year, 8, 31)


def term_bounds(key: str) -> tuple[dt.date, dt.date] | None:
    match = TERM_PATTERN.fullmatch(key or "")
    if not match:
        return None
    year, half = int(match[1]), match[2]
    if half == "1":
        return dt.date(year, 9, 1), dt.date(year + 1, 1, 31)
    return dt.date(year + 1, 2, 1), dt.date(year + 1, 8, 31)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
