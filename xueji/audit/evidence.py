"""Evidence for the yearly compliance audit of minors' personal information (level-3 control 34; 未成年人网络保护条例
art. 37: the previous year's audit is filed by the end of January): per org unit of the auditor's jurisdiction,
how often pupils' personal data was read (and with full ID numbers), exported and downloaded, how many approval
decisions were taken, how many requests were refused and how many sign-ins failed. All of it comes from the audit
log, by one grouped query, so the evidence is what the tamper-evident log holds and a page costs the same for a
province as for a county."""

import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from xueji.audit import selectors
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import ValidationFailed
from xueji.core.spreadsheets import csv_writer

# The unmask action (control 29) is how a page or the API shows full ID numbers: a read, with full ID numbers.
READS = ("student.view", "student.card_print", "request.proof_view", "student.unmask")
# (key, column title, which audit rows count)
CATEGORIES = (
    ("reads", _("Personal data read"), Q(action__in=READS)),
    ("full_ids", _("…with full ID numbers"), Q(action__in=READS[:2], after__id_numbers="full")
     | Q(action="student.unmask")),
    ("exports", _("Exports"), Q(action__contains="export")),
    ("downloads", _("Downloads"), Q(action__endswith="download")),
    ("decisions", _("Approval decisions"), Q(action__in=("request.approve", "request.reject", "request.return"))),
    ("refusals", _("Refused requests"), Q(success=False) & ~Q(action__startswith="auth.")),
    ("failed_logins", _("Failed sign-ins"), Q(action__in=("auth.login_failed", "auth.locked_out"))),
)
MAX_DAYS = 732


@dataclass(frozen=True)
class EvidenceRow:
    unit: str
    code: str
    counts: dict[str, int]

    @property
    def values(self) -> list[int]:
        return [self.counts[key] for key, _title, _q in CATEGORIES]


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The previous calendar year (the audit filed in January covers it)."""
    year = (today or clock.today()).year - 1
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationFailed(_("The period ends before it starts."), code="invalid_period", field="end")
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(_("The period is at most two years."), code="invalid_period", field="end")


def compliance_evidence(*, user, start: dt.date, end: dt.date) -> dict:
    """Rows per org unit of `user`'s jurisdiction (the actor's unit at the time of each event), and their total,
    for the days start..end inclusive. Auditors only (the audit log's own restricted queryset)."""
    check_period(start, end)
    tz = clock.SHANGHAI  # days as registrars count them
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    events = selectors.audit_event_list(user=user).filter(created_at__gte=since, created_at__lt=until)
    grouped = events.order_by().values("org_unit_id", "org_unit__name", "org_unit__code").annotate(
        **{key: Count("id", filter=q) for key, _title, q in CATEGORIES})
    rows = []
    for g in grouped:
        counts = {key: g[key] for key, _title, _q in CATEGORIES}
        if any(counts.values()):
            rows.append(EvidenceRow(unit=g["org_unit__name"] or str(_("System and unknown accounts")),
                                    code=g["org_unit__code"] or "", counts=counts))
    rows.sort(key=lambda r: (r.code == "", r.code, r.unit))
    total = {key: sum(r.counts[key] for r in rows) for key, _title, _q in CATEGORIES}
    return {"start": start, "end": end, "rows": rows, "total": total,
            "total_values": [total[key] for key, _title, _q in CATEGORIES],
            "columns": [(key, title) for key, title, _q in CATEGORIES]}


@transaction.atomic
def compliance_evidence_csv(*, actor, start: dt.date, end: dt.date) -> str:
    """The evidence as a CSV file for filing; the export is audited like every other."""
    evidence = compliance_evidence(user=actor, start=start, end=end)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([str(_("Unit")), str(_("Code"))] + [str(title) for _key, title in evidence["columns"]])
    for row in evidence["rows"]:
        writer.writerow([row.unit, row.code] + [row.counts[key] for key, _title in evidence["columns"]])
    writer.writerow([str(_("Total")), ""] + [evidence["total"][key] for key, _title in evidence["columns"]])
    audit_record(actor=actor, action="audit.evidence_export", object_type="audit.evidence",
                 object_repr=f"{start.isoformat()}..{end.isoformat()}",
                 after={"start": start, "end": end, "rows": len(evidence["rows"])})
    return out.getvalue()
