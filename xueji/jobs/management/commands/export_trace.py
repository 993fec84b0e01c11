"""manage.py export_trace <file> [--password P]: read the watermark of an exported file (a leaked spreadsheet, or
the encrypted archive with its password) back to the export that made it: its trace code, whether the code is
genuine, the job, its creator, unit and time, and every audited download of it. Audited itself (job.traced)."""

from django.core.management.base import BaseCommand, CommandError

from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.jobs.exportfiles import trace_read


class Command(BaseCommand):
    help = "Trace an exported file back to its export job and its downloads (the embedded watermark)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--password", default="", help="the password of an encrypted export archive")

    def handle(self, *args, **options):
        try:
            trace = trace_read(options["file"], password=options["password"] or None)
        except (OSError, RuntimeError, ValueError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        if not trace.code:
            raise CommandError("no Xueji watermark in this file")
        if trace.job is None:
            raise CommandError(f"trace code {trace.code} is not genuine (forged or altered)")
        job = trace.job
        audit_record(actor=None, username="system", action="job.traced", obj=job, org_unit=job.org_unit,
                     after={"trace": trace.code})
        self.stdout.write(f"trace {trace.code}: genuine")
        self.stdout.write(f"job {job.pk} {job.kind} \"{job.title}\" started {job.started_at:%Y-%m-%d %H:%M:%S}Z "
                          f"by {job.created_by.username} of {job.org_unit.name} ({job.org_unit.code})")
        for name, value in sorted(trace.properties.items()):
            self.stdout.write(f"  {name}: {value}")
        downloads = AuditEvent.objects.filter(action="job.download", object_id=str(job.pk)).order_by("id")
        self.stdout.write(f"downloads: {downloads.count()}")
        for event in downloads:
            self.stdout.write(f"  {event.created_at:%Y-%m-%d %H:%M:%S}Z {event.actor_username} "
                              f"{'ok' if event.success else 'refused'} {event.ip or ''}")
