import json

from django.core.management.base import BaseCommand

from xueji.accounts.alerts import security_scan
from xueji.accounts.loans import loans_expire


class Command(BaseCommand):
    help = ("Run the intrusion detectors once (credential stuffing, one account from several addresses, export "
            "bursts, out-of-hours bulk reads, 404 scans) and end the password loans past their end; the jobs "
            "worker's maintenance runs the same every minute.")

    def handle(self, *args, **options):
        result = {"alerts": security_scan(), "loans": loans_expire()}
        self.stdout.write(json.dumps(result))
