"""Cells of exports that a spreadsheet would read as a formula are escaped (SECURITY.md §1 row 37), a leading NUL
included: some readers drop it and then evaluate what follows."""

import pytest

from xueji.core.spreadsheets import safe_cell, safe_row


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\0=cmd|' /C calc'!A0"])
def test_formula_prefixes_are_escaped(value):
    assert safe_cell(value) == "'" + value


def test_other_values_are_left_alone():
    assert safe_row(["张三", "G3410", 7, None, "a=b"]) == ["张三", "G3410", 7, None, "a=b"]
