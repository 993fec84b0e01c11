"""The shell's command (xueji.ui.views.command_view), through pages built on it: POST only, the object through
its access selector (404 outside the jurisdiction, nothing changed), the service's refusal shown with its message
(nothing changed), success as a message and the page it names."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from xueji.policy.models import BusinessWindow

pytestmark = pytest.mark.django_db


def _anhuis_window() -> BusinessWindow:
    return BusinessWindow.objects.filter(province_code="340000").first()


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_command_does_its_work_says_so_and_returns_to_its_page(world, window, login):
    window = _anhuis_window()
    client = login(world.user("anhui", "sysadmin"))

    response = client.post(reverse("policy:window_delete", args=[window.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("policy:window_list")
    assert _messages(response) == ["业务时间已删除。"]
    assert not BusinessWindow.objects.filter(pk=window.pk).exists()


def test_a_command_answers_only_post(world, window, login):
    window = _anhuis_window()
    client = login(world.user("anhui", "sysadmin"))

    assert client.get(reverse("policy:window_delete", args=[window.pk])).status_code == 405
    assert BusinessWindow.objects.filter(pk=window.pk).exists()


def test_a_command_on_a_foreign_object_is_404_and_changes_nothing(world, window, login):
    foreign = BusinessWindow.objects.filter(province_code="320000").first()  # Jiangsu's, not Anhui's
    client = login(world.user("anhui", "sysadmin"))

    assert client.post(reverse("policy:window_delete", args=[foreign.pk])).status_code == 404
    assert BusinessWindow.objects.filter(pk=foreign.pk).exists()


def test_a_command_the_service_refuses_shows_why_and_changes_nothing(world, login):
    admin = world.user("tunxi", "sysadmin")  # administrators are managed from the level above, not by a peer
    client = login(world.user("tunxi", "sysadmin"))

    response = client.post(reverse("accounts:user_set_active", args=[admin.pk]), {"is_active": "off"})

    assert response.status_code == 403 and "管理员账号由上级管理。" in response.content.decode()
    assert type(admin).objects.get(pk=admin.pk).is_active


def test_a_command_with_a_flag_says_what_it_did(world, login):
    user = world.user("tunxi_primary", "registrar")
    client = login(world.user("tunxi", "sysadmin"))

    response = client.post(reverse("accounts:user_set_active", args=[user.pk]), {"is_active": "off"})

    assert response["Location"] == reverse("accounts:user_edit", args=[user.pk])
    assert _messages(response) == [f"账号 {user.username} 已停用。"]
    assert not type(user).objects.get(pk=user.pk).is_active
