"""培训考试 and 平台账号 in the demo, idempotently, through the services like a user would:

- `province_registrar` runs 学校学籍管理员上岗培训 (a registrar course for the schools' registrars: a session next
  week at the province's education department, online material, five questions, a 30-minute exam, pass mark 60%);
- `city_registrar` runs 区县学籍管理员上岗培训 for the counties' registrars (same shape);
- every demo registrar may take the exam of their level (培训考试 → the course → the exam); a pass issues the
  certificate (PDF with its verification code, checked on the public page 证书查验);
- `tunxi_sysadmin` reported itself as 屯溪区's super administrator: `city_sysadmin` binds it on 平台账号 (the
  credentials go to the console: SMS printed, e-mail by Django's console backend).
持证上岗 stays off (系统配置 → 参数设置 → training.certificate_required: `province_sysadmin` switches it on)."""

import datetime as dt

from xueji.accounts.models import User
from xueji.core import clock
from xueji.support import accounts
from xueji.support.platform_models import AccountReport
from xueji.training import services
from xueji.training.models import Course

QUESTIONS = [
    ("single", "全国学籍号在何时生成？", ["学生入学注册并通过身份核验后", "学生毕业时", "家长申请时"], [0]),
    ("multiple", "以下哪些属于学籍异动？", ["转学", "休学", "复学", "调换座位"], [0, 1, 2]),
    ("true_false", "学籍号一人一号，终身不变。", [], [0]),
    ("single", "学校学籍管理员提交的注册申请首先由谁审核？", ["本校学籍主管领导", "省教育厅", "家长"], [0]),
    ("true_false", "学生个人信息可以随意导出给第三方。", [], [1]),
]


def _user(username: str) -> User | None:
    return User.objects.select_related("org_unit").filter(username=username).first()


def _course(actor: User, *, title: str, level: str, place: str) -> Course:
    course = services.course_create(actor=actor, title=title, level=level, for_registrars=True, mode="face",
                                    validity_months=24,
                                    description="学籍管理员持证上岗培训：政策、系统操作、数据安全。",
                                    material="1. 学籍管理办法要点\n2. 新生注册与学籍异动流程\n3. 个人信息保护")
    start = (clock.now() + dt.timedelta(days=7)).replace(hour=1, minute=30, second=0, microsecond=0)
    services.session_create(actor=actor, course=course, title=f"{title}（第一期）", starts_at=start,
                            ends_at=start + dt.timedelta(hours=6), place=place, capacity=100)
    for kind, text, choices, answer in QUESTIONS:
        services.question_add(actor=actor, course=course, kind=kind, text=text, choices=choices, answer=answer)
    services.exam_create(actor=actor, course=course, title=f"{title}考试", duration_minutes=30, pass_mark=60)
    return course


def demo_training_data() -> list[str]:
    province, city = _user("province_registrar"), _user("city_registrar")
    if None in (province, city) or Course.objects.exists():
        return []
    _course(province, title="学校学籍管理员上岗培训", level="school", place="省教育厅会议室")
    _course(city, title="区县学籍管理员上岗培训", level="county", place="黄山市教育局三楼")
    done = ["2 registrar courses with exams"]
    tunxi_admin = _user("tunxi_sysadmin")
    if tunxi_admin is not None and not AccountReport.objects.exists():
        accounts.report_file(actor=tunxi_admin, user_id=tunxi_admin.pk, phone="13905590001",
                             email="tunxi-admin@example.cn")
        done.append("a super administrator reported to 黄山市")
    return done
