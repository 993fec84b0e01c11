"""The province system administrator's pages: the list with totals and page sizes, registration with the scope
picked from the region tree (the secret shown once), changes, rotation, revocation and the call log."""

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core.errors import ValidationFailed
from xueji.interface import services
from xueji.interface.models import ApiClient, ApiSecret
from xueji.interface.tests.helpers import caller, register
from xueji.testing.fingerprint import fingerprint

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_provinces_clients_with_totals(world, login, django_assert_max_num_queries):
    register(world, name="资助系统")
    revoked, _secret = register(world, name="体检系统")
    services.client_revoke(actor=world.user("anhui", "sysadmin"), client=revoked)
    services.client_register(actor=world.user("jiangsu", "sysadmin"), name="江苏系统", scope=world.units["xuanwu"],
                             items=["name"])
    http = login(world.user("anhui", "sysadmin"))
    with django_assert_max_num_queries(25):
        html = http.get(reverse("interface:client_list")).content.decode()
    assert "资助系统" in html and "体检系统" in html and "江苏系统" not in html
    assert 'data-total="all">全部 <span class="badge text-bg-light">2</span>' in html
    assert 'data-total="revoked"' in html and 'data-page-size="50"' in html
    html = http.get(reverse("interface:client_list"), {"state": "active", "sort": "-rate_limit"}).content.decode()
    assert "资助系统" in html and "体检系统" not in html


def test_registering_picks_the_scope_from_the_region_tree_and_shows_the_secret_once(world, login):
    http = login(world.user("anhui", "sysadmin"))
    form = http.get(reverse("interface:client_create")).content.decode()
    assert 'name="scope_1"' in form and 'name="scope_3"' in form
    response = http.post(reverse("interface:client_create"), {
        "name": "学生资助管理系统", "scope_1": "340000", "scope_2": "341000", "scope_3": "341002",
        "items": ["name", "phone", "id_number"], "unmasked": ["phone"], "rate_limit": "120"})
    assert response.status_code == 200
    client = ApiClient.objects.get(name="学生资助管理系统")
    assert client.scope == world.units["tunxi"] and client.owner == world.units["anhui"]
    assert client.unmasked == ["phone"] and client.rate_limit == 120
    secret = response.context["secret"]
    assert secret in response.content.decode()
    stored = ApiSecret.objects.get(client=client)
    assert stored.digest == services.digest(secret) and secret not in stored.digest
    assert caller(client, secret).get(reverse("api:interface-pupil-list")).status_code == 200
    detail = http.get(reverse("interface:client_detail", kwargs={"pk": client.pk})).content.decode()
    assert secret not in detail and client.client_id in detail


def test_a_scope_outside_the_jurisdiction_is_refused_and_changes_nothing(world, login):
    http = login(world.user("anhui", "sysadmin"))
    before = fingerprint()
    response = http.post(reverse("interface:client_create"), {
        "name": "越界", "scope": "320102", "items": ["name"], "rate_limit": "60"})
    assert response.status_code == 200 and "越界" not in ApiClient.objects.values_list("name", flat=True)
    assert response.context["form"].errors["scope"]
    after = fingerprint()
    assert [t for t in after if after[t] != before.get(t) and not t.startswith("audit_")] == []


@pytest.mark.parametrize("values, code", [
    ({"items": ["name"], "unmasked": ["phone"]}, "unmask_not_included"),
    ({"items": ["salary"]}, "unknown_item"),
    ({"items": ["name"], "rate_limit": 0}, "bad_rate_limit"),
])
def test_the_service_refuses_bad_profiles(world, values, code):
    with pytest.raises(ValidationFailed) as refused:
        services.client_register(actor=world.user("anhui", "sysadmin"), name="x", scope=world.units["tunxi"],
                                 **values)
    assert refused.value.code == code
    assert not ApiClient.objects.exists()


def test_unmasking_needs_its_capability(world, monkeypatch):
    from xueji.core.errors import Forbidden
    from xueji.interface import services as module

    monkeypatch.setattr(module, "has_cap", lambda user, cap: False)
    with pytest.raises(Forbidden) as refused:
        services.client_register(actor=world.user("anhui", "sysadmin"), name="x", scope=world.units["tunxi"],
                                 items=["phone"], unmasked=["phone"])
    assert refused.value.code == "unmask_not_allowed" and not ApiClient.objects.exists()


def test_edit_rotate_revoke_and_the_call_log(world, login):
    client, old = register(world)
    http = login(world.user("anhui", "sysadmin"))
    caller(client, old).get(reverse("api:interface-changes"))
    response = http.post(reverse("interface:client_edit", kwargs={"pk": client.pk}), {
        "name": "改名系统", "scope": "341000", "items": ["name", "sex"], "rate_limit": "30"})
    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.name, client.scope, client.items, client.rate_limit) == (
        "改名系统", world.units["huangshan"], ["name", "sex"], 30)
    response = http.post(reverse("interface:client_rotate", kwargs={"pk": client.pk}), {"overlap_hours": "0"})
    new = response.context["secret"]
    assert caller(client, old).get(reverse("api:interface-pupil-list")).status_code == 401  # no overlap
    assert caller(client, new).get(reverse("api:interface-pupil-list")).status_code == 200
    detail = http.get(reverse("interface:client_detail", kwargs={"pk": client.pk})).content.decode()
    assert 'data-testid="calls"' in detail and "changes" in detail and "pupils" in detail
    assert http.post(reverse("interface:client_revoke", kwargs={"pk": client.pk}), {"confirm": "on"}).status_code == 302
    assert caller(client, new).get(reverse("api:interface-pupil-list")).status_code == 401
    actions = set(AuditEvent.objects.filter(object_type="interface.apiclient").values_list("action", flat=True))
    assert {"interface.client_register", "interface.client_update", "interface.client_rotate",
            "interface.client_revoke", "interface.call"} <= actions


def test_other_roles_and_levels_are_refused(world, login):
    client, _secret = register(world)
    for unit, role in (("huangshan", "sysadmin"), ("anhui", "registrar"), ("anhui", "auditor")):
        http = login(world.user(unit, role))
        assert http.get(reverse("interface:client_list")).status_code == 403
        assert http.get(reverse("interface:client_detail", kwargs={"pk": client.pk})).status_code == 403
    other = login(world.user("jiangsu", "sysadmin"))
    assert other.get(reverse("interface:client_detail", kwargs={"pk": client.pk})).status_code == 404
