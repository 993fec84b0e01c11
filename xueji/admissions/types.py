"""The admission request types: a school's plan change (计划调整), approved by its county's admissions office."""

from django.utils.translation import gettext_lazy as _

from xueji.admissions.choices import PLAN_CHANGE_TYPE, WINDOW_KIND
from xueji.admissions.services import plan_change_apply
from xueji.workflow.types import RequestType, register, register_subject, step

PLAN = register_subject("admissions.plan", _("admission plan"))


def _present(payload: dict, presenter) -> dict:
    """A plan change carries no pupil: the school, stage, year, the places before and asked for, and why."""
    keys = ("school", "stage", "year", "before", "quota", "reason")
    return {key: payload[key] for key in keys if key in payload}


# The school's registrar files; the admissions office (招生部门) of its county approves (a province may add steps).
PLAN_CHANGE = register(RequestType(
    code=PLAN_CHANGE_TYPE, label=_("Admission plan change"),
    default_route=(step("filing_county", "admissions"),), apply=plan_change_apply, window_kind=WINDOW_KIND,
    present_payload=_present, subjects=(PLAN.code,), excludes=(PLAN_CHANGE_TYPE,)))
