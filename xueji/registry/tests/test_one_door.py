"""The lint rule of the one door: nothing outside registry/services.py writes the pupil record."""

from pathlib import Path

import pytest

from xueji.registry.tests.one_door import writes_in, writes_outside_the_door

ROOT = Path(__file__).resolve().parents[3]


def test_nothing_outside_the_registry_services_writes_the_pupil_record():
    assert [str(w) for w in writes_outside_the_door(ROOT)] == []


@pytest.mark.parametrize("source", [
    "from xueji.registry.models import Student\nStudent.objects.filter(pk=1).update(name='x')\n",
    "from xueji.registry.models import Student as Pupil\nPupil.objects.create(name='x')\n",
    "from xueji.registry.models import FamilyMember\nFamilyMember.objects.bulk_create([])\n",
    "from xueji.registry.models import NationalNumber\nNationalNumber.objects.filter(number='G1').delete()\n",
    "from xueji.registry.models import StudentDetail\nStudentDetail.objects.update_or_create(student_id=1)\n",
    "from xueji.registry.models import Student\nStudent._base_manager.select_for_update().filter(pk=1).update(x=1)\n",
    "def f(student):\n    student.name = 'x'\n    student.save()\n",
    "def f(students):\n    students.update(reg_status='draft')\n",
    "def f(student):\n    student.family.create(name='x')\n",
    "def f(cursor):\n    cursor.execute('UPDATE registry_student SET name = %s', ['x'])\n",
    "def f(cursor):\n    cursor.copy('COPY \"registry_familymember\" (name) FROM STDIN')\n",
])
def test_a_planted_write_is_found(source):
    assert len(writes_in(source)) == 1


@pytest.mark.parametrize("source", [
    "from xueji.registry.models import Student\nStudent.objects.filter(pk=1).values_list('pk')\n",
    "from xueji.registry.models import Student\nStudent.objects.select_for_update().get(pk=1)\n",
    "from xueji.registry.services import student_set_status\nstudent_set_status(actor=None, student=1, status='02')\n",
    "def f(record):\n    record.save(update_fields=['taken_over_by'])\n",
    "def f(cursor):\n    cursor.execute('SELECT id FROM registry_student')\n",
])
def test_reads_and_other_tables_pass(source):
    assert writes_in(source) == []


def test_a_planted_module_fails_the_tree_check(tmp_path):
    door = tmp_path / "xueji" / "registry" / "services.py"
    door.parent.mkdir(parents=True)
    door.write_text("from xueji.registry.models import Student\nStudent.objects.create()\n")  # the door may write
    planted = tmp_path / "xueji" / "transfers" / "services.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("from xueji.registry.models import Student\n\n\n"
                       "def move(pk, school):\n    Student.objects.filter(pk=pk).update(school=school)\n")
    for skipped in ("xueji/transfers/tests/test_move.py", "xueji/transfers/migrations/0002_fill.py",
                    "xueji/demo/generator.py"):
        (tmp_path / skipped).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / skipped).write_text(planted.read_text())

    assert [str(w) for w in writes_outside_the_door(tmp_path)] == [
        "xueji/transfers/services.py:5: Student.objects ... .update()"]
