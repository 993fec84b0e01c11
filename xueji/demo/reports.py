"""统计报表 in the demo, idempotently, through the services like a user would:

- the statistics return of 屯溪区 (教育事业统计基表, pupils per school, grade and sex today), written to
  `var/demo/statistics-return-tunxi.csv` and imported by `tunxi_registrar`, with three planted differences: two
  girls more in 屯溪区实验小学's 一年级, one boy fewer in its 三年级, three boys more in its 六年级; the
  comparison (统计查询 → 教育事业统计比对) lists them with the pupils that may explain them (drafts not yet registered);
- the province's per-pupil amounts (`province_registrar`: 生均公用经费 720 / 940 / 1,100 yuan for primary, junior,
  senior; free textbooks 90 / 180 for compulsory education) from the start of the school year, and a draft
  allocation at today that `province_registrar` files for approval and `province_leader` approves in 待办 (then it
  is frozen)."""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count

from xueji.accounts.models import User
from xueji.core import clock, codes
from xueji.registry.choices import ON_ROLL, RegStatus
from xueji.registry.models import Student
from xueji.reports import services
from xueji.reports.models import FundingRule, StatisticsReturn
from xueji.schools.models import School, SchoolYear

RULES = [("1", "public_funds", "720"), ("2", "public_funds", "940"), ("3", "public_funds", "1100"),
         ("1", "textbooks", "90"), ("2", "textbooks", "180")]


def _user(username: str) -> User | None:
    return User.objects.select_related("org_unit").filter(username=username).first()


def _return_rows(county) -> list[list]:
    year = SchoolYear.start_year_for(clock.today())
    counts = (Student.objects.filter(school__county=county, status__in=[str(s) for s in ON_ROLL],
                                     reg_status=RegStatus.REGISTERED, school_class__isnull=False)
              .values_list("school__code", "school_class__stage", "school_class__cohort_year", "sex")
              .annotate(n=Count("pk")).order_by("school__code", "school_class__stage", "-school_class__cohort_year",
                                                "sex"))
    rows = {}
    for code, stage, cohort, sex, n in counts:
        grade = codes.grade_code(stage, year - cohort + 1)
        if grade:
            rows[(code, grade, sex)] = rows.get((code, grade, sex), 0) + n
    return [[code, grade, codes.SEX.label(sex), n] for (code, grade, sex), n in rows.items()]


def demo_reports_data() -> list[str]:
    county_user, province, school_user = (_user("tunxi_registrar"), _user("province_registrar"),
                                          _user("school_registrar"))
    if None in (county_user, province, school_user) or StatisticsReturn.objects.exists():
        return []
    done = []
    school = School.objects.get(org_unit=school_user.org_unit)
    rows = _return_rows(school.county)
    planted = 0
    if not any(r[0] == school.code and r[1] == "16" and r[2] == "男" for r in rows):
        rows.append([school.code, "16", "男", 0])
    for row in rows:
        if row[0] == school.code and row[1] == "11" and row[2] == "女":
            row[3] += 2  # two girls more than the records
            planted += 1
        elif row[0] == school.code and row[1] == "13" and row[2] == "男" and row[3] > 0:
            row[3] -= 1  # one boy fewer
            planted += 1
        elif row[0] == school.code and row[1] == "16" and row[2] == "男":
            row[3] += 3  # three boys of 六年级 more
            planted += 1
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["学校代码", "年级", "性别", "人数"])
    writer.writerows(rows)
    data = text.getvalue().encode("utf-8")
    folder = settings.VAR_DIR / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "statistics-return-tunxi.csv").write_bytes(data)
    services.statistics_import(actor=county_user, stat_date=clock.today(),
                               upload=SimpleUploadedFile("statistics-return-tunxi.csv", data, "text/csv"))
    done.append(f"statistics return of 屯溪区 with {planted} planted differences")
    if not FundingRule.objects.exists():
        start = dt.date(SchoolYear.start_year_for(clock.today()), 9, 1)
        for stage, programme, amount in RULES:
            services.funding_rule_create(actor=province, stage=stage, programme=programme, amount=Decimal(amount),
                                         valid_from=start)
        services.allocation_create(actor=province, at_date=clock.today())
        done.append("funding rules and a draft allocation")
    return done
