"""SECURITY.md row 23: the record MAC of each pupil (its identity items) and of each role assignment. A direct SQL
UPDATE is found by the verification (`manage.py record_macs`, the daily maintenance's alert) and flagged on the
pupil's page (a warning, audited); every write through the doors keeps the MACs valid."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from xueji.accounts.models import Role, RoleAssignment
from xueji.audit.models import AuditEvent
from xueji.core import idnumbers
from xueji.registry import integrity
from xueji.registry.models import Student, StudentMac
from xueji.registry.services import student_number_issue, student_place, student_set_identity

pytestmark = pytest.mark.django_db


def _sql(statement, params):
    with connection.cursor() as cursor:  # outside the application: no door, no model
        cursor.execute(statement, params)


def _clean():
    found = integrity.verify_all()
    return found["students_mismatched"] == [] and found["roles_mismatched"] == []


def test_a_pupils_name_changed_by_sql_is_found_by_the_verification_and_on_its_page(world, login):
    pupil = world.students["tunxi_primary"]
    registrar = login(world.user("tunxi_primary", "registrar"))
    page = reverse("registry:student_detail", kwargs={"pk": pupil.pk})
    assert _clean()
    assert 'data-testid="integrity-warning"' not in registrar.get(page).content.decode()
    call_command("record_macs", stdout=open("/dev/null", "w"))  # noqa: SIM115 - no mismatch: exits 0

    _sql("UPDATE registry_student SET name = %s WHERE id = %s", ["篡改者", pupil.pk])

    assert integrity.verify_all()["students_mismatched"] == [pupil.pk]
    with pytest.raises(CommandError):
        call_command("record_macs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert AuditEvent.objects.filter(action="integrity.verify", success=False).exists()
    html = registrar.get(page).content.decode()
    assert 'data-testid="integrity-warning"' in html
    assert AuditEvent.objects.get(action="registry.mac_mismatch").object_id == str(pupil.pk)


@pytest.mark.parametrize("column,value", [("birth_date", "2016-01-01"), ("national_number_index", "0" * 64),
                                          ("school_id", None), ("id_number_index", "0" * 64)])
def test_every_identity_item_is_covered(world, column, value):
    pupil = world.students["tunxi_primary"]
    if column == "school_id":
        value = world.schools["shexian_primary"].pk
    _sql(f"UPDATE registry_student SET {column} = %s WHERE id = %s", [value, pupil.pk])  # noqa: S608
    assert integrity.verify_all()["students_mismatched"] == [pupil.pk]


def test_a_pupil_inserted_by_sql_has_no_mac_and_is_found(world):
    pupil = world.students["tunxi_primary"]
    StudentMac.objects.filter(student_id=pupil.pk).delete()
    assert integrity.verify_all()["students_mismatched"] == [pupil.pk]


def test_a_role_row_changed_or_added_by_sql_is_found(world):
    clerk = RoleAssignment.objects.get(user=world.user("tunxi_primary", "registrar"))
    assert clerk.mac_matches() and _clean()
    _sql("UPDATE accounts_roleassignment SET role = %s WHERE id = %s", [Role.SYSADMIN, clerk.pk])
    _sql("INSERT INTO accounts_roleassignment (user_id, role, granted_at, mac) VALUES (%s, %s, %s, '')",
         [world.user("tunxi_primary", "leader").pk, Role.SECURITY, "2026-12-01 00:00:00+00:00"])
    added = RoleAssignment.objects.get(user=world.user("tunxi_primary", "leader"), role=Role.SECURITY)
    assert sorted(integrity.verify_all()["roles_mismatched"]) == sorted([clerk.pk, added.pk])


def test_writes_through_the_doors_keep_the_macs_valid(world):
    from xueji.accounts.services import _set_roles

    student = world.students["tunxi_primary"]
    new_id = idnumbers.make(student.school.county.code, student.birth_date, 301)
    student_set_identity(actor=world.user("tunxi", "registrar"), student=student,
                         changes={"name": "李四", "id_number": new_id})
    student_number_issue(actor=world.user("anhui", "registrar"), issued=[(student, "L3410022017030101", "L")])
    student_place(actor=world.user("huangshan", "registrar"), student=student,
                  school_class=world.classes["shexian_primary"])
    _set_roles(world.user("tunxi_primary", "leader"), [Role.LEADER, Role.REGISTRAR])
    assert _clean()
    assert not integrity.mismatch_of(Student.objects.get(pk=student.pk))


def test_the_daily_maintenance_raises_an_alert(world, settings):
    from xueji.ops.models import Alert
    from xueji.ops.services import record_macs_daily

    _sql("UPDATE registry_student SET name = %s WHERE id = %s", ["篡改者", world.students["tunxi_primary"].pk])
    assert record_macs_daily()["students_mismatched"] == [world.students["tunxi_primary"].pk]
    assert Alert.objects.get(kind="integrity_mismatch").detail["students"] == [world.students["tunxi_primary"].pk]
    assert record_macs_daily() is None  # once a day
