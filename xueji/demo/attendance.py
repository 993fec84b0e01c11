"""考勤与控辍保学, the registers, 月报 and 举报 in the demo, idempotently, through the services like a user would:

- `school_registrar` (屯溪区实验小学) entered the absences of the last school days: one pupil was absent without leave
  three days running, which raised a case on 屯溪区's dropout-prevention list (控辍保学); another was away two days
  (no case yet: the province's threshold is 3 consecutive or 10 in a term, 系统配置 → 管理功能设置);
- `tunxi_registrar` visited the first pupil's home (a follow-up; the case stays open until a return, a transfer or an
  exemption closes it);
- the registrar of the first demo school with left-behind pupils (`shexian_school_registrar`, 歙县实验小学, in
  the default demo) registered this term's guardian, contact and care measures of two of them;
- `tunxi_registrar` generated 屯溪区's monthly report of the last month with its manual items and `tunxi_leader`
  signed it (SM2): `tunxi_registrar` or `tunxi_leader` submits it to 黄山市 (月报 → the report);
- `middle_registrar` reported a misuse by 屯溪区实验小学: routed to 屯溪区, where `tunxi_leader` handles it."""

import datetime as dt

from django.db.models import Q

from xueji.accounts.models import User
from xueji.attendance import services, terms
from xueji.attendance.choices import FollowUpKind
from xueji.attendance.models import Absence, DropoutCase
from xueji.core import clock
from xueji.registry.choices import ON_ROLL
from xueji.registry.models import RegStatus, Student


def _user(username: str) -> User | None:
    return User.objects.select_related("org_unit").filter(username=username).first()


def _school_days_before(today: dt.date, count: int) -> list[dt.date]:
    days, day = [], today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if terms.is_school_day(day):
            days.append(day)
    return sorted(days)


def demo_attendance_data() -> list[str]:
    school, county, leader = _user("school_registrar"), _user("tunxi_registrar"), _user("tunxi_leader")
    middle = _user("middle_registrar")
    if None in (school, county, leader) or Absence.objects.exists():
        return []
    done = []
    pupils = list(Student.objects.filter(school__org_unit=school.org_unit, status__in=ON_ROLL,
                                         reg_status=RegStatus.REGISTERED, school_class__isnull=False)
                  .select_related("school_class").order_by("school_class_id", "id")[:2])
    if len(pupils) == 2 and pupils[0].school_class_id == pupils[1].school_class_id:
        first, second = pupils
        days = _school_days_before(clock.today(), 3)
        for n, day in enumerate(days):
            entries = {first.pk: "unexcused", **({second.pk: "personal"} if n else {})}
            services.absences_record(actor=school, school_class=first.school_class, day=day, entries=entries)
        services.cases_raise(province_code=first.province_code)
        done.append("absences of three days")
        case = DropoutCase.objects.filter(student=first).first()
        if case is not None:
            services.case_follow_up(actor=county, case=case, kind=FollowUpKind.HOME_VISIT,
                                    note="班主任与村干部家访，家长称孩子在外打工，承诺下周送回学校。")
            done.append("a dropout case with a home visit")
    term = terms.term_of(clock.today())[0]
    # The left-behind pupils of the first demo school that has some (the village teaching point, usually), registered
    # by that school's registrar.
    registrars = sorted(User.objects.filter(role_assignments__role="registrar", org_unit__kind="school",
                                            is_active=True).select_related("org_unit"),
                        key=lambda u: (u.username not in ("school_registrar", "rural_registrar"), u.username))
    for registrar in registrars:
        left_behind = list(Student.objects.filter(Q(is_left_behind=True) | (Q(detail__isnull=False)
                                                                            & ~Q(detail__left_behind="0")),
                                                  school__org_unit=registrar.org_unit, status__in=ON_ROLL,
                                                  reg_status=RegStatus.REGISTERED).order_by("id")[:2])
        if left_behind:
            break
    else:
        left_behind, registrar = [], school
    for pupil, (guardian, relation) in zip(left_behind, (("王秀英", "祖母"), ("李建国", "祖父")), strict=False):
        services.left_behind_save(actor=registrar, student=pupil, term=term, guardian_name=guardian,
                                  guardian_relation=relation, guardian_phone="13905591234",
                                  parents_away="浙江省杭州市务工",
                                  care_measures="班主任每周电话联系，结对帮扶教师每月家访。")
        done.append(f"left-behind entry at {registrar.org_unit.name}")
    month = terms.month_start(terms.month_start(clock.today()) - dt.timedelta(days=1))
    report = services.report_generate(actor=county, month=month, manual={"home_visits": 12, "persuaded_back": 1,
                                                                          "remarks": "本月无新增辍学学生。"})
    services.report_sign(actor=leader, report=report)
    done.append(f"monthly report {month:%Y-%m} signed")
    if middle is not None:
        services.misuse_file(actor=middle, about_unit=school.org_unit,
                             text="该校有人使用他人账号查询并导出学生信息。")
        done.append("a misuse report at 屯溪区")
    return done
