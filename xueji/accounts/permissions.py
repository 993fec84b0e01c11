"""What each role may do. One table, checked by services and used by views to show or hide actions.

The capabilities' names, and the declaration of what each view needs, are xueji/core/capabilities.py's (below
every app); `Cap` is imported from here as well. `require_declared` and `declared_allows` apply a view's
declaration to a user: the pages (web_view), the API's permission and the menu all ask them."""

from xueji.accounts.models import Role
from xueji.core.capabilities import PUBLIC, UNDECLARED, Cap, declared_capability
from xueji.core.errors import Forbidden

__all__ = ["CAPABILITIES", "Cap", "declared_allows", "has_cap", "require_cap", "require_declared", "user_caps"]

_ALL_BUT_AUDITOR = {Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS, Role.SYSADMIN}
CAPABILITIES: dict[Cap, set[Role]] = {
    Cap.ORG_VIEW: _ALL_BUT_AUDITOR,
    Cap.SCHOOL_MANAGE: {Role.REGISTRAR},  # and only at authorities, see `has_cap`
    Cap.SCHOOL_YEAR_MANAGE: {Role.REGISTRAR},  # province and ministry
    Cap.CLASS_MANAGE: {Role.REGISTRAR},
    Cap.STUDENT_VIEW: {Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS},
    Cap.STUDENT_VIEW_ID: {Role.REGISTRAR},
    Cap.STUDENT_EDIT: {Role.REGISTRAR},
    # Security labels (安全标记): the clearance to see a labelled record (特殊保护) is the need-to-know of the pupil's
    # own school (its registrar and leaders) and of its county's registrars and leaders, who look after such children;
    # a city, a province, the ministry and the admissions offices see the record in no list, page or export (their
    # totals, read from the summary rows, still count it). Labelling: the registrars of the school and the county.
    Cap.STUDENT_LABELLED: {Role.REGISTRAR, Role.LEADER},
    Cap.STUDENT_LABEL: {Role.REGISTRAR},
    Cap.STUDENT_IMPORT: {Role.REGISTRAR},  # bulk import (批量导入) into one's own school
    # 三员分立 (separation of the three duties): system administrators manage business accounts and the system
    # administrators of the levels below; auditor accounts are managed by the auditor of a level above only.
    Cap.USER_MANAGE: {Role.SYSADMIN},
    Cap.AUDITOR_MANAGE: {Role.AUDITOR},
    Cap.AUDIT_VIEW: {Role.AUDITOR},
    # The security administrator (安全管理员): second factors, lockouts, password loans, security settings.
    Cap.SECURITY_MANAGE: {Role.SECURITY},
    # A second factor is reset from the level above (the security administrator of an authority).
    Cap.SECOND_FACTOR_RESET: {Role.SECURITY},
    Cap.JOB_VIEW: _ALL_BUT_AUDITOR,
    # System configuration (系统配置管理) is the system administrators' (系统管理员负责系统配置管理, 不参与学籍业务
    # 管理): the administrator of each level sets that level's settings; the business roles read those that bind them.
    Cap.POLICY_VIEW: {Role.REGISTRAR, Role.LEADER, Role.SYSADMIN},
    Cap.POLICY_MANAGE: {Role.SYSADMIN},
    # The settings only a province sets (approval routes, function switches, limits, its business windows).
    Cap.POLICY_PROVINCE: {Role.SYSADMIN},
    Cap.REQUEST_FILE: {Role.REGISTRAR},
    Cap.REQUEST_VIEW: {Role.REGISTRAR, Role.LEADER},
    # Identity verification: run over one's jurisdiction (province, city, county) or one's own school.
    Cap.VERIFY_RUN: {Role.REGISTRAR},
    # Loading the local population register file: the province authority's registrar (it is province data).
    Cap.REGISTER_LOAD: {Role.REGISTRAR},
    Cap.PROBLEM_VIEW: {Role.REGISTRAR, Role.LEADER},
    # Province-wide duplicate and error scans: the province registrar; a city or county for its subtree.
    Cap.PROBLEM_SCAN: {Role.REGISTRAR},
    # 控辍保学: the authorities follow the pupils who dropped out of compulsory education in their area.
    Cap.DROPOUT_VIEW: {Role.REGISTRAR, Role.LEADER},
    # The messages between provinces (省际消息, xueji/hub): the province's system administrator watches its side's
    # outbox and inbox (delivery, order, errors); it sees no payload, and subjects masked (三员分立: no business).
    Cap.HUB_VIEW: {Role.SYSADMIN},
    # Operations (xueji/ops): the deployment's system status, backups and alerts, for its top system administrator.
    Cap.OPS_VIEW: {Role.SYSADMIN},
    # 转学: the receiving school's registrar finds the pupil (the one way to a pupil of another school) and files.
    Cap.TRANSFER_FILE: {Role.REGISTRAR},
    # The school year's turn (xueji/schoolyear): registrars and leaders follow graduation and the calendar; the
    # school's registrar graduates its final grade (compulsory stages) and records the destinations; the
    # authorities' registrars check, prepare and run the promotion (升级), holding a school back and promoting it
    # later.
    Cap.GRADUATION_VIEW: {Role.REGISTRAR, Role.LEADER},
    Cap.GRADUATION_MANAGE: {Role.REGISTRAR},
    Cap.PROMOTION_MANAGE: {Role.REGISTRAR},
    # 招生: a school and its authorities read the admission plans and results; the admissions office (招生部门) of an
    # authority sets the plans, imports the results, resolves duplicate admissions and runs the admission.
    Cap.ADMISSION_VIEW: {Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS},
    Cap.ADMISSION_MANAGE: {Role.ADMISSIONS},
    # 服务支持 (xueji/support): everyone but the auditor asks (consultation and tickets); the registrars of the
    # authorities are the support staff of the level below (they answer the registration questions every day);
    # an authority's registrar publishes announcements to the regions below (a province's: approved by its leader).
    Cap.SUPPORT_ASK: _ALL_BUT_AUDITOR,
    # 即时通讯: the same users talk with the users of their own unit and of the units directly above and below it
    # (the rule is the support app's: support.selectors.reachable_users).
    Cap.MESSAGE: _ALL_BUT_AUDITOR,
    Cap.SUPPORT_ANSWER: {Role.REGISTRAR},
    Cap.ANNOUNCEMENT_PUBLISH: {Role.REGISTRAR},
    # 培训与考试 (xueji/training): an authority's registrar runs the training of the levels below (courses, sessions,
    # attendance, the question bank, exams); everyone signed in takes them.
    Cap.TRAINING_MANAGE: {Role.REGISTRAR},
    # The support platform's reports (tickets by level and age, response and solve times, unread announcements,
    # certification coverage): the authorities' registrars and leaders, over their area.
    Cap.SUPPORT_REPORT: {Role.REGISTRAR, Role.LEADER},
    # The platform's accounts (article 17-18): each level's system administrator (the platform's super
    # administrator) reports its own to the level above, whose system administrator binds it.
    Cap.PLATFORM_ACCOUNTS: {Role.SYSADMIN},
    # The data interface (数据接口, xueji/interface): the province's system administrator registers the province's own
    # systems as API clients (scope, field profile, rate limit, credentials). Giving a client unmasked personal items
    # is a capability of its own, so a deployment can move it to another role without touching the rest.
    Cap.INTERFACE_MANAGE: {Role.SYSADMIN},
    Cap.INTERFACE_UNMASK: {Role.SYSADMIN},
    # Reading pupils through the interface: held by no user's role, only by a registered client's credentials.
    Cap.INTERFACE_READ: set(),
}
# What a registered API client of the data interface holds (its principal, xueji/interface/api/authentication.py):
# nothing else, whatever its scope.
CLIENT_CAPABILITIES = frozenset({Cap.INTERFACE_READ})
# Capabilities bound to a level: the org kinds where they apply.
_LEVELS = {
    Cap.SCHOOL_MANAGE: {"ministry", "province", "city", "county"},
    Cap.SCHOOL_YEAR_MANAGE: {"ministry", "province"},
    Cap.STUDENT_IMPORT: {"school"},
    Cap.STUDENT_LABELLED: {"county", "school"},
    Cap.STUDENT_LABEL: {"county", "school"},
    Cap.AUDITOR_MANAGE: {"ministry", "province", "city", "county"},  # a school has no level below
    Cap.SECOND_FACTOR_RESET: {"ministry", "province", "city", "county"},
    # Settings by level: the province, a city or a county sets them for everything below it.
    Cap.POLICY_VIEW: {"province", "city", "county", "school"},  # the ministry is bound by no province's policy
    Cap.POLICY_MANAGE: {"province", "city", "county"},
    Cap.POLICY_PROVINCE: {"province"},  # one deployment serves one province; its authority sets its policy
    Cap.VERIFY_RUN: {"province", "city", "county", "school"},
    Cap.REGISTER_LOAD: {"province"},
    Cap.PROBLEM_SCAN: {"province", "city", "county"},
    Cap.DROPOUT_VIEW: {"ministry", "province", "city", "county"},  # the ministry: provinces' 月报, case totals
    Cap.HUB_VIEW: {"province"},  # the messages travel between provinces: each province's side is its authority
    Cap.OPS_VIEW: {"ministry", "province"},  # one deployment serves one province (the ministry's its own)
    Cap.TRANSFER_FILE: {"school"},
    Cap.GRADUATION_MANAGE: {"school"},
    Cap.PROMOTION_MANAGE: {"province", "city", "county"},
    Cap.ADMISSION_MANAGE: {"province", "city", "county"},
    Cap.SUPPORT_ANSWER: {"ministry", "province", "city", "county"},  # a school has no level below to support
    Cap.ANNOUNCEMENT_PUBLISH: {"ministry", "province", "city", "county"},
    Cap.TRAINING_MANAGE: {"ministry", "province", "city", "county"},
    Cap.SUPPORT_REPORT: {"ministry", "province", "city", "county"},
    Cap.INTERFACE_MANAGE: {"province"},  # one deployment serves one province: its authority registers its systems
    Cap.INTERFACE_UNMASK: {"province"},
}


def has_cap(user, cap: Cap) -> bool:
    if getattr(user, "is_api_client", False):
        return cap in CLIENT_CAPABILITIES
    if not getattr(user, "is_authenticated", False) or getattr(user, "org_unit", None) is None:
        return False
    if cap in _LEVELS and user.org_unit.kind not in _LEVELS[cap]:
        return False
    return bool(user.role_set.intersection(CAPABILITIES[cap]))


def require_cap(user, cap: Cap) -> None:
    if not has_cap(user, cap):
        raise Forbidden(f"Your roles do not allow this operation ({cap}).", code="permission_denied")


def user_caps(user) -> set[str]:
    return {str(cap) for cap in Cap if has_cap(user, cap)}


def require_declared(user, view, method: str) -> None:
    """Refuse (Forbidden, permission_denied) what the view declares for the method and the user's roles lack; a
    method the view declares nothing for is refused to everyone. Signing in is the caller's check (web_view
    sends to the sign-in page, the API answers 401)."""
    need = declared_capability(view, method)
    if need is UNDECLARED:
        raise Forbidden(f"{method.upper()} of this view declares no capability.", code="permission_denied")
    if isinstance(need, Cap):
        require_cap(user, need)


def declared_allows(user, view, method: str) -> bool:
    """Whether the view's declaration for the method lets the user in (the menu offers a page by it)."""
    need = declared_capability(view, method)
    if need is PUBLIC:
        return True
    if need is UNDECLARED or not getattr(user, "is_authenticated", False):
        return False
    return need is None or has_cap(user, need)
