"""One rule, two forms: the SQL form of the ID-number check (idnumbers.error_code_sql, used by the error scan)
answers as the Python form (idnumbers.error_code) on a sample of sound and broken numbers, on SQLite and on
PostgreSQL; where it cannot decide (characters `normalise` may change) it says so."""

import datetime as dt
import random

import pytest
from django.db import connection

from xueji.core import idnumbers

pytestmark = pytest.mark.django_db


def _sample(size: int = 1500, seed: int = 14) -> list[tuple[str, dt.date | None, str | None]]:
    rng = random.Random(seed)
    rows = []
    for _n in range(size):
        birth = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(365 * 40))
        area = f"{rng.randint(110000, 820000)}"
        number = idnumbers.make(area, birth, rng.randrange(1000))
        sex = rng.choice(("1", "2", "9", "", None, "1" if int(number[16]) % 2 else "2"))
        record_birth = rng.choice((birth, birth, None, birth + dt.timedelta(days=rng.choice((1, -1, 365)))))
        roll = rng.random()
        if roll < 0.25:
            pass  # sound (maybe contradicted by the record)
        elif roll < 0.4:  # one wrong digit or check character
            position = rng.randrange(18)
            number = number[:position] + rng.choice("0123456789X") + number[position + 1:]
        elif roll < 0.5:  # an impossible or odd date
            day = rng.choice(("20230229", "20240229", "19000229", "20000229", "20211301", "20210100", "20210431",
                              "00000101", "00010101", "20211231", "20210230"))
            body = number[:6] + day + number[14:17]
            number = body + (idnumbers.check_char(body) if rng.random() < 0.8 else rng.choice("0123456789X"))
        elif roll < 0.6:  # wrong length
            number = number[:rng.choice((0, 1, 15, 17))] if rng.random() < 0.6 else number + rng.choice("0X")
        elif roll < 0.7:  # an X where a digit belongs
            position = rng.randrange(17)
            number = number[:position] + "X" + number[position + 1:]
        elif roll < 0.8:  # what normalise changes: the SQL form leaves it to Python
            number = rng.choice((number.lower(), f" {number}", number[:9] + " " + number[9:],
                                 number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))))
        elif roll < 0.9:  # other characters
            position = rng.randrange(18)
            number = number[:position] + rng.choice("-aZ.?中") + number[position + 1:]
        else:  # 15-digit old numbers, letters
            number = rng.choice((number[:6] + number[8:17], "E1234567", "X" * 18, "0" * 18))
        rows.append((number, record_birth, sex))
    return rows


def _sql_codes(rows) -> list[str | None]:
    postgres = connection.vendor == "postgresql"
    birth = "CAST(b AS date)" if postgres else "b"
    expression = idnumbers.error_code_sql("n", birth, "s", vendor=connection.vendor)
    codes: list[str | None] = []
    for start in range(0, len(rows), 200):
        batch = rows[start:start + 200]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
        params = [value for i, (n, b, s) in enumerate(batch)
                  for value in (i, n, b.isoformat() if b else None, s)]
        with connection.cursor() as cursor:
            cursor.execute(f"WITH t(i, n, b, s) AS (VALUES {values}) "  # noqa: S608 - a fixed expression
                           f"SELECT {expression} FROM t ORDER BY CAST(i AS INTEGER)", params)
            codes += [row[0] for row in cursor.fetchall()]
    return codes


def test_the_sql_form_answers_as_the_python_form():
    rows = _sample()
    sql = _sql_codes(rows)
    undecided = 0
    for (number, birth, sex), code in zip(rows, sql, strict=True):
        if code == idnumbers.RECHECK:
            undecided += 1
            assert any(ch not in "0123456789X" for ch in number), number
            continue
        assert code == idnumbers.error_code(number, birth, sex), (number, birth, sex)
    codes = {idnumbers.error_code(*row) for row in rows}
    # The sample reaches every answer, and the SQL form decides all but the numbers normalise would change.
    assert codes >= {None, "id_length", "id_shape", "id_birth_date", "id_check_digit", "birth_date_mismatch",
                     "sex_mismatch"}
    assert 0 < undecided < len(rows) * 0.25


def test_leap_days_and_month_ends():
    rows = []
    for day, sound in (("20000229", True), ("19000229", False), ("20240229", True), ("20230229", False),
                       ("20210431", False), ("20210430", True), ("20211231", True), ("20211232", False),
                       ("00000101", False), ("00010101", True)):
        body = "341002" + day + "123"
        rows.append((body + idnumbers.check_char(body), None, None))
        assert idnumbers.is_valid(rows[-1][0]) is sound
    assert _sql_codes(rows) == [idnumbers.error_code(*row) for row in rows]
