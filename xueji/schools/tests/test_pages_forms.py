"""Create and edit forms of schools, classes and school years: success, validation errors shown on the field,
and foreign ids never obeyed."""

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.schools.models import School, SchoolClass, SchoolYear
from xueji.testing.html import field_errors

pytestmark = pytest.mark.django_db


def _school(county, **extra):
    return {"code": county.code + "9001", "name": "屯溪区第三小学", "county": county.pk, "running_type": "211",
            "address": "黄山市屯溪区", **extra}


def test_create_school(world, login):
    client = login(world.user("tunxi", "registrar"))
    response = client.post(reverse("schools:school_create"), _school(world.units["tunxi"]))
    school = School.objects.get(code="3410029001")
    assert response["Location"] == reverse("schools:school_detail", args=[school.pk])
    assert school.stages == "1"  # primary school: the running type's stage
    assert AuditEvent.objects.filter(action="school.create", object_id=str(school.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert "学校“屯溪区第三小学”已创建。" in page


def test_create_school_showsfield_errors(world, login):
    client = login(world.user("tunxi", "registrar"))
    html = client.post(reverse("schools:school_create"),
                       _school(world.units["tunxi"], code="12ab", name="")).content.decode()
    errors = field_errors(html)
    assert "此项为必填项。" in errors and "学校标识码为 10 位数字。" in errors
    assert "请更正下列错误。" in html
    taken = client.post(reverse("schools:school_create"), _school(world.units["tunxi"], code="3410021001"))
    assert "该代码已被使用。" in field_errors(taken.content.decode())
    assert School.objects.count() == 5


def test_create_school_in_a_foreign_county_is_404_and_creates_nothing(world, login):
    client = login(world.user("tunxi", "registrar"))
    response = client.post(reverse("schools:school_create"), _school(world.units["shexian"]))
    assert response.status_code == 404
    assert not School.objects.filter(code__startswith="3410219").exists()


def test_county_choices_are_the_jurisdiction(world, login):
    html = login(world.user("huangshan", "registrar")).get(reverse("schools:school_create")).content.decode()
    assert "tunxi authority" in html and "shexian authority" in html and "yaohai authority" not in html


def test_edit_school(world, login):
    school = world.schools["tunxi_primary"]
    client = login(world.user("tunxi", "registrar"))
    url = reverse("schools:school_edit", args=[school.pk])
    assert 'value="tunxi_primary"' in client.get(url).content.decode()
    bad = client.post(url, {"name": "屯溪一小", "running_type": "211", "stages": ["2"], "is_active": "on"})
    assert "该学校未开设此学段。" not in bad.content.decode()  # not a class: stages are free for a school
    response = client.post(url, {"name": "屯溪一小", "running_type": "211", "stages": ["1"], "phone": "0559-1",
                                 "is_active": "on"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.name, school.phone, school.org_unit.name) == ("屯溪一小", "0559-1", "屯溪一小")


def test_create_class_and_errors(world, login):
    school = world.schools["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))
    form = client.get(reverse("schools:class_create")).content.decode()
    assert f'<option value="{school.pk}" selected>' in form  # the school's own registrar: preselected
    data = {"school": school.pk, "stage": "1", "cohort_year": 2025, "number": 4, "head_teacher": "李老师"}
    response = client.post(reverse("schools:class_create"), data)
    klass = SchoolClass.objects.get(school=school, cohort_year=2025, number=4)
    assert response["Location"] == reverse("schools:class_detail", args=[klass.pk])
    again = client.post(reverse("schools:class_create"), data).content.decode()
    assert "该班级已存在。" in field_errors(again)
    wrong_stage = client.post(reverse("schools:class_create"), {**data, "stage": "3", "number": 5}).content.decode()
    assert "该学校未开设此学段。" in field_errors(wrong_stage)
    bad_number = client.post(reverse("schools:class_create"), {**data, "number": 100}).content.decode()
    assert "班号须为 1 到 99。" in field_errors(bad_number)


def test_create_class_in_a_foreign_school_is_404(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    foreign = world.schools["tunxi_middle"]
    response = client.post(reverse("schools:class_create"), {"school": foreign.pk, "stage": "2", "cohort_year": 2025,
                                                             "number": 7})
    assert response.status_code == 404
    assert not SchoolClass.objects.filter(school=foreign, number=7).exists()


def test_edit_class(world, login):
    klass = world.classes["tunxi_primary"]
    client = login(world.user("tunxi_primary", "registrar"))
    response = client.post(reverse("schools:class_edit", args=[klass.pk]),
                           {"name": "", "head_teacher": "赵老师", "head_teacher_phone": "", "is_active": "on"})
    assert response.status_code == 302
    klass.refresh_from_db()
    assert klass.head_teacher == "赵老师"


def test_school_years(world, login):
    client = login(world.user("anhui", "registrar"))
    current = SchoolYear.objects.get(is_current=True)
    response = client.post(reverse("schools:school_year_create"), {"start_year": current.start_year + 1})
    assert response["Location"] == reverse("schools:school_year_list")
    duplicate = client.post(reverse("schools:school_year_create"), {"start_year": current.start_year + 1})
    assert "该学年已存在。" in field_errors(duplicate.content.decode())
    new = SchoolYear.objects.get(start_year=current.start_year + 1)
    assert client.get(reverse("schools:school_year_set_current", args=[new.pk])).status_code == 405
    client.post(reverse("schools:school_year_set_current", args=[new.pk]))
    new.refresh_from_db()
    assert new.is_current
    # A county registrar may look at the years but not change them.
    county = login(world.user("tunxi", "registrar"))
    listing = county.get(reverse("schools:school_year_list")).content.decode()
    assert reverse("schools:school_year_set_current", args=[current.pk]) not in listing
    assert county.post(reverse("schools:school_year_set_current", args=[current.pk])).status_code == 403
