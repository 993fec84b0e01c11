"""`manage.py check --deploy`: trusted verification of the files against their SM3 manifest (xueji/ops/integrity.py),
read-only (the worker's start and `manage.py manifest verify` record and alarm). No manifest: a note, no warning
(development, CI)."""

from pathlib import Path

from django.conf import settings
from django.core import checks

from xueji.ops import integrity


@checks.register(checks.Tags.security, deploy=True)
def integrity_check(app_configs=None, **kwargs):
    manifest = Path(getattr(settings, "XUEJI_INTEGRITY_MANIFEST", ""))
    result = integrity.verify(Path(settings.BASE_DIR), manifest)
    if result.status == "no_manifest":
        return [checks.Info(f"No integrity manifest at {manifest}: trusted verification is off "
                            "(`manage.py manifest write`, made by bundle/build.sh).", id="xueji.I021")]
    if result.status == "invalid":
        return [checks.Error(f"The integrity manifest {manifest} does not read: {result.error}", id="xueji.E021")]
    if not result.ok:
        names = ", ".join(result.differences[:20])
        return [checks.Error(f"Files differ from the SM3 manifest ({len(result.changed)} changed, "
                             f"{len(result.added)} added, {len(result.removed)} removed): {names}",
                             hint="Reinstall the release, or `manage.py manifest verify` to record and alarm.",
                             id="xueji.E022")]
    return []
