"""A school is found by any part of its name, served by its name grams (core/db/grams.py: a GIN index on
PostgreSQL): one character, two, or more (in one piece: pairs of the text found apart do not match), or by the
beginning of its code; the grams follow every save, a rename and a bulk insert."""

import pytest
from django.urls import reverse

from xueji.core.db.grams import grams, wanted
from xueji.regions.models import OrgKind
from xueji.regions.services import org_unit_create
from xueji.schools import selectors, services
from xueji.schools.models import School

pytestmark = pytest.mark.django_db


def test_the_grams_are_the_characters_and_pairs():
    assert grams("实验小学") == "学 实 实验 小 小学 验 验小"
    assert grams("ab c") == "A AB B C"  # no pair across a space
    assert wanted("镇") == ["镇"] and wanted("实验") == ["实验"] and wanted("第二中学") == ["中学", "二中", "第二"]


def _school(world, name, code, *, bulk=False):
    county = world.units["tunxi"]
    unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name=name, code=code, parent=county, audit=False)
    school = School(org_unit=unit, code=code, name=name, county=county, running_type="211", stages="1")
    if bulk:
        School.objects.bulk_create([school])
        return School.objects.get(code=code)
    school.save()
    return school


def _found(user, q):
    return {s.name for s in selectors.school_choices(user=user, q=q)}


def test_any_part_of_a_name_finds_its_school(world):
    _school(world, "屯溪区实验小学", "3410029101")
    _school(world, "屯溪区第二中学", "3410029102")
    _school(world, "阳湖镇学实验点", "3410029103", bulk=True)  # bulk insert: its grams too
    county = world.user("tunxi", "registrar")

    assert _found(county, "实验") == {"屯溪区实验小学", "阳湖镇学实验点"}
    assert _found(county, "镇") == {"阳湖镇学实验点"}
    assert _found(county, "第二中学") == {"屯溪区第二中学"}
    assert _found(county, "学实验") == {"阳湖镇学实验点"}  # 学实 and 实验 are in 屯溪区实验小学 only apart: no
    assert _found(county, "验小学") == {"屯溪区实验小学"}
    assert _found(county, "区第三") == set()
    assert _found(county, "341002910") == {"屯溪区实验小学", "屯溪区第二中学", "阳湖镇学实验点"}
    assert _found(world.user("shexian", "registrar"), "实验") == set()  # another county's


def test_a_renamed_school_is_found_by_its_new_name(world):
    school = _school(world, "屯溪区实验小学", "3410029101")
    services.school_update(actor=world.user("tunxi", "registrar"), school=school, name="屯溪区育才小学")
    county = world.user("tunxi", "registrar")
    assert _found(county, "育才") == {"屯溪区育才小学"} and _found(county, "实验") == set()
    assert School.objects.get(pk=school.pk).name_grams == grams("屯溪区育才小学")


def test_the_school_list_searches_the_same_way(world, login):
    _school(world, "屯溪区实验小学", "3410029101")
    html = login(world.user("tunxi", "registrar")).get(reverse("schools:school_list"), {"q": "验小"}).content.decode()
    assert "屯溪区实验小学" in html
