"""The shell: the workbench's cards and counts follow the roles and the jurisdiction; error pages in Chinese."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _cards(html: str) -> set[str]:
    return set(re.findall(r'data-card="([\w_]+)"', html))


def _nav(html: str) -> set[str]:
    return set(re.findall(r'data-nav="\w+:([\w_]+)"', html))


def test_workbench_shows_the_user_and_unit(world, login):
    user = world.user("tunxi_primary", "registrar")
    html = login(user).get(reverse("ui:workbench")).content.decode()
    assert 'data-testid="workbench"' in html
    assert user.full_name in html and "tunxi_primary" in html
    assert "学籍管理员" in html  # the role, in Chinese


@pytest.mark.parametrize(("unit", "role", "present", "absent"), [
    ("tunxi_primary", "registrar", {"student_list", "class_list", "my_school", "job_list"},
     {"user_list", "audit_list", "school_list"}),
    ("tunxi", "leader", {"student_list", "class_list", "school_list", "org_list", "job_list"},
     {"user_list", "audit_list"}),
    ("anhui", "sysadmin", {"user_list", "school_list", "job_list"}, {"student_list", "audit_list"}),
    ("huangshan", "auditor", {"audit_list"}, {"student_list", "user_list", "school_list", "job_list"}),
])
def test_workbench_cards_follow_the_roles(world, login, unit, role, present, absent):
    html = login(world.user(unit, role)).get(reverse("ui:workbench")).content.decode()
    cards = _cards(html)
    assert present <= cards and not (absent & cards)
    nav = _nav(html)
    assert not ({"user_list", "audit_list", "student_list"} & absent & nav)


def test_workbench_counts_what_lies_in_the_jurisdiction(world, login):
    html = login(world.user("tunxi", "registrar")).get(reverse("ui:workbench")).content.decode()
    assert 'data-count="school_list">2<' in html  # tunxi_primary and tunxi_middle
    assert 'data-count="student_list">2<' in html


def test_pages_without_the_capability_answer_403_in_chinese(world, login):
    client = login(world.user("huangshan", "auditor"))
    response = client.get(reverse("registry:student_list"))
    assert response.status_code == 403
    assert "您无权访问此页面" in response.content.decode()


def test_foreign_objects_answer_404(world, login):
    client = login(world.user("tunxi", "registrar"))
    foreign = world.students["xuanwu_primary"]
    response = client.get(reverse("registry:student_detail", args=[foreign.pk]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert client.get(reverse("schools:school_detail", args=[world.schools["shexian_primary"].pk])).status_code == 404
    assert client.get(reverse("schools:class_detail", args=[world.classes["yaohai_primary"].pk])).status_code == 404
