from xueji.accounts.management.bootstrap import BootstrapAccountCommand
from xueji.accounts.models import Role


class Command(BootstrapAccountCommand):
    help = ("Create (or reset) the first auditor of an org unit, e.g. the province authority (三员分立: no system "
            "administrator can create or reset an auditor; the auditors of the levels below are created by it).")
    role = Role.AUDITOR
    noun = "Auditor"
