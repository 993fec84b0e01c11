"""validate_row remembers the conversion of repeating cells (codes, flags, dates, regions ...). Property: with the
memo and without it, every row is accepted or refused alike, with the same clean values and the same
messages in the same order. Rows mix valid and invalid values, repeated so the memo is hit, and the day moves."""

import contextlib
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji.core import idnumbers
from xueji.registry import validation
from xueji.registry.fields import ALL_ITEMS

DAYS = [dt.date(2026, 11, 28), dt.date(2026, 12, 1), dt.date(2016, 5, 1)]

SAMPLES = {
    "code": lambda item: [c for c, _z, _e in item.table.rows][:4] + [item.table.rows[0][1], "X", "01 ", "汉族"],
    "flag": lambda item: ["是", "否", "1", "0", "Yes", "true", "N", "maybe", "=1"],
    "date": lambda item: ["2016-05-01", "20160501", "2016/5/1", "2016.05.01", "2016-02-30", "2030-01-01",
                          "2026-11-30", "0000-01-01", "昨天"],
    "yearmonth": lambda item: ["202209", "2022-09", "20220901", "202213", "000001", "203001", "202612", "x"],
    "region": lambda item: ["341002", "341002001001", "991002", "34100", "+34100", "110105"],
    "postcode": lambda item: ["245000", "24500", "２４５０００", "@245000", "2450001"],
    "decimal": lambda item: ["1.5", "0", "-1", "10000", "NaN", "Infinity", "abc", "1_000", "1e3"],
    "phone": lambda item: ["13800001111", "+86 138 0000 1111", "0559-1234567", "12", "+8613800001111", "=1+1"],
    "id": lambda item: [idnumbers.make("341002", dt.date(2016, 5, 1), 123), "11010519491231002X",
                        "110105194912310021", "ABC", "１１０１０５１９４９１２３１００２Ｘ", ""],
    "text": lambda item: ["张三", "欧阳娜娜", "=cmd", "@x", "+1", "a" * 300, "Zhang San", "曾·小贤", "x<y"],
}


def _values(item) -> list[str]:
    return SAMPLES[item.kind](item) + ["", "  ", " 1 "]


ROW = st.fixed_dictionaries({}, optional={item.key: st.sampled_from(_values(item)) for item in ALL_ITEMS})


@contextlib.contextmanager
def memo_off():
    saved = validation._SPEC
    validation._SPEC = {key: (item, None) for key, (item, _memo) in saved.items()}
    try:
        yield
    finally:
        validation._SPEC = saved


def _both(row, today, require_class):
    remembered = validation.validate_row(row, today=today, require_class=require_class)
    with memo_off():
        plain = validation.validate_row(row, today=today, require_class=require_class)
    return remembered, plain


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=6), day=st.sampled_from(DAYS), require_class=st.booleans())
def test_memoised_and_plain_validation_agree(rows, day, require_class):
    for row in rows + rows:  # the second pass hits the memo
        remembered, plain = _both(row, day, require_class)
        assert remembered == plain


def test_agree_on_whole_valid_rows_and_on_another_day():
    from xueji.exchange.tests.conftest import pupil

    for n in range(50):
        row = pupil(n)
        for day in DAYS:
            remembered, plain = _both(row, day, True)
            assert remembered == plain
    clean, errors = validation.validate_row(pupil(1), today=DAYS[0])
    assert clean is not None and not errors
    # The memo is per day: a date valid today is "in the future" on a day before it.
    _clean, errors = validation.validate_row(pupil(1), today=dt.date(2016, 1, 1))
    assert any(e.key == "birth_date" for e in errors)
