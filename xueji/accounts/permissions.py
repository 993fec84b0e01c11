"""What each role may do. One table, checked by services and used by views to show or hide actions."""

from enum import StrEnum

from xueji.accounts.models import Role
from xueji.core.errors import Forbidden


class Cap(StrEnum):
    ORG_VIEW = "org.view"
    SCHOOL_MANAGE = "school.manage"
    SCHOOL_YEAR_MANAGE = "school_year.manage"
    CLASS_MANAGE = "class.manage"
    STUDENT_VIEW = "student.view"
    STUDENT_VIEW_ID = "student.view_id"
    STUDENT_EDIT = "student.edit"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
    JOB_VIEW = "job.view"
    POLICY_MANAGE = "policy.manage"
    REQUEST_FILE = "request.file"
    REQUEST_VIEW = "request.view"


_ALL_BUT_AUDITOR = {Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS, Role.SYSADMIN}
CAPABILITIES: dict[Cap, set[Role]] = {
    Cap.ORG_VIEW: _ALL_BUT_AUDITOR,
    Cap.SCHOOL_MANAGE: {Role.REGISTRAR},  # and only at authorities, see `has_cap`
    Cap.SCHOOL_YEAR_MANAGE: {Role.REGISTRAR},  # province and ministry
    Cap.CLASS_MANAGE: {Role.REGISTRAR},
    Cap.STUDENT_VIEW: {Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS},
    Cap.STUDENT_VIEW_ID: {Role.REGISTRAR},
    Cap.STUDENT_EDIT: {Role.REGISTRAR},
    Cap.USER_MANAGE: {Role.SYSADMIN},
    Cap.AUDIT_VIEW: {Role.AUDITOR},
    Cap.JOB_VIEW: _ALL_BUT_AUDITOR,
    Cap.POLICY_MANAGE: {Role.REGISTRAR},
    Cap.REQUEST_FILE: {Role.REGISTRAR},
    Cap.REQUEST_VIEW: {Role.REGISTRAR, Role.LEADER},
}
# Capabilities bound to a level: the org kinds where they apply.
_LEVELS = {
    Cap.SCHOOL_MANAGE: {"ministry", "province", "city", "county"},
    Cap.SCHOOL_YEAR_MANAGE: {"ministry", "province"},
    Cap.POLICY_MANAGE: {"province"},  # one deployment serves one province; its authority sets its policy
}


def has_cap(user, cap: Cap) -> bool:
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
