"""Resident ID numbers (GB 11643): 6-digit area, 8-digit birth date, 3-digit sequence, check char."""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: Python's \d also matches other scripts' digits


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17:
        raise ValueError(f"expected 17 digits, got {len(first17)}")
    total = sum(map(mul, map(int, first17), WEIGHTS))  # 3x faster than a generator (bulk import checks 2 a row)
    return CHECK_CHARS[total % 11]


def make(area: str, birth: dt.date, sequence: int) -> str:
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


@dataclass(frozen=True)
class ParsedId:
    number: str
    area: str
    birth_date: dt.date
    sex: str  # GB/T 2261.1: "1" male, "2" female


class InvalidId(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def normalise(raw: str) -> str:
    """Upper-case, no spaces, full-width characters (１２３Ｘ, common from Chinese input methods) made ASCII."""
    return unicodedata.normalize("NFKC", raw or "").strip().upper().replace(" ", "")


def parse(raw: str) -> ParsedId:
    """Parse and validate an 18-character ID number; raise InvalidId with a precise reason."""
    number = normalise(raw)
    if len(number) != 18:
        raise InvalidId(f"ID number must have 18 characters, got {len(number)}", "id_length")
    if not _SHAPE.match(number):
        raise InvalidId("ID number must be 17 digits followed by a digit or X", "id_shape")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidId(f"ID number holds an impossible birth date {number[6:14]}", "id_birth_date") from None
    expected = check_char(number[:17])
    if number[17] != expected:
        raise InvalidId(f"ID number check character is {number[17]}, expected {expected}", "id_check_digit")
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return ParsedId(number=number, area=number[:6], birth_date=birth, sex=sex)


def contradicts(parsed: ParsedId, *, birth_date: dt.date | None, sex: str | None) -> tuple[str, ...]:
    """Which of a pupil's birth date and sex the ID number contradicts: ("birth_date",), ("sex",), both or ().
    The one rule for the row validator, the error scan and corrections. A missing birth date, and a sex other
    than GB/T 2261.1's 1 (male) and 2 (female), contradict nothing (the code check speaks about those)."""
    found = []
    if birth_date is not None and parsed.birth_date != birth_date:
        found.append("birth_date")
    if sex in ("1", "2") and parsed.sex != sex:
        found.append("sex")
    return tuple(found)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except InvalidId:
        return False
    return True


def mask(number: str | None) -> str:
    """3410**********123X: keep the first 4 and last 4 characters."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
