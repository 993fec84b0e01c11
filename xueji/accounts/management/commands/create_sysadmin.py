from xueji.accounts.management.bootstrap import BootstrapAccountCommand
from xueji.accounts.models import Role


class Command(BootstrapAccountCommand):
    help = "Create (or reset) the first system administrator of an org unit, e.g. the province authority."
    role = Role.SYSADMIN
    noun = "System administrator"
