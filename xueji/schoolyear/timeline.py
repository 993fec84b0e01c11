"""The school year's turn in each pupil's timeline, with no history row per pupil:

- the promotion: one entry per run of the school the pupil sat in when its school was promoted, read from the run's
  row of that school (the promotion writes no pupil);
- the graduation (毕业, 结业): one entry per graduate row, the status before and after and the destination, read
  from the graduate rows (its status change writes no history row per pupil); the same rows give the record as of
  a date its status before the graduation (`registry.history.register_state_source`). A revert is an ordinary
  status change of the registry's door, with its history row."""

from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import within
from xueji.registry.choices import ChangeKind
from xueji.registry.history import register_state_source
from xueji.registry.models import StudentHistory
from xueji.registry.timeline import TimelineEntry, older_than, register_timeline_source
from xueji.schoolyear.choices import Destination, LeaveKind, SchoolState
from xueji.schoolyear.models import Graduate, PromotionSchool


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


def graduation_entries(*, user, student, before, limit: int) -> list[TimelineEntry]:
    """The pupil's graduations (and completions), reverted ones included (the revert has its own entry)."""
    rows = list(within(Graduate.objects.filter(student=student), user)
                .filter(older_than(before, "graduation", at="batch__created_at"))
                .select_related("batch__created_by__org_unit", "school").order_by("-batch__created_at", "-id")[:limit])
    entries = []
    for row in rows:
        batch, actor = row.batch, row.batch.created_by
        kind = LeaveKind(batch.kind).label if batch.kind in LeaveKind.values else batch.kind
        entries.append(TimelineEntry(
            at=batch.created_at, source="graduation", key=row.pk, kind="graduation",
            title=f"{kind}：{batch.year}-{batch.year + 1}", icon="bi-mortarboard", tone="success",
            actor=(actor.full_name or actor.username) if actor else "",
            org=actor.org_unit.name if actor is not None and actor.org_unit_id else row.school.name,
            changes=(("status", row.previous_status, batch.kind),),
            note=(_("Destination: %(destination)s") % {"destination": Destination(row.destination).label}
                  if row.destination in Destination.values and row.destination != Destination.UNKNOWN else "")))
    return entries


def graduation_states(*, student, end):
    """The status each graduation of the pupil at or after `end` changed (for the record as of a date)."""
    return [(at, pk, ChangeKind.STATUS, old) for at, pk, old in
            Graduate.objects.filter(student=student, batch__created_at__gte=end)
            .values_list("batch__created_at", "pk", "previous_status")]


register_timeline_source(graduation_entries, name="schoolyear.graduation")
register_state_source(graduation_states, name="schoolyear.graduation")
