"""The deployment check that production has no superuser (SECURITY.md §1 row 11)."""

from unittest import mock

from django.core import checks
from django.db import OperationalError

from xueji.accounts.tests.factories import UserFactory


def deploy_errors():
    return [message.id for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.database],
                                                        databases=["default"])
            if message.id.startswith("xueji.accounts.")]


def test_a_superuser_fails_the_deployment_check(world):
    UserFactory(username="ordinary", org_unit=world.units["anhui"])
    assert deploy_errors() == []
    UserFactory(username="root", is_superuser=True, org_unit=world.units["anhui"])
    assert deploy_errors() == ["xueji.accounts.E001"]


def test_the_check_is_only_a_deployment_check(world):
    UserFactory(username="root", is_superuser=True, org_unit=world.units["anhui"])
    assert [m for m in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
            if m.id.startswith("xueji.accounts.")] == []


def test_a_database_without_tables_passes(db):
    from xueji.accounts import checks as account_checks

    with mock.patch.object(account_checks, "get_user_model") as model:
        model.return_value.objects.filter.side_effect = OperationalError("no such table: accounts_user")
        assert account_checks.superuser_errors() == []
