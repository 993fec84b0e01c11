"""What each role sees: the workbench, the menus, lists with filters, details, masking of ID numbers."""

import re

import pytest
from django.urls import reverse

from xueji.audit.services import audit_record

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


def test_school_list_filters(world, login):
    client = login(world.user("huangshan", "leader"))
    html = client.get(reverse("schools:school_list")).content.decode()
    assert "tunxi_primary" in html and "shexian_primary" in html and "xuanwu_primary" not in html
    html = client.get(reverse("schools:school_list"), {"county": world.units["shexian"].pk}).content.decode()
    assert "shexian_primary" in html and "tunxi_primary" not in html
    html = client.get(reverse("schools:school_list"), {"q": "tunxi_m"}).content.decode()
    assert "tunxi_middle" in html and "tunxi_primary" not in html


def test_student_list_filters(world, login):
    client = login(world.user("anhui", "registrar"))
    url = reverse("registry:student_list")
    html = client.get(url).content.decode()
    assert all(f"学生{i}" in html for i in (1, 2, 3, 4)) and "学生5" not in html  # xuanwu is Jiangsu
    html = client.get(url, {"school": world.schools["shexian_primary"].pk}).content.decode()
    assert "学生3" in html and "学生1" not in html
    html = client.post(url, {"q": "学生2"}, follow=True).content.decode()  # the search text posts
    assert "学生2" in html and "学生1<" not in html
    html = client.get(url, {"sex": "2"}).content.decode()
    assert "学生1" not in html and "没有找到记录" in html
    klass = world.classes["tunxi_middle"]
    html = client.get(url, {"school": klass.school_id, "school_class": klass.pk}).content.decode()
    assert "学生2" in html and "学生1<" not in html


def test_ids_are_masked_for_a_leader_and_full_for_a_registrar(world, login, client):
    student = world.students["tunxi_primary"]
    full = student.id_number
    masked = full[:4] + "*" * 10 + full[-4:]
    parent_id = student.family.get().id_number

    login(world.user("tunxi_primary", "leader"))
    for url in (reverse("registry:student_list"), reverse("registry:student_detail", args=[student.pk]),
                reverse("schools:class_detail", args=[student.school_class_id])):
        html = client.get(url).content.decode()
        assert masked in html and full not in html, url
    assert parent_id not in client.get(reverse("registry:student_detail", args=[student.pk])).content.decode()

    login(world.user("tunxi_primary", "registrar"))
    html = client.get(reverse("registry:student_list")).content.decode()
    assert full in html
    html = client.get(reverse("registry:student_detail", args=[student.pk])).content.decode()
    assert full in html and parent_id in html and "家长1" in html


def test_school_detail_shows_classes_with_grades_and_counts(world, login):
    school = world.schools["tunxi_primary"]
    html = login(world.user("tunxi", "leader")).get(reverse("schools:school_detail", args=[school.pk])).content.decode()
    assert "二年级" in html  # the class entered last year: grade 2 this school year
    assert world.classes["tunxi_primary"].display_name in html
    assert re.search(r'<td class="text-end">\s*1\s*</td>', html)  # one enrolled student


def test_org_detail_shows_children_and_schools(world, login):
    client = login(world.user("anhui", "leader"))
    html = client.get(reverse("regions:org_detail", args=[world.units["huangshan"].pk])).content.decode()
    assert "tunxi authority" in html and "shexian authority" in html
    assert "tunxi_primary" in html and "shexian_primary" in html and "yaohai_primary" not in html
    html = client.get(reverse("regions:org_list"), {"kind": "county"}).content.decode()
    assert f'href="/orgs/{world.units["tunxi"].pk}/"' in html
    assert f'href="/orgs/{world.units["huangshan"].pk}/"' not in html


def test_audit_list_filters_and_detail(world, login):
    registrar = world.user("tunxi_primary", "registrar")
    event = audit_record(actor=registrar, action="school.update", obj=world.schools["tunxi_primary"],
                         before={"phone": "1"}, after={"phone": "0559-1234567", "name": "屯溪一小"})
    audit_record(actor=registrar, action="auth.login_failed", object_repr="someone", success=False)
    client = login(world.user("huangshan", "auditor"))
    html = client.get(reverse("audit:audit_list")).content.decode()
    assert "school.update" in html and "auth.login_failed" in html
    html = client.get(reverse("audit:audit_list"), {"success": "0"}).content.decode()
    assert "auth.login_failed" in html and "school.update" not in html
    html = client.get(reverse("audit:audit_list"), {"action": "school."}).content.decode()
    assert "school.update" in html and "auth.login_failed" not in html
    html = client.get(reverse("audit:audit_detail", args=[event.pk])).content.decode()
    assert "0559-1234567" in html and "屯溪一小" in html  # JSON keeps Chinese readable
    assert 'data-testid="audit-changes"' in html
    # An auditor of another city sees nothing of it.
    other = login(world.user("hefei", "auditor"))
    assert other.get(reverse("audit:audit_detail", args=[event.pk])).status_code == 404


def test_user_list_shows_accounts_and_lock_state(world, login, client):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username="tunxi_primary_leader", ip_address="127.0.0.1", user_agent="t",
                                 failures_since_start=5, get_data="", post_data="", http_accept="", path_info="/")
    login(world.user("tunxi", "sysadmin"))
    html = client.get(reverse("accounts:user_list")).content.decode()
    assert "tunxi_primary_leader" in html and "huangshan_leader" not in html
    assert "已锁定" in html
    html = client.get(reverse("accounts:user_list"), {"role": "registrar"}).content.decode()
    assert "tunxi_primary_registrar" in html and "tunxi_primary_leader" not in html
    assert "tunxi_auditor" not in client.get(reverse("accounts:user_list")).content.decode()  # auditors' own business
