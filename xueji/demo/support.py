"""服务支持 in the demo, idempotently, through the services like a user would:

- `school_registrar` (屯溪区实验小学) asked three hours ago and nobody at 屯溪区 took it: the escalation moved it to
  黄山市, where `city_registrar` finds it in 服务支持 → 咨询与工单 (本级待处理) to answer;
- `school_registrar` asks again now: an open ticket in `tunxi_registrar`'s queue;
- two questions solved by `tunxi_registrar` and `city_registrar`, confirmed and rated by the asking schools, and
  published to the FAQ (the asking page finds them: search 导入 or 转学);
- `city_registrar` published an announcement to 屯溪区 (read by nobody yet: 公告 → the announcement → 查看未读人员);
- `province_registrar` filed a province announcement to 黄山市's registrars, waiting for `province_leader`'s
  approval in 待办;
- messaging (即时通讯): `school_registrar` and `tunxi_registrar` talked this morning (a one-to-one conversation with
  a few messages, the last one unread by the school), and `tunxi_registrar` opened a group with the registrars of
  屯溪区's schools."""

import datetime as dt

from xueji.accounts.models import User
from xueji.core import clock
from xueji.regions.models import OrgUnit
from xueji.support import services
from xueji.support.models import Announcement, Conversation, Ticket


def _user(username: str) -> User | None:
    return User.objects.select_related("org_unit").filter(username=username).first()


def _solved(asker: User, solver: User, *, title: str, description: str, answer: str, question: str,
            category: str) -> Ticket:
    ticket = services.ticket_ask(actor=asker, title=title, description=description, category=category,
                                 contact="0559-2512345")
    if ticket.level_org_id != solver.org_unit_id:
        ticket = services.ticket_pass_up(actor=_staff(ticket.level_org), ticket=ticket, reason="需上级处理")
    services.ticket_answer(actor=solver, ticket=ticket, text=answer, action="solve")
    services.ticket_rate(actor=asker, ticket=ticket, rating=5, comment="解决及时")
    services.faq_publish(actor=solver, ticket=Ticket.objects.get(pk=ticket.pk), question=question, answer=answer)
    return ticket


def _staff(unit: OrgUnit) -> User:
    return User.objects.filter(org_unit=unit, role_assignments__role="registrar").first()


def demo_support_data() -> list[str]:
    school, middle = _user("school_registrar"), _user("middle_registrar")
    county, city, province = _user("tunxi_registrar"), _user("city_registrar"), _user("province_registrar")
    if None in (school, middle, county, city, province) or Ticket.objects.exists():
        return []
    done = []
    with clock.frozen(clock.now() - dt.timedelta(hours=3)):
        services.ticket_ask(actor=school, title="新生注册提示班额已满", category="registration",
                            description="一年级1班注册时提示超过班额，但实际人数未满。", steps="学籍注册 → 提交注册",
                            contact="0559-2512345")
    services.tickets_escalate_overdue()
    done.append("ticket escalated to 黄山市")
    services.ticket_ask(actor=school, title="转学申请找不到学生", category="transfer",
                        description="按学籍号查找转入学生时提示未找到。", contact="0559-2512345")
    done.append("open ticket at 屯溪区")
    _solved(middle, county, title="批量导入提示格式错误", category="data",
            description="上传导入文件时提示列名不符。", question="批量导入时提示“列名不符”怎么办？",
            answer="请下载最新的导入模板，不要修改列标题，按模板填写后重新上传。")
    _solved(school, city, title="跨县转学审核顺序", category="transfer",
            description="跨县转学需要哪些单位审核？", question="跨县转学要经过哪些审核？",
            answer="转入学校、转出学校、转出县和转入县依次审核；同一县内县教育局只审核一次。")
    done.append("2 FAQ entries")
    tunxi = OrgUnit.objects.filter(parent=city.org_unit, name__contains="屯溪").first() or county.org_unit
    services.announcement_publish(actor=city, title="关于做好春季学期学籍注册工作的通知", pinned=True,
                                  body="请各校在开学两周内完成新生注册和学籍核对。", target_ids=[tunxi.pk])
    services.announcement_publish(actor=province, title="全省学籍管理员培训安排", roles=["registrar"],
                                  body="全省学籍管理员培训将于下月举行，请各地做好安排。",
                                  target_ids=[city.org_unit_id])
    done.append(f"{Announcement.objects.count()} announcements")
    return done


def demo_messages_data() -> list[str]:
    """The demo's conversations (once: nothing when school_registrar and tunxi_registrar have talked already)."""
    school, county = _user("school_registrar"), _user("tunxi_registrar")
    if None in (school, county) or Conversation.objects.filter(
            pair="-".join(str(pk) for pk in sorted((school.pk, county.pk)))).exists():
        return []
    morning = clock.now() - dt.timedelta(hours=2)
    lines = [(school, "您好，一年级新生注册时有两名学生提示身份证号重复，应该怎么处理？", 0),
             (county, "请先在问题学籍里查看重复的另一方是哪所学校，截图发我。", 3),
             (school, "截图在这里，另一方是歙县的学校。", 6),
             (county, "收到。跨县重复由市里仲裁，我已经转给黄山市，今天会有答复。", 10)]
    conversation = None
    for sender, text, minutes in lines:
        with clock.frozen(morning + dt.timedelta(minutes=minutes)):
            if conversation is None:
                conversation = services.conversation_start(actor=sender, participant_ids=[county.pk], body=text)
            else:
                services.message_send(actor=sender, conversation=conversation, body=text)
    done = [f"a conversation of {school.username} and {county.username} ({len(lines)} messages)"]
    schools = list(User.objects.filter(org_unit__parent=county.org_unit, role_assignments__role="registrar",
                                       is_active=True).order_by("username")[:5])
    if schools:
        group = services.conversation_start(actor=county, title="屯溪区学籍管理员群",
                                            participant_ids=[u.pk for u in schools],
                                            body="本周五前请完成春季学期新生注册，有问题在群里说。")
        done.append(f"a group of {group.participants.count()}")
    return done
