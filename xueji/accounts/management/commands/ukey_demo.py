"""The demo's and the tests' software UKey: an SM2 key pair in software, standing in for a hardware SM2 certificate
key (a real UKey keeps its private key inside and signs through the CA's client). Never a real credential.

    manage.py ukey_demo keygen                       # prints a new private key and its public key
    manage.py ukey_demo sign --key <private> --challenge <text>   # prints the signature to paste
"""

from django.core.management.base import BaseCommand, CommandError

from xueji.accounts import ukey
from xueji.core import crypto


class Command(BaseCommand):
    help = ("The demo's software SM2 key (no hardware UKey): make a key pair, or sign a UKey challenge shown on the "
            "second-factor pages (SM2 with SM3, GM/T 0009 default user id).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("keygen", help="print a new SM2 private key and its public key (hex)")
        sign = sub.add_parser("sign", help="print the signature of a challenge")
        sign.add_argument("--key", required=True, help="the private key (hex) keygen printed")
        sign.add_argument("--challenge", required=True, help="the challenge text the page shows")

    def handle(self, *args, **options):
        if options["action"] == "keygen":
            pair = crypto.sm2_generate_key()
            self.stdout.write(f"private key: {pair.private_key}\npublic key:  {pair.public_key}")
            self.stdout.write("A software key for the demo only: it is no hardware UKey.")
            return
        try:
            self.stdout.write(ukey.demo_sign(private_key=options["key"], text=options["challenge"]))
        except crypto.SM2Error as exc:
            raise CommandError(f"Not an SM2 private key: {exc}") from exc
