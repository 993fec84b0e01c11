import json

from django.core.management.base import BaseCommand

from xueji.accounts.services import idle_accounts_disable


class Command(BaseCommand):
    help = ("Disable the accounts that have not signed in for XUEJI_ACCOUNT_IDLE_DAYS days (audited, their sessions "
            "and tokens ended); the jobs worker's maintenance runs the same every minute.")

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(idle_accounts_disable()))
