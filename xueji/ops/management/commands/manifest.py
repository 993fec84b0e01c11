"""Trusted verification (可信验证): `manage.py manifest write` makes the SM3 manifest of the application's files
(bundle/build.sh runs it on the bundle's tree); `manage.py manifest verify` checks this machine's files against it,
records and audits the result, and alarms on a difference (exit status 1)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xueji.ops import integrity, services
from xueji.ops.selectors import version


class Command(BaseCommand):
    help = "Write the SM3 manifest of the code, templates, static files, migrations and settings, or verify it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["write", "verify"])
        parser.add_argument("--root", help="the tree to cover (default: this project; bundle/build.sh: the bundle)")
        parser.add_argument("--output", help="the manifest file (default: XUEJI_INTEGRITY_MANIFEST, or "
                                             "INTEGRITY.sm3.json under --root)")
        parser.add_argument("--source", default="command", help="recorded with the verification (e.g. start)")

    def handle(self, *args, action, root=None, output=None, source="command", **options):
        tree = Path(root) if root else Path(settings.BASE_DIR)
        if output:
            target = Path(output)
        elif root:
            target = tree / Path(settings.XUEJI_INTEGRITY_MANIFEST).name
        else:
            target = Path(settings.XUEJI_INTEGRITY_MANIFEST)
        if action == "write":
            stamp = (tree / "VERSION").read_text(encoding="utf-8").strip() if (tree / "VERSION").is_file() \
                else version()
            manifest = integrity.write(tree, target, version=stamp)
            self.stdout.write(f"{target}: SM3 of {len(manifest['files'])} files")
            return
        check = services.integrity_verify(source=source, root=tree, manifest=target)
        if check is None:
            self.stdout.write(f"No manifest at {target}: nothing verified.")
            return
        if check.status != "ok":
            diff = check.differences
            raise CommandError(f"{check.get_status_display()}: changed {diff.get('changed', [])}, added "
                               f"{diff.get('added', [])}, removed {diff.get('removed', [])} {diff.get('error', '')}")
        self.stdout.write(f"{check.files} files match the manifest {target}.")
