"""The data migrations that seal the copies of ID numbers (SECURITY.md row 24) seal the rows already there: rows
are written as they were before (plaintext, no blind index) with raw SQL, the migrations' data steps are run, and
the columns then hold sealed values with their blind indexes, which the models open and compare. (The steps are
run directly: taking the schema back and forth with the migration executor costs half a minute.)"""

import datetime as dt
import importlib
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
