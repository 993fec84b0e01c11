import getpass

from django.core.management.base import BaseCommand, CommandError

from xueji.accounts.models import Role
from xueji.accounts.services import bootstrap_account
from xueji.core.errors import XuejiError
from xueji.regions.models import OrgUnit


class Command(BaseCommand):
    help = "Create (or reset) the first system administrator of an org unit, e.g. the province authority."

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
            user = bootstrap_account(username=username, password=password, org_unit=unit, role=Role.SYSADMIN)
        except XuejiError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"System administrator {user.username} of {unit.name} is ready.")
