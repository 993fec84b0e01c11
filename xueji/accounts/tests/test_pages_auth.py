"""Sign-in, lockout, expired passwords, sign-out and password change, as a user meets them."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.core import clock
from xueji.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def test_login_page_has_the_form(client):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html and 'type="submit"' in html
    assert "登录" in html


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("registry:student_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=/students/")


def test_login_success_goes_to_the_workbench_or_next(client, world):
    response = _login(client, "tunxi_primary_registrar")
    assert response.status_code == 302 and response["Location"] == reverse("ui:workbench")
    assert client.get(reverse("ui:workbench")).status_code == 200

    client.post(reverse("accounts:logout"))
    response = _login(client, "tunxi_primary_registrar", next="/students/")
    assert response["Location"] == "/students/"


def test_login_ignores_a_foreign_next(client, world):
    response = _login(client, "tunxi_primary_registrar", next="https://evil.example/")
    assert response["Location"] == reverse("ui:workbench")


def test_wrong_password_is_told_in_chinese(client, world):
    response = _login(client, "tunxi_primary_registrar", "Wrong@Password1")
    assert response.status_code == 200
    assert "用户名或密码错误。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account(client, world):
    for _ in range(4):
        assert "用户名或密码错误。" in _login(client, "tunxi_primary_leader", "Wrong@Password1").content.decode()
    fifth = _login(client, "tunxi_primary_leader", "Wrong@Password1").content.decode()
    assert "密码错误。账号已被锁定 30 分钟。" in fifth
    # Even the right password is refused while the lock lasts.
    locked = _login(client, "tunxi_primary_leader").content.decode()
    assert "该账号因多次登录失败已被锁定" in locked
    assert "_auth_user_id" not in client.session


def test_expired_password_leads_to_the_change_page(client, world):
    user = world.user("tunxi_primary", "registrar")
    user.password_changed_at = clock.now() - dt.timedelta(days=200)
    user.save(update_fields=["password_changed_at"])
    response = _login(client, user.username)
    assert response["Location"] == reverse("accounts:password_change")
    page = client.get(response["Location"]).content.decode()
    assert "您的密码已过期或已被管理员重置" in page
    assert "至少 8 个字符" in page  # the password rules are shown
    # Every other page sends the user back until the password is changed.
    assert client.get(reverse("registry:student_list"))["Location"] == reverse("accounts:password_change")


def test_password_change_with_errors_then_success(client, world):
    user = world.user("tunxi_primary", "registrar")
    client.force_login(user)
    url = reverse("accounts:password_change")
    new = {"new_password": "Better#2027pw", "new_password2": "Better#2027pw"}
    wrong = client.post(url, {"old_password": "nope", **new})
    assert "当前密码不正确。" in wrong.content.decode()
    weak = client.post(url, {"old_password": PASSWORD, "new_password": "abcdefgh", "new_password2": "abcdefgh"})
    assert "密码须至少包含以下 3 类字符" in weak.content.decode()
    differ = client.post(url, {"old_password": PASSWORD, "new_password": "Better#2027pw", "new_password2": "x"})
    assert "两次输入的新密码不一致。" in differ.content.decode()
    done = client.post(url, {"old_password": PASSWORD, **new})
    assert done["Location"] == reverse("ui:workbench")
    user.refresh_from_db()
    assert user.check_password("Better#2027pw")
    assert client.get(reverse("ui:workbench")).status_code == 200  # still signed in


def test_logout_is_post_only(client, world):
    client.force_login(world.user("tunxi_primary", "registrar"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("ui:workbench")).status_code == 302
