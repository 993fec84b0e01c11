"""The allocation request type: a funding allocation (经费核拨) waits for the province leader's approval; the
approval's effect freezes it."""

from django.utils.translation import gettext_lazy as _

from xueji.reports.services import ALLOCATION_TYPE, allocation_approved, allocation_refused
from xueji.workflow.types import RequestType, register, register_subject, step

ALLOCATION = register_subject(ALLOCATION_TYPE, _("funding allocation"))


def _present(payload: dict, presenter) -> dict:
    return {key: payload[key] for key in ("allocation", "date", "total", "pupils") if key in payload}


ALLOCATION_APPROVAL = register(RequestType(
    code=ALLOCATION_TYPE, label=_("Funding allocation"), default_route=(step("filing_province", "leader"),),
    apply=allocation_approved, on_rejected=allocation_refused, on_withdrawn=allocation_refused,
    present_payload=_present, subjects=(ALLOCATION.code,), excludes=(ALLOCATION_TYPE,)))
