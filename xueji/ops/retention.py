"""The retention schedule (保存期限, PIPL 19/47 and the rules on children's data): how long each kind of record is
kept, and what happens to it afterwards. The one table of it is SCHEDULE (README.md, "Retention schedule", shows
it); `purge` is the part the daily cleanup (`manage.py cleanup`, `ops.cleanup` in the worker's maintenance) runs,
each step set-based, its files deleted with its rows, audited once with the counts (services.cleanup_run).

Periods are settings (days), so a province's rules can lengthen them; the audit log's and the logs' floor of 185
days (网络安全法 21, 等保 2.0) cannot be lowered."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction


@dataclass(frozen=True)
class Rule:
    key: str
    record: str  # what is kept
    setting: str  # the setting that holds the period in days ("" when fixed by its own rule)
    default_days: int | None
    after: str  # from when the period runs
    then: str  # what happens at its end
    by: str  # what does it

    @property
    def days(self) -> int | None:
        if not self.setting:
            return self.default_days
        days = int(getattr(settings, self.setting, self.default_days))
        return max(days, 185) if self.key in ("audit_log", "app_logs") else days


SCHEDULE: tuple[Rule, ...] = (
    Rule("audit_log", "security audit log (审计日志)", "XUEJI_AUDIT_RETENTION_DAYS", 185, "the event",
         "archived to a signed file, then deleted (the archive is kept offline)", "manage.py purge_audit_log (owner)"),
    Rule("app_logs", "application log files (运行日志)", "XUEJI_LOG_RETENTION_DAYS", 185, "the file's last write",
         "deleted", "cleanup"),
    Rule("job_files", "job result files and exports, kept import inputs", "XUEJI_JOB_FILE_DAYS", 7,
         "the job's end", "deleted (the job row stays, without its file)", "cleanup"),
    Rule("download_links", "single-use download links", "XUEJI_RETENTION_DOWNLOAD_LINK_DAYS", 1, "their expiry",
         "deleted", "cleanup"),
    Rule("sessions", "sessions", "", 0, "their expiry (the idle timeout)", "deleted", "cleanup"),
    Rule("messages", "instant messages (即时通讯) and their files", "XUEJI_RETENTION_MESSAGE_DAYS", 365,
         "the message", "deleted with their attachments' files", "cleanup"),
    Rule("interface_changes", "the data interface's change feed (interface_change)",
         "XUEJI_RETENTION_INTERFACE_CHANGE_DAYS", 90, "the change", "deleted (a client further behind reads "
         "the pupils in full again)", "cleanup"),
    Rule("ticket_attachments", "files of closed support tickets (工单附件)", "XUEJI_RETENTION_TICKET_FILE_DAYS", 365,
         "the ticket's solution", "the files deleted (the ticket's text and history stay)", "cleanup"),
    Rule("problems", "resolved problem records (问题学籍) with their members and history",
         "XUEJI_RETENTION_PROBLEM_DAYS", 3 * 365, "the resolution", "deleted (deleted records and retired "
         "numbers stay: a number is never issued twice)", "cleanup"),
    Rule("pupils_left", "personal identifiers of pupils who graduated, completed or left (毕业、结业、离校)",
         "XUEJI_RETENTION_PUPIL_LEFT_DAYS", 10 * 365, "the record's last change",
         "anonymised: the ID number and its blind indexes erased, family members deleted; the record of study "
         "stays (the 学籍号 is lifelong)", "cleanup"),
    Rule("backups", "full backups", "", None, "the backup", "the newest of each of the last XUEJI_BACKUP_KEEP_DAILY "
         "days and XUEJI_BACKUP_KEEP_WEEKLY weeks kept, the others deleted", "cleanup and the daily backup"),
)
RULES = {rule.key: rule for rule in SCHEDULE}

# The pupils' statuses that end a stay at school (JY/T 1001): 毕业, 结业, 肄业, 转出, 死亡, 开除, 退学.
LEFT_STATUSES = ("03", "07", "08", "09", "10", "11", "14")


def cutoff(key: str, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=RULES[key].days or 0)


def _unlink(paths: list[Path]) -> int:
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)


def _download_links(now: dt.datetime) -> int:
    from xueji.jobs.models import DownloadLink

    return DownloadLink.objects.filter(expires_at__lt=cutoff("download_links", now)).delete()[0]


def _support_files(attachments) -> list[Path]:
    """Delete the attachments' rows; their files to delete once the transaction is committed."""
    from xueji.support.services import attachment_path

    paths = [attachment_path(a) for a in attachments.only("pk", "stored_name")]
    attachments.delete()
    return paths


def _messages(now: dt.datetime) -> tuple[int, list[Path]]:
    from xueji.support.models import Attachment, Message

    old = Message.objects.filter(created_at__lt=cutoff("messages", now))
    files = _support_files(Attachment.objects.filter(message__in=old))
    count = old.count()
    old.delete()
    return count, files


def _ticket_files(now: dt.datetime) -> list[Path]:
    from xueji.support.models import Attachment

    closed = cutoff("ticket_attachments", now)
    return _support_files(Attachment.objects.filter(ticket__status__in=("solved", "confirmed"),
                                                    ticket__solved_at__lt=closed))


def _interface_changes(now: dt.datetime) -> int:
    """Delete the feed's stamped rows past the period (an unstamped one waits for its writer's stamp) and leave a
    marker at the highest cursor deleted, so a client behind it is told to read in full again
    (interface.selectors.change_page), never given a feed with a silent gap."""
    from django.db.models import Max

    from xueji.interface.models import PURGED_OP, StudentChange

    old = StudentChange.objects.filter(changed_at__lt=cutoff("interface_changes", now), seq__isnull=False)
    top = old.aggregate(top=Max("seq"))["top"]
    if top is None:
        return 0
    count = old.exclude(op=PURGED_OP).count()
    old.delete()
    StudentChange.objects.create(student_id=0, op=PURGED_OP, seq=top, changed_at=now)
    return count


def _problems(now: dt.datetime) -> int:
    from xueji.problems.models import Problem

    old = Problem.objects.filter(status="resolved", resolved_at__lt=cutoff("problems", now))
    count = old.count()
    old.delete()
    return count


def _pupils(now: dt.datetime) -> dict:
    """Pupils gone past the period whose identifiers are still held (at most 10,000 a day: the next day goes on)."""
    from django.db.models import Q

    from xueji.registry.models import Student
    from xueji.registry.services import students_anonymise

    gone = Student.objects.filter(status__in=LEFT_STATUSES, updated_at__lt=cutoff("pupils_left", now))
    ids = list(gone.filter(Q(id_number_index__isnull=False) | Q(family__isnull=False))
               .values_list("pk", flat=True).distinct()[:10000])
    if not ids:
        return {"students": 0, "family_members": 0}
    return students_anonymise(ids=sorted(set(ids)))


def purge(*, now: dt.datetime) -> dict:
    """What the schedule's cleanup removes beyond the logs, the job files, the sessions and the backups (which
    services.cleanup_run does itself): one transaction per kind, files deleted once their rows are gone."""
    done: dict = {}
    with transaction.atomic():
        done["download_links"] = _download_links(now)
    with transaction.atomic():
        done["messages"], message_files = _messages(now)
    done["message_files"] = _unlink(message_files)
    with transaction.atomic():
        ticket_files = _ticket_files(now)
    done["ticket_files"] = _unlink(ticket_files)
    with transaction.atomic():
        done["interface_changes"] = _interface_changes(now)
    with transaction.atomic():
        done["problems"] = _problems(now)
    with transaction.atomic():
        pupils = _pupils(now)
    done["pupils_anonymised"], done["family_members"] = pupils["students"], pupils["family_members"]
    return done
