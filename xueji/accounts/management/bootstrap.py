"""The one base of the commands that create a deployment's first accounts (create_sysadmin, create_auditor)."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from xueji.accounts.services import bootstrap_account
from xueji.core.errors import XuejiError
from xueji.regions.models import OrgUnit


class BootstrapAccountCommand(BaseCommand):
    role: str  # the one role the account gets
    noun: str  # how the output names it

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--org", required=True, help="code of the org unit (region code or school code)")
        parser.add_argument("--password", help="asked for when omitted")

    def handle(self, *args, username: str, org: str, password: str | None, **options):
        try:
            unit = OrgUnit.objects.get(code=org)
        except OrgUnit.DoesNotExist:
            raise CommandError(f"No org unit with code {org}; import the regions first (import_regions).") from None
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = bootstrap_account(username=username, password=password, org_unit=unit, role=self.role)
        except XuejiError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{self.noun} {user.username} of {unit.name} is ready.")
