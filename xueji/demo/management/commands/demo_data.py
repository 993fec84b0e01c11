import argparse
import importlib
import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import ValidationFailed
from xueji.demo import generator as demo
from xueji.regions.models import OrgKind


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def accounts_table(accounts: list[demo.DemoAccount]) -> str:
    """The demo accounts as a plain-text table (aligned for Chinese characters too)."""
    rows = [("username", "role", "level", "organisation")]
    rows += [(a.username, a.role, OrgKind(a.org_kind).label, a.org_name) for a in accounts]
    widths = [max(_width(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(str(cell), widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


_STORIES = (  # (what the line says, module of xueji.demo, its function)
    ("record and status changes in flight", "changes", "demo_changes_data"),
    ("transfers", "transfers", "demo_transfers_data"),
    ("admission", "admissions", "demo_admissions_data"),
    ("support", "support", "demo_support_data"),
    ("training", "training", "demo_training_data"),
    ("attendance", "attendance", "demo_attendance_data"),
    ("messages", "support", "demo_messages_data"),
    ("reports", "reports", "demo_reports_data"),
    ("security", "security", "demo_security_data"),
)


class Command(BaseCommand):
    help = ("Generate demo data: 安徽省 > 黄山市 and its seven counties, about 60 schools, 20,000 pupils and "
            "an account for every role at every level (one shared password), and a small second province "
            "(浙江省 > 杭州市 > 淳安县) for cross-province transfers. Scales to millions of pupils.")

    def add_arguments(self, parser):
        defaults = demo.DemoOptions()
        parser.add_argument("--province", default=defaults.province, help="province code (default 340000 安徽省)")
        parser.add_argument("--cities", type=int, default=defaults.cities)
        parser.add_argument("--counties", type=int, default=defaults.counties,
                            help="counties in all (default 7: the real ones of 黄山市; more are synthesized)")
        parser.add_argument("--schools", type=int, default=defaults.schools)
        parser.add_argument("--pupils", type=int, default=defaults.pupils)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--batch-size", type=int, default=defaults.batch_size,
                            help="pupils per write batch (one audit event each)")
        parser.add_argument("--second-province", action=argparse.BooleanOptionalAction, default=True,
                            help="add the small second province 浙江省 > 杭州市 > 淳安县 (4 schools, 500 pupils, its "
                                 "own accounts), for cross-province transfers (default: yes)")
        parser.add_argument("--reset", action="store_true",
                            help="empty the database first (everything but the append-only audit log)")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing but list the accounts when the database already holds data")

    def handle(self, *args, province, cities, counties, schools, pupils, seed, batch_size, reset, if_empty,
               second_province=True, **options):
        if not getattr(settings, "XUEJI_ALLOW_DEMO_DATA", False):
            # Demo data wipes records (--reset) and creates accounts that share a published password.
            raise CommandError("demo_data runs only under the development or test settings "
                               "(config.settings.dev, config.settings.test); these settings do not allow it.")
        if if_empty and not reset and demo.database_has_data():
            self.stdout.write("The database already holds data: demo data not generated again.")
            self._print_accounts(demo.demo_accounts())
            return
        verbosity = options.get("verbosity", 1)
        began = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            if verbosity >= 2 or (verbosity >= 1 and total >= 100_000):
                self.stdout.write(f"  {stage}: {done:,}/{total:,} ({time.perf_counter() - began:.1f} s)")

        options_ = demo.DemoOptions(province=province, cities=cities, counties=counties, schools=schools,
                                    pupils=pupils, seed=seed, batch_size=batch_size, second_province=second_province)
        try:
            result = demo.generate(options_, reset=reset, progress=progress)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - began
        counts = ", ".join(f"{value:,} {key.replace('_', ' ')}" for key, value in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data generated in {elapsed:.1f} s: {counts}."))
        if verbosity >= 1:
            steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
            self.stdout.write(f"  steps: {steps}")
        # Registration demo: the population register (with planted errors) and pre-school records.
        from xueji.demo.registration import demo_registration_data

        extra = demo_registration_data()
        self.stdout.write(f"  population register: {extra['register']:,} entries, planted {extra['omitted']} unknown "
                          f"IDs and {extra['renamed']} name mismatches; {extra['preschool']} pre-school records")
        # Each domain's demo story, in the order the business builds up (each one idempotent, through the services).
        for label, module, function in _STORIES:
            made = getattr(importlib.import_module(f"xueji.demo.{module}"), function)()
            if made:  # a list of what was made, or a dict of it by name
                self.stdout.write(f"  {label}: {', '.join(sorted(made) if isinstance(made, dict) else made)}")
        demo.demo_second_factors()  # the accounts that need a second factor share the demo's TOTP secret
        self._print_accounts(demo.demo_accounts())  # with the accounts the transfers' demo added

    def _print_accounts(self, accounts: list[demo.DemoAccount]) -> None:
        if not accounts:
            self.stdout.write("No accounts.")
            return
        self.stdout.write("")
        self.stdout.write(accounts_table(accounts))
        self.stdout.write("")
        self.stdout.write(f"Password of every demo account: {demo.DEMO_PASSWORD}")
        secret = demo.demo_totp_secret()
        self.stdout.write(f"Second factor of the administrators, leaders and authority registrars: add the TOTP "
                          f"secret {secret} to an authenticator app (or run `oathtool --totp -b {secret}`) and "
                          "enter its code after the password.")
