"""Guards of the registry's door: rules that the apps above the registry hold (policy: class-size caps, whether a
record with a formal national number may be deleted) and the door asks before it writes. The registry knows no
policy (it sits below it in the layers); an app registers its guard at start-up (its AppConfig.ready) and the
door calls every registered guard.

Placement: every door that puts pupils into classes (entry, the bulk insert and COPY of the import, placement,
takeover, a status that takes a seat again) calls `require_room(additions)` in its transaction before writing.
It locks the classes' rows first (SELECT ... FOR UPDATE, in id order), so two placements into the last seat of a
class are serialised: the second counts the pupil the first one placed, and is refused. A guard answers, for
the classes it limits, the seats left and the refusal to give beyond them (`Room`); classes it does not limit
are left out. `room_in` gives the same answer to a caller that splits its pupils itself (the import refuses
the rows that would overflow a class, row by row, and writes the others).

Deletion: `student_delete` asks every deletion guard (student -> None, raising the refusal)."""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from xueji.core.errors import XuejiError
from xueji.registry.choices import SEATED
from xueji.registry.models import Student
from xueji.schools.models import SchoolClass


@dataclass(frozen=True)
class Room:
    """What a guard says of one class: the seats left (0 or fewer: full) and the refusal beyond them."""

    left: int
    refusal: XuejiError


PlacementGuard = Callable[[Collection[int]], dict[int, Room]]
DeletionGuard = Callable[[Student], None]

_PLACEMENT_GUARDS: list[PlacementGuard] = []
_DELETION_GUARDS: list[DeletionGuard] = []


def register_placement_guard(guard: PlacementGuard) -> PlacementGuard:
    """Register `guard(class_ids) -> {class_id: Room}` (the classes it limits). Idempotent."""
    if guard not in _PLACEMENT_GUARDS:
        _PLACEMENT_GUARDS.append(guard)
    return guard


def register_deletion_guard(guard: DeletionGuard) -> DeletionGuard:
    """Register `guard(student)`, which raises the refusal when the record may not be deleted. Idempotent."""
    if guard not in _DELETION_GUARDS:
        _DELETION_GUARDS.append(guard)
    return guard


def seated_counts(class_ids: Collection[int]) -> dict[int, int]:
    """Pupils holding a seat in each class (statuses in `choices.SEATED`, drafts included): one query."""
    ids = sorted({pk for pk in class_ids if pk})
    if not ids:
        return {}
    rows = (Student.objects.filter(school_class_id__in=ids, status__in=list(SEATED)).order_by()
            .values("school_class_id").annotate(n=Count("pk")).values_list("school_class_id", "n"))
    return dict(rows)


def lock_classes(class_ids: Collection[int]) -> None:
    """Lock the classes' rows until the transaction ends (in id order, so two doors never deadlock)."""
    ids = sorted({pk for pk in class_ids if pk})
    if ids:
        list(SchoolClass.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def room_in(class_ids: Collection[int], *, lock: bool = True) -> dict[int, Room]:
    """The seats left in the limited classes among these, the tightest guard's for each. With `lock` (in a
    transaction) the classes are locked first, so the answer holds until the transaction ends."""
    ids = {pk for pk in class_ids if pk}
    if not ids or not _PLACEMENT_GUARDS:
        return {}
    if lock:
        lock_classes(ids)
    rooms: dict[int, Room] = {}
    for guard in _PLACEMENT_GUARDS:
        for pk, room in guard(ids).items():
            if pk not in rooms or room.left < rooms[pk].left:
                rooms[pk] = room
    return rooms


@transaction.atomic
def require_room(additions: Mapping[int | None, int]) -> None:
    """Refuse (the guard's error, nothing written) when adding these pupils (class id -> how many) would put more
    pupils into a class than its guards allow. Called by the door before it writes, in its transaction."""
    wanted = {pk: n for pk, n in additions.items() if pk and n > 0}
    if not wanted:
        return
    rooms = room_in(wanted)
    for pk in sorted(wanted):
        room = rooms.get(pk)
        if room is not None and wanted[pk] > room.left:
            raise room.refusal


def require_deletable(student: Student) -> None:
    for guard in _DELETION_GUARDS:
        guard(student)
