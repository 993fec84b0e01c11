"""The policy's guards of the registry's door (registered in PolicyConfig.ready, see xueji/registry/guards.py):
the class-size cap of every class a pupil is placed into, and the function switch that allows deleting a record
with a formal national number."""

from collections.abc import Collection

from xueji.core.errors import Conflict
from xueji.policy import levels
from xueji.policy.errors import class_full_words, formal_delete_words
from xueji.policy.services import switch_get
from xueji.policy.switches import DELETE_FORMAL
from xueji.registry.guards import Room, seated_counts
from xueji.registry.models import NumberKind, Student
from xueji.schools.models import SchoolClass

FORMAL_KINDS = (NumberKind.G, NumberKind.J)


def class_full_error(*, class_name: str, cap: int, source) -> Conflict:
    return Conflict(class_full_words(class_name, cap, source.name), code="class_full", field="school_class",
                    details={"class": class_name, "cap": cap, "set_by": source.name})


def class_room(class_ids: Collection[int]) -> dict[int, Room]:
    """The seats left in each capped class (its cap minus the pupils holding a seat), with the refusal that
    names the cap and the level that set it. Three queries for any number of classes."""
    limited = {pk: info for pk, info in levels.caps_of_classes(class_ids).items() if info.cap.cap is not None}
    counts = seated_counts(limited)
    return {pk: Room(left=info.cap.cap - counts.get(pk, 0),
                     refusal=class_full_error(class_name=info.name, cap=info.cap.cap, source=info.cap.source))
            for pk, info in limited.items()}


def stage_of(student: Student) -> str:
    """The stage a pupil's record belongs to: its class's, else its school's first."""
    if student.school_class_id:
        stage = SchoolClass.objects.filter(pk=student.school_class_id).values_list("stage", flat=True).first()
        if stage:
            return stage
    return (student.school.stages or "1")[0]


def deletion_refusal(student: Student) -> Conflict | None:
    """Why a record may not be deleted under the province's switches (None: it may)."""
    number = student.national_number or ""
    if number[:1] not in FORMAL_KINDS:
        return None
    stage = stage_of(student)
    if switch_get(province_code=student.province_code, stage=stage, key=DELETE_FORMAL):
        return None
    return Conflict(formal_delete_words(stage, number), code="formal_number_delete_off",
                    details={"stage": stage, "number": number})


def formal_number_guard(student: Student) -> None:
    refusal = deletion_refusal(student)
    if refusal is not None:
        raise refusal
