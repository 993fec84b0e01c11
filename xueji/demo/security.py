"""Security administration in the demo (issue 11 items 3, 4, 6), idempotently, through the services:

- `school_registrar` filed a password loan (借用) of its account to `school_leader` for two days, waiting for
  `school_security` (待审批的密码借用); once approved, `school_leader` finds 以出借人身份操作 in its user menu;
- a 404 scan from 203.0.113.7 (a documentation address) in the 404 counters, which the detectors turn into an open
  intrusion alert for the security administrator of the top level (入侵告警);
- two pupils of `school_registrar`'s school under special protection (安全标记 特殊保护): the school's and the county's
  registrars and leaders see them (a badge on the pupil page), the city and the province do not."""

import datetime as dt

from xueji.accounts import alerts, loans
from xueji.accounts.models import Loan, NotFoundCounter, User
from xueji.core import clock
from xueji.core.labels import SecurityLabel
from xueji.registry.models import Student
from xueji.registry.services import student_set_label

SCAN_IP = "203.0.113.7"
SCAN_PATHS = ["/wp-login.php", "/.env", "/phpmyadmin/", "/admin/config.php", "/.git/config", "/actuator/health"]


def demo_security_data() -> list[str]:
    done = []
    lender = User.objects.filter(username="school_registrar").first()
    borrower = User.objects.filter(username="school_leader").first()
    if lender and borrower and not Loan.objects.filter(lender=lender).exists():
        now = clock.now()
        loans.loan_file(actor=lender, borrower=borrower, starts_at=now, ends_at=now + dt.timedelta(days=2),
                        reason="外出培训两天，请学籍主管领导代为处理学籍业务")
        done.append("a password loan waiting for school_security")
    if not NotFoundCounter.objects.filter(ip=SCAN_IP).exists():
        minute = clock.now().replace(second=0, microsecond=0)
        for n in range(4):
            NotFoundCounter.objects.create(ip=SCAN_IP, minute=minute - dt.timedelta(minutes=n), count=12,
                                           paths=SCAN_PATHS[n:n + 3])
        result = alerts.security_scan()
        if result["raised"]:
            done.append("an intrusion alert (404 scan)")
    if lender and not Student.objects.filter(security_label=SecurityLabel.SPECIAL).exists():
        pupils = list(Student.objects.filter(school__org_unit=lender.org_unit).order_by("id")[:2])
        for pupil, reason in zip(pupils, ("残疾儿童，随班就读", "困境儿童，监护人申请保护"), strict=False):
            student_set_label(actor=lender, student=pupil, label=SecurityLabel.SPECIAL, reason=reason)
        if pupils:
            done.append(f"{len(pupils)} pupils under special protection (安全标记)")
    return done
