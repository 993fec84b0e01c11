"""The user pages: the list with lock state, create and edit forms with errors on the field, reset, deactivate,
unlock; foreign ids never obeyed."""

import pytest
from django.urls import reverse

from xueji.accounts.models import User
from xueji.testing.html import field_errors

pytestmark = pytest.mark.django_db


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
def _user(unit, **extra):
    return {"username": "wang.fang", "full_name": "王芳", "org_unit": unit.pk, "roles": [],
            "password": "Qz7#pLw9Rt", **extra}


def test_create_user(world, login, client):
    client = login(world.user("tunxi", "sysadmin"))
    response = client.post(reverse("accounts:user_create"), _user(world.units["tunxi_primary"]))
    created = User.objects.get(username="wang.fang")
    assert response["Location"] == reverse("accounts:user_edit", args=[created.pk])
    assert created.must_change_password and created.role_set == frozenset()  # roles: the security administrator's
    # The security administrator of the county grants them on its page.
    login(world.user("tunxi", "security"))
    response = client.post(reverse("accounts:security_user_roles", args=[created.pk]), {"roles": ["registrar"]})
    assert response.status_code == 302 and User.objects.get(pk=created.pk).role_set == {"registrar"}


def test_create_user_showsfield_errors(world, login):
    client = login(world.user("tunxi", "sysadmin"))
    unit = world.units["tunxi_primary"]
    weak = client.post(reverse("accounts:user_create"), _user(unit, password="abc")).content.decode()
    assert any("密码至少需要 8 个字符。" in e for e in field_errors(weak))
    duties = client.post(reverse("accounts:user_create"), _user(unit, roles=["sysadmin", "security"])).content.decode()
    assert "系统管理员、安全管理员和审计员不得兼任其他角色（三员分立）。" in field_errors(duties)
    taken = client.post(reverse("accounts:user_create"), _user(unit, username="tunxi_leader")).content.decode()
    assert "该用户名已被使用。" in field_errors(taken)
    business = client.post(reverse("accounts:user_create"), _user(unit, roles=["registrar"])).content.decode()
    assert field_errors(business)  # business roles are not offered: the security administrator grants them
    assert not User.objects.filter(username="wang.fang").exists()


def test_create_user_in_a_foreign_unit_is_404(world, login):
    client = login(world.user("tunxi", "sysadmin"))
    response = client.post(reverse("accounts:user_create"), _user(world.units["shexian_primary"]))
    assert response.status_code == 404
    assert not User.objects.filter(username="wang.fang").exists()


def test_edit_user_roles_and_own_account(world, login):
    admin = world.user("tunxi", "sysadmin")
    client = login(admin)
    target = world.user("tunxi_primary", "leader")
    url = reverse("accounts:user_edit", args=[target.pk])
    response = client.post(url, {"full_name": "李校长", "org_unit": target.org_unit_id,
                                 "roles": ["leader", "registrar"]})
    assert response.status_code == 302
    target = User.objects.get(pk=target.pk)
    # The name changes; the roles are shown, not edited (the security administrator grants them).
    assert target.full_name == "李校长" and target.role_set == {"leader"}
    # One's own account: roles and unit are read-only, the rest can change.
    own = client.get(reverse("accounts:user_edit", args=[admin.pk])).content.decode()
    assert "不能修改其角色或所属单位" in own
    response = client.post(reverse("accounts:user_edit", args=[admin.pk]),
                           {"full_name": "管理员", "org_unit": world.units["tunxi_primary"].pk, "roles": ["leader"]})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.full_name == "管理员" and admin.org_unit == world.units["tunxi"]
    assert User.objects.get(pk=admin.pk).role_set == {"sysadmin"}
    # A foreign account is not found.
    assert client.get(reverse("accounts:user_edit", args=[world.user("shexian", "leader").pk])).status_code == 404


def test_reset_deactivate_unlock(world, login):
    from axes.models import AccessAttempt

    client = login(world.user("tunxi", "sysadmin"))
    target = world.user("tunxi_primary", "leader")
    AccessAttempt.objects.create(username=target.username, ip_address="127.0.0.1", user_agent="t",
                                 failures_since_start=5, get_data="", post_data="", http_accept="", path_info="/")
    page = client.get(reverse("accounts:user_edit", args=[target.pk])).content.decode()
    assert "已锁定" in page and reverse("accounts:user_unlock", args=[target.pk]) not in page  # 三员: security's
    assert client.post(reverse("accounts:user_unlock", args=[target.pk])).status_code == 403
    assert AccessAttempt.objects.filter(username=target.username).exists()
    security = login(world.user("tunxi", "security"))
    page = security.get(reverse("accounts:security_user_list")).content.decode()
    assert reverse("accounts:user_unlock", args=[target.pk]) in page
    security.post(reverse("accounts:user_unlock", args=[target.pk]))
    assert not AccessAttempt.objects.filter(username=target.username).exists()
    client = login(world.user("tunxi", "sysadmin"))

    weak = client.post(reverse("accounts:user_reset_password", args=[target.pk]), {"new_password": "short"})
    assert field_errors(weak.content.decode())
    response = client.post(reverse("accounts:user_reset_password", args=[target.pk]), {"new_password": "Temp#2026pass"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Temp#2026pass") and target.must_change_password

    client.post(reverse("accounts:user_set_active", args=[target.pk]), {"is_active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    client.post(reverse("accounts:user_set_active", args=[target.pk]), {"is_active": "1"})
    target.refresh_from_db()
    assert target.is_active
