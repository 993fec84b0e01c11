"""Account services: roles and separation of duties, managing accounts within one's jurisdiction only."""

import pytest
from django.db import transaction

from xueji.accounts import services
from xueji.accounts.models import User
from xueji.accounts.tests.factories import UserFactory
from xueji.audit.models import AuditEvent
from xueji.core.errors import Forbidden, NotFound, ValidationFailed

NEW_PASSWORD = "Start#2026abc"


def _create(actor, org_unit, roles, username="new_user"):
    return services.user_create(actor=actor, username=username, full_name="新用户", org_unit=org_unit, roles=roles,
                                password=NEW_PASSWORD)


@pytest.mark.parametrize(("manager", "roles"), [("sysadmin", ["sysadmin", "registrar"]),
                                               ("auditor", ["auditor", "leader"]),
                                               ("sysadmin", ["sysadmin", "auditor"])])
def test_sysadmins_and_auditors_hold_no_other_role(world, manager, roles):
    with pytest.raises(ValidationFailed) as exc:
        _create(world.user("tunxi", manager), world.units["tunxi_primary"], roles)

    assert exc.value.code == "separation_of_duties"
    assert not User.objects.filter(username="new_user").exists()


def test_no_admissions_role_at_a_school(world):
    with pytest.raises(ValidationFailed) as exc:
        _create(world.user("tunxi", "sysadmin"), world.units["tunxi_primary"], ["admissions"])

    assert exc.value.code == "role_not_at_level"


def test_a_sysadmin_creates_accounts_at_their_level_and_below(world):
    admin = world.user("tunxi", "sysadmin")

    county_user = _create(admin, world.units["tunxi"], [], "county_user")
    school_user = _create(admin, world.units["tunxi_primary"], [], "school_user")

    assert county_user.role_set == frozenset()  # roles come from the security administrator (三员分立)
    assert school_user.org_unit == world.units["tunxi_primary"]
    assert school_user.must_change_password  # the administrator knows the first password
    granted = services.user_roles_set(actor=world.user("tunxi", "security"), user=county_user,
                                      roles=["admissions", "registrar"])
    assert User.objects.get(pk=granted.pk).role_set == {"admissions", "registrar"}


def test_a_sysadmin_grants_no_business_role(world):
    admin = world.user("tunxi", "sysadmin")
    target = world.user("tunxi_primary", "leader")

    with pytest.raises(Forbidden) as exc:
        _create(admin, world.units["tunxi"], ["leader"])
    assert exc.value.code == "roles_by_security"
    with pytest.raises(Forbidden):
        services.user_update(actor=admin, user=target, roles=["registrar"])
    with pytest.raises(Forbidden):
        services.user_roles_set(actor=admin, user=target, roles=["registrar"])

    assert not User.objects.filter(username="new_user").exists()
    assert User.objects.get(pk=target.pk).role_set == {"leader"}
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", [("tunxi_primary", "auditor"), ("tunxi_primary", "registrar"),
                                 ("xuanwu", "security"), ("tunxi_middle", "security")])
def test_roles_are_granted_by_the_security_administrator_of_the_level_only(world, who):
    target = world.user("tunxi_primary", "leader")
    with pytest.raises((Forbidden, NotFound)):
        services.user_roles_set(actor=world.user(*who), user=target, roles=["registrar"])
    assert User.objects.get(pk=target.pk).role_set == {"leader"}
    assert not AuditEvent.objects.exists()


def test_the_security_administrator_grants_business_roles_only(world):
    security = world.user("tunxi", "security")
    target = world.user("tunxi_primary", "leader")
    with pytest.raises(ValidationFailed):
        services.user_roles_set(actor=security, user=target, roles=["leader", "sysadmin"])
    with pytest.raises(Forbidden):  # an administrator's role is its duty
        services.user_roles_set(actor=security, user=world.user("tunxi_primary", "sysadmin"), roles=["leader"])
    stamp = target.security_stamp
    services.user_roles_set(actor=security, user=target, roles=["registrar"])
    target.refresh_from_db()
    assert target.role_set == {"registrar"} and target.security_stamp != stamp  # a revoked role ends sessions
    event = AuditEvent.objects.get(action="user.roles")
    assert (event.actor, event.before, event.after) == (security, {"roles": ["leader"]}, {"roles": ["registrar"]})


@pytest.mark.parametrize(("admin_unit", "target_unit"), [
    ("tunxi", "shexian"),  # the neighbouring county
    ("tunxi", "huangshan"),  # the level above
    ("tunxi_primary", "tunxi_middle"),  # another school
    ("tunxi_primary", "tunxi"),  # the school's own county
])
def test_no_account_outside_the_jurisdiction(world, admin_unit, target_unit):
    with pytest.raises(NotFound):
        _create(world.user(admin_unit, "sysadmin"), world.units[target_unit], ["leader"])

    assert not User.objects.filter(username="new_user").exists()
    assert not AuditEvent.objects.exists()


def test_only_sysadmins_manage_accounts(world):
    with pytest.raises(Forbidden):
        _create(world.user("tunxi", "registrar"), world.units["tunxi"], ["leader"])


def test_usernames_are_unique_regardless_of_case(world):
    with pytest.raises(ValidationFailed) as exc:
        _create(world.user("tunxi", "sysadmin"), world.units["tunxi"], [], "TUNXI_LEADER")

    assert exc.value.code == "username_taken"


def test_a_sysadmin_cannot_change_their_own_roles_or_unit(world):
    admin = world.user("tunxi", "sysadmin")

    with pytest.raises(Forbidden) as exc:
        services.user_update(actor=admin, user=admin, roles=["registrar"])
    assert exc.value.code == "self_escalation"
    with pytest.raises(Forbidden):
        services.user_update(actor=admin, user=admin, org_unit=world.units["tunxi_primary"])

    assert User.objects.get(pk=admin.pk).role_set == {"sysadmin"}
    services.user_update(actor=admin, user=admin, full_name="改名")  # a name is fine


def test_a_sysadmin_cannot_deactivate_themselves(world):
    admin = world.user("tunxi", "sysadmin")

    with pytest.raises(Forbidden):
        services.user_set_active(actor=admin, user=admin, is_active=False)

    assert User.objects.get(pk=admin.pk).is_active


def test_a_sysadmin_cannot_reset_their_own_password(world):
    admin = world.user("tunxi", "sysadmin")

    with pytest.raises(Forbidden):
        services.user_reset_password(actor=admin, user=admin, new_password=NEW_PASSWORD)


def test_moving_an_account_out_of_the_jurisdiction_is_refused(world):
    admin = world.user("tunxi", "sysadmin")
    target = world.user("tunxi_primary", "leader")

    with pytest.raises(NotFound):
        services.user_update(actor=admin, user=target, org_unit=world.units["shexian_primary"])

    assert User.objects.get(pk=target.pk).org_unit == world.units["tunxi_primary"]


def test_moving_an_account_checks_its_roles_at_the_new_level(world):
    admin = world.user("tunxi", "sysadmin")
    target = world.user("tunxi", "admissions")

    with pytest.raises(ValidationFailed) as exc:
        services.user_update(actor=admin, user=target, org_unit=world.units["tunxi_primary"])
    assert exc.value.code == "role_not_at_level"

    services.user_roles_set(actor=world.user("tunxi", "security"), user=target, roles=["leader"])
    moved = services.user_update(actor=admin, user=User.objects.get(pk=target.pk),
                                 org_unit=world.units["tunxi_primary"])
    assert (moved.org_unit, moved.role_set) == (world.units["tunxi_primary"], {"leader"})


def test_user_update_is_audited_with_before_and_after(world):
    admin = world.user("tunxi", "sysadmin")
    target = world.user("tunxi_primary", "leader")

    services.user_update(actor=admin, user=target, full_name="新名字")

    event = AuditEvent.objects.get(action="user.update")
    assert event.actor == admin
    assert event.org_unit == world.units["tunxi"]
    assert event.object_id == str(target.pk)
    assert event.before == {"full_name": "tunxi_primary leader"}
    assert event.after == {"full_name": "新名字"}


def test_deactivated_accounts_cannot_log_in_and_can_be_reactivated(world):
    admin = world.user("tunxi", "sysadmin")
    target = world.user("tunxi_primary", "leader")

    services.user_set_active(actor=admin, user=target, is_active=False)
    assert not User.objects.get(pk=target.pk).is_active
    services.user_set_active(actor=admin, user=target, is_active=True)

    assert list(AuditEvent.objects.order_by("id").values_list("action", "before", "after")) == [
        ("user.deactivate", {"is_active": True}, {"is_active": False}),
        ("user.activate", {"is_active": False}, {"is_active": True}),
    ]


def test_password_reset_forces_a_change_and_records_no_password(world):
    admin = world.user("tunxi", "sysadmin")
    target = world.user("tunxi_primary", "leader")

    services.user_reset_password(actor=admin, user=target, new_password=NEW_PASSWORD)

    target.refresh_from_db()
    assert target.must_change_password and target.password_expired(90)
    event = AuditEvent.objects.get(action="user.password_reset")
    assert NEW_PASSWORD not in str(event.after) and "pbkdf2" not in str(event.after)


def test_changing_ones_own_password_clears_the_forced_change(world):
    user = UserFactory(org_unit=world.units["tunxi"], must_change_password=True)
    assert user.password_expired(90)

    services.password_change(user=user, old_password="Xueji@2026test", new_password="Brand#New2026")

    user.refresh_from_db()
    assert not user.password_expired(90)
    assert AuditEvent.objects.filter(action="user.password_change", actor=user).exists()


def test_a_new_password_must_differ_from_the_old(world):
    user = world.user("tunxi", "leader")

    with pytest.raises(ValidationFailed) as exc:
        services.password_change(user=user, old_password="Xueji@2026test", new_password="Xueji@2026test")

    assert (exc.value.code, exc.value.field) == ("password_reused", "new_password")


def test_an_account_write_and_its_audit_row_share_one_transaction(world):
    """If anything fails after the audit call, neither the account nor its audit row remains."""
    with pytest.raises(RuntimeError), transaction.atomic():
        _create(world.user("tunxi", "sysadmin"), world.units["tunxi"], [])
        assert AuditEvent.objects.filter(action="user.create").exists()
        raise RuntimeError("the caller's transaction fails")

    assert not User.objects.filter(username="new_user").exists()
    assert not AuditEvent.objects.filter(action="user.create").exists()


def test_the_roles_api_is_the_security_administrators(world, client):
    target = world.user("tunxi_primary", "leader")
    client.force_login(world.user("tunxi", "sysadmin"))
    url = f"/api/v1/security/users/{target.pk}/roles/"
    assert client.post(url, {"roles": ["registrar"]}, content_type="application/json").status_code == 403
    assert User.objects.get(pk=target.pk).role_set == {"leader"}
    client.force_login(world.user("tunxi", "security"))
    response = client.post(url, {"roles": ["registrar", "leader"]}, content_type="application/json")
    assert response.status_code == 200 and sorted(response.json()["roles"]) == ["leader", "registrar"]
