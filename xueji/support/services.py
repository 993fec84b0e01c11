"""Every write of the support app: asking, taking, answering, asking back, solving, passing up and the periodic
escalation of tickets; confirming and rating; the FAQ; announcements, their approval and read receipts. Each
keyword-only, atomic and audited.

Who acts on a ticket: the asker's unit (its users who may ask) writes messages, confirms and rates; the support
staff (Cap.SUPPORT_ANSWER: the registrars) of the level the ticket sits at take, answer, ask back, solve and pass
up. Visibility is the selectors' (a ticket outside it is 404 before any of this runs).

Why one module: the tickets, the announcements and the messages share the one rule of who supports whom (the unit
and the levels directly above and below it), the upload checks of their files and the presence of the support
staff; their writes are short and read the same models. Platform accounts (accounts.py) and the statistics
(reports.py) are apart: they share none of it."""

import datetime as dt
import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock, malware
from xueji.core.codes import STAGE
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.policy.services import setting_get
from xueji.regions.models import OrgKind, OrgUnit, province_code_of
from xueji.support import notify
from xueji.support.choices import (
    ACTIVE,
    ANNOUNCEMENT_TYPE,
    WAITING,
    AnnouncementStatus,
    Category,
    ConversationKind,
    EventKind,
    MemberEvent,
    Outcome,
    TicketStatus,
)
from xueji.support.models import (
    Announcement,
    AnnouncementRead,
    AnnouncementTarget,
    Attachment,
    Conversation,
    FaqEntry,
    Message,
    Participant,
    Presence,
    Ticket,
    TicketEvent,
    TicketLevel,
)
from xueji.workflow import services as workflow_services

# Lowest first: a ticket at one of these levels escalates to the next; the ministry is the last.
ESCALATING = (OrgKind.COUNTY, OrgKind.CITY, OrgKind.PROVINCE)
ACTIONS = ("answer", "ask_back", "solve")


# ---------------------------------------------------------------- presence


def presence_touch(*, user, force: bool = False) -> bool:
    """Record the request of a support person or of a messaging user; at most one write a minute per user and
    worker process (the cache remembers the last), one UPDATE (an INSERT the first time)."""
    if not force and not cache.add(f"support:seen:{user.pk}", 1, 60):
        return False
    staff = has_cap(user, Cap.SUPPORT_ANSWER)
    if not (staff or has_cap(user, Cap.MESSAGE)):
        return False
    now = clock.now()
    if not Presence.objects.filter(user=user).update(org_unit=user.org_unit, last_seen=now, staff=staff):
        try:
            with transaction.atomic():
                Presence.objects.create(user=user, org_unit=user.org_unit, last_seen=now, staff=staff)
        except IntegrityError:  # another worker wrote it first: that row says the same
            pass
    return True


def online_since() -> dt.datetime:
    """A user whose last request is after this moment is online."""
    return clock.now() - dt.timedelta(seconds=settings.XUEJI_SUPPORT_ONLINE_SECONDS)


def online_at(level: OrgUnit) -> bool:
    """Whether a support person of this level made a request lately."""
    return Presence.objects.filter(org_unit=level, staff=True, last_seen__gte=online_since(),
                                   user__is_active=True).exists()


def response_time(kind: str) -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.XUEJI_SUPPORT_RESPONSE_MINUTES[str(kind)]))


# ---------------------------------------------------------------- files


ATTACHMENT_KINDS = workflow_services.PROOF_KINDS  # screenshots and scans: the proofs' checks (type by content)


def attachments_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "support"


def attachment_path(attachment: Attachment) -> Path:
    return attachments_root() / attachment.stored_name


def _check_upload(upload, limit: int) -> tuple[str, str]:
    name = Path(getattr(upload, "name", "") or "file").name[:200]
    if upload.size > limit:
        raise ValidationFailed(format_lazy(_("{name}: {size} is over the limit of {limit} a file."), name=name,
                                           size=filesizeformat(upload.size), limit=filesizeformat(limit)),
                               code="file_too_large", field="files")
    malware.check_upload(upload, name=name, field="files")  # infected: refused before any file is stored
    upload.seek(0)
    content_type = workflow_services.sniff(upload.read(16), name)
    upload.seek(0)
    return name, content_type


def _store(*, actor, uploads, province_code: str | None, **owner) -> list[Attachment]:
    """Check every file first (nothing is stored when one is refused), then store each under a generated name."""
    uploads = [u for u in (uploads or []) if u]
    limit = int(setting_get(province_code=province_code, key="proof.max_bytes"))
    checked = [(upload, *_check_upload(upload, limit)) for upload in uploads]
    stored = []
    for upload, name, content_type in checked:
        relative = f"{clock.now():%Y/%m}/{uuid.uuid4().hex}{Path(name).suffix.lower()}"
        target = attachments_root() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, written = hashlib.sha256(), 0
        with target.open("wb") as handle:
            for chunk in upload.chunks():
                written += len(chunk)
                if written > limit:  # a client that lied about the size
                    handle.close()
                    target.unlink(missing_ok=True)
                    raise ValidationFailed(f"{name} is over the size limit.", code="file_too_large", field="files")
                digest.update(chunk)
                handle.write(chunk)
        stored.append(Attachment.objects.create(original_name=name, stored_name=relative, content_type=content_type,
                                                size=written, sha256=digest.hexdigest(), uploaded_by=actor,
                                                uploaded_at=clock.now(), **owner))
    return stored


def attachment_open(*, actor, attachment: Attachment) -> Path:
    """The stored file of an attachment the actor may see (the selector checked it); the download is audited."""
    path = attachment_path(attachment)
    if not path.exists():
        raise NotFound("attachment not found")
    audit_record(actor=actor, action="support.attachment_download", obj=attachment,
                 after={"name": attachment.original_name})
    return path


# ---------------------------------------------------------------- messaging (即时通讯)

GROUP_MAX = 50  # participants of a group, the creator included
BODY_MAX = 5000  # characters of a message


def reach_q(user) -> Q:
    """The one rule of who may message whom, on the users' table: the active users of the user's own unit, of the
    unit directly above it and of the units directly below it (adjacent levels), who hold the messaging capability
    themselves."""
    from xueji.accounts.models import RoleAssignment
    from xueji.accounts.permissions import CAPABILITIES

    unit = user.org_unit
    units = Q(org_unit_id=unit.pk) | Q(org_unit__parent_id=unit.pk)
    if unit.parent_id is not None:
        units |= Q(org_unit_id=unit.parent_id)
    holds = Exists(RoleAssignment.objects.filter(user_id=OuterRef("pk"), role__in=sorted(CAPABILITIES[Cap.MESSAGE])))
    return units & Q(is_active=True, org_unit__is_active=True) & holds


def _outside(actor, user_ids) -> list[int]:
    """The users among `user_ids` the actor may not message (one query)."""
    from xueji.accounts.models import User

    ids = set(user_ids)
    inside = set(User.objects.filter(reach_q(actor), pk__in=ids).values_list("pk", flat=True))
    return sorted(ids - inside)


def _not_allowed(ids) -> ValidationFailed:
    return ValidationFailed(format_lazy(_("Not a user you may message: {users}. Only users of your own unit, of the "
                                          "unit directly above it and of the units directly below it may be in a "
                                          "conversation with you."), users=", ".join(f"#{pk}" for pk in ids)),
                            code="message_not_allowed", field="participants", details={"outside": ids})


def _clean_body(body: str, uploads) -> str:
    body = (body or "").strip()
    if len(body) > BODY_MAX:
        raise ValidationFailed(format_lazy(_("A message holds at most {max} characters; this one has {n}."),
                                           max=BODY_MAX, n=len(body)), code="message_too_long", field="body")
    if not body and not [u for u in uploads or [] if u]:
        raise ValidationFailed(_("Write a message or add a file."), code="message_empty", field="body")
    return body


@transaction.atomic
def conversation_start(*, actor, participant_ids, title: str = "", body: str = "", uploads=(),
                       client_key: str = "") -> Conversation:
    """Open a conversation with users one may message: one other user is the pair's one-to-one conversation (the
    existing one if they have talked before), several (or a title) a group. A first message may come with it. A
    refusal (someone outside the rule) writes nothing."""
    require_cap(actor, Cap.MESSAGE)
    try:
        ids = sorted({int(pk) for pk in participant_ids or []} - {actor.pk})
    except (TypeError, ValueError):
        raise ValidationFailed(_("Choose the users to message."), code="message_no_participant",
                               field="participants") from None
    if not ids:
        raise ValidationFailed(_("Choose the users to message."), code="message_no_participant",
                               field="participants")
    if len(ids) + 1 > GROUP_MAX:
        raise ValidationFailed(format_lazy(_("A group holds at most {max} users."), max=GROUP_MAX),
                               code="message_group_too_large", field="participants")
    outside = _outside(actor, ids)
    if outside:
        raise _not_allowed(outside)
    title = (title or "").strip()[:100]
    if body or uploads:
        _clean_body(body, uploads)  # refused before anything is written
    now = clock.now()
    direct = len(ids) == 1 and not title
    conversation = None
    if direct:
        pair = "-".join(str(pk) for pk in sorted((actor.pk, ids[0])))
        conversation = Conversation.objects.filter(pair=pair).first()
        if conversation is None:
            try:
                with transaction.atomic():
                    conversation = Conversation.objects.create(kind=ConversationKind.DIRECT, pair=pair,
                                                               created_by=actor, created_at=now)
            except IntegrityError:  # the other user opened it at the same moment
                conversation = Conversation.objects.get(pair=pair)
            else:
                Participant.objects.bulk_create([Participant(conversation=conversation, user_id=pk, joined_at=now)
                                                 for pk in (actor.pk, ids[0])])
                audit_record(actor=actor, action="support.conversation_start", obj=conversation,
                             after={"kind": conversation.kind, "participants": [actor.pk, *ids]})
    else:
        conversation = Conversation.objects.create(kind=ConversationKind.GROUP, title=title, created_by=actor,
                                                   created_at=now)
        Participant.objects.bulk_create([Participant(conversation=conversation, user_id=pk, joined_at=now)
                                         for pk in (actor.pk, *ids)])
        audit_record(actor=actor, action="support.conversation_start", obj=conversation,
                     after={"kind": conversation.kind, "participants": [actor.pk, *ids], "title": title})
    if body or uploads:
        message_send(actor=actor, conversation=conversation, body=body, uploads=uploads, client_key=client_key)
        conversation.refresh_from_db()
    return conversation


@transaction.atomic
def message_send(*, actor, conversation: Conversation, body: str = "", uploads=(),
                 client_key: str = "") -> Message:
    """Send a message (text, files under the proofs' checks, or both) to a conversation the actor is in. Written
    with its files, the conversation's newest id and the sender's read mark in one transaction before the answer;
    a send retried with the same `client_key` (its answer was lost) returns the stored message and writes nothing.
    Refused when a participant is no longer one the conversation's rule allows (a user moved to another unit)."""
    require_cap(actor, Cap.MESSAGE)
    if not Participant.objects.filter(conversation=conversation, user=actor).exists():
        raise NotFound("conversation not found")
    client_key = (client_key or "").strip()[:64]
    if client_key:
        stored = Message.objects.filter(sender=actor, client_key=client_key).first()
        if stored is not None:
            if stored.conversation_id != conversation.pk:
                raise Conflict(_("This message key was used in another conversation."), code="message_key_used")
            return stored
    body = _clean_body(body, uploads)
    # The rule holds for every message: the others must still be users the conversation's opener may message.
    anchor = actor if conversation.kind == ConversationKind.DIRECT else conversation.created_by
    others = list(Participant.objects.filter(conversation=conversation).exclude(user_id=anchor.pk)
                  .values_list("user_id", flat=True))
    outside = _outside(anchor, others) if anchor.is_active else others
    if outside:
        raise _not_allowed(outside)
    message = _append(conversation=conversation, sender=actor, body=body, client_key=client_key)
    files = _store(actor=actor, uploads=uploads, province_code=province_code_of(actor.org_unit), message=message)
    audit_record(actor=actor, action="support.message_send", obj=message,
                 after={"conversation": conversation.pk, "files": [f.original_name for f in files]})
    return message


def message_mark_read(*, actor, conversation: Conversation, up_to: int | None = None) -> int:
    """Mark the conversation read up to a message id (its newest when none is given); the mark only moves forward.
    One UPDATE; answers the mark."""
    newest = Conversation.objects.filter(pk=conversation.pk).values_list("last_message_id", flat=True).first() or 0
    mark = newest if up_to is None else max(0, min(int(up_to), newest))
    Participant.objects.filter(conversation=conversation, user=actor, last_read_id__lt=mark).update(last_read_id=mark)
    return mark


def _group_locked(actor, conversation: Conversation) -> tuple[Conversation, dict[int, Participant]]:
    """The group, locked (its member changes one after another: the size limit holds), and its participants by
    user; 404 when the actor is not in it, refused for a one-to-one conversation."""
    require_cap(actor, Cap.MESSAGE)
    locked = Conversation.objects.select_for_update().select_related("created_by").get(pk=conversation.pk)
    members = {p.user_id: p for p in Participant.objects.filter(conversation=locked).select_related("user")}
    if actor.pk not in members:
        raise NotFound("conversation not found")
    if locked.kind != ConversationKind.GROUP:
        raise Conflict(_("A one-to-one conversation has no members to change: start a group instead."),
                       code="not_a_group")
    return locked, members


def _append(*, conversation: Conversation, sender, body: str, client_key: str = "", event: str = "") -> Message:
    """A message (or a member change's line) at the end of the conversation: the conversation's newest id, which
    the idle poll reads, and the sender's read mark move with it."""
    now = clock.now()
    message = Message.objects.create(conversation=conversation, sender=sender, body=body, created_at=now,
                                     client_key=client_key, event=event)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_id=message.pk, last_message_at=now)
    Participant.objects.filter(conversation=conversation, user=sender).update(last_read_id=message.pk)
    notify.announce(conversation_id=conversation.pk, message_id=message.pk)  # to the held polls, at commit
    return message


def _owner_only(actor, conversation: Conversation) -> None:
    if conversation.created_by_id != actor.pk:
        raise Forbidden(_("Only the group's owner (who started it) adds or removes members."), code="group_owner_only")


def _name(user) -> str:
    return user.full_name or user.username


@transaction.atomic
def group_members_add(*, actor, conversation: Conversation, user_ids) -> list[int]:
    """The group's owner (its creator, whose reach the group's rule is) adds users they may message, up to
    GROUP_MAX in all. The new members read from their joining on, not the messages before it. A refusal (not the
    owner, someone outside the rule, too many) writes nothing. Answers the added users' ids."""
    conversation, members = _group_locked(actor, conversation)
    _owner_only(actor, conversation)
    try:
        ids = sorted({int(pk) for pk in user_ids or []} - set(members))
    except (TypeError, ValueError):
        ids = []
    if not ids:
        raise ValidationFailed(_("Choose the users to add (who are not in the group yet)."),
                               code="message_no_participant", field="participants")
    if len(members) + len(ids) > GROUP_MAX:
        raise ValidationFailed(format_lazy(_("A group holds at most {max} users."), max=GROUP_MAX),
                               code="message_group_too_large", field="participants")
    outside = _outside(actor, ids)
    if outside:
        raise _not_allowed(outside)
    from xueji.accounts.models import User

    now = clock.now()
    mark = conversation.last_message_id
    Participant.objects.bulk_create([Participant(conversation=conversation, user_id=pk, joined_at=now,
                                                 last_read_id=mark, since_id=mark) for pk in ids])
    added = list(User.objects.filter(pk__in=ids).order_by("pk"))
    _append(conversation=conversation, sender=actor, event=MemberEvent.ADDED,
            body="、".join(_name(u) for u in added)[:BODY_MAX])
    audit_record(actor=actor, action="support.group_add", obj=conversation,
                 before={"participants": sorted(members)}, after={"participants": sorted([*members, *ids])})
    return ids


@transaction.atomic
def group_member_remove(*, actor, conversation: Conversation, user_id: int) -> None:
    """The owner removes a member, or a member leaves (removes themselves). The owner stays (the group's rule is
    theirs); a removed member no longer sees the conversation, and their open page's poll is refused. The others see
    the change as a line of the conversation."""
    conversation, members = _group_locked(actor, conversation)
    user_id = int(user_id)
    leaving = user_id == actor.pk
    if not leaving:
        _owner_only(actor, conversation)
    if user_id == conversation.created_by_id:
        raise Conflict(_("The group's owner stays in the group: remove the others, or keep it."),
                       code="group_owner_stays")
    member = members.get(user_id)
    if member is None:
        raise ValidationFailed(_("This user is not in the group."), code="not_a_member", field="user")
    member.delete()
    _append(conversation=conversation, sender=actor, event=MemberEvent.LEFT if leaving else MemberEvent.REMOVED,
            body="" if leaving else _name(member.user))
    audit_record(actor=actor, action="support.group_leave" if leaving else "support.group_remove", obj=conversation,
                 before={"participants": sorted(members)},
                 after={"participants": sorted(set(members) - {user_id}), "user": user_id})


# ---------------------------------------------------------------- tickets


def support_level_of(unit: OrgUnit) -> OrgUnit:
    """The level that supports a unit: the authority directly above it; the top of the tree (the ministry) asks its
    own support staff."""
    if unit.parent_id is None:
        return unit
    return OrgUnit.objects.get(pk=unit.parent_id)


def _event(ticket: Ticket, kind: str, actor, text: str = "", *, at=None) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, org_unit_id=ticket.level_org_id,
                                      text=text, created_at=at or clock.now())


def _level(ticket: Ticket) -> TicketLevel:
    return TicketLevel.objects.filter(ticket=ticket, left_at__isnull=True).order_by("-id").first()


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("level_org").get(pk=ticket.pk)


def _linked(actor, *, student_id, request_id):
    """The pupil and request a question is about, through the asker's own selectors: linked only if visible."""
    from xueji.registry import selectors as registry_selectors
    from xueji.workflow import selectors as workflow_selectors

    student = request = None
    if student_id:
        try:
            student = registry_selectors.student_get(user=actor, pk=student_id)
        except (NotFound, Forbidden):
            raise ValidationFailed(_("The pupil is not one you can see."), code="support_link_not_found",
                                   field="student") from None
    if request_id:
        try:
            request = workflow_selectors.access_request_by_id(user=actor, pk=request_id)
        except (NotFound, Forbidden):
            raise ValidationFailed(_("The request is not one you can see."), code="support_link_not_found",
                                   field="request") from None
    return student, request


@transaction.atomic
def ticket_ask(*, actor, title: str, description: str, category: str = Category.OTHER, steps: str = "",
               contact: str = "", uploads=(), student_id: int | None = None,
               request_id: int | None = None) -> Ticket:
    """Ask the level above: a live conversation when one of its support staff is online, else a ticket from the
    problem-record template, to be taken within the level's response time."""
    require_cap(actor, Cap.SUPPORT_ASK)
    title, description = (title or "").strip(), (description or "").strip()
    if not title or not description:
        raise ValidationFailed(_("A question needs a subject and a description."), code="support_empty",
                               field="description")
    if category not in Category.values:
        raise ValidationFailed(_("Choose a problem category."), code="support_bad_category", field="category")
    level = support_level_of(actor.org_unit)
    student, request = _linked(actor, student_id=student_id, request_id=request_id)
    now = clock.now()
    live = online_at(level)
    due = now + response_time(level.kind)
    ticket = Ticket.objects.create(
        asker=actor, asker_org=actor.org_unit, level_org=level, title=title[:200], description=description,
        category=category, steps=steps or "", contact=(contact or "")[:100], student=student, request=request,
        status=TicketStatus.LIVE if live else TicketStatus.OPEN, arrived_at=now, due_at=due)
    TicketLevel.objects.create(ticket=ticket, org_unit=level, arrived_at=now, due_at=due)
    event = _event(ticket, EventKind.ASKED, actor, description, at=now)
    _store(actor=actor, uploads=uploads, province_code=province_code_of(actor.org_unit), ticket=ticket, event=event)
    audit_record(actor=actor, action="support.ticket_ask", obj=ticket,
                 after={"level": level.pk, "status": ticket.status, "category": category})
    return ticket


def _require_staff(actor, ticket: Ticket) -> None:
    if not (has_cap(actor, Cap.SUPPORT_ANSWER) and actor.org_unit_id == ticket.level_org_id):
        raise Forbidden(_("Only the support staff of the level the ticket sits at may do this."),
                        code="support_not_staff")


def is_asker_side(actor, ticket: Ticket) -> bool:
    return actor.org_unit_id == ticket.asker_org_id and has_cap(actor, Cap.SUPPORT_ASK)


def _require_active(ticket: Ticket) -> None:
    if ticket.status not in ACTIVE:
        raise Conflict(_("The ticket is not open any more."), code="support_closed")


def _take(ticket: Ticket, actor, now) -> None:
    ticket.taken_by = actor
    ticket.due_at = None
    if ticket.status == TicketStatus.OPEN:
        ticket.status = TicketStatus.TAKEN
    TicketLevel.objects.filter(ticket=ticket, left_at__isnull=True, taken_at__isnull=True).update(taken_at=now)
    _event(ticket, EventKind.TAKEN, actor, at=now)


@transaction.atomic
def ticket_take(*, actor, ticket: Ticket) -> Ticket:
    ticket = _lock(ticket)
    _require_staff(actor, ticket)
    if ticket.status not in WAITING or ticket.taken_by_id is not None:
        raise Conflict(_("The ticket is already taken."), code="support_taken")
    _take(ticket, actor, clock.now())
    ticket.save()
    audit_record(actor=actor, action="support.ticket_take", obj=ticket)
    return ticket


@transaction.atomic
def ticket_answer(*, actor, ticket: Ticket, text: str, action: str = "answer", uploads=()) -> Ticket:
    """A message in the ticket's thread. The level's staff answer, ask back or solve (taking the ticket if nobody
    had); the asker's unit writes back (a question asked back goes back into hand)."""
    ticket = _lock(ticket)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write a message."), code="support_empty", field="text")
    if action not in ACTIONS:
        raise ValidationFailed(f"Unknown action {action!r}.", code="support_bad_action", field="action")
    _require_active(ticket)
    now = clock.now()
    staff = has_cap(actor, Cap.SUPPORT_ANSWER) and actor.org_unit_id == ticket.level_org_id
    if staff:
        if ticket.taken_by_id is None:
            _take(ticket, actor, now)
        if action == "solve":
            ticket.status, ticket.solved_by, ticket.solved_at = TicketStatus.SOLVED, actor, now
            TicketLevel.objects.filter(ticket=ticket, left_at__isnull=True).update(solved_at=now,
                                                                                   outcome=Outcome.SOLVED)
            kind = EventKind.SOLVED
        elif action == "ask_back":
            kind = EventKind.ASK_BACK
            if ticket.status != TicketStatus.LIVE:
                ticket.status = TicketStatus.ASKED_BACK
        else:
            kind = EventKind.ANSWER
    elif is_asker_side(actor, ticket):
        if action != "answer":
            raise Forbidden(_("Only the support staff of the level the ticket sits at may do this."),
                            code="support_not_staff")
        kind = EventKind.MESSAGE
        if ticket.status == TicketStatus.ASKED_BACK:
            ticket.status = TicketStatus.TAKEN
    else:
        raise Forbidden(_("Only the asker's unit or the support staff of the ticket's level may write in it."),
                        code="support_not_party")
    event = _event(ticket, kind, actor, text, at=now)
    _store(actor=actor, uploads=uploads, province_code=province_code_of(ticket.asker_org), ticket=ticket,
           event=event)
    ticket.save()
    audit_record(actor=actor, action=f"support.ticket_{kind}", obj=ticket, after={"status": ticket.status})
    return ticket


def _arrive(ticket: Ticket, level: OrgUnit, now) -> None:
    ticket.level_org, ticket.arrived_at = level, now
    ticket.due_at = now + response_time(level.kind)
    ticket.status, ticket.taken_by = TicketStatus.OPEN, None
    TicketLevel.objects.create(ticket=ticket, org_unit=level, arrived_at=now, due_at=ticket.due_at)


@transaction.atomic
def ticket_pass_up(*, actor, ticket: Ticket, reason: str) -> Ticket:
    """The level's staff pass a ticket they cannot solve to the level above, with its history."""
    ticket = _lock(ticket)
    _require_staff(actor, ticket)
    _require_active(ticket)
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the ticket goes up."), code="support_empty", field="reason")
    if ticket.level_org.parent_id is None:
        raise Conflict(_("The ticket is at the top level: there is nobody above to pass it to."),
                       code="support_top_level")
    now = clock.now()
    TicketLevel.objects.filter(ticket=ticket, left_at__isnull=True).update(left_at=now, outcome=Outcome.PASSED_UP)
    _event(ticket, EventKind.PASSED_UP, actor, reason.strip(), at=now)
    _arrive(ticket, OrgUnit.objects.get(pk=ticket.level_org.parent_id), now)
    ticket.save()
    audit_record(actor=actor, action="support.ticket_pass_up", obj=ticket, after={"level": ticket.level_org_id})
    return ticket


@transaction.atomic
def ticket_rate(*, actor, ticket: Ticket, solved: bool = True, rating: int | None = None,
                comment: str = "") -> Ticket:
    """The asker's unit confirms a solved ticket with a rating (1–5), or says it is not solved (back in hand)."""
    ticket = _lock(ticket)
    if not is_asker_side(actor, ticket):
        raise Forbidden(_("Only the asker's unit confirms and rates a ticket."), code="support_not_asker")
    if ticket.status != TicketStatus.SOLVED:
        raise Conflict(_("Only a solved ticket is confirmed and rated."), code="support_not_solved")
    now = clock.now()
    if solved:
        if rating is None or not 1 <= int(rating) <= 5:
            raise ValidationFailed(_("Rate the answer from 1 to 5."), code="support_bad_rating", field="rating")
        ticket.status, ticket.rating, ticket.confirmed_at = TicketStatus.CONFIRMED, int(rating), now
        ticket.rating_comment = (comment or "")[:500]
        _event(ticket, EventKind.CONFIRMED, actor, comment or "", at=now)
    else:
        ticket.status, ticket.solved_at, ticket.solved_by = TicketStatus.TAKEN, None, None
        TicketLevel.objects.filter(ticket=ticket, left_at__isnull=True).update(solved_at=None, outcome="")
        _event(ticket, EventKind.REOPENED, actor, comment or "", at=now)
    ticket.save()
    audit_record(actor=actor, action="support.ticket_rate", obj=ticket,
                 after={"status": ticket.status, "rating": ticket.rating})
    return ticket


def tickets_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Move every ticket nobody took within its level's response time one level up, with its history: one
    set-based UPDATE per level whatever the number of open tickets (the top level first, so a ticket moves one
    level a run), then the history rows of the run from the tickets it stamped (INSERT ... SELECT)."""
    now = now or clock.now()
    moved = 0
    with transaction.atomic():
        for kind in reversed(ESCALATING):
            above = {OrgKind.COUNTY: OrgKind.CITY, OrgKind.CITY: OrgKind.PROVINCE,
                     OrgKind.PROVINCE: OrgKind.MINISTRY}[kind]
            moved += Ticket.objects.filter(
                level_org__kind=kind, level_org__parent__isnull=False, status__in=WAITING, taken_by__isnull=True,
                due_at__lte=now,
            ).update(level_org_id=Subquery(OrgUnit.objects.filter(pk=OuterRef("level_org_id")).values("parent_id")[:1]),
                     status=TicketStatus.OPEN, arrived_at=now, due_at=now + response_time(above), escalated_at=now,
                     updated_at=now)
        if not moved:
            return 0
        TicketLevel.objects.filter(left_at__isnull=True, ticket__escalated_at=now).exclude(
            org_unit_id=F("ticket__level_org_id")).update(left_at=now, outcome=Outcome.ESCALATED)
        ticket, level, event = (Ticket._meta.db_table, TicketLevel._meta.db_table, TicketEvent._meta.db_table)
        at = connection.ops.adapt_datetimefield_value(now)  # raw SQL: the value as the ORM stores it
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {level} (ticket_id, org_unit_id, arrived_at, due_at, outcome) "  # noqa: S608
                f"SELECT id, level_org_id, arrived_at, due_at, '' FROM {ticket} WHERE escalated_at = %s", [at])
            cursor.execute(
                f"INSERT INTO {event} (ticket_id, kind, actor_id, org_unit_id, text, created_at) "  # noqa: S608
                f"SELECT id, %s, NULL, level_org_id, '', %s FROM {ticket} WHERE escalated_at = %s",
                [str(EventKind.ESCALATED), at, at])
        audit_record(actor=None, username="system", action="support.tickets_escalated", object_type="support.ticket",
                     after={"count": moved})
    return moved


# ---------------------------------------------------------------- FAQ


@transaction.atomic
def faq_publish(*, actor, ticket: Ticket, question: str, answer: str, category: str | None = None) -> FaqEntry:
    """The solver publishes a solved ticket as an FAQ entry of their unit, in words edited free of personal data."""
    if ticket.solved_by_id != actor.pk or ticket.status not in (TicketStatus.SOLVED, TicketStatus.CONFIRMED):
        raise Forbidden(_("Only the solver of a solved ticket publishes it as an FAQ entry."),
                        code="support_not_solver")
    if FaqEntry.objects.filter(ticket=ticket).exists():
        raise Conflict(_("This ticket is already in the FAQ."), code="support_faq_exists")
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question or not answer:
        raise ValidationFailed(_("An FAQ entry needs a question and an answer."), code="support_empty",
                               field="answer")
    entry = FaqEntry.objects.create(ticket=ticket, org_unit=actor.org_unit, category=category or ticket.category,
                                    question=question[:300], answer=answer, published_by=actor,
                                    published_at=clock.now())
    audit_record(actor=actor, action="support.faq_publish", obj=entry, after={"ticket": ticket.pk})
    return entry


# ---------------------------------------------------------------- announcements


def _codes(values, allowed, what: str, field: str) -> str:
    values = [str(v) for v in (values or []) if v]
    wrong = sorted(set(values) - set(allowed))
    if wrong:
        raise ValidationFailed(f"Unknown {what}: {', '.join(wrong)}.", code="announcement_bad_choice", field=field)
    return f",{','.join(sorted(set(values)))}," if values else ""


@transaction.atomic
def announcement_publish(*, actor, title: str, body: str, target_ids, roles=(), stages=(), pinned: bool = False,
                         valid_from: dt.date | None = None, valid_until: dt.date | None = None,
                         uploads=()) -> Announcement:
    """Publish to chosen regions below the publisher's level (units of the org tree), roles and school stages
    (none chosen: all). A province's announcement waits for its leader's approval (a request of the approval
    engine); the other levels' are published at once."""
    require_cap(actor, Cap.ANNOUNCEMENT_PUBLISH)
    unit = actor.org_unit
    ids = sorted({int(pk) for pk in target_ids or []})
    if not ids:
        raise ValidationFailed(_("Choose at least one region."), code="announcement_no_target", field="targets")
    targets = list(OrgUnit.objects.filter(pk__in=ids, path__startswith=unit.path, is_active=True).exclude(pk=unit.pk))
    if len(targets) != len(ids):
        raise NotFound("organisation unit not found")
    if not (title or "").strip() or not (body or "").strip():
        raise ValidationFailed(_("An announcement needs a title and a text."), code="support_empty", field="body")
    today = clock.today()
    valid_from = valid_from or today
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed(_("The end of validity is before its start."), code="announcement_bad_dates",
                               field="valid_until")
    province = unit.kind == OrgKind.PROVINCE
    announcement = Announcement.objects.create(
        org_unit=unit, publisher=actor, title=title.strip()[:200], body=body.strip(), pinned=bool(pinned),
        valid_from=valid_from, valid_until=valid_until,
        roles=_codes(roles, Role.values, "roles", "roles"), stages=_codes(stages, STAGE.codes, "stages", "stages"),
        status=AnnouncementStatus.PENDING if province else AnnouncementStatus.PUBLISHED,
        published_at=None if province else clock.now())
    AnnouncementTarget.objects.bulk_create([AnnouncementTarget(announcement=announcement, org_unit=t)
                                            for t in targets])
    _store(actor=actor, uploads=uploads, province_code=province_code_of(unit), announcement=announcement)
    if province:
        announcement.request = workflow_services.request_submit(
            actor=actor, type=ANNOUNCEMENT_TYPE, title=announcement.title,
            payload={"announcement": announcement.pk, "title": announcement.title},
            subject_type=ANNOUNCEMENT_TYPE, subject_id=str(announcement.pk))
        announcement.save(update_fields=["request"])
    audit_record(actor=actor, action="support.announcement_publish", obj=announcement,
                 after={"status": announcement.status, "targets": ids})
    return announcement


def announcement_approved(*, request, actor) -> dict:
    """The request type's effect at the leader's approval: the announcement is published."""
    pk = request.payload.get("announcement")
    Announcement.objects.filter(pk=pk, status=AnnouncementStatus.PENDING).update(
        status=AnnouncementStatus.PUBLISHED, published_at=clock.now())
    return {"announcement": pk}


def announcement_refused(*, request, actor=None, **_kwargs) -> None:
    Announcement.objects.filter(pk=request.payload.get("announcement"), status=AnnouncementStatus.PENDING).update(
        status=AnnouncementStatus.REJECTED)


def announcement_mark_read(*, actor, announcement: Announcement) -> bool:
    """A read receipt on opening (once per user)."""
    _read, created = AnnouncementRead.objects.get_or_create(announcement=announcement, user=actor,
                                                             defaults={"read_at": clock.now()})
    return created
