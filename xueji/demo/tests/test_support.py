"""服务支持 in the demo: an escalated ticket at the city, an open one at the county, FAQ entries, announcements."""

from xueji.demo import generator as demo
from xueji.demo.support import demo_messages_data, demo_support_data
from xueji.support import selectors
from xueji.support.models import Announcement, Conversation, FaqEntry, Ticket

TINY = demo.DemoOptions(counties=2, schools=6, pupils=200, seed=7, batch_size=200)


def test_the_demo_has_tickets_faq_and_announcements(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.generate(TINY)
    assert demo_support_data()
    escalated = Ticket.objects.get(title="新生注册提示班额已满")
    assert escalated.level_org.kind == "city" and escalated.status == "open"
    assert FaqEntry.objects.count() == 2
    assert set(Announcement.objects.values_list("status", flat=True)) == {"published", "pending"}
    assert demo_support_data() == []  # once


def test_the_demo_has_a_conversation_of_the_school_and_its_county(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.generate(TINY)
    assert demo_messages_data()
    direct = Conversation.objects.get(kind="direct")
    assert direct.messages.count() == 4
    school = direct.participants.get(user__username="school_registrar").user
    assert selectors.unread_messages(user=school) >= 1
    assert Conversation.objects.filter(kind="group").exists()
    assert demo_messages_data() == []  # once
