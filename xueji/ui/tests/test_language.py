"""Chinese by default; English after switching in the navbar (and back)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_chinese_by_default_then_english_after_switching(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    html = client.get(reverse("ui:workbench")).content.decode()
    assert '<html lang="zh-hans">' in html and "工作台" in html and "学籍管理员" in html
    assert 'action="/i18n/setlang/"' in html and "简体中文" in html and "English" in html

    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("registry:student_list")})
    assert response["Location"] == reverse("registry:student_list")
    html = client.get(reverse("ui:workbench")).content.decode()
    assert '<html lang="en">' in html and "Workbench" in html and "Registrar" in html and "工作台" not in html
    # Code tables follow the language too.
    html = client.get(reverse("registry:student_list")).content.decode()
    assert "Male" in html and "Enrolled" in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get(reverse("ui:workbench")).content.decode()


def test_login_page_switches_language_too(client):
    assert "登录" in client.get(reverse("accounts:login")).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": reverse("accounts:login")})
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in" in html and "Username" in html


def test_error_pages_are_chinese(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    assert "页面不存在" in client.get("/no/such/page/").content.decode()
    assert "您无权访问此页面" in client.get(reverse("accounts:user_list")).content.decode()
