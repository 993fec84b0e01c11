"""The finder: the receiving school's one way to a pupil of another school (转学: 查找学生).

The receiving school's registrar finds the pupil by national number (学籍号), ID number, or name + sex + birth
date, exactly (no partial match), within the province; the answer is what the receiving school needs (name, sex,
birth date, the masked numbers, the sending school, the grade, whether the pupil can be transferred to it), masked
whatever the role, with a short-lived signed token that files the transfer (by that user, within the hour). Every
lookup is audited, found or not, and a user's lookups are limited per hour, so the finder is no oracle over the
province's pupils.

A pupil of another province is found by national number only, by asking that province (`lookup.pupil_ask`, a hub
question answered by that province from its own records): this finder reads no record of another province. Its
token names the province and the number; the filing form and the filing ask again (a fresh answer, which the
filing keeps on the transfer).

A pupil under special protection (安全标记 特殊保护, control 10) is found only by a school of its own county, whose
registrars and leaders hold the clearance for it (their county looks after such children and approves a transfer
within it): for any other finder the finder answers as for no pupil at all, the audit row saying the record was
withheld. A labelled pupil's transfer to another county is arranged through its county (which may lift the label
for it), never found by a stranger school; nor does the province answer another province for it (lookup.py)."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import cleared
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock, codes, idnumbers
from xueji.core.errors import Conflict, NotFound, ValidationFailed, XuejiError
from xueji.core.labels import SecurityLabel
from xueji.regions.models import OrgKind, province_code_of
from xueji.registry.models import RegStatus, Student
from xueji.registry.presenters import presenter_for
from xueji.schools.models import School
from xueji.transfers.checks import Pupil, grade_label, receiving_school, transfer_refusal
from xueji.transfers.choices import ACROSS_PROVINCES
from xueji.transfers.lookup import pupil_ask, students_by_number
from xueji.transfers.peer import PeerPupil
from xueji.workflow.resolvers import distance_key

FIND_ACTION = "transfers.find"
FIND_SALT = "xueji.transfers.find"
FIND_TOKEN_SECONDS = 3600  # a lookup files a transfer within the hour, by the user who made it
NATIONAL_NUMBER = re.compile(r"^[GJL][0-9]{17}[0-9X]$")


class TooManyLookups(XuejiError):
    status_code = 429
    default_code = "find_limit"


def finds_per_hour() -> int:
    """A user's lookups per hour (settings.XUEJI_TRANSFER_FINDS_PER_HOUR, 30 by default): a registrar files a few
    transfers a week; a run of lookups is someone walking the province's pupils."""
    return int(getattr(settings, "XUEJI_TRANSFER_FINDS_PER_HOUR", 30))



@dataclass(frozen=True)
class FoundPupil:
    """What the receiving school learns of a pupil it found exactly: masked, whatever its role."""

    token: str
    name: str
    sex: str
    birth_date: dt.date
    national_number: str  # masked (a G number as the ID)
    id_number: str  # masked
    school: str
    county: str
    city: str
    province_code: str
    grade: str
    status: str
    distance: str
    cross_province: bool
    refusal: str | None  # why it cannot be transferred to the finder's school now


def _lookups_this_hour(actor) -> int:
    since = clock.now() - dt.timedelta(hours=1)
    return AuditEvent.objects.filter(actor_username=actor.username, created_at__gte=since,
                                     action=FIND_ACTION).count()


def _national_number(raw: str) -> str:
    number = idnumbers.normalise(raw)
    if not NATIONAL_NUMBER.match(number):
        raise ValidationFailed(_("This is not a national student number (G, J or L followed by its digits)."),
                               code="national_number_invalid", field="national_number")
    if number[0] == "G" and idnumbers.check_char(number[1:18]) != number[18]:  # a G number is G + the ID number
        raise ValidationFailed(_("The check character of this national student number is wrong: check the last "
                                 "character."), code="national_number_check", field="national_number")
    return number


def pupil_find(*, actor, national_number: str = "", id_number: str = "", name: str = "", sex: str = "",
               birth_date: dt.date | None = None, source_province: str = "",
               rate_limited: bool = True) -> FoundPupil | None:
    """Find one pupil exactly (no partial match) within the province, for a transfer into the actor's school; or,
    with `source_province` another province's code, by national number only: that province answers
    (`lookup.pupil_ask`), checked here against the finder's school. Audited, found or not; at most
    `finds_per_hour()` per user and hour (`rate_limited=False`: the demo generator filing its sample transfers,
    which is no registrar at a keyboard)."""
    school = receiving_school(actor)
    own_province = province_code_of(actor.org_unit) or ""
    province = (source_province or own_province).strip()
    cross = province != own_province
    if cross and not national_number:
        raise ValidationFailed(_("A transfer from another province is filed with the pupil's national student "
                                 "number."), code="national_number_required", field="national_number")
    if rate_limited and _lookups_this_hour(actor) >= finds_per_hour():
        raise TooManyLookups(format_lazy(_("Too many lookups in the last hour (at most {n}); try again later."),
                                         n=finds_per_hour()), code="find_limit")
    if cross:
        number = _national_number(national_number)
        peer = pupil_ask(school=school, province=province, national_number=number)
        audit_record(actor=actor, action=FIND_ACTION, object_type="registry.student", object_id="",
                     after={"by": "national_number", "found": int(peer is not None), "province": province,
                            "cross_province": True})
        return _found_across(actor, school, peer, province=province, number=number) if peer else None
    qs = (Student.objects.filter(province_code=province, reg_status=RegStatus.REGISTERED)
          .select_related("school__org_unit", "school__county", "school_class").order_by("pk"))
    if national_number:
        by, found = "national_number", students_by_number(qs, _national_number(national_number))
    elif id_number:
        number = idnumbers.normalise(id_number)
        if not idnumbers.is_valid(number):
            raise ValidationFailed(_("This ID number is not valid (its length, date or check digit)."),
                                   code="invalid_id_number", field="id_number")
        by, found = "id_number", list(qs.filter(id_number=number)[:2])
    elif name.strip() and sex and birth_date:
        by, found = "name_sex_birth", list(qs.filter(name=name.strip(), sex=sex, birth_date=birth_date)[:2])
    else:
        raise ValidationFailed(_("Find the pupil by national student number, by ID number, or by name, sex and date "
                                 "of birth."), code="find_terms")
    shown = [student for student in found if findable_by(actor, student)]
    withheld = len(found) - len(shown)
    found = shown
    audit_record(actor=actor, action=FIND_ACTION, object_type="registry.student",
                 object_id=str(found[0].pk) if len(found) == 1 else "",
                 after={"by": by, "found": len(found), "province": province, "cross_province": False,
                        **({"withheld_labelled": withheld} if withheld else {})})
    if len(found) != 1:
        if len(found) > 1:  # two records share name, sex and birth date: the numbers tell them apart
            raise Conflict(_("Several pupils match: find the pupil by national student number or ID number."),
                           code="find_ambiguous")
        return None
    return _found(actor, school, found[0])


def findable_by(actor, student: Student) -> bool:
    """Whether the finder may show this record: an unlabelled one to any finder; a labelled one (control 10) only
    to a cleared user of a unit inside the pupil's own county (see the module)."""
    if student.security_label == SecurityLabel.NONE:
        return True
    county = student.school.county
    unit = getattr(actor, "org_unit", None)
    return (cleared(actor) and county is not None and unit is not None
            and unit.path.startswith(county.path))


def _refusal_words(refusal) -> str | None:
    return (refusal.words or refusal.message) if refusal else None


def _found(actor, school: School, student: Student) -> FoundPupil:
    shown = presenter_for(None)  # masked: the record lies outside the finder's jurisdiction
    county = student.school.county
    city = county.parent if county is not None and county.parent_id else None
    token = signing.dumps({"s": student.pk, "u": actor.pk}, salt=FIND_SALT)
    return FoundPupil(
        token=token, name=student.name, sex=str(codes.SEX.label(student.sex)), birth_date=student.birth_date,
        national_number=shown.national_number(student.national_number), id_number=shown.id_number(student.id_number),
        school=student.school.name, county=county.name if county else "",
        city=city.name if city is not None and city.kind == OrgKind.CITY else "", province_code=student.province_code,
        grade=grade_label(student), status=str(codes.STUDENT_STATUS.label(student.status)),
        distance=distance_key(student.school.org_unit, actor.org_unit), cross_province=False,
        refusal=_refusal_words(transfer_refusal(student, school)))


def _found_across(actor, school: School, peer: PeerPupil, *, province: str, number: str) -> FoundPupil:
    """The other province's answer, as the finder shows it (masked), checked against the finder's school."""
    shown = presenter_for(None)
    token = signing.dumps({"u": actor.pk, "p": province, "n": number}, salt=FIND_SALT)
    return FoundPupil(
        token=token, name=peer.name, sex=str(codes.SEX.label(peer.sex)), birth_date=peer.birth_date,
        national_number=shown.national_number(peer.national_number), id_number=shown.id_number(peer.id_number),
        school=peer.school_name, county=peer.county, city=peer.city, province_code=peer.province_code,
        grade=grade_label(peer), status=str(codes.STUDENT_STATUS.label(peer.status)), distance=ACROSS_PROVINCES,
        cross_province=True, refusal=_refusal_words(transfer_refusal(peer, school)))


@dataclass(frozen=True)
class Lookup:
    """What a lookup's token names: a record of the province (`pk`), or a pupil of another province (`province`,
    and the national `number` it was found by)."""

    pk: int | None = None
    province: str = ""
    number: str = ""

    @property
    def cross(self) -> bool:
        return self.pk is None


def lookup_of_token(*, actor, token: str) -> Lookup:
    """What a lookup of this actor found, or a refusal: a token of someone else, tampered with or older than an
    hour finds nothing."""
    expired = ValidationFailed(_("The lookup has expired or was made by someone else: find the pupil again."),
                               code="find_expired", field="token")
    try:
        data = signing.loads(token or "", salt=FIND_SALT, max_age=FIND_TOKEN_SECONDS)
    except signing.BadSignature:
        raise expired from None
    if not isinstance(data, dict) or data.get("u") != actor.pk:
        raise expired
    if isinstance(data.get("s"), int) and not data.get("x"):  # "x": a cross-province token of before, named a pk
        return Lookup(pk=data["s"])
    if isinstance(data.get("p"), str) and isinstance(data.get("n"), str):
        return Lookup(province=data["p"], number=data["n"])
    raise expired


def pupil_of_lookup(*, school: School, lookup: Lookup) -> Pupil:
    """The pupil a token names, now: its record, or (across provinces) its province's answer asked again."""
    if lookup.cross:
        peer = pupil_ask(school=school, province=lookup.province, national_number=lookup.number)
        if peer is None:
            raise NotFound("The pupil's province no longer answers for this number.", code="pupil_not_found")
        return peer
    student = (Student.objects.select_related("school__org_unit", "school__county", "school_class")
               .filter(pk=lookup.pk).first())
    if student is None:
        raise NotFound("student not found")
    return student


def pupil_found(*, actor, token: str) -> tuple[Pupil, School]:
    """The found pupil again (for the filing form), with the receiving school."""
    school = receiving_school(actor)
    pupil = pupil_of_lookup(school=school, lookup=lookup_of_token(actor=actor, token=token))
    if isinstance(pupil, Student) and not findable_by(actor, pupil):  # labelled since the lookup (control 10)
        raise NotFound("student not found")
    return pupil, school


