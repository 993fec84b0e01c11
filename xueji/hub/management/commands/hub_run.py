"""Deliver the messages between provinces that wait in the outboxes and apply those received (for cron or by hand;
the job worker does the same every minute)."""

from django.core.management.base import BaseCommand

from xueji.hub.services import hub_run


class Command(BaseCommand):
    help = ("Deliver the messages to other provinces waiting in the outboxes and apply the received ones in order "
            "(cross-province messages, xueji/hub).")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="messages per round (default 100)")
        parser.add_argument("--rounds", type=int, default=20, help="rounds at most, until nothing moves (default 20)")

    def handle(self, *args, limit, rounds, **options):
        done = hub_run(limit=limit, rounds=rounds)
        self.stdout.write(", ".join(f"{key} {value}" for key, value in done.items()) or "already running")
