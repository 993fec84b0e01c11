"""Checking one pupil's national-form data. The same function serves the single-entry form, the API and
every row of a bulk import, so a rule lives here once. Errors name the column (as on the form) and why."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from xueji.core import codes, idnumbers
from xueji.registry.fields import ALL_ITEMS, FormItem

_PLACE = {item.key: (item.target, item.field) for item in ALL_ITEMS}
REQUIRED_KEYS = frozenset(item.key for item in ALL_ITEMS if item.required)
REQUIRED_KEYS_NO_CLASS = frozenset(item.key for item in ALL_ITEMS if item.required and item.target != "placement")

_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d")
_PHONE = re.compile(r"^\+?[\d\- ]{7,20}$")
_REGION = re.compile(r"^\d{6}(\d{6})?$")
_POSTCODE = re.compile(r"\d{6}")
_NAME = re.compile(r"^[\u3400-\u9fff\u00b7·A-Za-z .\-]{1,64}$")
_PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
              "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
# Surnames whose reading as a surname differs from the common one.
SURNAME_READINGS = {"单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "覃": "qin",
                    "查": "zha", "尉迟": "yuchi", "万俟": "moqi", "乐": "yue", "缪": "miao", "盖": "ge"}


@dataclass
class FieldError:
    column: str
    message: str
    key: str = ""


@dataclass
class CleanStudent:
    student: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    guardians: list[dict[str, Any]] = field(default_factory=list)
    class_name: str = ""


_SURNAMES_LONGEST_FIRST = sorted(SURNAME_READINGS, key=len, reverse=True)
_char_pinyin: dict[str, str] = {}


def _pinyin_of(text: str) -> str:
    # Per-character cache: names are short and repeat characters, and pypinyin is slow per call.
    out = []
    for char in text:
        reading = _char_pinyin.get(char)
        if reading is None:
            reading = "".join(lazy_pinyin(char, style=Style.NORMAL)).lower().replace(" ", "")
            if len(_char_pinyin) < 50_000:
                _char_pinyin[char] = reading
        out.append(reading)
    return "".join(out)


_SURNAME_FIRST_CHARS = frozenset(s[0] for s in SURNAME_READINGS)


_name_pinyin: dict[str, str] = {}


def name_pinyin(name: str) -> str:
    """Lower-case pinyin without spaces, with surname readings fixed (曾 → zeng, not ceng)."""
    known = _name_pinyin.get(name)
    if known is None:
        known = _name_pinyin_uncached(name)
        if len(_name_pinyin) < 100_000:  # names repeat a lot in a province; bounded all the same
            _name_pinyin[name] = known
    return known


def _name_pinyin_uncached(name: str) -> str:
    if not name or name[0] not in _SURNAME_FIRST_CHARS:
        return _pinyin_of(name)
    for surname in _SURNAMES_LONGEST_FIRST:
        if name.startswith(surname):
            return SURNAME_READINGS[surname] + _pinyin_of(name[len(surname):])
    return _pinyin_of(name)


_name_initials: dict[str, str] = {}
_SURNAME_INITIALS = {"尉迟": "yc", "万俟": "mq"}  # the two-syllable surnames of SURNAME_READINGS


def name_initials(name: str) -> str:
    """The initials of a name's pinyin (张小明 -> zxm; 曾 as a surname -> z; a Latin name: the first letter of each
    word), for the student list's search by initials. Stored beside `name_pinyin` by the registry's door."""
    known = _name_initials.get(name)
    if known is None:
        known = _name_initials_uncached(name or "")
        if len(_name_initials) < 100_000:
            _name_initials[name] = known
    return known


def _name_initials_uncached(name: str) -> str:
    out, rest = [], name
    for surname in _SURNAMES_LONGEST_FIRST:
        if name.startswith(surname):
            out.append(_SURNAME_INITIALS.get(surname, SURNAME_READINGS[surname][:1]))
            rest = name[len(surname):]
            break
    previous_latin = False
    for char in rest:
        if "\u3400" <= char <= "\u9fff":
            out.append(_pinyin_of(char)[:1])
            previous_latin = False
        elif char.isascii() and char.isalpha():
            if not previous_latin:
                out.append(char.lower())
            previous_latin = True
        else:
            previous_latin = False
    return "".join(out)[:32]


def parse_date(value: str) -> dt.date | None:
    value = value.strip()
    if len(value) == 10 and value[4] in "-/." and value[7] == value[4]:
        value = value[:4] + value[5:7] + value[8:]
    if len(value) == 8 and value.isdigit():
        try:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def parse_year_month(value: str) -> dt.date | None:
    digits = re.sub(r"[^\d]", "", value)
    if len(digits) == 8:
        parsed = parse_date(digits)
        return parsed.replace(day=1) if parsed else None
    if len(digits) == 6:
        year, month = int(digits[:4]), int(digits[4:])
        if 1 <= month <= 12 and year >= 1:
            return dt.date(year, month, 1)
    return None


_FLAGS = {"1": "1", "0": "0", "是": "1", "否": "0", "Yes": "1", "No": "0"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _convert(item: FormItem, value: str, errors: list[FieldError], today: dt.date) -> Any:
    """Convert one non-empty, stripped cell of an item; on failure append one error and return None."""
    converted, message = _convert_value(item, value, today)
    if message is not None:
        errors.append(FieldError(item.title, message, item.key))
    return converted


def _looks_like_formula(first: str, kind: str) -> bool:
    """A cell a spreadsheet would run as a formula (CSV injection): = and @ anywhere, + except a phone's
    country prefix, - in free text and document numbers (names, addresses: `-2+3+cmd|' /C calc'!A0`).
    Leading tabs and carriage returns are stripped before this check, so they never reach the record."""
    if first in "=@":
        return True
    if first == "+":
        return kind != "phone"
    return first == "-" and kind in ("text", "id")


def _convert_value(item: FormItem, value: str, today: dt.date) -> tuple[Any, str | None]:
    """The rules for one non-empty, stripped cell: (converted value, None) or (None, reason)."""
    first = value[0]
    kind = item.kind
    if _looks_like_formula(first, kind):
        return None, _("Starts with “%(char)s” like a formula: enter plain text.") % {"char": first}
    if len(value) > item.max_length and kind in ("text", "phone", "id"):
        return None, _("At most %(count)s characters.") % {"count": item.max_length}
    if kind == "text":
        return value, None
    if kind == "code":
        code = value if value in item.table else item.table.code_for_name(value)
        if code is None:
            return None, _("“%(value)s” is not a valid code (%(table)s)") % {"value": value, "table": item.table.name}
        return code, None
    if kind == "flag":
        code = _FLAGS.get(value) or {"true": "1", "false": "0", "y": "1", "n": "0"}.get(value.lower())
        if code is None:
            return None, _("“%(value)s” should be 是/否 or 1/0") % {"value": value}
        return code == "1", None
    if kind == "date":
        parsed = parse_date(value)
        if parsed is None:
            return None, _("“%(value)s” is not a valid date (YYYY-MM-DD)") % {"value": value}
        if parsed > today:
            return None, _("The date %(date)s is after today") % {"date": f"{parsed:%Y-%m-%d}"}
        return parsed, None
    if kind == "yearmonth":
        parsed = parse_year_month(value)
        if parsed is None:
            return None, _("“%(value)s” is not a valid year and month (YYYYMM)") % {"value": value}
        if parsed > today:
            return None, _("The entry month %(month)s is after this month") % {"month": f"{parsed:%Y%m}"}
        return parsed, None
    if kind == "region":
        if not _REGION.match(value) or value[:2] not in _PROVINCES:
            return None, _("“%(value)s” is not a valid region code (6 digits, GB/T 2260)") % {"value": value}
        return value[:6], None
    if kind == "phone":
        if not _PHONE.match(value):
            return None, _("“%(value)s” is not a valid phone number") % {"value": value}
        return value, None
    if kind == "postcode":
        if not _POSTCODE.fullmatch(value):
            return None, _("A postcode has 6 digits")
        return value, None
    if kind == "decimal":
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None, _("“%(value)s” is not a number") % {"value": value}
        if number.is_nan():  # NaN cannot be compared (it raised here before)
            return None, _("“%(value)s” is not a number") % {"value": value}
        if number < 0 or number > 9999:
            return None, _("Between 0 and 9999")
        return number, None
    if kind == "id":
        return idnumbers.normalise(value), None
    return value, None


# Cells of these kinds repeat a lot (codes, flags, dates, regions), and their result depends only on the value
# (and today): remembered per item, bounded. `_convert_value` stays the one place the rules live; the memo only
# saves repeating it (tests/test_validation_memo.py checks the memoised and plain paths agree).
_MEMO_KINDS = frozenset({"code", "flag", "date", "yearmonth", "region", "postcode", "decimal"})
_MEMO_LIMIT = 8192
_memo: dict[str, dict[str, tuple[Any, str | None]]] = {
    item.key: {} for item in ALL_ITEMS if item.kind in _MEMO_KINDS}
# The memo holds messages too, so it is per day and per language (an API answering in English, pages in Chinese).
_memo_day: list[tuple[dt.date, str] | None] = [None]


# key -> (item, its memo or None): one lookup per cell.
_SPEC: dict[str, tuple[FormItem, dict | None]] = {item.key: (item, _memo.get(item.key)) for item in ALL_ITEMS}


def _memo_reset(today: tuple[dt.date, str] | None) -> None:
    for memo in _memo.values():
        memo.clear()
    _memo_day[0] = today


def validate_row(raw: dict[str, Any], *, today: dt.date, require_class: bool = True) -> tuple[
        CleanStudent | None, list[FieldError]]:
    """Check one pupil's items (keys as in registry.fields). Returns the clean values or the errors."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    filled = set()
    fill = filled.add
    spec_of = _SPEC.get
    state = (today, get_language())
    if state != _memo_day[0]:
        _memo_reset(state)
    for key, raw_value in raw.items():
        if type(raw_value) is str:
            if not raw_value:
                continue
            value = raw_value.strip()
            if not value:
                continue
        else:
            value = _text(raw_value)
            if not value:
                continue
        spec = spec_of(key)
        if spec is None:
            continue
        item, memo = spec
        fill(key)
        if memo is None:
            converted, message = _convert_value(item, value, today)
        else:
            hit = memo.get(value)
            if hit is None:
                hit = _convert_value(item, value, today)
                if len(memo) < _MEMO_LIMIT:
                    memo[value] = hit
            converted, message = hit
        if message is not None:
            errors.append(FieldError(item.title, message, key))
        elif converted is not None:
            values[key] = converted
    required = REQUIRED_KEYS if require_class else REQUIRED_KEYS_NO_CLASS
    if not required <= filled:
        for item in ALL_ITEMS:
            if item.key in required and item.key not in filled:
                errors.append(FieldError(item.title, _("Required"), item.key))
    _check_identity(values, errors, today)
    _check_guardians(values, errors)
    _check_extended(values, errors)
    if errors:
        return None, errors
    clean = CleanStudent(class_name=values.pop("class_name", ""))
    guardians: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        target, attr = _PLACE[key]
        if target == "student":
            clean.student[attr] = value
        elif target == "detail":
            clean.detail[attr] = value
        else:
            guardians.setdefault(target, {})[attr] = value
    clean.student.setdefault("name_pinyin", name_pinyin(clean.student["name"]))
    clean.student["id_number"] = clean.student.get("id_number") or None
    clean.guardians = [g for _key, g in sorted(guardians.items()) if g.get("name")]
    return clean, errors


def clean_items(raw: dict[str, Any], *, today: dt.date) -> tuple[dict[str, Any], list[FieldError]]:
    """The cell rules of `validate_row` alone, item by item (nothing required, no cross-checks): the converted value
    of each filled item (empty ones are left out) and the errors of the others. For a path that changes some items
    of a stored record and checks the whole record with `validate_row` besides (record maintenance, family
    members): it needs the typed values of what changes even when the stored record lacks something else."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, raw_value in raw.items():
        spec = _SPEC.get(key)
        value = _text(raw_value)
        if spec is None or not value:
            continue
        converted, message = _convert_value(spec[0], value, today)
        if message is not None:
            errors.append(FieldError(spec[0].title, message, key))
        elif converted is not None:
            values[key] = converted
    return values, errors


IDENTITY_KEYS = ("name", "sex", "birth_date", "id_type", "id_number")


def validate_identity(raw: dict[str, Any], *, today: dt.date) -> list[FieldError]:
    """The validator's rules for the identity items alone (name, sex, birth date, ID type and number), for the
    paths that change only those (a problem-record correction): the same cell rules and cross-checks as a row."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for key in IDENTITY_KEYS:
        value = _text(raw.get(key))
        if not value:
            continue
        item = _SPEC[key][0]
        converted, message = _convert_value(item, value, today)
        if message is not None:
            errors.append(FieldError(item.title, message, key))
        elif converted is not None:
            values[key] = converted
    _check_identity(values, errors, today)
    return errors


def _check_identity(values: dict[str, Any], errors: list[FieldError], today: dt.date) -> None:
    name = values.get("name")
    if name and not _NAME.match(name):
        errors.append(FieldError("姓名", _("“%(name)s” contains characters a name cannot hold") % {"name": name},
                                 "name"))
    birth = values.get("birth_date")
    if birth and not (dt.timedelta(days=365 * 2) < today - birth < dt.timedelta(days=365 * 30)):
        errors.append(FieldError("出生日期", _("The date of birth %(date)s does not fit a school pupil's age") % {
            "date": f"{birth:%Y-%m-%d}"}, "birth_date"))
    id_type, number = values.get("id_type"), values.get("id_number")
    if id_type == "1":
        if not number:
            errors.append(FieldError(
                "身份证件号", _("With a resident ID card as the document, the ID number is required"), "id_number"))
            return
        try:
            parsed = idnumbers.parse(number)
        except idnumbers.InvalidId as exc:
            errors.append(FieldError("身份证件号", _id_message(exc, number), "id_number"))
            return
        contradicted = idnumbers.contradicts(parsed, birth_date=birth or None, sex=values.get("sex"))
        if "birth_date" in contradicted:
            errors.append(FieldError("出生日期", _("Differs from the birth date %(date)s in the ID number") % {
                "date": f"{parsed.birth_date:%Y-%m-%d}"},
                                     "birth_date"))
        if "sex" in contradicted:
            errors.append(FieldError("性别", _("Differs from the ID number (which says %(sex)s)") % {
                "sex": codes.SEX.label(parsed.sex)}, "sex"))
    elif id_type and id_type != "Z" and not number:
        errors.append(FieldError("身份证件号", _("The ID number is required unless the document type is “other”"),
                                 "id_number"))


def _id_message(exc: idnumbers.InvalidId, number: str) -> str:
    if exc.code == "id_check_digit":
        return _("The check character of ID number %(number)s is wrong (it should be %(char)s)") % {
            "number": number, "char": idnumbers.check_char(number[:17])}
    if exc.code == "id_birth_date":
        return _("The birth date in ID number %(number)s does not exist") % {"number": number}
    if exc.code == "id_length":
        return _("An ID number has 18 characters, not %(count)s") % {"count": len(number)}
    return _("ID number %(number)s is malformed (17 digits and a digit or X)") % {"number": number}


def has_usable_id(values: dict[str, Any]) -> bool:
    return values.get("id_type") == "1" and bool(values.get("id_number"))


def _check_guardians(values: dict[str, Any], errors: list[FieldError]) -> None:
    for n in (1, 2):
        prefix = f"guardian{n}."
        name = values.get(prefix + "name")
        if not name:
            named = any(e.key == prefix + "name" for e in errors)  # given, but refused: said once already
            if not named and any(k.startswith(prefix) for k in values):
                errors.append(FieldError(f"成员{n}姓名",
                                         _("A family member's items are filled in but the name is missing"),
                                         prefix + "name"))
            continue
        if not values.get(prefix + "relation"):
            errors.append(FieldError(f"成员{n}关系", _("The relation of the family member is required"),
                                     prefix + "relation"))
        gid_type, gid = values.get(prefix + "id_type") or "1", values.get(prefix + "id_number")
        if gid and gid_type == "1":
            try:
                idnumbers.parse(gid)
            except idnumbers.InvalidId as exc:
                errors.append(FieldError(f"成员{n}身份证件号", _id_message(exc, gid), prefix + "id_number"))
    if not has_usable_id(values):
        first = values.get("guardian1.id_number")
        if not values.get("guardian1.name") or not first:
            errors.append(FieldError(
                "成员1身份证件号", _("Without the pupil's resident ID number, give the guardian's name and ID number"),
                "guardian1.id_number"))


def _check_extended(values: dict[str, Any], errors: list[FieldError]) -> None:
    disability, inclusion = values.get("disability", "0"), values.get("inclusion", "0")
    allowed = codes.INCLUSION_FOR_DISABILITY.get(disability, {"0", "9"})
    if inclusion not in allowed:
        errors.append(FieldError("随班就读", _("“%(inclusion)s” does not fit the disability “%(disability)s”") % {
            "inclusion": codes.INCLUSION.label(inclusion), "disability": codes.DISABILITY.label(disability)},
            "inclusion"))


def stored_value(item: FormItem, value: Any) -> str:
    """A stored value of an item as the validator reads it (and a form shows it): dates ISO, year and month as
    YYYY-MM, flags 1/0, decimals without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if item.kind == "yearmonth" else value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def stored_row(student, detail, family) -> dict[str, str]:
    """The row of a stored pupil in the validator's keys (registry.fields): the pupil, its detail row and its first
    two family members. Checking it with `validate_row` tells what a stored record lacks; the record maintenance
    checks an edit as this row with the edit on top (so what the edit leaves as it is is not held against it)."""
    members = list(family)[:2]
    row: dict[str, str] = {}
    for item in ALL_ITEMS:
        if item.target == "placement":
            continue
        if item.target == "student":
            source = student
        elif item.target == "detail":
            source = detail
        else:
            n = int(item.target[-1])
            source = members[n - 1] if len(members) >= n else None
        if source is not None:
            row[item.key] = stored_value(item, getattr(source, item.field, None))
    return row
