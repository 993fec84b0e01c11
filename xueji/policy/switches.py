"""管理功能设置: the function switches a province sets per stage (primary, junior, senior), with their defaults and
the shapes their values take. The values are stored per province and stage (models.FunctionSwitch); a stage
without a stored value takes the default here."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.policy.choices import COMPULSORY_STAGES, STAGES

STATUS_CHANGES = "status_changes.allowed"
REGISTRATION_OPEN = "registration.open"
ENTRY_AGE = "registration.entry_age"
DELETE_FORMAL = "student.delete_formal"
# 转学: the sending side consents within N working days (Monday to Friday), else the transfer goes to the common
# superior authority of both sides (xueji.transfers.services.transfers_escalate_overdue).
TRANSFER_CONSENT = "transfers.consent_deadline"

# Transfers (21 转出, 22 转入) are their own business, with their own window; the other JY/T 1001 types are the
# status changes a province switches per stage.
TRANSFER_TYPES = ("21", "22")
STATUS_CHANGE_CODES: tuple[str, ...] = tuple(c for c in codes.STATUS_CHANGE_TYPE.codes if c not in TRANSFER_TYPES)
# Not in compulsory education by default: 退学 (withdrawal) and 开除学籍 (expulsion).
NOT_IN_COMPULSORY = ("31", "42")


def _status_changes_default(stage: str) -> list[str]:
    off = NOT_IN_COMPULSORY if stage in COMPULSORY_STAGES else ()
    return [c for c in STATUS_CHANGE_CODES if c not in off]


def _clean_status_changes(value: Any) -> list[str]:
    if not isinstance(value, list | tuple | set) or any(not isinstance(c, str) for c in value):
        raise ValueError("a list of status-change type codes")
    unknown = sorted(set(value) - set(STATUS_CHANGE_CODES))
    if unknown:
        raise ValueError(f"unknown status-change types: {', '.join(unknown)}")
    return [c for c in STATUS_CHANGE_CODES if c in set(value)]


def _clean_flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _clean_entry_age(value: Any) -> dict:
    if (not isinstance(value, dict) or set(value) != {"enabled", "min_age"} or not isinstance(value["enabled"], bool)
            or type(value["min_age"]) is not int or not 3 <= value["min_age"] <= 9):
        raise ValueError('{"enabled": true or false, "min_age": 3 to 9}')
    return {"enabled": value["enabled"], "min_age": value["min_age"]}


def _clean_consent(value: Any) -> dict:
    if (not isinstance(value, dict) or set(value) != {"enabled", "working_days"}
            or not isinstance(value["enabled"], bool) or type(value["working_days"]) is not int
            or not 1 <= value["working_days"] <= 60):
        raise ValueError('{"enabled": true or false, "working_days": 1 to 60}')
    return {"enabled": value["enabled"], "working_days": value["working_days"]}


@dataclass(frozen=True)
class Switch:
    key: str
    label: str
    help: str
    default: Callable[[str], Any]  # stage -> the value when the province set none
    clean: Callable[[Any], Any]  # the value in its stored shape; ValueError when it does not fit
    stages: tuple[str, ...] = STAGES  # the stages it applies to


SWITCHES: dict[str, Switch] = {s.key: s for s in (
    Switch(STATUS_CHANGES, _("Status changes allowed"),
           _("The kinds of status change (学籍异动) schools may file for pupils of this stage; by default 退学 and "
             "开除学籍 are not allowed in compulsory education."),
           _status_changes_default, _clean_status_changes),
    Switch(REGISTRATION_OPEN, _("New-student registration open"),
           _("Whether schools may file registrations (在校生, 小学新生, 来华归国) for pupils of this stage."),
           lambda stage: True, _clean_flag),
    Switch(ENTRY_AGE, _("Grade-1 entry age control"),
           _("Refuse grade-1 registration of pupils younger than the minimum age on 31 August."),
           lambda stage: {"enabled": True, "min_age": 6}, _clean_entry_age, stages=("1",)),
    Switch(DELETE_FORMAL, _("Deleting a record with a formal national number"),
           _("Whether a registered record that holds a formal national number (G or J) may be deleted."),
           lambda stage: False, _clean_flag),
    Switch(TRANSFER_CONSENT, _("Transfer consent deadline of the sending side"),
           _("The sending school and its authority consent to a transfer within this many working days (Monday to "
             "Friday); past it, the transfer goes to the common superior authority of both sides."),
           lambda stage: {"enabled": False, "working_days": 10}, _clean_consent),
)}


def switch_default(key: str, stage: str) -> Any:
    return SWITCHES[key].default(stage)
