"""The support app's part of the jurisdiction matrix (xueji/ui/tests/test_matrix.py): tickets asked by each acting
level (each seen by its asker's unit and the support staff of the level it sits at), an attachment on each, an
announcement to the whole tree (seen by everyone), one announcement of each acting authority (its publishers
see who has not read it), and a group conversation of each acting unit's messaging users with a message and a file
(seen by its participants only)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.core import clock
from xueji.regions.models import OrgUnit
from xueji.support import services
from xueji.support.choices import AnnouncementStatus
from xueji.support.models import Announcement, AnnouncementTarget, Attachment, Conversation, Ticket

# Asked by these units, in this order: each acting unit's first ticket "inside" (asked within its subtree) is its
# own, and every ticket outside its subtree is one it does not see (the 404s).
ASKERS = ("ministry", "anhui", "huangshan", "tunxi", "tunxi_primary", "xuanwu_primary")
PUBLISHERS = ("ministry", "anhui", "huangshan", "tunxi")


def matrix_support(world) -> None:
    for unit in ASKERS:
        actor = world.user(unit, "registrar")
        services.ticket_ask(actor=actor, title=f"矩阵问题 {unit}", description="矩阵", uploads=[
            SimpleUploadedFile("m.png", b"\x89PNG\r\n\x1a\nmatrix", content_type="image/png")])
    now = clock.now()
    everyone = Announcement.objects.create(org_unit=world.units["ministry"], publisher=world.user("ministry",
                                                                                                 "registrar"),
                                           title="矩阵公告", body="矩阵", valid_from=clock.today(),
                                           status=AnnouncementStatus.PUBLISHED, published_at=now)
    AnnouncementTarget.objects.create(announcement=everyone, org_unit=world.units["ministry"])
    for unit in PUBLISHERS:
        own = Announcement.objects.create(org_unit=world.units[unit], publisher=world.user(unit, "registrar"),
                                          title=f"矩阵公告 {unit}", body="矩阵", valid_from=clock.today(),
                                          status=AnnouncementStatus.PUBLISHED, published_at=now)
        child = OrgUnit.objects.filter(parent=world.units[unit]).order_by("pk").first()
        AnnouncementTarget.objects.create(announcement=own, org_unit=child)
    matrix_conversations(world)


def messaging_users(unit: OrgUnit):
    """The users of a unit who may message (the tests' own table of who holds what)."""
    from xueji.accounts.models import User
    from xueji.testing.capabilities import MAY

    roles = {role for kind, role in MAY["support.message"] if kind == unit.kind}
    return User.objects.filter(org_unit=unit, role_assignments__role__in=roles).distinct().order_by("pk")


def matrix_conversations(world) -> None:
    for unit in ASKERS:
        users = list(messaging_users(world.units[unit]))
        services.conversation_start(
            actor=users[0], participant_ids=[u.pk for u in users[1:]], title=f"矩阵会话 {unit}", body="矩阵",
            uploads=[SimpleUploadedFile("c.png", b"\x89PNG\r\n\x1a\nmatrix", content_type="image/png")])


def peer(user) -> int:
    """Another messaging user of the user's unit (someone the user may message), or 0 for an anonymous visitor."""
    if user is None:
        return 0
    other = messaging_users(user.org_unit).exclude(pk=user.pk).first()
    return other.pk if other else 0


def matrix_objects(kind: str):
    if kind == "ticket":
        return [(t.asker_org, t) for t in Ticket.objects.filter(title__startswith="矩阵问题")
                .select_related("asker_org").order_by("pk")]
    if kind == "support_attachment":
        return [(a.ticket.asker_org, a) for a in Attachment.objects.filter(ticket__title__startswith="矩阵问题")
                .select_related("ticket__asker_org").order_by("pk")]
    if kind == "announcement":  # to the whole tree: in view of everyone
        return [(None, a) for a in Announcement.objects.filter(title="矩阵公告")]
    if kind == "own_announcement":  # each acting authority's own, the top level first
        return [(a.org_unit, a) for a in Announcement.objects.filter(title__startswith="矩阵公告 ")
                .select_related("org_unit").order_by("org_unit__path")]
    if kind == "conversation":  # each acting unit's group of its messaging users, the top level first
        return [(c.created_by.org_unit, c) for c in Conversation.objects.filter(title__startswith="矩阵会话 ")
                .select_related("created_by__org_unit").order_by("pk")]
    if kind == "message_attachment":
        return [(a.message.sender.org_unit, a) for a in Attachment.objects.filter(
            message__conversation__title__startswith="矩阵会话 ").select_related("message__sender__org_unit")
            .order_by("pk")]
    raise AssertionError(kind)


def child_unit(user) -> int:
    """A unit directly below the user's (an announcement's region)."""
    if user is None:  # an anonymous visitor: refused before any of it is read
        return 0
    child = OrgUnit.objects.filter(parent_id=user.org_unit_id).order_by("pk").first()
    return child.pk if child else 0
