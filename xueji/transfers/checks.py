"""The rules of a transfer that the filing, the decisions, the finder and the pages share, in one place: the
receiving school (the filer's own), the pupil's stage and grade, the classes of that grade at the receiving school
with their seats left, and why a pupil cannot be transferred now (not registered, off the roll) or not into this
school (its own, a stage or grade the school does not teach, every class full); the class named for the pupil.

"The pupil" is a Student row, or across provinces on the receiving side until 调档 the sending province's answer to
the lookup (`peer.PeerPupil`, kept on the transfer: `pupil_of`), read the same way: its stage and cohort."""

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, require_cap
from xueji.core import codes
from xueji.core.errors import Conflict, Forbidden, ValidationFailed, XuejiError
from xueji.registry.guards import room_in
from xueji.registry.models import RegStatus, Student
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.transfers.choices import TRANSFERABLE
from xueji.transfers.peer import PeerPupil

Pupil = Student | PeerPupil


def receiving_school(actor) -> School:
    """The actor's own school: a transfer is filed by the receiving school's registrar."""
    require_cap(actor, Cap.TRANSFER_FILE)
    school = School.objects.select_related("org_unit", "county").filter(org_unit_id=actor.org_unit_id).first()
    if school is None or not school.is_active:
        raise Forbidden(_("A transfer is filed by the receiving school."), code="receiving_school_only")
    return school


def stage_of(student: Pupil) -> str:
    if isinstance(student, PeerPupil):
        return student.stage
    if student.school_class_id and student.school_class is not None:
        return student.school_class.stage
    return (student.school.stages or "1")[0]


def cohort_of(pupil: Pupil) -> int | None:
    """The cohort year of the pupil's class (its grade follows from it), None without a class."""
    if isinstance(pupil, PeerPupil):
        return pupil.cohort_year
    return pupil.school_class.cohort_year if pupil.school_class_id and pupil.school_class is not None else None


def grade_label(student: Pupil) -> str:
    stage, cohort = stage_of(student), cohort_of(student)
    if cohort is None:
        return str(codes.STAGE.label(stage))
    klass = SchoolClass(stage=stage, cohort_year=cohort)  # the grade of its cohort this school year
    # A record of this database: its school's year in effect (the promotion advances it school by school).
    school = None if isinstance(student, PeerPupil) else getattr(student, "school_id", None)
    return f"{codes.STAGE.label(stage)} {klass.grade_label(current_school_year_start(school))}"


def pupil_of(transfer) -> Pupil:
    """The pupil of a transfer: its record, or (the receiving side of a cross-province transfer before 调档, which
    holds no record) the sending province's answer kept on it."""
    if transfer.student_id:
        return transfer.student
    return PeerPupil.of(transfer.pupil or {})


def grade_classes(school: School, student: Pupil):
    """The active classes of the receiving school the pupil may join: its stage, and its grade (the same cohort
    year: a class keeps its cohort through the stage). A pupil without a class may join any class of its stage."""
    qs = SchoolClass.objects.filter(school=school, is_active=True, stage=stage_of(student)).select_related("school")
    cohort = cohort_of(student)
    if cohort is not None:
        qs = qs.filter(cohort_year=cohort)
    return qs.order_by("number", "pk")


@dataclass(frozen=True)
class ClassOption:
    school_class: SchoolClass
    left: int | None  # seats left under the class-size cap (None: no cap)

    @property
    def full(self) -> bool:
        return self.left is not None and self.left <= 0


def class_options(school: School, student: Pupil) -> list[ClassOption]:
    """The classes of the pupil's grade at the receiving school, each with its seats left (one query each way)."""
    classes = list(grade_classes(school, student))
    rooms = room_in([c.pk for c in classes], lock=False)
    return [ClassOption(c, rooms[c.pk].left if c.pk in rooms else None) for c in classes]


def destination_refusal(student: Pupil, school: School) -> XuejiError | None:
    """Why the pupil cannot join this school now (None: it can): its own school, a stage or grade the school does
    not teach, every class of the grade full."""
    if isinstance(student, Student) and student.school_id == school.pk:
        return Conflict(_("The pupil is already at your school: a transfer moves a pupil from another school."),
                        code="own_school")
    stage = stage_of(student)
    if stage not in (school.stages or ""):
        return Conflict(format_lazy(_("{school} does not teach the pupil's stage ({stage})."), school=school.name,
                                    stage=codes.STAGE.label(stage)), code="wrong_stage",
                        details={"stage": stage, "stages": school.stages})
    options = class_options(school, student)
    if not options:
        return Conflict(format_lazy(_("{school} has no class of the pupil's grade ({grade})."), school=school.name,
                                    grade=grade_label(student)), code="no_class_of_grade")
    if all(o.full for o in options):
        return Conflict(format_lazy(_("Every class of the pupil's grade ({grade}) at {school} is full."),
                                    grade=grade_label(student), school=school.name), code="classes_full")
    return None


def pupil_refusal(student: Pupil) -> XuejiError | None:
    """Why this record cannot be transferred (None: it can): not registered, or off the roll (graduated, left,
    dropped out, died ...). Of a pupil of another province: what its province answered."""
    if isinstance(student, PeerPupil):
        return Conflict(student.refusal_reason or student.refusal_code,
                        code=student.refusal_code) if student.refusal_code else None
    if student.reg_status != RegStatus.REGISTERED:
        return Conflict(_("Only a registered record is transferred."), code="not_registered")
    if student.status not in TRANSFERABLE:
        return Conflict(format_lazy(_("Only a pupil on a school's roll is transferred; this pupil's status is "
                                      "“{status}”."), status=codes.STUDENT_STATUS.label(student.status)),
                        code="not_transferable", details={"status": student.status})
    return None


def transfer_refusal(student: Pupil, school: School) -> XuejiError | None:
    return pupil_refusal(student) or destination_refusal(student, school)


def class_require(school: School, student: Pupil, school_class: SchoolClass | int, *,
                  room: bool = True) -> SchoolClass:
    """The class named for the pupil: of the receiving school, active, of the pupil's grade, and (`room`) with a
    seat left under its cap. The door checks the seat again, locked, when the record moves."""
    pk = school_class.pk if isinstance(school_class, SchoolClass) else school_class
    found = grade_classes(school, student).filter(pk=pk).first() if pk else None
    if found is None:
        raise ValidationFailed(format_lazy(_("This class is not a class of the pupil's grade ({grade}) at {school}."),
                                           grade=grade_label(student), school=school.name),
                               code="wrong_class", field="school_class")
    if room:
        left = room_in([found.pk], lock=False).get(found.pk)
        if left is not None and left.left <= 0:
            raise Conflict(format_lazy(_("{klass} is full (class-size cap): choose another class."),
                                       klass=found.display_name), code="class_full", field="school_class")
    return found


