"""The data migrations that seal the copies of ID numbers (SECURITY.md row 24) seal the rows already there: the
schema of verification, registration, admissions and problems is taken back to before them, plaintext rows are
written as they were, and migrating forward leaves sealed columns with their blind indexes that the models open."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xueji.admissions.models import Admission
from xueji.core import clock, idnumbers, sealing
from xueji.problems.models import Problem
from xueji.registration.models import PreschoolRecord
from xueji.verification.models import RegisterEntry

BEFORE = [("verification", "0001_initial"), ("registration", "0006_verification_moved_out"),
          ("admissions", "0002_entry"), ("problems", "0001_initial")]
AFTER = [("verification", "0002_sealed_id_numbers"), ("registration", "0007_sealed_id_number"),
         ("admissions", "0003_sealed_id_number"), ("problems", "0002_sealed_id_numbers")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _raw(sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db(transaction=True)
def test_the_migrations_seal_the_rows_already_there(world):
    number = idnumbers.make("341002", dt.date(2015, 2, 3), 21)
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    user = world.user("tunxi", "registrar")
    now = clock.now()
    _migrate(BEFORE)
    try:
        _raw("INSERT INTO registration_registerentry (id_number, name, sex, birth_date, loaded_at) "
             "VALUES (%s, %s, '1', NULL, %s)", [number, "张三", now])
        _raw("INSERT INTO registration_preschoolrecord (province_code, id_number, name, sex, birth_date, ethnic, "
             "kindergarten, data, loaded_at) VALUES ('340000', %s, '幼儿', '1', %s, '01', '', '{}', %s)",
             [number, dt.date(2015, 2, 3), now])
        _raw("INSERT INTO admissions_admission (year, stage, school_id, school_class_id, id_number, name, sex, "
             "birth_date, national_number, status, source, created_by_id, created_at) "
             "VALUES (2026, '1', %s, %s, %s, '幼儿', '1', %s, '', 'admitted', 'import', %s, %s)",
             [school.pk, klass.pk, number, dt.date(2015, 2, 3), user.pk, now])
        _raw("INSERT INTO registration_problem (kind, status, resolution, province_code, key, detail, source, "
             "created_at, updated_at) VALUES ('duplicate_id', 'open', '', '340000', %s, '{}', 'scan', %s, %s)",
             [number, now, now])
    finally:
        _migrate(AFTER)
    index = sealing.blind_index(number)
    for table, column in (("registration_registerentry", "id_number"), ("registration_preschoolrecord", "id_number"),
                          ("admissions_admission", "id_number"), ("registration_problem", "id_number")):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - test SQL, constant names
            (stored,) = cursor.fetchone()
        assert stored.startswith("$sm4$") and number not in stored, table
    assert RegisterEntry.objects.get(id_number=number).pk == index
    assert PreschoolRecord.objects.get(id_number=number).id_number_index == index
    assert Admission.objects.get(id_number=number).id_number_index == index
    problem = Problem.objects.get(id_number=number)
    assert (problem.key, problem.id_number) == (index, number)
