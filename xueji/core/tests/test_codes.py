"""Our code tables against the reference copies of the standards in ../shared/data."""

import csv
from pathlib import Path

import pytest

from xueji.core import codes

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"


def _reference(name: str) -> dict[str, str]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return {row["code"]: row["name_zh"] for row in csv.DictReader(fh)}


@pytest.mark.parametrize(
    ("table", "filename"),
    [
        (codes.SEX, "gender_gbt2261_1.csv"),
        (codes.ETHNIC, "ethnic_gbt3304.csv"),
        (codes.ID_DOC_TYPE, "id_doc_type.csv"),
        (codes.STUDENT_STATUS, "student_current_status_jyt1001.csv"),
        (codes.FAMILY_RELATION, "family_relation_gbt4761.csv"),
        (codes.HEALTH_STATUS, "health_status.csv"),
        (codes.HUKOU_NATURE, "hukou_nature.csv"),
    ],
)
def test_codes_match_the_standard(table, filename):
    reference = _reference(filename)
    for code, zh, _en in table:
        assert code in reference, f"{table.name}: {code} is not in the standard"
        assert reference[code].startswith(zh.split("(")[0]), f"{table.name} {code}: {zh} != {reference[code]}"


def test_running_types_are_the_k12_ones():
    with (DATA / "school_running_type_bxlx.csv").open(encoding="utf-8") as fh:
        k12 = {row["code"]: row["name_zh"] for row in csv.DictReader(fh) if row["xueji_k12_scope"] == "Y"}
    assert set(codes.RUNNING_TYPE.codes) == set(k12)
    assert set(codes.STAGES_BY_RUNNING_TYPE) == set(k12)
