"""What the policy says for transfers, read through the policy's services (one place, so the services and the
pages ask the same): the proofs a transfer is filed with, and the sending side's consent deadline; and the
working days that deadline counts.

Working days are Monday to Friday (the clock's dates in Asia/Shanghai); public holidays and the weekend days
worked in their place (调休) are not known to the system, so a deadline that spans a holiday comes early by its
length. A province that wants the margin sets more days."""

import datetime as dt

from xueji.policy.services import setting_get, switch_get
from xueji.policy.switches import TRANSFER_CONSENT
from xueji.transfers.choices import CERTIFICATE, PROOF_KINDS

EXTRA_PROOFS = "transfers.extra_proofs"


def required_proofs(province_code: str | None) -> list[str]:
    """The kinds of proof a transfer of this province is filed with: the certificate first, then the province's."""
    extra = setting_get(province_code=province_code, key=EXTRA_PROOFS) or []
    return [CERTIFICATE, *[kind for kind in PROOF_KINDS if kind in set(extra) and kind != CERTIFICATE]]


def consent_deadline(province_code: str | None, stage: str) -> int | None:
    """The working days the sending side has to consent, for pupils of this stage (None: no deadline)."""
    value = switch_get(province_code=province_code, stage=stage, key=TRANSFER_CONSENT)
    return int(value["working_days"]) if value and value.get("enabled") else None


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The working days after `start` up to and including `end` (0 when `end` is not after `start`): a step that
    reached the sending school on a Friday has had one working day by Monday evening."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if is_working_day(start + dt.timedelta(days=weeks * 7 + offset)):
            count += 1
    return count


def working_days_after(start: dt.date, n: int) -> dt.date:
    """The day on which `n` working days after `start` have passed (the deadline's last day)."""
    day, left = start, n
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
