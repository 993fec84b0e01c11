"""Default deny (SECURITY.md §1 row 6, T-AC-00): an account bound to no org unit, or holding no role, sees nothing,
on the pages and through the API; an account belongs to one org unit; roles change only by the security
administrator (三员分立), on the page and through the API."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from xueji.accounts.jurisdiction import restrict
from xueji.accounts.models import RoleAssignment, User
from xueji.accounts.permissions import declared_allows
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.capabilities import SIGNED_IN, declared_capability
from xueji.registry.models import Student
from xueji.testing import PASSWORD
from xueji.ui import navigation

pytestmark = pytest.mark.django_db


def _account(org_unit=None, roles=()):
    user = User(username="lonely", full_name="无归属", org_unit=org_unit, password_changed_at=clock.now())
    user.set_password(PASSWORD)
    user.save()
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=role) for role in roles])
    return User.objects.get(pk=user.pk)


def test_the_database_refuses_an_active_account_bound_to_no_org_unit(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        _account(roles=["registrar"])
    user = _account(org_unit=world.units["tunxi_primary"], roles=["registrar"])
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(org_unit=None)
    assert User.objects.get(pk=user.pk).org_unit == world.units["tunxi_primary"]


def test_an_inactive_account_may_lose_its_unit_but_cannot_sign_in(world, client):
    user = _account(org_unit=world.units["tunxi_primary"], roles=["registrar"])
    User.objects.filter(pk=user.pk).update(is_active=False, org_unit=None)

    page = client.post(reverse("accounts:login"), {"username": "lonely", "password": PASSWORD})
    token = client.post("/api/v1/auth/token/", {"username": "lonely", "password": PASSWORD},
                        content_type="application/json")

    assert page.status_code == 200 and "_auth_user_id" not in client.session
    assert token.status_code in (401, 403)


def test_an_account_bound_to_no_org_unit_sees_nothing(world):
    """Behind the constraint, the one restricted queryset: no unit, no rows (an unsaved account stands for one)."""
    unplaced = User(username="lonely", org_unit=None)
    unplaced._role_cache = frozenset({"registrar", "leader"})
    assert Student.objects.exists()
    assert not restrict(Student, unplaced).exists()


def test_an_account_without_a_role_is_refused_every_page_and_the_api(world, client):
    user = _account(org_unit=world.units["tunxi_primary"])
    client.force_login(user)

    # What every signed-in user has (the workbench, the FAQ, announcements addressed to them, their own
    # certificates, reporting misuse) and nothing that needs a capability.
    views = navigation._views()
    offered = {item["name"] for node in navigation.menu(user) for item in node["items"]}
    assert offered and all(declared_capability(views[name], "get") is SIGNED_IN for name in offered), offered
    assert not [entry.url_name for entry in navigation.entries() if entry.link is None
                and declared_capability(views[entry.url_name], "get") is not SIGNED_IN
                and declared_allows(user, views[entry.url_name], "get")]
    for url in (reverse("registry:student_list"), reverse("accounts:user_list"), reverse("audit:audit_list")):
        assert client.get(url).status_code == 403, url
    for url in ("/api/v1/students/", "/api/v1/users/", "/api/v1/audit-events/"):
        assert client.get(url).status_code == 403, url


def test_an_account_belongs_to_exactly_one_org_unit():
    field = User._meta.get_field("org_unit")
    assert field.many_to_one and not field.many_to_many  # one foreign key: never two units


@pytest.mark.parametrize("who", [("tunxi", "sysadmin"), ("tunxi", "leader"), ("tunxi", "auditor"),
                                 ("tunxi_primary", "registrar")])
def test_only_the_security_administrator_changes_roles_on_the_page_and_the_api(world, login, who):
    target = world.user("tunxi_primary", "leader")
    client = login(world.user(*who))

    page = client.post(reverse("accounts:security_user_roles", args=[target.pk]), {"roles": ["registrar"]})
    api = client.post(f"/api/v1/security/users/{target.pk}/roles/", {"roles": ["registrar"]},
                      content_type="application/json")

    assert page.status_code in (403, 404) and api.status_code in (403, 404)
    assert User.objects.get(pk=target.pk).role_set == {"leader"}
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


def test_the_sysadmins_edit_form_ignores_posted_roles(world, login):
    target = world.user("tunxi_primary", "leader")
    client = login(world.user("tunxi", "sysadmin"))

    client.post(reverse("accounts:user_edit", args=[target.pk]), {
        "full_name": "新名字", "org_unit": target.org_unit_id, "roles": ["registrar", "leader", "sysadmin"]})

    target = User.objects.get(pk=target.pk)
    assert target.role_set == {"leader"}
    assert not AuditEvent.objects.filter(action="user.roles").exists()
