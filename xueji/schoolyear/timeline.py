"""The promotion in each pupil's timeline: one entry per run of the school the pupil sat in when its school was
promoted, read from the run's row of that school (no history row per pupil: the promotion writes no pupil)."""

from django.utils.translation import gettext as _

from xueji.registry.choices import ChangeKind
from xueji.registry.models import StudentHistory
from xueji.registry.timeline import TimelineEntry, older_than, register_timeline_source
from xueji.schoolyear.choices import SchoolState
from xueji.schoolyear.models import PromotionSchool


def _school_at(student, placements: list[tuple], at) -> int:
    """The pupil's school at a moment, from its placement history (oldest first: (at, old school, new school))."""
    school = None
    for when, old, new in placements:
        if when <= at:
            school = new
        elif school is None:
            return old or student.school_id
    return school if school is not None else student.school_id


def promotion_entries(*, user, student, before, limit: int) -> list[TimelineEntry]:
    """The promotions of the schools the pupil has sat in, at times it sat there (on the roll then or not: a
    pupil's grade follows its class either way)."""
    placements = []
    for at, changes in (StudentHistory.objects.filter(student=student, kind=ChangeKind.PLACEMENT)
                        .order_by("at", "id").values_list("at", "changes")):
        pair = (changes or {}).get("school_id") or [None, None]
        placements.append((at, pair[0], pair[1]))
    schools = {student.school_id} | {s for _at, old, new in placements for s in (old, new) if s}
    rows = list(PromotionSchool.objects.filter(school_id__in=schools, state=SchoolState.PROMOTED,
                                               promoted_at__gt=student.created_at)
                .filter(older_than(before, "promotion", at="promoted_at"))
                .select_related("run", "school").order_by("-promoted_at", "-id")[:limit * 2])
    entries = []
    for row in rows:
        if _school_at(student, placements, row.promoted_at) != row.school_id:
            continue
        run = row.run
        entries.append(TimelineEntry(
            at=row.promoted_at, source="promotion", key=row.pk, kind="promotion",
            title=_("Promoted with the school year: %(from)s → %(to)s") % {
                "from": f"{run.from_year}-{run.from_year + 1}", "to": f"{run.to_year}-{run.to_year + 1}"},
            icon="bi-arrow-up-circle", tone="success", org=row.school.name))
        if len(entries) == limit:
            break
    return entries


register_timeline_source(promotion_entries, name="schoolyear.promotion")
