"""即时通讯, group members (issue 12, item 2): the group's owner adds users they may message and removes members, a
member leaves; the new member reads from joining on, a removed one sees nothing more (the page, the poll, the files);
each change is a line of the conversation, audited; refusals change nothing. The same on the page and in the API."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.support import selectors, services
from xueji.support.models import Attachment, Message, Participant
from xueji.testing.fingerprint import fingerprint

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    yield
    cache.clear()


@pytest.fixture
def group(world):
    """屯溪区's group with one of its schools; an earlier message with a file."""
    county = world.user("tunxi", "registrar")
    conversation = services.conversation_start(actor=county, title="屯溪区学籍群",
                                               participant_ids=[world.user("tunxi_primary", "registrar").pk])
    services.message_send(actor=county, conversation=conversation, body="加入前的消息",
                          uploads=[SimpleUploadedFile("before.png", PNG, content_type="image/png")])
    return conversation


def _members(conversation) -> set[str]:
    return set(Participant.objects.filter(conversation=conversation).values_list("user__username", flat=True))


def test_the_owner_adds_a_member_who_reads_from_joining_on(world, group, client):
    county, middle = world.user("tunxi", "registrar"), world.user("tunxi_middle", "registrar")
    assert services.group_members_add(actor=county, conversation=group, user_ids=[middle.pk]) == [middle.pk]
    assert _members(group) == {"tunxi_registrar", "tunxi_primary_registrar", "tunxi_middle_registrar"}
    line = Message.objects.filter(conversation=group).order_by("-pk").first()
    assert line.event == "added" and line.sender_id == county.pk and middle.full_name in line.body
    assert AuditEvent.objects.filter(action="support.group_add", object_id=str(group.pk)).count() == 1
    # The new member sees the group, the line of their joining, not what was said before it, nor its file.
    seen = selectors.message_list(conversation=selectors.conversation_get(user=middle, pk=group.pk))
    assert [m.pk for m in seen] == [line.pk]
    assert selectors.unread_messages(user=middle) == 1  # the line that they were added: their one unread
    earlier = Attachment.objects.get(original_name="before.png")
    with pytest.raises(NotFound):
        selectors.message_attachment_get(user=middle, pk=earlier.pk)
    client.force_login(middle)
    page = client.get(reverse("support:conversation_detail", args=[group.pk])).content.decode()
    assert "加入前的消息" not in page and 'data-event="added"' in page
    assert 'data-testid="leave-group"' in page and 'data-testid="members-form"' not in page  # not the owner
    # What is said after the joining reaches them.
    services.message_send(actor=county, conversation=group, body="欢迎")
    assert [m.body for m in selectors.message_list(
        conversation=selectors.conversation_get(user=middle, pk=group.pk))][-1] == "欢迎"


def test_additions_outside_the_rule_or_by_a_member_or_into_a_pair_change_nothing(world, group):
    county, school = world.user("tunxi", "registrar"), world.user("tunxi_primary", "registrar")
    other_county = world.user("shexian", "registrar")  # a sibling county: not one 屯溪区 may message
    before = fingerprint()
    with pytest.raises(ValidationFailed) as outside:
        services.group_members_add(actor=county, conversation=group, user_ids=[other_county.pk])
    assert outside.value.code == "message_not_allowed" and outside.value.details == {"outside": [other_county.pk]}
    with pytest.raises(Forbidden) as member:
        services.group_members_add(actor=school, conversation=group, user_ids=[county.pk])
    assert member.value.code == "group_owner_only"
    with pytest.raises(ValidationFailed) as nobody:
        services.group_members_add(actor=county, conversation=group, user_ids=[school.pk])  # already in it
    assert nobody.value.code == "message_no_participant"
    pair = services.conversation_start(actor=county, participant_ids=[school.pk], body="一对一")
    after_pair = fingerprint()
    with pytest.raises(Conflict) as direct:
        services.group_members_add(actor=county, conversation=pair, user_ids=[world.user("tunxi_middle",
                                                                                         "registrar").pk])
    assert direct.value.code == "not_a_group"
    with pytest.raises(NotFound):  # someone outside the group: as if absent
        services.group_members_add(actor=world.user("tunxi_middle", "registrar"), conversation=group,
                                   user_ids=[county.pk])
    assert fingerprint() == after_pair
    assert {k: v for k, v in after_pair.items() if not k.startswith(("support_", "audit_"))} == \
        {k: v for k, v in before.items() if not k.startswith(("support_", "audit_"))}


def test_a_removed_member_sees_nothing_more_and_a_member_leaves(world, group, client):
    county, school = world.user("tunxi", "registrar"), world.user("tunxi_primary", "registrar")
    middle = world.user("tunxi_middle", "registrar")
    services.group_members_add(actor=county, conversation=group, user_ids=[middle.pk])
    with pytest.raises(Forbidden):  # a member removes only themselves
        services.group_member_remove(actor=school, conversation=group, user_id=middle.pk)
    with pytest.raises(Conflict) as owner:
        services.group_member_remove(actor=county, conversation=group, user_id=county.pk)
    assert owner.value.code == "group_owner_stays" and len(_members(group)) == 3
    client.force_login(school)
    poll = reverse("support:conversation_poll", args=[group.pk])
    assert client.get(poll, {"after": 0}).status_code == 200
    services.group_member_remove(actor=county, conversation=group, user_id=school.pk)
    assert _members(group) == {"tunxi_registrar", "tunxi_middle_registrar"}
    # The removed school: the page, its poll (an open page), the API and the files are 404; the list no longer has it.
    assert client.get(reverse("support:conversation_detail", args=[group.pk])).status_code == 404
    assert client.get(poll, {"after": 0}).status_code == 404
    assert client.get(reverse("api:support-conversation-messages", args=[group.pk])).status_code == 404
    file = Attachment.objects.get(original_name="before.png")
    assert client.get(reverse("support:message_attachment", args=[file.pk])).status_code == 404
    assert not selectors.conversation_list(user=school).filter(pk=group.pk).exists()
    # The middle school leaves on the page: back to its list, the others see the line.
    client.force_login(middle)
    left = client.post(reverse("support:conversation_member_remove", args=[group.pk]), {"user": middle.pk})
    assert left.status_code == 302 and left.url == reverse("support:conversation_list")
    assert _members(group) == {"tunxi_registrar"}
    assert list(Message.objects.filter(conversation=group, event__gt="").values_list("event", flat=True)) == [
        "added", "removed", "left"]
    assert set(AuditEvent.objects.filter(action__startswith="support.group_").values_list("action", flat=True)) == {
        "support.group_add", "support.group_remove", "support.group_leave"}


def test_the_owner_manages_members_on_the_page_and_in_the_api(world, group, client):
    county, middle = world.user("tunxi", "registrar"), world.user("tunxi_middle", "registrar")
    client.force_login(county)
    page = client.get(reverse("support:conversation_detail", args=[group.pk])).content.decode()
    assert 'data-testid="members-form"' in page and 'data-testid="remove-tunxi_primary_registrar"' in page
    added = client.post(reverse("support:conversation_members_add", args=[group.pk]), {"participants": [middle.pk]})
    assert added.status_code == 302 and "tunxi_middle_registrar" in _members(group)
    refused = client.post(reverse("support:conversation_members_add", args=[group.pk]),
                          {"participants": [world.user("shexian", "registrar").pk]}, follow=True)
    assert "tunxi_middle_registrar" in _members(group) and "shexian_registrar" not in _members(group)
    assert "不能向这些用户发消息" in refused.content.decode()
    api = client.post(reverse("api:support-conversation-member-remove", args=[group.pk]), {"user": middle.pk},
                      content_type="application/json")
    assert api.status_code == 204 and "tunxi_middle_registrar" not in _members(group)
    again = client.post(reverse("api:support-conversation-members", args=[group.pk]),
                        {"participants": [middle.pk]}, content_type="application/json")
    assert again.status_code == 200 and {p["username"] for p in again.json()["participants"]} >= {
        "tunxi_middle_registrar"}
    owner = client.post(reverse("api:support-conversation-member-remove", args=[group.pk]), {"user": county.pk},
                        content_type="application/json")
    assert owner.status_code == 409 and owner.json()["code"] == "group_owner_stays"
