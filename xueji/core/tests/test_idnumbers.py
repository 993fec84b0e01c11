"""Resident ID numbers (GB 11643): check character round trips, precise refusals, masking."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xueji.core import idnumbers

areas = st.from_regex(r"\A[1-8][0-9]{5}\Z")
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@given(areas, births, sequences)
def test_a_made_number_parses_back(area, birth, sequence):
    number = idnumbers.make(area, birth, sequence)

    parsed = idnumbers.parse(number)
    assert len(number) == 18
    assert (parsed.area, parsed.birth_date) == (area, birth)
    assert parsed.sex == ("1" if sequence % 2 else "2")  # odd sequence: male


@given(areas, births, sequences, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_wrong_digit_is_caught(area, birth, sequence, position, shift):
    number = idnumbers.make(area, birth, sequence)
    wrong_digit = str((int(number[position]) + shift) % 10)
    typo = number[:position] + wrong_digit + number[position + 1:]

    assert not idnumbers.is_valid(typo)


@given(areas, births, sequences, st.integers(min_value=0, max_value=15))
def test_swapped_neighbours_are_caught(area, birth, sequence, position):
    number = idnumbers.make(area, birth, sequence)
    if number[position] == number[position + 1]:
        return
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2:]

    assert not idnumbers.is_valid(swapped)


def test_the_standards_example():
    parsed = idnumbers.parse("11010519491231002X")

    assert (parsed.area, parsed.birth_date, parsed.sex) == ("110105", dt.date(1949, 12, 31), "2")


def test_input_is_normalised():
    assert idnumbers.parse(" 110105 19491231002x ").number == "11010519491231002X"
    assert idnumbers.parse("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"  # full-width


def test_digits_of_other_scripts_are_refused():
    """Python's \\d matches ꧕ or ٥; such a number must not pass as valid (it would never match the register)."""
    body = "꧕" + "10105" + "19491231" + "002"
    fake = body + idnumbers.check_char(body)

    with pytest.raises(idnumbers.InvalidId) as exc:
        idnumbers.parse(fake)

    assert exc.value.code == "id_shape"


@pytest.mark.parametrize(("raw", "code", "message"), [
    ("11010519491231002", "id_length", "must have 18 characters, got 17"),
    ("1101051949123100XX", "id_shape", "17 digits followed by a digit or X"),
    ("110105194902300021", "id_birth_date", "impossible birth date 19490230"),
    ("110105194912310021", "id_check_digit", "check character is 1, expected X"),
])
def test_invalid_numbers_are_refused_with_a_precise_reason(raw, code, message):
    with pytest.raises(idnumbers.InvalidId) as exc:
        idnumbers.parse(raw)

    assert exc.value.code == code
    assert message in str(exc.value)


@given(areas, births, sequences)
def test_masking_hides_the_birth_date_and_sequence(area, birth, sequence):
    number = idnumbers.make(area, birth, sequence)

    masked = idnumbers.mask(number)

    assert len(masked) == 18
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
    assert masked[4:14] == "*" * 10  # the rest of the area and the whole birth date


@given(st.text(alphabet="0123456789X", max_size=8))
def test_short_values_are_masked_entirely(value):
    assert idnumbers.mask(value) == "*" * len(value)


def test_nothing_to_mask():
    assert idnumbers.mask(None) == idnumbers.mask("") == ""


def test_an_id_contradicts_a_different_birth_date_and_sex_and_nothing_unknown():
    parsed = idnumbers.parse(idnumbers.make("341002", dt.date(2016, 5, 1), 101))  # odd sequence: male
    assert idnumbers.contradicts(parsed, birth_date=dt.date(2016, 5, 1), sex="1") == ()
    assert idnumbers.contradicts(parsed, birth_date=dt.date(2016, 5, 2), sex="2") == ("birth_date", "sex")
    assert idnumbers.contradicts(parsed, birth_date=None, sex="") == ()
