"""三员分立: system administrators manage business accounts (and the administrators of the levels below); auditor
accounts are created and reset only by the auditor of a level above, or the first by `manage.py create_auditor`;
no account holds two of the three duties. So a school sysadmin has no path to the audit log."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from xueji.accounts import services
from xueji.accounts.models import User
from xueji.audit.models import AuditEvent
from xueji.core.errors import Forbidden, NotFound, ValidationFailed
from xueji.testing import PASSWORD

TEMP = "Start#2026abc"


def _new(unit, **overrides):
    return {"username": "new_account", "full_name": "新账号", "org_unit": unit.pk, "roles": ["auditor"],
            "password": TEMP, **overrides}


def _unchanged(user) -> bool:
    fresh = User.objects.get(pk=user.pk)
    return fresh.check_password(PASSWORD) and fresh.is_active and fresh.role_set == user.role_set


# A school sysadmin and the audit log ----------------------------------------------------------------------------


def test_a_school_sysadmin_cannot_create_an_auditor(world, login):
    client = login(world.user("tunxi_primary", "sysadmin"))

    api = client.post("/api/v1/users/", _new(world.units["tunxi_primary"]), content_type="application/json")
    page = client.post(reverse("accounts:user_create"), {**_new(world.units["tunxi_primary"]), "username": "web_one"})
    auditor_api = client.post("/api/v1/auditors/", _new(world.units["tunxi_primary"]), content_type="application/json")

    assert (api.status_code, api.json()["code"]) == (403, "auditor_accounts")
    assert page.status_code == 200 and "auditor" not in dict(page.context["form"].fields["roles"].choices)
    assert page.context["form"].errors["roles"]  # the form offers no auditor role
    assert auditor_api.status_code == 403
    assert not User.objects.filter(username__in=["new_account", "web_one"]).exists()
    assert not AuditEvent.objects.filter(action="user.create").exists()


def test_a_school_sysadmin_cannot_reset_or_touch_the_auditor(world, login):
    auditor = world.user("tunxi_primary", "auditor")
    client = login(world.user("tunxi_primary", "sysadmin"))

    answers = [
        client.post(f"/api/v1/users/{auditor.pk}/reset-password/", {"new_password": TEMP},
                    content_type="application/json").status_code,
        client.post(reverse("accounts:user_reset_password", args=[auditor.pk]), {"new_password": TEMP}).status_code,
        client.post(f"/api/v1/auditors/{auditor.pk}/reset-password/", {"new_password": TEMP},
                    content_type="application/json").status_code,
        client.post(f"/api/v1/users/{auditor.pk}/active/", {"is_active": False},
                    content_type="application/json").status_code,
        client.patch(f"/api/v1/users/{auditor.pk}/", {"full_name": "x"}, content_type="application/json").status_code,
        client.get(reverse("accounts:user_edit", args=[auditor.pk])).status_code,
    ]

    assert answers == [404, 404, 403, 404, 404, 404]  # outside what they manage looks like absent
    assert _unchanged(auditor)
    assert "tunxi_primary_auditor" not in client.get("/api/v1/users/?page_size=100").content.decode()


@pytest.mark.parametrize("service", ["reset", "deactivate", "update"])
def test_the_account_services_refuse_a_sysadmin_on_an_auditor(world, service):
    admin, auditor = world.user("tunxi", "sysadmin"), world.user("tunxi_primary", "auditor")
    call = {"reset": lambda: services.user_reset_password(actor=admin, user=auditor, new_password=TEMP),
            "deactivate": lambda: services.user_set_active(actor=admin, user=auditor, is_active=False),
            "update": lambda: services.user_update(actor=admin, user=auditor, full_name="x")}[service]

    with pytest.raises(Forbidden) as exc:
        call()

    assert exc.value.code == "auditor_accounts"
    assert _unchanged(auditor)
    assert not AuditEvent.objects.exists()


def test_a_sysadmin_cannot_turn_a_business_account_into_an_auditor(world, login):
    registrar = world.user("tunxi_primary", "registrar")
    client = login(world.user("tunxi_primary", "sysadmin"))

    response = client.patch(f"/api/v1/users/{registrar.pk}/", {"roles": ["auditor"]}, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "duty_change")
    assert _unchanged(registrar)


def test_the_school_sysadmin_has_no_path_to_the_audit_log(world, login):
    client = login(world.user("tunxi_primary", "sysadmin"))

    assert client.get("/api/v1/audit-events/").status_code == 403
    assert client.get(reverse("audit:audit_list")).status_code == 403
    assert client.get(reverse("accounts:auditor_list")).status_code == 403


# The auditor of the level above ---------------------------------------------------------------------------------


def test_the_county_auditor_creates_and_resets_a_school_auditor(world, login):
    client = login(world.user("tunxi", "auditor"))

    created = client.post("/api/v1/auditors/", {k: v for k, v in _new(world.units["tunxi_primary"]).items()
                                                if k != "roles"}, content_type="application/json")
    target = world.user("tunxi_primary", "auditor")
    reset = client.post(f"/api/v1/auditors/{target.pk}/reset-password/", {"new_password": TEMP},
                        content_type="application/json")

    assert created.status_code == 201
    assert created.json()["roles"] == ["auditor"] and created.json()["must_change_password"] is True
    assert reset.status_code == 200
    assert User.objects.get(pk=target.pk).check_password(TEMP)
    assert list(AuditEvent.objects.filter(actor=world.user("tunxi", "auditor"), action__startswith="user.")
                .order_by("id").values_list("action", flat=True)) == ["user.create", "user.password_reset"]


def test_the_auditor_pages_create_and_reset_school_auditors(world, login):
    client = login(world.user("tunxi", "auditor"))
    target = world.user("tunxi_primary", "auditor")

    listing = client.get(reverse("accounts:auditor_list")).content.decode()
    created = client.post(reverse("accounts:auditor_create"), {"username": "web_auditor", "full_name": "审计员",
                                                          "org_unit": world.units["tunxi_middle"].pk,
                                                          "password": TEMP})
    reset = client.post(reverse("accounts:auditor_reset_password", args=[target.pk]), {"new_password": TEMP})

    assert "审计员账号" in listing
    assert "tunxi_primary_auditor" in listing and "tunxi_auditor" not in listing.replace("tunxi_primary_auditor", "")
    assert (created.status_code, reset.status_code) == (302, 302)
    assert User.objects.get(username="web_auditor").role_set == {"auditor"}
    assert User.objects.get(pk=target.pk).check_password(TEMP)


@pytest.mark.parametrize(("actor", "unit", "roles", "error", "code"), [
    (("tunxi", "auditor"), "tunxi", ["auditor"], Forbidden, "manager_level"),  # a peer at one's own level
    (("tunxi", "auditor"), "tunxi_primary", ["leader"], Forbidden, "auditor_accounts"),  # no business accounts
    (("tunxi", "auditor"), "shexian_primary", ["auditor"], NotFound, "not_found"),  # another county
    (("tunxi_primary", "sysadmin"), "tunxi_primary", ["sysadmin"], Forbidden, "manager_level"),
    (("tunxi", "sysadmin"), "tunxi_primary", ["auditor"], Forbidden, "auditor_accounts"),
])
def test_who_may_create_which_account(world, actor, unit, roles, error, code):
    with pytest.raises(error) as exc:
        services.user_create(actor=world.user(*actor), username="new_account", full_name="新账号",
                             org_unit=world.units[unit], roles=roles, password=TEMP)

    assert exc.value.code == code
    assert not User.objects.filter(username="new_account").exists()


def test_system_administrators_of_the_level_below_come_from_the_level_above(world):
    created = services.user_create(actor=world.user("tunxi", "sysadmin"), username="school_admin2",
                                   full_name="管理员", org_unit=world.units["tunxi_primary"], roles=["sysadmin"],
                                   password=TEMP)

    assert created.role_set == {"sysadmin"}
    with pytest.raises(ValidationFailed) as exc:  # and stays an administrator
        services.user_update(actor=world.user("tunxi", "sysadmin"), user=created, roles=["registrar"])
    assert exc.value.code == "duty_change"


# The first auditor -----------------------------------------------------------------------------------------------


def test_the_first_auditor_comes_from_manage_py(world, capsys):
    call_command("create_auditor", "chief_auditor", "--org", "340000", "--password", "Audit#2026xyz")

    user = User.objects.get(username="chief_auditor")
    assert user.role_set == {"auditor"} and user.org_unit.code == "340000"
    assert AuditEvent.objects.filter(action="user.bootstrap", object_id=str(user.pk)).exists()
    assert "chief_auditor" in capsys.readouterr().out


@pytest.mark.parametrize(("command", "username"), [("create_auditor", "anhui_registrar"),
                                                   ("create_auditor", "anhui_sysadmin"),
                                                   ("create_sysadmin", "anhui_auditor")])
def test_the_commands_give_no_account_a_second_duty(world, command, username):
    before = User.objects.get(username=username)

    with pytest.raises(CommandError):
        call_command(command, username, "--org", "340000", "--password", "Audit#2026xyz")

    assert _unchanged(before)


THREE = ("sysadmin", "security", "auditor")  # 三员: system, security and audit administrators


@pytest.mark.parametrize("pair", [("sysadmin", "security"), ("sysadmin", "auditor"), ("security", "auditor"),
                                  ("security", "registrar")])
def test_no_account_combines_two_of_the_three_duties(world, pair):
    """T-3Y-02: assigning two 三员 roles (or one and a business role) to one account is refused, and nothing is
    written."""
    # The one who would manage such an account (auditor accounts: the auditor of the level above).
    from xueji.accounts.models import Duty, duty_of

    admin = world.user("tunxi", "auditor" if duty_of(pair) == Duty.AUDIT else "sysadmin")
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed) as exc:
        services.user_create(actor=admin, username="two_hats", full_name="两顶帽子",
                             org_unit=world.units["tunxi_primary"], roles=list(pair), password=TEMP)

    assert exc.value.code == "separation_of_duties"
    assert not User.objects.filter(username="two_hats").exists()
    assert AuditEvent.objects.count() == before


def test_a_security_administrator_account_keeps_its_duty(world):
    security = world.user("tunxi_primary", "security")

    with pytest.raises(ValidationFailed) as exc:
        services.user_update(actor=world.user("tunxi", "sysadmin"), user=security, roles=["sysadmin"])

    assert exc.value.code == "duty_change"
    assert security.role_set == {"security"}


def test_every_level_has_the_three_and_no_account_holds_two(world):
    from django.db.models import Count

    from xueji.accounts.models import RoleAssignment

    for unit in world.units:
        assert {r for (u, r) in world.users if u == unit} >= set(THREE), unit
    combined = (RoleAssignment.objects.filter(role__in=THREE).values("user").annotate(n=Count("role"))
                .filter(n__gt=1))
    assert not combined.exists()


def test_the_security_administrator_has_no_business_and_no_audit_log(world, login):
    client = login(world.user("tunxi", "security"))

    assert client.get("/api/v1/students/").status_code == 403
    assert client.get("/api/v1/audit-events/").status_code == 403
    assert client.get("/api/v1/users/").status_code == 403  # accounts are the system administrator's
    assert client.get(reverse("accounts:security_user_list")).status_code == 200


def test_the_sysadmin_no_longer_unlocks(world):
    admin, registrar = world.user("tunxi", "sysadmin"), world.user("tunxi_primary", "registrar")

    with pytest.raises(Forbidden) as exc:
        services.user_unlock(actor=admin, user=registrar)

    assert exc.value.code == "permission_denied"


def test_the_sysadmin_of_the_level_above_manages_security_administrator_accounts(world):
    from xueji.accounts import selectors

    county, school = world.user("tunxi", "sysadmin"), world.user("tunxi_primary", "sysadmin")
    security = world.user("tunxi_primary", "security")

    assert selectors.user_list(user=county).filter(pk=security.pk).exists()
    assert not selectors.user_list(user=school).filter(pk=security.pk).exists()
    with pytest.raises(Forbidden) as exc:
        services.user_update(actor=school, user=security, full_name="x")
    assert exc.value.code == "manager_level"
    services.user_update(actor=county, user=security, full_name="屯溪小学安全管理员")
    security.refresh_from_db()
    assert security.full_name == "屯溪小学安全管理员"
