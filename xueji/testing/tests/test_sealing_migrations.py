"""The data migrations that seal the copies of ID numbers (SECURITY.md row 24) seal the rows already there: rows
are written as they were before (plaintext, no blind index) with raw SQL, the migrations' data steps are run, and
the columns then hold sealed values with their blind indexes, which the models open and compare. (The steps are
run directly: taking the schema back and forth with the migration executor costs half a minute.)"""

import datetime as dt
import importlib
import json
from types import SimpleNamespace

import pytest
from django.db import connection

from xueji.admissions.models import Admission
from xueji.core import clock, idnumbers, sealing
from xueji.problems.models import Problem
from xueji.registration.models import PreschoolRecord

pytestmark = pytest.mark.django_db


def _migration(name: str):
    return importlib.import_module(f"xueji.{name}")


def _raw(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def test_the_data_migrations_seal_the_rows_already_there(world):
    number = idnumbers.make("341002", dt.date(2015, 2, 3), 21)
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    user, now = world.user("tunxi", "registrar"), clock.now()
    _raw("INSERT INTO registration_preschoolrecord (province_code, id_number, id_number_index, name, sex, "
         "birth_date, ethnic, kindergarten, data, loaded_at) VALUES ('340000', %s, '', '幼儿', '1', %s, '01', '', "
         "'{}', %s)", [number, dt.date(2015, 2, 3), now])
    _raw("INSERT INTO admissions_admission (year, stage, school_id, school_class_id, id_number, id_number_index, "
         "name, sex, birth_date, national_number, status, source, created_by_id, created_at) VALUES (2026, '1', %s, "
         "%s, %s, '', '幼儿', '1', %s, '', 'admitted', 'import', %s, %s)",
         [school.pk, klass.pk, number, dt.date(2015, 2, 3), user.pk, now])
    _raw("INSERT INTO registration_problem (kind, status, resolution, province_code, key, id_number, detail, "
         "source, created_at, updated_at) VALUES ('duplicate_id', 'open', '', '340000', %s, '', '{}', 'scan', %s, %s)",
         [number, now, now])
    editor = SimpleNamespace(connection=connection)
    for name in ("registration.migrations.0007_sealed_id_number", "admissions.migrations.0003_sealed_id_number"):
        _migration(name).seal_rows(None, editor)
        _migration(name).seal_rows(None, editor)  # run again: changes nothing
    _migration("problems.migrations.0002_sealed_id_numbers").rekey(None, editor)
    _migration("problems.migrations.0002_sealed_id_numbers").rekey(None, editor)

    index = sealing.blind_index(number)
    for table in ("registration_preschoolrecord", "admissions_admission", "registration_problem"):
        ((stored,),) = _raw(f"SELECT id_number FROM {table}")  # noqa: S608 - test SQL, constant names
        assert stored.startswith("$sm4$") and number not in stored, table
    assert PreschoolRecord.objects.get(id_number=number).id_number_index == index
    assert Admission.objects.get(id_number=number).id_number_index == index
    problem = Problem.objects.get(id_number=number)
    assert (problem.key, problem.id_number) == (index, number)


def test_the_national_numbers_and_the_json_copies_are_sealed_by_their_migrations_and_opened_backwards(world):
    """registry 0014 (the pupils' and issued national numbers with their indexes, the history's ID items) and
    registration 0008 (the pre-school data's ID numbers) over rows written as before (plaintext), set-based per
    batch; run twice (nothing changes), then backwards (the plaintext is back)."""
    from xueji.registry.models import NationalNumber, Student, StudentHistory
    from xueji.registry.services import student_number_issue

    pupil = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    number, guardian = "G" + pupil.id_number, "11010519491231002X"
    student_number_issue(actor=None, issued=[(pupil.pk, number, "G")])
    _raw("UPDATE registry_student SET national_number = %s, national_number_index = NULL, national_number_tail = "
         "NULL, national_number_kind = NULL WHERE id = %s", [number, pupil.pk])
    _raw("UPDATE registry_nationalnumber SET number = %s, number_index = %s WHERE student_id = %s AND number_index = "
         "%s", [number, "old", pupil.pk, sealing.blind_index(number)])
    _raw("INSERT INTO registry_studenthistory (student_id, kind, old, new, changes, reason, at) VALUES (%s, "
         "'identity', '', '', %s, '', %s)", [pupil.pk, json.dumps({"id_number": [guardian, pupil.id_number],
                                                                     "name": ["甲", "乙"]}), clock.now()])
    _raw("INSERT INTO registration_preschoolrecord (province_code, id_number, id_number_index, name, sex, "
         "birth_date, ethnic, kindergarten, data, loaded_at) VALUES ('340000', '', 'x', '幼儿', '1', %s, '01', '', "
         "%s, %s)", [dt.date(2015, 2, 3), json.dumps({"guardian": {"id_number": guardian}, "address": "屯溪"}),
                     clock.now()])
    editor = SimpleNamespace(connection=connection)
    registry = _migration("registry.migrations.0014_sealed_national_numbers")
    registration = _migration("registration.migrations.0008_sealed_preschool_data")
    steps = [(registry.seal_pupils, registry.open_pupils), (registry.seal_numbers, registry.open_numbers),
             (registry.seal_history, registry.open_history), (registration.seal_data, registration.open_data)]
    for _again in range(2):
        for forwards, _backwards in steps:
            forwards(None, editor)

    def texts() -> str:
        rows = _raw("SELECT national_number FROM registry_student WHERE id = %s", [pupil.pk])
        rows += _raw("SELECT number FROM registry_nationalnumber WHERE student_id = %s", [pupil.pk])
        rows += _raw("SELECT changes FROM registry_studenthistory WHERE student_id = %s", [pupil.pk])
        rows += _raw("SELECT data FROM registration_preschoolrecord WHERE id_number_index = 'x'")
        return " ".join(str(row[0]) for row in rows)

    assert pupil.id_number not in texts() and guardian not in texts() and "$sm4$" in texts()
    assert Student.objects.get(national_number=number) == pupil  # found by the index the migration computed
    assert list(Student.objects.filter(pk=pupil.pk, national_number__startswith="G",
                                       national_number__endswith=number[-4:])) == [pupil]
    assert NationalNumber.objects.get(number=number).student_id == pupil.pk
    assert StudentHistory.objects.filter(student=pupil, kind="identity").get().changes == {
        "id_number": [guardian, pupil.id_number], "name": ["甲", "乙"]}
    assert PreschoolRecord.objects.get(id_number_index="x").data == {"guardian": {"id_number": guardian},
                                                                     "address": "屯溪"}
    for _forwards, backwards in reversed(steps):
        backwards(None, editor)
    assert pupil.id_number in texts() and guardian in texts() and "$sm4$" not in texts()
