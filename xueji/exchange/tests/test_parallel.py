"""PostgreSQL only: rows checked in a checking process (exchange/parallel.py) give the same import as rows
checked on the importing thread: the same counts, the same error report line by line (in-file duplicates
across chunks included), the same pupils written."""

import pytest
from django.db import connection
from python_calamine import CalamineWorkbook

from xueji.exchange import pipeline
from xueji.exchange.models import ImportStatus
from xueji.exchange.tests.conftest import pupil
from xueji.exchange.tests.test_postgres import _import
from xueji.interface.models import StudentChange
from xueji.jobs.services import result_file_path
from xueji.registry import counts, integrity
from xueji.registry.models import FamilyMember, Student, StudentDetail, StudentMac
from xueji.reports import tally

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _rows(class_name: str) -> list[dict]:
    rows = [pupil(n, class_name=class_name) for n in range(90)]
    rows[3]["ethnic"] = "X"  # an invalid code
    rows[40].update({k: rows[5][k] for k in ("id_number", "birth_date", "sex")})  # repeats row 5, another chunk
    rows[41].update({k: rows[40][k] for k in ("id_number", "birth_date", "sex")}, ethnic="X")  # bad and repeated
    rows[60]["class_name"] = "无此班"  # no such class
    rows[61]["id_number"] = rows[61]["id_number"][:17] + ("0" if rows[61]["id_number"][17] != "0" else "1")
    for n in (70, 80):  # the same pupil without an ID number twice
        rows[n].update(id_type="其他", id_number="", name="无证同名", birth_date="2016-05-05", sex="男")
    return rows


def _outcome(batch):
    report = CalamineWorkbook.from_path(str(result_file_path(batch.job))).get_sheet_by_name("错误报告").to_python()
    written = Student.objects.filter(school=batch.school, reg_status="draft")
    return ((batch.total_rows, batch.valid_rows, batch.invalid_rows, batch.duplicate_rows),
            report, sorted(written.values_list("id_number", "name", "school_class_id", "name_pinyin"),
                                  key=lambda row: (row[0] or "", row[1])),
            StudentDetail.objects.filter(student__in=written).count(),
            FamilyMember.objects.filter(student__in=written).count(),
            # every pupil written has its record MAC, right (written with the COPY, not read back)
            StudentMac.objects.filter(student_id__in=written.values("pk")).count(), integrity.verify().mismatched)


def test_a_checking_process_imports_as_the_thread_does(world, media, registrar, school, class_name, settings,
                                                      monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the checking process formats COPY text for PostgreSQL")
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 25)
    rows = _rows(class_name)
    settings.XUEJI_IMPORT_PROCESS_MIN_BYTES = 0
    in_process = _import(registrar, school, rows)
    assert in_process.status == ImportStatus.SUCCEEDED, in_process.failure
    assert in_process.timings["check_processes"] == 1
    expected = _outcome(in_process)
    assert expected[0] == (90, 84, 4, 2)
    assert expected[-2:] == (84, [])
    # the doors' summaries and the change feed follow the COPY: the pupil counts and the tally agree with a fresh
    # count, and every pupil written has its insert in the feed
    assert counts.differences() == {} and tally.differences() == {}
    written = Student.objects.filter(school=school, reg_status="draft").values("pk")
    assert StudentChange.objects.filter(student_id__in=written, op="I").count() == 84

    Student.objects.filter(school=school, reg_status="draft").delete()  # the test's reset
    settings.XUEJI_IMPORT_CHECK_PROCESSES = 0
    on_thread = _import(registrar, school, rows)
    assert "check_processes" not in on_thread.timings
    assert _outcome(on_thread) == expected


def test_an_import_refreshes_the_statistics_of_the_pupil_tables(world, media, registrar, school, class_name,
                                                                monkeypatch):
    """Issue 14: ANALYZE at the end of an import batch, on the tables it wrote (here every change counts)."""
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE runs on PostgreSQL")
    from django.test.utils import CaptureQueriesContext

    from xueji.core.db import bulk

    monkeypatch.setattr(bulk, "ANALYZE_THRESHOLD", 0)
    with CaptureQueriesContext(connection) as queries:
        batch = _import(registrar, school, [pupil(n, class_name=class_name) for n in range(30)])
    assert batch.valid_rows == 30
    (analyzed,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert analyzed == 'ANALYZE "registry_familymember", "registry_student", "registry_studentdetail"'
