"""Every read of the support app, from what the user may see.

Tickets: a user sees the tickets of their own unit (asked there), and, as support staff (Cap.SUPPORT_ANSWER), the
tickets of the units below that sit at their level now. The FAQ: the entries of the user's unit and of every unit
above it. Announcements: those published to a region holding the user's unit, for one of the user's roles and (a
school's users) one of its stages, within their validity; and their own unit's, for its publishers. The audience of
an announcement is one query over the users (set-based, never a loop). Conversations (即时通讯): a user sees those they
are in, and nothing of the others (404)."""

import operator
from functools import reduce

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from xueji.accounts.models import RoleAssignment, User
from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.core import clock
from xueji.core.errors import NotFound
from xueji.regions.models import OrgKind
from xueji.schools.models import School
from xueji.support.choices import ACTIVE, WAITING, AnnouncementStatus, TicketStatus
from xueji.support.models import (
    Announcement,
    AnnouncementRead,
    AnnouncementTarget,
    Attachment,
    Conversation,
    FaqEntry,
    Message,
    Participant,
    Ticket,
    TicketEvent,
    TicketLevel,
)


def _unit(user):
    unit = getattr(user, "org_unit", None) if getattr(user, "is_authenticated", False) else None
    return unit if unit is not None and unit.is_active else None


# ---------------------------------------------------------------- tickets


def _tickets_q(user) -> Q | None:
    unit = _unit(user)
    if unit is None:
        return None
    q = Q(asker_org_id=unit.pk) if has_cap(user, Cap.SUPPORT_ASK) else Q(pk__in=[])
    if has_cap(user, Cap.SUPPORT_ANSWER):
        q |= Q(level_org_id=unit.pk)
    return q


def ticket_list(*, user, filters: dict | None = None) -> QuerySet[Ticket]:
    """The tickets in view. Filters: `box` ("mine": asked by the user's unit; "queue": at the user's level, still
    active), `status`, `q` (subject or description contains)."""
    if not (has_cap(user, Cap.SUPPORT_ASK) or has_cap(user, Cap.SUPPORT_ANSWER)):
        require_cap(user, Cap.SUPPORT_ASK)
    q = _tickets_q(user)
    if q is None:
        return Ticket.objects.none()
    tickets = Ticket.objects.filter(q).select_related("asker", "asker_org", "level_org", "taken_by")
    filters = filters or {}
    if filters.get("box") == "mine":
        tickets = tickets.filter(asker_org_id=user.org_unit_id)
    elif filters.get("box") == "queue":
        tickets = tickets.filter(level_org_id=user.org_unit_id, status__in=ACTIVE)
    if filters.get("status"):
        tickets = tickets.filter(status=filters["status"])
    if filters.get("q"):
        tickets = tickets.filter(Q(title__icontains=filters["q"]) | Q(description__icontains=filters["q"]))
    return tickets


def ticket_get(*, user, pk) -> Ticket:
    """A ticket the user may see, or 404 (absent and out of view alike)."""
    try:
        return ticket_list(user=user).select_related("student", "request", "solved_by").get(pk=int(pk))
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound("ticket not found") from None


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor", "org_unit").prefetch_related("attachments")


def ticket_levels(*, ticket: Ticket) -> QuerySet[TicketLevel]:
    return ticket.levels.select_related("org_unit")


def ticket_counts(*, user) -> dict[str, int]:
    """The menu's counts: tickets waiting at the user's level (support staff), and the user's unit's tickets that
    wait for it (asked back, or solved and to be confirmed). One query."""
    q = _tickets_q(user)
    if q is None:
        return {"queue": 0, "mine": 0}
    unit = user.org_unit_id
    staff = has_cap(user, Cap.SUPPORT_ANSWER)
    counts = Ticket.objects.filter(q).aggregate(
        queue=Count("pk", filter=Q(level_org_id=unit, status__in=WAITING)) if staff else Count("pk", filter=Q(
            pk__in=[])),
        mine=Count("pk", filter=Q(asker_org_id=unit, status__in=(TicketStatus.ASKED_BACK, TicketStatus.SOLVED))))
    return {key: value or 0 for key, value in counts.items()}


# ---------------------------------------------------------------- FAQ


def faq_list(*, user, filters: dict | None = None) -> QuerySet[FaqEntry]:
    """The FAQ of the user's unit and the units above it; `q` searches question and answer (contains)."""
    unit = _unit(user)
    if unit is None:
        return FaqEntry.objects.none()
    entries = FaqEntry.objects.filter(org_unit_id__in=unit.ancestor_ids()).select_related("org_unit")
    text = (filters or {}).get("q", "").strip()
    if text:
        words = [w for w in text.split() if w][:5]
        entries = entries.filter(reduce(operator.and_, [Q(question__icontains=w) | Q(answer__icontains=w)
                                                        for w in words]))
    if (filters or {}).get("category"):
        entries = entries.filter(category=filters["category"])
    return entries


# ---------------------------------------------------------------- announcements


def _roles_q(user) -> Q:
    return reduce(operator.or_, [Q(roles__contains=f",{role},") for role in user.role_set], Q(roles=""))


def _stages_q(user, unit) -> Q:
    if unit.kind != OrgKind.SCHOOL:
        return Q()
    stages = School.objects.filter(org_unit=unit).values_list("stages", flat=True).first() or ""
    return reduce(operator.or_, [Q(stages__contains=f",{s},") for s in stages], Q(stages=""))


def announcement_list(*, user, filters: dict | None = None) -> QuerySet[Announcement]:
    """The announcements for the user (in validity, to a region holding the user's unit, for one of their roles
    and stages), and their own unit's for its publishers (pending ones too). Each with `is_read`."""
    unit = _unit(user)
    if unit is None:
        return Announcement.objects.none()
    today = clock.today()
    received = (Q(status=AnnouncementStatus.PUBLISHED, valid_from__lte=today)
                & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
                & Exists(AnnouncementTarget.objects.filter(announcement=OuterRef("pk"),
                                                           org_unit_id__in=unit.ancestor_ids()))
                & _roles_q(user) & _stages_q(user, unit))
    q = received
    if has_cap(user, Cap.ANNOUNCEMENT_PUBLISH):
        q |= Q(org_unit_id=unit.pk)
    announcements = Announcement.objects.filter(q).select_related("org_unit", "publisher").annotate(
        is_read=Exists(AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user_id=user.pk)))
    box = (filters or {}).get("box")
    if box == "unread":
        announcements = announcements.filter(received, is_read=False)
    elif box == "published":
        announcements = announcements.filter(org_unit_id=unit.pk)
    return announcements


def announcement_get(*, user, pk) -> Announcement:
    try:
        return announcement_list(user=user).get(pk=int(pk))
    except (Announcement.DoesNotExist, ValueError, TypeError):
        raise NotFound("announcement not found") from None


def announcement_of_publisher(*, user, pk) -> Announcement:
    """An announcement of the user's own unit (its publishers: who has read it), or 404."""
    require_cap(user, Cap.ANNOUNCEMENT_PUBLISH)
    unit = _unit(user)
    try:
        return Announcement.objects.select_related("org_unit").get(pk=int(pk), org_unit_id=getattr(unit, "pk", None))
    except (Announcement.DoesNotExist, ValueError, TypeError):
        raise NotFound("announcement not found") from None


def unread_count(*, user) -> int:
    return announcement_list(user=user, filters={"box": "unread"}).count()


def audience(*, announcement: Announcement) -> QuerySet[User]:
    """The users an announcement reaches: active users of active units in one of its regions, holding one of its
    roles (none chosen: any), and, when stages are chosen, of a school teaching one of them (the authorities of the
    regions are reached whatever the stages). One query, whatever the number of users."""
    paths = list(announcement.targets.values_list("org_unit__path", flat=True))
    if not paths:
        return User.objects.none()
    users = User.objects.filter(is_active=True, org_unit__is_active=True).filter(
        reduce(operator.or_, [Q(org_unit__path__startswith=p) for p in paths]))
    if announcement.role_list:
        users = users.filter(Exists(RoleAssignment.objects.filter(user=OuterRef("pk"),
                                                                  role__in=announcement.role_list)))
    if announcement.stage_list:
        teaching = reduce(operator.or_, [Q(stages__contains=s) for s in announcement.stage_list])
        users = users.filter(~Q(org_unit__kind=OrgKind.SCHOOL)
                             | Exists(School.objects.filter(teaching, org_unit_id=OuterRef("org_unit_id"))))
    return users


def audience_unread(*, announcement: Announcement) -> QuerySet[User]:
    """The audience's users who have not opened it yet, by unit."""
    return audience(announcement=announcement).exclude(
        Exists(AnnouncementRead.objects.filter(announcement=announcement, user_id=OuterRef("pk")))
    ).select_related("org_unit").order_by("org_unit__path", "username")


def audience_totals(*, announcement: Announcement) -> dict[str, int]:
    """The audience, read and unread: one query."""
    counts = audience(announcement=announcement).aggregate(
        total=Count("pk", distinct=True),
        read=Count("pk", distinct=True, filter=Q(Exists(AnnouncementRead.objects.filter(
            announcement=announcement, user_id=OuterRef("pk"))))))
    return {"total": counts["total"], "read": counts["read"], "unread": counts["total"] - counts["read"]}


def target_choices(*, user):
    """The units an announcement of the user's level may go to: the authorities and schools below it."""
    from xueji.regions.models import OrgUnit

    unit = _unit(user)
    if unit is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=unit.path, is_active=True).exclude(pk=unit.pk).order_by("path")


# ---------------------------------------------------------------- messaging (即时通讯)


def _messaging(user) -> bool:
    require_cap(user, Cap.MESSAGE)
    return _unit(user) is not None


def conversation_list(*, user, filters: dict | None = None) -> QuerySet[Conversation]:
    """The user's conversations, the latest first, each with `last_read` (the user's mark) and `unread` (messages of
    the others after it, counted on the index of (conversation, id)). Filters: `q` (a group's title or a
    participant's name contains), `unread` (only those with unread messages)."""
    if not _messaging(user):
        return Conversation.objects.none()
    mine = Participant.objects.filter(conversation_id=OuterRef("pk"), user_id=user.pk)
    unread = (Message.objects.filter(conversation_id=OuterRef("pk"), id__gt=OuterRef("last_read"))
              .exclude(sender_id=user.pk).order_by().values("conversation_id").annotate(n=Count("pk")).values("n"))
    conversations = Conversation.objects.filter(Exists(mine)).annotate(
        last_read=Subquery(mine.values("last_read_id")[:1]),
        unread=Coalesce(Subquery(unread), 0)).order_by(F("last_message_at").desc(nulls_last=True), "-id")
    filters = filters or {}
    text = (filters.get("q") or "").strip()
    if text:
        names = Participant.objects.filter(conversation_id=OuterRef("pk")).filter(
            Q(user__full_name__icontains=text) | Q(user__username__icontains=text))
        conversations = conversations.filter(Q(title__icontains=text) | Exists(names))
    if filters.get("unread") in (True, "1", "true", "on"):
        conversations = conversations.filter(unread__gt=0)
    return conversations


def conversation_get(*, user, pk) -> Conversation:
    """A conversation the user is in, or 404 (absent and someone else's alike)."""
    try:
        mine = Participant.objects.filter(conversation_id=OuterRef("pk"), user_id=user.pk)
        return conversation_list(user=user).select_related("created_by").annotate(
            since=Subquery(mine.values("since_id")[:1])).get(pk=int(pk))
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise NotFound("conversation not found") from None


def conversation_newest(*, user, pk) -> int | None:
    """The idle poll's one query: the newest message id of a conversation the user is in (None: not one of theirs,
    a 404), read from the participant's row by the unique index of (conversation, user)."""
    require_cap(user, Cap.MESSAGE)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Participant.objects.filter(conversation_id=pk, user_id=user.pk).values_list(
        "conversation__last_message_id", flat=True).first()


def unread_messages(*, user) -> int:
    """All the user's unread messages, in one query: their participant rows, then each conversation's messages
    after the user's mark on the index of (conversation, id)."""
    from xueji.accounts.permissions import has_cap

    if not has_cap(user, Cap.MESSAGE) or _unit(user) is None:
        return 0
    return Message.objects.filter(conversation__participants__user_id=user.pk,
                                  id__gt=F("conversation__participants__last_read_id")).exclude(
        sender_id=user.pk).count()


def conversation_names(*, conversations, user) -> dict[int, str]:
    """Each conversation's name in a list: a group's title, else its other participants and their units (one
    query)."""
    ids = [c.pk for c in conversations]
    others: dict[int, list[str]] = {}
    for row in Participant.objects.filter(conversation_id__in=ids).exclude(user_id=user.pk).select_related(
            "user__org_unit").order_by("id"):
        others.setdefault(row.conversation_id, []).append(
            f"{row.user.full_name or row.user.username}（{row.user.org_unit.name}）")
    return {c.pk: c.title or "、".join(others.get(c.pk, [])[:4]) or str(c) for c in conversations}


def message_list(*, conversation: Conversation, after: int = 0, before: int | None = None,
                 limit: int = 100) -> list[Message]:
    """Messages of a conversation (the caller got it through `conversation_get`): those after the cursor `after`,
    oldest first (a poll, a client reconnecting), or the last `limit` before `before` (a page, older ones)."""
    messages = Message.objects.filter(conversation=conversation, id__gt=getattr(conversation, "since", 0) or 0) \
        .select_related("sender__org_unit").prefetch_related("attachments")
    limit = max(1, min(int(limit), 200))
    if before is not None:
        return list(reversed(messages.filter(id__lt=before).order_by("-id")[:limit]))
    if after:
        return list(messages.filter(id__gt=after).order_by("id")[:limit])
    return list(reversed(messages.order_by("-id")[:limit]))


def participants(*, conversation: Conversation) -> list[Participant]:
    """The participants with their unit and presence: `online` when their last request is recent (one query)."""
    from xueji.support.services import online_since

    since = online_since()
    rows = list(Participant.objects.filter(conversation=conversation).select_related(
        "user__org_unit", "user__support_presence").order_by("user__org_unit__path", "user__username"))
    for row in rows:
        presence = getattr(row.user, "support_presence", None)
        row.last_seen = presence.last_seen if presence else None
        row.online = bool(presence and row.user.is_active and presence.last_seen >= since)
    return rows


def contact_list(*, user, filters: dict | None = None) -> QuerySet[User]:
    """The users one may message (the service's rule, `reach_q`), by unit; `q`: username or name contains."""
    from xueji.support.services import reach_q

    if not _messaging(user):
        return User.objects.none()
    users = User.objects.filter(reach_q(user)).exclude(pk=user.pk).select_related("org_unit")
    text = ((filters or {}).get("q") or "").strip()
    if text:
        users = users.filter(Q(username__icontains=text) | Q(full_name__icontains=text)
                             | Q(org_unit__name__icontains=text))
    return users.order_by("org_unit__path", "username")


def message_attachment_get(*, user, pk) -> Attachment:
    """A file of a message in a conversation the user is in, or 404."""
    require_cap(user, Cap.MESSAGE)
    try:
        return Attachment.objects.select_related("message").get(
            pk=int(pk), message__isnull=False,
            message__conversation__participants__user_id=getattr(user, "pk", None),
            message_id__gt=F("message__conversation__participants__since_id"))  # not a file from before joining
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound("attachment not found") from None


# ---------------------------------------------------------------- attachments


def attachment_get(*, user, pk) -> Attachment:
    """An attachment of a ticket or announcement the user may see, or 404."""
    try:
        attachment = Attachment.objects.get(pk=int(pk))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound("attachment not found") from None
    if attachment.ticket_id is not None:
        q = _tickets_q(user)
        if q is not None and Ticket.objects.filter(q, pk=attachment.ticket_id).exists():
            return attachment
    elif attachment.announcement_id is not None:
        if announcement_list(user=user).filter(pk=attachment.announcement_id).exists():
            return attachment
    raise NotFound("attachment not found")


def poll_newest(*, user_id: int, pk: int, session_key: str, now) -> tuple[int, str, str] | None:
    """The lean poll's one query (xueji/support/polling.py), before any user is loaded: the conversation's newest
    message id, with the account's password hash and security stamp (the caller checks its token's account hash
    against them), when `user_id` is an active account in the conversation and the session `session_key` exists and
    has not expired; None otherwise. The same participant row as `conversation_newest`, by its unique index, joined
    to the primary keys of the conversation, the user and the session."""
    from django.db import connection

    sql = ("SELECT c.last_message_id, u.password, u.security_stamp FROM support_participant p "
           "JOIN support_conversation c ON c.id = p.conversation_id JOIN accounts_user u ON u.id = p.user_id "
           "JOIN django_session s ON s.session_key = %s "
           "WHERE p.conversation_id = %s AND p.user_id = %s AND u.is_active AND s.expire_date > %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [session_key, pk, user_id, now])
        return cursor.fetchone()
