"""Intrusion alerts (issue 11 item 6) for the security administrator of a level.

Five detectors, each one aggregate query (set-based SQL, GROUP BY ... HAVING) over the audit log or the 404
counters, over a sliding window of XUEJI_ALERTS[kind]["minutes"] ending now:
- credential stuffing: one address failing sign-ins for >= N distinct usernames;
- one account active (audit rows) from >= N addresses;
- export bursts: >= N exports or downloads by one account;
- out-of-hours bulk reads: >= N record views by one account between XUEJI_ALERT_NIGHT_FROM and _UNTIL (Asia/Shanghai);
- 404 scans: >= N answers 404 to one address (accounts.middleware.NotFoundCounterMiddleware counts them);
- malware uploads: >= N uploads by one account that core.malware refused as infected ("upload.malware", N = 1);
- ID enumeration bursts: >= N distinct pupils whose record, card or full ID one account opened (LOOKUP_ACTIONS);
- integrity-check failures: >= N failed verifications of the audit log's hash chain ("audit.verify", N = 1: by
  `audit_verify`, the auditor's page or the daily anchor), to the security administrators of the top level.
The jobs worker's maintenance runs `security_scan` every minute, and so does `manage.py security_scan`.
One alert is raised from outside the audit log: trusted verification (xueji.ops.integrity) finding the
application's files changed against their SM3 manifest (`integrity_alert`, for the top level's administrators).

Idempotent: an alert is one row per kind, subject and evidence window; while the window of a subject's alert is
still open (it ended less than one window ago), a new finding extends that alert (its count, its evidence) instead
of raising another. A new alert goes to the security administrators of the subject's level (the account's unit, or
the nearest unit above that has one): their inbox is the alerts page (the menu shows the open ones), and a mail,
sent after the commit. The thresholds are settings, and a level's security settings may lower or raise them."""

import datetime as dt
import json
import logging
import zoneinfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum

from xueji.accounts.choices import AlertKind, AlertStatus
from xueji.accounts.models import Alert, NotFoundCounter, Role, RoleAssignment, User
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.crypto import sm3_hex
from xueji.regions.models import OrgUnit

logger = logging.getLogger("xueji.accounts.alerts")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
EXPORT_ACTIONS = ("student.export", "verification.export", "job.download", "verification.download",
                  "support.attachment_download", "student.card_print")
READ_ACTIONS = ("student.view", "registration.returning_search", "request.proof_view", "student.card_print")
# One row per pupil opened (student.view is coalesced per user, pupil and hour; the others are not): counted distinct.
LOOKUP_ACTIONS = ("student.view", "student.unmask", "student.card_print", "transfers.find")
INTEGRITY_ACTIONS = ("audit.verify", "audit.anchor")
EVIDENCE_ROWS = 200


def threshold(kind: str, unit: OrgUnit | None = None) -> tuple[int, dt.timedelta]:
    """A detector's threshold (the deployment's, or the one that binds `unit` by its level's security settings)
    and window."""
    from xueji.accounts import security_settings

    conf = settings.XUEJI_ALERTS[kind]
    n = int(conf["threshold"]) if unit is None else int(security_settings.value(unit, f"alert.{kind}"))
    return n, dt.timedelta(minutes=int(conf["minutes"]))


def _lowest(kind: str) -> tuple[int, dt.timedelta]:
    """The lowest threshold any level set (or the deployment's): the aggregate queries find every candidate with
    it, and each finding is then held against the threshold of its own level (`_raise`)."""
    from xueji.accounts import security_settings

    n, window = threshold(kind)
    return min(n, security_settings.lowest(f"alert.{kind}")), window


def _root() -> OrgUnit | None:
    return OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()


def _common_unit(paths) -> OrgUnit | None:
    """The deepest org unit above every one of these paths (the root when none is known)."""
    split = [[part for part in p.strip("/").split("/") if part] for p in paths if p]
    if not split:
        return _root()
    common = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    unit = OrgUnit.objects.filter(pk=int(common[-1])).first() if common else None
    return unit or _root()


def _night_window(now: dt.datetime, since: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    local = now.astimezone(SHANGHAI)
    start_h, end_h = settings.XUEJI_ALERT_NIGHT_FROM, settings.XUEJI_ALERT_NIGHT_UNTIL
    day = local.date() if local.hour >= start_h else local.date() - dt.timedelta(days=1)
    night_start = dt.datetime.combine(day, dt.time(start_h), SHANGHAI)
    night_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(end_h), SHANGHAI)
    lo, hi = max(since, night_start), min(now, night_end)
    return (lo, hi) if lo < hi else None


def _per_account(kind: str, events, *, n: int, since: dt.datetime, evidence: Q, count=None) -> list[dict]:
    """One finding per account with at least `n` (by `count`, default the rows) of `events`, which are already
    narrowed to the detector's window; its evidence: the account's rows that match `evidence`."""
    rows = (events.filter(actor_id__isnull=False).values("actor_id")
            .annotate(count=count or Count("id"), first=Min("created_at"), last=Max("created_at"))
            .filter(count__gte=n))
    return [{"kind": kind, "user_id": row["actor_id"], "count": row["count"], "first": row["first"],
             "last": row["last"], "since": since, "rows": Q(actor_id=row["actor_id"]) & evidence} for row in rows]


def _findings(now: dt.datetime) -> list[dict]:
    """Every detector's findings: [{kind, user_id|ip, count, first, last, org_path(s), evidence}]."""
    found: list[dict] = []
    audit = AuditEvent.objects

    n, window = _lowest(AlertKind.CREDENTIAL_STUFFING)
    since = now - window
    rows = (audit.filter(action="auth.login_failed", created_at__gte=since, created_at__lte=now, ip__isnull=False)
            .values("ip").annotate(count=Count("actor_username", distinct=True), first=Min("created_at"),
                                   last=Max("created_at")).filter(count__gte=n))
    for row in rows:
        found.append({"kind": AlertKind.CREDENTIAL_STUFFING, "ip": row["ip"], "count": row["count"],
                      "first": row["first"], "last": row["last"], "since": since,
                      "rows": Q(action="auth.login_failed", ip=row["ip"])})

    n, window = _lowest(AlertKind.MULTI_ADDRESS)
    since = now - window
    found += _per_account(AlertKind.MULTI_ADDRESS, audit.filter(created_at__gte=since, created_at__lte=now,
                                                                  ip__isnull=False),
                          n=n, since=since, count=Count("ip", distinct=True), evidence=Q(ip__isnull=False))

    n, window = _lowest(AlertKind.EXPORT_BURST)
    since = now - window
    found += _per_account(AlertKind.EXPORT_BURST, audit.filter(action__in=EXPORT_ACTIONS, created_at__gte=since,
                                                                 created_at__lte=now),
                          n=n, since=since, evidence=Q(action__in=EXPORT_ACTIONS))

    n, window = _lowest(AlertKind.NIGHT_READS)
    night = _night_window(now, now - window)
    if night is not None:
        found += _per_account(AlertKind.NIGHT_READS, audit.filter(action__in=READ_ACTIONS, created_at__gte=night[0],
                                                                    created_at__lte=night[1]),
                              n=n, since=night[0], evidence=Q(action__in=READ_ACTIONS))

    n, window = _lowest(AlertKind.MALWARE_UPLOAD)
    since = now - window
    found += _per_account(AlertKind.MALWARE_UPLOAD, audit.filter(action="upload.malware", created_at__gte=since,
                                                                   created_at__lte=now),
                          n=n, since=since, evidence=Q(action="upload.malware"))

    n, window = _lowest(AlertKind.ID_ENUMERATION)
    since = now - window
    lookups = audit.filter(action__in=LOOKUP_ACTIONS, created_at__gte=since, created_at__lte=now,
                           object_type="registry.student").exclude(object_id="")
    found += _per_account(AlertKind.ID_ENUMERATION, lookups, n=n, since=since,
                          count=Count("object_id", distinct=True), evidence=Q(action__in=LOOKUP_ACTIONS))

    n, window = _lowest(AlertKind.INTEGRITY_FAILURE)
    since = now - window
    row = (audit.filter(action__in=INTEGRITY_ACTIONS, success=False, created_at__gte=since, created_at__lte=now)
           .aggregate(count=Count("id"), first=Min("created_at"), last=Max("created_at")))
    if row["count"] and row["count"] >= n:
        found.append({"kind": AlertKind.INTEGRITY_FAILURE, "subject": "audit:chain", "count": row["count"],
                      "first": row["first"], "last": row["last"], "since": since,
                      "rows": Q(action__in=INTEGRITY_ACTIONS, success=False)})

    n, window = _lowest(AlertKind.NOT_FOUND_SCAN)
    since = now - window
    rows = (NotFoundCounter.objects.filter(minute__gte=since.replace(second=0, microsecond=0), minute__lte=now)
            .values("ip").annotate(count=Sum("count"), first=Min("minute"), last=Max("minute"))
            .filter(count__gte=n))
    for row in rows:
        paths = []
        for minute_paths in NotFoundCounter.objects.filter(ip=row["ip"], minute__gte=since).values_list("paths",
                                                                                                      flat=True):
            paths.extend(p for p in minute_paths or [] if p not in paths)
        found.append({"kind": AlertKind.NOT_FOUND_SCAN, "ip": row["ip"], "count": row["count"],
                      "first": row["first"], "last": row["last"], "since": since, "paths": paths[:20],
                      "rows": Q(ip=row["ip"], action="access.denied")})
    return found


def recipients(unit: OrgUnit | None) -> list[User]:
    """The security administrators of the level: of the unit, or of the nearest unit above that has one."""
    while unit is not None:
        admins = list(User.objects.filter(
            org_unit=unit, is_active=True,
            pk__in=RoleAssignment.objects.filter(role=Role.SECURITY).values("user_id")))
        if admins:
            return admins
        unit = unit.parent
    return []


def _notify(alert: Alert) -> None:
    to = [u.email for u in recipients(alert.org_unit) if u.email]
    if not to:
        return
    who = alert.subject_ip or alert.subject_user or alert.evidence.get("host") or "审计日志"
    subject = f"[学籍系统] 安全告警: {AlertKind(alert.kind).label} ({who})"
    body = (f"{AlertKind(alert.kind).label}\n对象: {who}\n"
            f"次数: {alert.count}\n时间: {alert.window_start:%Y-%m-%d %H:%M} - {alert.window_end:%Y-%m-%d %H:%M}\n"
            f"证据: /security/alerts/{alert.pk}/\n")
    for label, name in (("被修改", "changed"), ("新增", "added"), ("被删除", "removed")):
        if alert.evidence.get(name):
            body += f"{label}的文件: {', '.join(alert.evidence[name][:20])}\n"
    try:
        send_mail(subject, body, None, to)
    except Exception:  # noqa: BLE001  (a mail server down must not stop the scan; the inbox has the alert)
        logger.exception("alert mail to %s failed", to)


@transaction.atomic
def _raise(finding: dict, now: dt.datetime) -> tuple[Alert, bool] | None:
    kind = finding["kind"]
    user = User.objects.select_related("org_unit").filter(pk=finding.get("user_id")).first() \
        if finding.get("user_id") else None
    ip = finding.get("ip")
    subject = finding.get("subject") or (f"user:{user.pk}" if user else f"ip:{ip}")
    evidence_q = finding["rows"] & Q(created_at__gte=finding["since"], created_at__lte=now)
    ids = list(AuditEvent.objects.filter(evidence_q).order_by("-created_at", "-id")
               .values_list("id", flat=True)[:EVIDENCE_ROWS])
    if user is not None:
        unit = user.org_unit
    else:
        paths = AuditEvent.objects.filter(pk__in=ids).exclude(org_path="").values_list("org_path", flat=True)
        unit = _common_unit(set(paths))
    bound, window = threshold(kind, unit or _root())
    if finding["count"] < bound:
        return None  # under the threshold of the subject's level (安全策略): another level's lower one found it
    evidence = {"count": finding["count"], "first": finding["first"].isoformat(),
                "last": finding["last"].isoformat(), "threshold": bound,
                "minutes": int(window.total_seconds() // 60)}
    if finding.get("paths"):
        evidence["paths"] = finding["paths"]
    # Still the same evidence window: the subject's alert whose window ended less than one window ago.
    current = (Alert.objects.select_for_update().filter(kind=kind, key__startswith=f"{kind}:{subject}:",
                                                       window_end__gte=now - window).order_by("-window_end").first())
    if current is not None:
        current.window_end, current.count = now, max(current.count, finding["count"])
        current.evidence = {**current.evidence, **evidence, "first": current.evidence.get("first",
                                                                                         evidence["first"])}
        current.audit_ids = sorted(set(current.audit_ids) | set(ids), reverse=True)[:EVIDENCE_ROWS]
        current.save(update_fields=["window_end", "count", "evidence", "audit_ids"])
        return current, False
    alert = Alert.objects.create(kind=kind, org_unit=unit or _root(), subject_user=user, subject_ip=ip,
                                 key=f"{kind}:{subject}:{finding['since'].isoformat()}"[:200],
                                 window_start=finding["since"], window_end=now, count=finding["count"],
                                 evidence=evidence, audit_ids=ids, created_at=now)
    audit_record(actor=None, username="system", action="security.alert", obj=alert, org_unit=alert.org_unit,
                 success=False, after={"kind": kind, "subject": subject, "count": finding["count"]})
    transaction.on_commit(lambda: _notify(alert))
    return alert, True


def security_scan(now: dt.datetime | None = None) -> dict:
    """Run every detector once (the worker's maintenance every minute; `manage.py security_scan`)."""
    now = now or clock.now()
    raised = extended = 0
    for finding in _findings(now):
        raised_or_extended = _raise(finding, now)
        if raised_or_extended is None:
            continue
        _alert, new = raised_or_extended
        raised, extended = raised + new, extended + (not new)
    NotFoundCounter.objects.filter(minute__lt=now - dt.timedelta(days=1)).delete()
    return {"raised": raised, "extended": extended}


@transaction.atomic
def integrity_alert(*, host: str, evidence: dict, audit_id: int | None = None,
                    now: dt.datetime | None = None) -> tuple[Alert, bool] | None:
    """Trusted verification (xueji.ops.integrity) found the application's files differing from their SM3 manifest
    on `host`: an alert for the security administrators of the top level, naming the files (evidence: changed,
    added, removed). The same differences found again extend the open alert (count, window); other differences
    raise another. None when there is no organisation unit yet to hold it (logged)."""
    now = now or clock.now()
    root = _root()
    if root is None:
        logger.error("integrity alert on %s with no organisation unit: %s", host, evidence)
        return None
    names = sorted(evidence.get("changed", []) + evidence.get("added", []) + evidence.get("removed", []))
    key = f"{AlertKind.INTEGRITY}:{host}:{sm3_hex(json.dumps([names, evidence.get('status')]).encode())}"[:200]
    current = Alert.objects.select_for_update().filter(key=key).first()
    if current is not None:
        current.window_end, current.count = now, current.count + 1
        current.audit_ids = ([audit_id] if audit_id else []) + current.audit_ids[:EVIDENCE_ROWS - 1]
        current.save(update_fields=["window_end", "count", "audit_ids"])
        return current, False
    alert = Alert.objects.create(kind=AlertKind.INTEGRITY, org_unit=root, key=key, window_start=now, window_end=now,
                                 count=1, evidence={**evidence, "host": host}, audit_ids=[audit_id] if audit_id else [],
                                 created_at=now)
    audit_record(actor=None, username="system", action="security.alert", obj=alert, org_unit=root, success=False,
                 after={"kind": AlertKind.INTEGRITY, "subject": f"host:{host}", "count": len(names)})
    transaction.on_commit(lambda: _notify(alert))
    return alert, True


@transaction.atomic
def alert_set_status(*, actor: User, alert: Alert, status: str) -> Alert:
    """The security administrator acknowledges or closes an alert of its jurisdiction."""
    from xueji.accounts.permissions import Cap, require_cap
    from xueji.accounts.selectors import alert_get
    from xueji.core.errors import ValidationFailed

    require_cap(actor, Cap.SECURITY_MANAGE)
    alert = alert_get(user=actor, pk=alert.pk)
    if status not in (AlertStatus.ACKNOWLEDGED, AlertStatus.CLOSED) or alert.status == AlertStatus.CLOSED:
        raise ValidationFailed("This alert cannot take that status.", code="alert_status")
    before = alert.status
    alert.status, alert.handled_by, alert.handled_at = status, actor, clock.now()
    alert.save(update_fields=["status", "handled_by", "handled_at"])
    audit_record(actor=actor, action=f"security.alert_{status}", obj=alert, before={"status": before},
                 after={"status": status})
    return alert
