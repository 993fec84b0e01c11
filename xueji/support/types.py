"""The announcement request type: a province's announcement (省级公告) waits for the province leader's approval
(发布与审核公告), then is published by the approval's effect."""

from django.utils.translation import gettext_lazy as _

from xueji.support.choices import ANNOUNCEMENT_TYPE
from xueji.support.services import announcement_approved, announcement_refused
from xueji.workflow.types import RequestType, register, register_subject, step

ANNOUNCEMENT = register_subject(ANNOUNCEMENT_TYPE, _("announcement"))


def _present(payload: dict, presenter) -> dict:
    """An announcement carries no pupil: its number and title."""
    return {key: payload[key] for key in ("announcement", "title") if key in payload}


ANNOUNCEMENT_APPROVAL = register(RequestType(
    code=ANNOUNCEMENT_TYPE, label=_("Announcement"), default_route=(step("filing_province", "leader"),),
    apply=announcement_approved, on_rejected=announcement_refused, on_withdrawn=announcement_refused,
    present_payload=_present, subjects=(ANNOUNCEMENT.code,), excludes=(ANNOUNCEMENT_TYPE,)))
