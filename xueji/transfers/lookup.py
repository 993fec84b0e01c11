"""Looking a pupil up in another province (跨省转学: 查找学生): the one seam between B's finder and A's records.

B (receiving) asks with `pupil_ask(school=, province=A, national_number=)`, a hub question (`hub.services.hub_ask`,
kind `transfers.lookup`); A answers with `pupil_answer`, its query handler, from its own records: the pupil of that
number (or of a number it held before), what a receiving school needs and may see (`peer.PeerPupil`'s shape, the
ID number masked by A), and why A would not release it now. Today the hub's local transport calls A's handler in
this database; the national hub replaces the transport alone. B's finder audits the lookup and counts it against
the user's hourly limit; A's hub audits that it answered (`hub.answer`).

The question: subject = the national number asked; payload `{"national_number": ..., "school": {"code", "name"}}`
(the asking school, for A's audit). The answer (version 1): `{"version": 1, "found": false}`, or
`{"version": 1, "found": true, "pupil": {...}}` (peer.py has the pupil's fields; with `refusal`: null or
`{"code", "reason"}`). A changed shape is version 2; B refuses a version it does not read (`bad_answer`)."""

from django.utils.translation import gettext_lazy as _

from xueji.core.errors import Conflict, ValidationFailed, XuejiError
from xueji.core.labels import SecurityLabel
from xueji.hub.handlers import register_query
from xueji.hub.services import hub_ask
from xueji.regions.models import OrgKind, province_code_of
from xueji.registry.models import NationalNumber, RegStatus, Student
from xueji.registry.presenters import presenter_for
from xueji.schools.models import School
from xueji.transfers.checks import cohort_of, pupil_refusal, stage_of
from xueji.transfers.peer import PeerPupil

LOOKUP = "transfers.lookup"
ANSWER_VERSION = 1
UNREACHABLE = ("wrong_receiver", "peer_unreachable", "unknown_query_kind")


def students_by_number(qs, number: str) -> list[Student]:
    """At most two records of `qs` with this national number, or the record that held it before (an L number
    replaced by its G number)."""
    found = list(qs.filter(national_number=number)[:2])
    if not found:
        held = NationalNumber.objects.filter(number=number).values_list("student_id", flat=True).first()
        found = list(qs.filter(pk=held)[:2]) if held else []
    return found


# B: asking ---------------------------------------------------------------------------------------------------------

def pupil_ask(*, school: School, province: str, national_number: str) -> PeerPupil | None:
    """The pupil of province `province` with this national number, as that province answers (None: none there).
    Refused `cross_province_unavailable` when the province cannot be asked now (not reachable, not served),
    `source_province_invalid` for no province code."""
    own = province_code_of(school.org_unit) or ""
    try:
        answer = hub_ask(sender=own, receiver=province, kind=LOOKUP, subject=national_number,
                         payload={"national_number": national_number,
                                  "school": {"code": school.code, "name": school.name}})
    except XuejiError as exc:
        if exc.code == "bad_receiver":
            raise ValidationFailed(_("Choose the pupil's province."), code="source_province_invalid",
                                   field="source_province") from None
        if exc.code in UNREACHABLE:
            raise Conflict(_("The pupil's province cannot be asked now; try again later."),
                           code="cross_province_unavailable", details={"province": province, "reason": exc.code}
                           ) from None
        raise
    if answer.get("version") != ANSWER_VERSION:
        raise ValidationFailed("The other province answered in a version of the lookup not read here.",
                               code="bad_answer")
    if not answer.get("found"):
        return None
    return PeerPupil.of(answer.get("pupil"))


# A: answering ------------------------------------------------------------------------------------------------------

def answer_of(student: Student) -> dict:
    """What A tells B of its pupil (peer.py's shape, with the refusal), the ID number masked."""
    shown = presenter_for(None)
    county = student.school.county
    city = county.parent if county is not None and county.parent_id else None
    refusal = pupil_refusal(student)
    return {"national_number": student.national_number or "", "name": student.name,
            "name_pinyin": student.name_pinyin or "", "sex": student.sex,
            "birth_date": student.birth_date.isoformat(), "id_number": shown.id_number(student.id_number),
            "stage": stage_of(student), "cohort_year": cohort_of(student),
            "school": {"code": student.school.code, "name": student.school.name},
            "county": county.name if county else "",
            "city": city.name if city is not None and city.kind == OrgKind.CITY else "",
            "province": student.province_code, "status": student.status,
            "refusal": {"code": refusal.code, "reason": str(refusal.words or refusal.message)} if refusal else None}


def pupil_answer(query) -> dict:
    """A's query handler of `transfers.lookup`: the registered pupil of A with this number, exactly one or none."""
    number = str((query.payload or {}).get("national_number", ""))
    qs = (Student.objects.filter(province_code=query.receiver, reg_status=RegStatus.REGISTERED)
          .select_related("school__county__parent", "school_class").order_by("pk"))
    found = students_by_number(qs, number) if number else []
    # A pupil under special protection (control 10) is never told to another province: its county arranges it.
    if len(found) != 1 or found[0].security_label != SecurityLabel.NONE:
        return {"version": ANSWER_VERSION, "found": False}
    return {"version": ANSWER_VERSION, "found": True, "pupil": answer_of(found[0])}


def register() -> None:
    register_query(LOOKUP, pupil_answer, label=_("Pupil looked up by national student number"))
