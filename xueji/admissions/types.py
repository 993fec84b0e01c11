"""The admission request types: a school's plan change (计划调整), approved by its county's admissions office; the
two sides of a cross-province entry after graduation (毕业后跨省就学, entry.py): the receiving school's request,
approved by its county, and the graduating school's side, opened by the hub and approved by that school's county."""

from django.utils.translation import gettext_lazy as _

from xueji.admissions import entry
from xueji.admissions.choices import (
    ENTRY_RELEASE_TYPE,
    ENTRY_TYPE,
    ENTRY_WINDOW,
    PLAN_CHANGE_TYPE,
    WINDOW_KIND,
    EntryState,
)
from xueji.admissions.services import plan_change_apply
from xueji.regions.models import OrgUnit
from xueji.transfers.services import NATIONAL_NUMBER, PUPIL
from xueji.workflow.resolvers import side
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


def _present_entry(payload: dict, presenter) -> dict:
    """The entry as the parties read it: the pupil's name and number (through the viewer's presenter), the
    province and school it graduated from, the class it joins, why."""
    keys = ("name", "national_number", "province", "peer_school", "school_class", "reason")
    return presenter.mapping({key: payload[key] for key in keys if key in payload})


def _present_release(payload: dict, presenter) -> dict:
    keys = ("student", "national_number", "receiving_school_name", "receiving_province")
    return presenter.mapping({key: payload[key] for key in keys if key in payload})


def _entry_rejected(*, request, actor) -> None:
    entry.entry_closed(request=request, state=EntryState.REJECTED)


def _entry_withdrawn(*, request, actor) -> None:
    entry.entry_closed(request=request, state=EntryState.WITHDRAWN)


def _release_rejected(*, request, actor) -> None:
    entry.release_rejected(request=request, actor=actor)


# The receiving school's registrar files; its county authority approves (a province may add steps). The request
# claims the pupil's national number (or its ID number): one open entry per pupil. Its approvals are the engine's
# own pages (the inbox, the request page): a step carries no data.
ENTRY = register(RequestType(
    code=ENTRY_TYPE, label=_("Cross-province entry after graduation"),
    default_route=(step("destination_county", "registrar"),),
    parties=lambda request: side("destination", request.filer_org), subjects=(NATIONAL_NUMBER, entry.ENTRANT_ID),
    excludes=(ENTRY_TYPE,), window_kind=ENTRY_WINDOW, apply=entry.entry_approved, on_rejected=_entry_rejected,
    on_withdrawn=_entry_withdrawn, present_payload=_present_entry))

# The graduating province's side, opened by the hub's admissions.entry_requested in the name of the graduating
# school's registrar; that school's county authority approves. It claims the graduate's record. Rejected, or
# withdrawn by that registrar after a return, it closes both sides.
ENTRY_RELEASE = register(RequestType(
    code=ENTRY_RELEASE_TYPE, label=_("Cross-province entry after graduation (graduating side)"),
    default_route=(step("source_county", "registrar"),),
    parties=lambda request: side("source", OrgUnit.objects.get(pk=(request.payload or {})["school_org"])),
    subjects=(PUPIL,), excludes=(ENTRY_RELEASE_TYPE,), window_kind=ENTRY_WINDOW, apply=entry.release_approved,
    on_rejected=_release_rejected, on_withdrawn=_release_rejected, present_payload=_present_release))
