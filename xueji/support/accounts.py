"""平台账号 (articles 17-18): the platform's three account types mapped onto Xueji's roles, and the report of a
unit's super administrator to the level above, which binds the account and sends its credentials by SMS and e-mail
through the pluggable senders (support.senders). Reads and writes of these reports live here together (a small
module of its own, beside the support app's tickets and announcements).

The mapping (shown on the page 平台账号):
- super administrator (超级管理员): the system administrator (Role.SYSADMIN) of each level: the organisation, the
  accounts and roles of the level and below (accounts), the system's configuration (policy);
  the review of announcements is the leaders' of a province (support.types: 发布与审核公告), as the national rules
  ask of the level that publishes;
- registration-system administrator (学籍系统管理员): an authority's registrar (Role.REGISTRAR at a county, city,
  province or the ministry): certifies the registration staff below (training: Cap.TRAINING_MANAGE), supports
  them (Cap.SUPPORT_ANSWER) and publishes to them; their accounts are created by the super administrator;
- ordinary user (普通用户): every business account (registrar, leader, admissions office): messaging,
  consultation (tickets), look-ups (the FAQ, announcements, training).
Auditor and security administrator accounts are outside the platform's three types (三员分立: they are neither
administration nor business of the platform)."""

import secrets
import string

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role, User
from xueji.accounts.permissions import Cap, require_cap
from xueji.accounts.services import user_reset_password, user_update
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, NotFound, ValidationFailed
from xueji.support.platform_models import AccountReport, AccountReportStatus
from xueji.support.senders import send_all

ACCOUNT_TYPES = (
    {"key": "super_admin", "label": _("Super administrator"), "roles": (Role.SYSADMIN,), "levels": _("every level"),
     "duties": _("Organisation, accounts and roles of the level and below, configuration; reported to the level "
                 "above, which binds the account.")},
    {"key": "registration_admin", "label": _("Registration-system administrator"), "roles": (Role.REGISTRAR,),
     "levels": _("county, city, province, ministry"),
     "duties": _("Certifies the registration staff below (training and exams), supports them and publishes "
                 "announcements to them.")},
    {"key": "ordinary", "label": _("Ordinary user"), "roles": (Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS),
     "levels": _("every level"), "duties": _("Messaging, consultation and tickets, look-ups (FAQ, announcements, "
                                             "training).")},
)


def account_type_of(user) -> list[str]:
    """The platform account types a user's roles map to."""
    roles = user.role_set
    found = []
    if Role.SYSADMIN in roles:
        found.append("super_admin")
    if Role.REGISTRAR in roles and user.org_unit.kind != "school":
        found.append("registration_admin")
    if roles & {Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS}:
        found.append("ordinary")
    return found


def new_password(length: int = 14) -> str:
    """A temporary password meeting the complexity rules: upper, lower, digit and symbol, from the system's
    random source."""
    pools = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "#@!%&*")
    chars = [secrets.choice(pool) for pool in pools]
    everything = "".join(pools)
    chars += [secrets.choice(everything) for _n in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


# ---------------------------------------------------------------- reads


def reports_filed(*, user) -> QuerySet[AccountReport]:
    """The reports of the user's own unit."""
    require_cap(user, Cap.PLATFORM_ACCOUNTS)
    return AccountReport.objects.filter(org_unit_id=user.org_unit_id).select_related("user", "parent_org")


def reports_to_bind(*, user) -> QuerySet[AccountReport]:
    """The reports of the units directly below the user's, the waiting ones first."""
    require_cap(user, Cap.PLATFORM_ACCOUNTS)
    return (AccountReport.objects.filter(parent_org_id=user.org_unit_id).select_related("user", "org_unit")
            .order_by("status", "-reported_at", "-id"))


def report_get(*, user, pk) -> AccountReport:
    """A report of the user's unit or of a unit directly below it, or 404."""
    require_cap(user, Cap.PLATFORM_ACCOUNTS)
    try:
        return AccountReport.objects.select_related("user", "org_unit", "parent_org").get(
            Q(org_unit_id=user.org_unit_id) | Q(parent_org_id=user.org_unit_id), pk=int(pk))
    except (AccountReport.DoesNotExist, ValueError, TypeError):
        raise NotFound("report not found") from None


def candidates(*, user) -> QuerySet[User]:
    """Who a unit may report: its own active system administrators."""
    return User.objects.filter(org_unit_id=user.org_unit_id, is_active=True,
                               role_assignments__role=Role.SYSADMIN).order_by("username")


def waiting_count(*, user) -> int:
    return AccountReport.objects.filter(parent_org_id=user.org_unit_id, status=AccountReportStatus.REPORTED).count()


# ---------------------------------------------------------------- writes


@transaction.atomic
def report_file(*, actor, user_id: int, phone: str = "", email: str = "") -> AccountReport:
    """A unit reports its super administrator (one of its system administrators) to the level above."""
    require_cap(actor, Cap.PLATFORM_ACCOUNTS)
    unit = actor.org_unit
    if unit.parent_id is None:
        raise ValidationFailed(_("The ministry has no level above to report to."), code="platform_no_parent")
    user = candidates(user=actor).filter(pk=user_id).first()
    if user is None:
        raise ValidationFailed(_("Report one of your unit's system administrators."), code="platform_not_admin",
                               field="user")
    phone, email = (phone or user.phone).strip(), (email or user.email).strip()
    if not phone and not email:
        raise ValidationFailed(_("Give a mobile phone or an e-mail address for the credentials."),
                               code="platform_no_contact", field="phone")
    if AccountReport.objects.filter(org_unit=unit, user=user, status=AccountReportStatus.REPORTED).exists():
        raise Conflict(_("This administrator is already reported and waits for the level above."),
                       code="platform_already_reported")
    report = AccountReport.objects.create(org_unit=unit, parent_org_id=unit.parent_id, user=user, phone=phone,
                                          email=email, reported_by=actor, reported_at=clock.now())
    audit_record(actor=actor, action="support.account_report", obj=report,
                 after={"user": user.pk, "phone": bool(phone), "email": bool(email)})
    return report


@transaction.atomic
def report_bind(*, actor, report: AccountReport) -> AccountReport:
    """The level above binds a reported super administrator: the contacts onto the account, a new temporary
    password (to be changed at the first sign-in), sent by SMS and e-mail after commit. The audit row names the
    channels, never the password."""
    require_cap(actor, Cap.PLATFORM_ACCOUNTS)
    report = AccountReport.objects.select_for_update().select_related("user").get(pk=report.pk)
    if report.parent_org_id != actor.org_unit_id:
        raise NotFound("report not found")
    if report.status != AccountReportStatus.REPORTED:
        raise Conflict(_("This report is already bound."), code="platform_already_bound")
    user = report.user
    user = user_update(actor=actor, user=user, phone=report.phone or user.phone, email=report.email or user.email)
    password = new_password()
    user_reset_password(actor=actor, user=user, new_password=password)
    channels = [name for name, value in (("sms", report.phone), ("email", report.email)) if value]
    report.status, report.bound_by, report.bound_at = AccountReportStatus.BOUND, actor, clock.now()
    report.channels = ",".join(channels)
    report.save(update_fields=["status", "bound_by", "bound_at", "channels"])
    audit_record(actor=actor, action="support.account_bind", obj=report,
                 after={"user": user.pk, "channels": channels, "temporary_credentials": True})
    text = str(_("Xueji platform: your account {username} is bound; temporary password {password} (change it at "
                 "the first sign-in).")).format(username=user.username, password=password)
    transaction.on_commit(lambda: send_all(user=user, subject=str(_("Your Xueji platform account")), text=text))
    return report
