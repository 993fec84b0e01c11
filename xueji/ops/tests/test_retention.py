"""The retention schedule (SECURITY.md §1 row 31, T-RET-01): with the clock past each record's period the daily
cleanup removes its rows, its files and the blind-index entries of its personal data, audited with the counts
(the `ops.cleanup` row); a day before, everything is kept."""

import datetime as dt
import io

from django.core.management import call_command

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.sealing import blind_index
from xueji.interface.models import StudentChange
from xueji.jobs.models import DownloadLink, Job
from xueji.ops import retention, services
from xueji.problems.models import Problem, ProblemMember
from xueji.registry.models import FamilyMember, Student, StudentHistory
from xueji.support.models import Attachment, Conversation, Message, Ticket


def _days(key: str) -> dt.timedelta:
    return dt.timedelta(days=retention.RULES[key].days)


def _attachment(user, folder, name, **link) -> Attachment:
    (folder / name).write_bytes(b"\x89PNG\r\n\x1a\nscreenshot")
    return Attachment.objects.create(original_name=name, stored_name=name, content_type="image/png", size=16,
                                     sha256="0" * 64, uploaded_by=user, uploaded_at=clock.now(), **link)


def test_every_record_type_is_kept_until_its_period_ends_then_removed_with_its_files_and_blind_indexes(
        world, ops):
    base = clock.now()  # every record below reaches the end of its period at this moment
    registrar = world.user("tunxi_primary", "registrar")
    folder = ops / "files" / "support"
    folder.mkdir(parents=True)

    job = Job.objects.create(kind="registry.export_students", title="t", created_by=registrar,
                             org_unit=registrar.org_unit, created_at=base, status="succeeded")
    DownloadLink.objects.create(job=job, user=registrar, token_hash="a" * 64, created_at=base - dt.timedelta(days=2),
                                expires_at=base - _days("download_links"))
    chat = Conversation.objects.create(kind="group", title="群", created_by=registrar, created_at=base)
    old_message = Message.objects.create(conversation=chat, sender=registrar, body="旧消息",
                                         created_at=base - _days("messages"))
    _attachment(registrar, folder, "m.png", message=old_message)
    new_message = Message.objects.create(conversation=chat, sender=registrar, body="新消息", created_at=base)
    ticket = Ticket.objects.create(asker=registrar, asker_org=registrar.org_unit, level_org=world.units["tunxi"],
                                   status="confirmed", title="问题", description="…", arrived_at=base,
                                   solved_at=base - _days("ticket_attachments"))
    _attachment(registrar, folder, "t.png", ticket=ticket)
    open_ticket = Ticket.objects.create(asker=registrar, asker_org=registrar.org_unit,
                                        level_org=world.units["tunxi"], status="open", title="未解决",
                                        description="…", arrived_at=base - dt.timedelta(days=3000))
    _attachment(registrar, folder, "open.png", ticket=open_ticket)
    change = StudentChange.objects.create(student_id=1, op="U", seq=10**12,
                                          changed_at=base - _days("interface_changes"))
    pupil, stays = world.students["tunxi_primary"], world.students["tunxi_middle"]
    problem = Problem.objects.create(kind="duplicate", status="resolved", province_code="340000", key="k",
                                     created_at=base, updated_at=base, resolved_at=base - _days("problems"))
    ProblemMember.objects.create(problem=problem, student=pupil, student_name=pupil.name,
                                 school_org=pupil.school.org_unit, county_org=world.units["tunxi"])
    number = Student.objects.get(pk=pupil.pk).id_number
    StudentHistory.objects.create(student=pupil, kind="identity", changes={"id_number": ["1", number]}, at=base)
    Student.objects.filter(pk__in=[pupil.pk, stays.pk]).update(status="07", updated_at=base - _days("pupils_left"))
    Student.objects.filter(pk=stays.pk).update(status="01")  # still at school: never anonymised

    def present() -> dict:
        return {"link": DownloadLink.objects.filter(job=job).exists(),
                "message": Message.objects.filter(pk=old_message.pk).exists(),
                "message_file": (folder / "m.png").exists(),
                "ticket_file": (folder / "t.png").exists(),
                "change": StudentChange.objects.filter(pk=change.pk).exists(),
                "problem": Problem.objects.filter(pk=problem.pk).exists(),
                "pupil_id": Student.objects.filter(id_number_index=blind_index(number)).exists(),
                "family": FamilyMember.objects.filter(student=pupil).exists(),
                "history_items": StudentHistory.objects.filter(student=pupil).exclude(changes={}).exists()}

    before = services.cleanup_run(now=base - dt.timedelta(days=1))
    assert present() == dict.fromkeys(present(), True)  # a day before the end: all kept
    assert before["messages"] == before["problems"] == before["pupils_anonymised"] == 0

    with clock.frozen(base + dt.timedelta(days=1)):  # the command the worker's daily hook runs too
        call_command("cleanup", stdout=io.StringIO())
    after = AuditEvent.objects.filter(action="ops.cleanup").order_by("pk").last().after
    assert present() == dict.fromkeys(present(), False)  # rows, files and the blind-index entries gone
    assert (after["download_links"], after["messages"], after["message_files"], after["ticket_files"],
            after["interface_changes"], after["problems"], after["pupils_anonymised"], after["family_members"]) == (
        1, 1, 1, 1, 1, 1, 1, 1)
    kept = Student.objects.get(pk=pupil.pk)
    assert kept.id_number is None and kept.id_number_tail is None and kept.name == pupil.name  # the record stays
    # What is not past its period, or not closed, stays.
    assert Message.objects.filter(pk=new_message.pk).exists() and (folder / "open.png").exists()
    assert Ticket.objects.filter(pk=ticket.pk).exists() and Attachment.objects.filter(ticket=open_ticket).exists()
    assert Student.objects.get(pk=stays.pk).id_number_index and FamilyMember.objects.filter(student=stays).exists()

    again = services.cleanup_run(now=base + dt.timedelta(days=2))  # nothing left to do: idempotent
    assert again["pupils_anonymised"] == again["messages"] == again["problems"] == 0


def test_the_schedule_names_every_record_type_and_keeps_the_legal_floors(settings):
    assert {"audit_log", "app_logs", "job_files", "download_links", "sessions", "messages", "interface_changes",
            "ticket_attachments", "problems", "pupils_left", "backups"} <= set(retention.RULES)
    settings.XUEJI_AUDIT_RETENTION_DAYS = settings.XUEJI_LOG_RETENTION_DAYS = 30
    assert retention.RULES["audit_log"].days == retention.RULES["app_logs"].days == 185  # 网络安全法: six months
