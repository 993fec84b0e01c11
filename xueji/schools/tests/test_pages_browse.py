"""The school list with its filters and a school's page with its classes."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_school_list_filters(world, login):
    client = login(world.user("huangshan", "leader"))
    html = client.get(reverse("schools:school_list")).content.decode()
    assert "tunxi_primary" in html and "shexian_primary" in html and "xuanwu_primary" not in html
    html = client.get(reverse("schools:school_list"), {"county": world.units["shexian"].pk}).content.decode()
    assert "shexian_primary" in html and "tunxi_primary" not in html
    html = client.get(reverse("schools:school_list"), {"q": "tunxi_m"}).content.decode()
    assert "tunxi_middle" in html and "tunxi_primary" not in html


def test_school_detail_shows_classes_with_grades_and_counts(world, login):
    school = world.schools["tunxi_primary"]
    html = login(world.user("tunxi", "leader")).get(reverse("schools:school_detail", args=[school.pk])).content.decode()
    assert "二年级" in html  # the class entered last year: grade 2 this school year
    assert world.classes["tunxi_primary"].display_name in html
    assert re.search(r'<td class="text-end">\s*1\s*</td>', html)  # one enrolled student
