"""The finder: the receiving school's one way to a pupil of another school (转学: 查找学生).

The receiving school's registrar finds the pupil by national number (学籍号), ID number, or name + sex + birth
date, exactly (no partial match), within the province; the answer is what the receiving school needs (name, sex,
birth date, the masked numbers, the sending school, the grade, whether the pupil can be transferred to it), masked
whatever the role, with a short-lived signed token that files the transfer (by that user, within the hour). Every
lookup is audited, found or not, and a user's lookups are limited per hour, so the finder is no oracle over the
province's pupils.

A pupil of another province is found by national number only (the hop will ask that province through the national
hub; today it reads this database). `pupil_find` and `pupil_of_token` are the two functions the hop replaces."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock, codes, idnumbers
from xueji.core.errors import Conflict, NotFound, ValidationFailed, XuejiError
from xueji.regions.models import OrgKind, province_code_of
from xueji.registry.models import NationalNumber, RegStatus, Student
from xueji.registry.presenters import presenter_for
from xueji.schools.models import School
from xueji.transfers.checks import grade_label, receiving_school, transfer_refusal
from xueji.transfers.choices import ACROSS_PROVINCES
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


def _by_number(qs, number: str) -> list[Student]:
    found = list(qs.filter(national_number=number)[:2])
    if not found:  # a number the pupil held before (an L number replaced by its G number) finds it too
        held = NationalNumber.objects.filter(number=number).values_list("student_id", flat=True).first()
        found = list(qs.filter(pk=held)[:2]) if held else []
    return found


def pupil_find(*, actor, national_number: str = "", id_number: str = "", name: str = "", sex: str = "",
               birth_date: dt.date | None = None, source_province: str = "",
               rate_limited: bool = True) -> FoundPupil | None:
    """Find one pupil exactly (no partial match) within the province, for a transfer into the actor's school; or,
    with `source_province` another province's code, by national number only (the cross-province hop will ask that
    province; today it reads this database). Audited, found or not; at most `finds_per_hour()` per user and hour
    (`rate_limited=False`: the demo generator filing its sample transfers, which is no registrar at a keyboard)."""
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
    qs = (Student.objects.filter(province_code=province, reg_status=RegStatus.REGISTERED)
          .select_related("school__org_unit", "school__county", "school_class").order_by("pk"))
    if national_number:
        by, found = "national_number", _by_number(qs, _national_number(national_number))
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
    audit_record(actor=actor, action=FIND_ACTION, object_type="registry.student",
                 object_id=str(found[0].pk) if len(found) == 1 else "",
                 after={"by": by, "found": len(found), "province": province, "cross_province": cross})
    if len(found) != 1:
        if len(found) > 1:  # two records share name, sex and birth date: the numbers tell them apart
            raise Conflict(_("Several pupils match: find the pupil by national student number or ID number."),
                           code="find_ambiguous")
        return None
    return _found(actor, school, found[0], cross=cross)


def _found(actor, school: School, student: Student, *, cross: bool) -> FoundPupil:
    shown = presenter_for(None)  # masked: the record lies outside the finder's jurisdiction
    county = student.school.county
    city = county.parent if county is not None and county.parent_id else None
    refusal = None if cross else transfer_refusal(student, school)
    token = signing.dumps({"s": student.pk, "u": actor.pk, "x": int(cross)}, salt=FIND_SALT)
    return FoundPupil(
        token=token, name=student.name, sex=str(codes.SEX.label(student.sex)), birth_date=student.birth_date,
        national_number=shown.national_number(student.national_number), id_number=shown.id_number(student.id_number),
        school=student.school.name, county=county.name if county else "",
        city=city.name if city is not None and city.kind == OrgKind.CITY else "", province_code=student.province_code,
        grade=grade_label(student), status=str(codes.STUDENT_STATUS.label(student.status)),
        distance=ACROSS_PROVINCES if cross else distance_key(student.school.org_unit, actor.org_unit),
        cross_province=cross, refusal=(refusal.words or refusal.message) if refusal else None)


def pupil_of_token(*, actor, token: str) -> tuple[int, bool]:
    """The pupil a lookup of this actor found (its id, and whether across provinces), or a refusal: a token of
    someone else, tampered with or older than an hour finds nothing."""
    try:
        data = signing.loads(token or "", salt=FIND_SALT, max_age=FIND_TOKEN_SECONDS)
    except signing.BadSignature:
        raise ValidationFailed(_("The lookup has expired or was made by someone else: find the pupil again."),
                               code="find_expired", field="token") from None
    if not isinstance(data, dict) or data.get("u") != actor.pk or not isinstance(data.get("s"), int):
        raise ValidationFailed(_("The lookup has expired or was made by someone else: find the pupil again."),
                               code="find_expired", field="token")
    return data["s"], bool(data.get("x"))


def pupil_found(*, actor, token: str) -> tuple[Student, School]:
    """The found pupil again (for the filing form), with the receiving school."""
    school = receiving_school(actor)
    pk, _cross = pupil_of_token(actor=actor, token=token)
    student = (Student.objects.select_related("school__org_unit", "school__county", "school_class")
               .filter(pk=pk).first())
    if student is None:
        raise NotFound("student not found")
    return student, school


