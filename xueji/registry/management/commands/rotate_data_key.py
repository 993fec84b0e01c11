"""`manage.py rotate_data_key [--batch N] [--reindex] [--check]`: re-seal every sealed value (ID numbers, national
numbers, phones, addresses, the ID numbers inside JSON copies: core.sealing) under the current data key, online, in
batches (core.rotation); audited. The append-only audit log is not rewritten: `--check` lists its rows still under
an older key, which stays in the ring until the retention purge has archived them."""

from django.core.management.base import BaseCommand, CommandError

from xueji.audit.services import audit_record
from xueji.core import rotation, sealing
from xueji.registry import integrity


class Command(BaseCommand):
    help = ("Re-seal the sealed personal data under the current data key (the first of XUEJI_DATA_KEYS or of the "
            "key file), in batches, each its own transaction; only values under another key are rewritten, so it "
            "can be stopped and run again. --reindex also recomputes the blind indexes (after a new index key). "
            "--check only counts the rows still under an old key (exit 1 when there are any).")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="rows per transaction (default 2000)")
        parser.add_argument("--reindex", action="store_true", help="recompute the blind indexes of every row")
        parser.add_argument("--check", action="store_true", help="count only, write nothing")

    def handle(self, *args, **options):
        if not sealing.enabled():
            raise CommandError("Sealing is off (XUEJI_SEALING = False): nothing to rotate.")
        sealing.reset()
        ring = sealing.key_ring()
        if options["check"]:
            left = rotation.remaining()
            kept = {t.model._meta.label for t in rotation.sealed_tables() if not t.rewritable}
            for label, n in sorted(left.items()):
                note = " (append-only: not re-sealed; keep the older keys until they are purged)" if label in kept \
                    else ""
                self.stdout.write(f"{label}: {n} rows not under key {ring.current}{note}")
            if left:
                raise CommandError(f"{sum(left.values())} rows are still sealed under an older key.")
            self.stdout.write(f"Every sealed value is under key {ring.current}: older keys can be removed.")
            return
        done = rotation.rotate(batch_size=max(1, options["batch"]), reindex=options["reindex"],
                               progress=lambda label, n: self.stdout.write(f"{label}: {n} rows") if n % 20000 == 0
                               else None)
        if options["reindex"]:  # a new index key: the record MACs under it (they are keyed by it, registry.integrity)
            done["record MACs"] = integrity.refresh_all() + integrity.roles_refresh()
        audit_record(actor=None, action="crypto.rotate_data_key", object_type="core.keyring",
                     object_repr=f"data key {ring.current}", username="manage.py",
                     after={"key": ring.current, "rows": dict(done), "reindex": options["reindex"]})
        for label, n in sorted(done.items()):
            self.stdout.write(f"{label}: {n} rows re-sealed")
        self.stdout.write(f"Done: {sum(done.values())} rows now under key {ring.current}.")
