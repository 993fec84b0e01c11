"""Password loans (借用, the seed's rule 7), without sharing the password.

A business account (the lender) files a loan naming a colleague of its own unit (the borrower), the period and the
reason. The security administrator of the lender's level approves or refuses it (三员分立: loans are the security
administrator's duty, issue 11 item 4; rule 7 names the "system administrator", and item 4, the more specific,
gives loans to the security administrator). During the approved period the borrower may switch to acting as the
lender (以出借人身份操作): the session stays the borrower's (its second factor, its password policy, its sign-out),
the permissions are the lender's (`LoanMiddleware` puts the lender on the request), and every audit row written
meanwhile has the lender as actor and the borrower in `acted_by` ("by the borrower on behalf of the lender").

The loan ends on time: the middleware stops acting at its end on the next request and ends it, and the jobs
worker's maintenance ends every loan past its end each minute (`loans_expire`, set-based). An ended loan leaves
the lender with `must_change_password`: the password policy sends them to the password page at the next request.
While acting, nothing of the lender's own credentials may change (no password change, no new loan)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from xueji.accounts.choices import LoanStatus
from xueji.accounts.models import EXCLUSIVE_ROLES, Loan, User
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock, context
from xueji.core.errors import Forbidden, ValidationFailed

# The session key of the loan its borrower acts under.
ACTING_KEY = "xueji_loan"
OPEN_STATUSES = (LoanStatus.FILED, LoanStatus.APPROVED)


def _loan_audit(loan: Loan) -> dict:
    return {"lender": loan.lender.username, "borrower": loan.borrower.username, "starts_at": loan.starts_at,
            "ends_at": loan.ends_at, "reason": loan.reason, "status": loan.status}


def require_not_acting(code: str = "loan_acting") -> None:
    """Refuse while the request acts on behalf of someone (a loan's borrower may not touch the lender's
    credentials or loans)."""
    if context.current().acted_by:
        raise Forbidden("Not while acting on behalf of another account.", code=code)


@transaction.atomic
def loan_file(*, actor: User, borrower: User, starts_at: dt.datetime, ends_at: dt.datetime, reason: str) -> Loan:
    """The lender files a loan of its account to a colleague of its unit."""
    require_not_acting()
    if actor.has_role(*EXCLUSIVE_ROLES) or borrower.has_role(*EXCLUSIVE_ROLES) or not borrower.role_set:
        raise Forbidden("Only business accounts lend and borrow (administrators lend nothing).",
                        code="loan_business_only")
    if borrower.pk == actor.pk or borrower.org_unit_id != actor.org_unit_id or not borrower.is_active:
        raise ValidationFailed("The borrower is an active colleague of your unit.", code="loan_borrower",
                               field="borrower")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("The reason is required.", code="required", field="reason")
    now = clock.now()
    if ends_at <= starts_at or ends_at <= now:
        raise ValidationFailed("The period ends after it starts, in the future.", code="loan_period",
                               field="ends_at")
    if ends_at - starts_at > dt.timedelta(days=settings.XUEJI_LOAN_MAX_DAYS):
        raise ValidationFailed(f"A loan lasts {settings.XUEJI_LOAN_MAX_DAYS} days at most.", code="loan_too_long",
                               field="ends_at")
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one open loan per lender, under lock
    if Loan.objects.filter(lender=actor, status__in=OPEN_STATUSES).exists():
        raise ValidationFailed("You already have a loan filed or running.", code="loan_open", field="borrower")
    loan = Loan.objects.create(lender=actor, borrower=borrower, org_unit=actor.org_unit, starts_at=starts_at,
                               ends_at=ends_at, reason=reason, filed_at=now)
    audit_record(actor=actor, action="loan.file", obj=loan, after=_loan_audit(loan))
    return loan


@transaction.atomic
def loan_decide(*, actor: User, loan: Loan, approve: bool, note: str = "") -> Loan:
    """The security administrator of the lender's level approves or refuses a filed loan."""
    from xueji.accounts.selectors import loan_get_for_security

    require_cap(actor, Cap.SECURITY_MANAGE)
    loan = loan_get_for_security(user=actor, pk=loan.pk, lock=True)
    if loan.status != LoanStatus.FILED:
        raise ValidationFailed("This loan was decided already.", code="loan_decided")
    if approve and loan.ends_at <= clock.now():
        raise ValidationFailed("The period of this loan is over.", code="loan_period")
    before = loan.status
    loan.status = LoanStatus.APPROVED if approve else LoanStatus.REFUSED
    loan.decided_by, loan.decided_at, loan.decision_note = actor, clock.now(), note.strip()[:255]
    loan.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=actor, action="loan.approve" if approve else "loan.refuse", obj=loan,
                 before={"status": before}, after={"status": loan.status, "note": loan.decision_note})
    return loan


def _end(loan: Loan, *, actor: User | None, action: str) -> None:
    loan.status, loan.ended_at = LoanStatus.ENDED, clock.now()
    loan.save(update_fields=["status", "ended_at"])
    User.objects.filter(pk=loan.lender_id).update(must_change_password=True)
    audit_record(actor=actor, username="system", action=action, obj=loan, org_unit=loan.org_unit,
                 after={"status": loan.status, "lender_must_change_password": True})


@transaction.atomic
def loan_end(*, actor: User, loan: Loan) -> Loan:
    """The lender or the borrower ends a loan early (a filed one is withdrawn by its lender)."""
    require_not_acting()
    loan = Loan.objects.select_for_update().select_related("lender", "org_unit").get(pk=loan.pk)
    if actor.pk not in (loan.lender_id, loan.borrower_id):
        raise Forbidden("Only the lender or the borrower ends a loan.", code="permission_denied")
    if loan.status == LoanStatus.FILED and actor.pk == loan.lender_id:
        loan.status = LoanStatus.WITHDRAWN
        loan.save(update_fields=["status"])
        audit_record(actor=actor, action="loan.withdraw", obj=loan, after={"status": loan.status})
        return loan
    if loan.status != LoanStatus.APPROVED:
        raise ValidationFailed("This loan is not running.", code="loan_not_running")
    _end(loan, actor=actor, action="loan.end")
    return loan


def loans_expire() -> dict:
    """End every approved loan past its end (the worker's maintenance, every minute): one query when none is."""
    now = clock.now()
    due = list(Loan.objects.filter(status=LoanStatus.APPROVED, ends_at__lte=now).values_list("pk", flat=True))
    ended = 0
    for pk in due:  # few: a handful of loans end in a minute
        with transaction.atomic():
            loan = Loan.objects.select_for_update().select_related("org_unit").filter(
                pk=pk, status=LoanStatus.APPROVED).first()
            if loan is not None:
                _end(loan, actor=None, action="loan.expire")
                ended += 1
    return {"ended": ended}


def loan_running(loan: Loan, now: dt.datetime | None = None) -> bool:
    now = now or clock.now()
    return loan.status == LoanStatus.APPROVED and loan.starts_at <= now < loan.ends_at


@transaction.atomic
def acting_start(*, request, loan: Loan) -> Loan:
    """The borrower switches to acting as the lender for the rest of the session (or the loan)."""
    require_not_acting()
    user = request.user
    if loan.borrower_id != user.pk:
        raise Forbidden("Only the borrower acts under a loan.", code="permission_denied")
    if not loan_running(loan) or not loan.lender.is_active:
        raise ValidationFailed("This loan is not running now.", code="loan_not_running")
    from xueji.accounts import second_factor

    if second_factor.required(loan.lender) and not second_factor.session_verified(request):
        # The lender's account needs a second factor (an approver): so does the session that acts as it.
        raise Forbidden("Acting as this account needs a session that proved a second factor.",
                        code="loan_second_factor")
    request.session[ACTING_KEY] = loan.pk
    audit_record(actor=user, action="loan.act_start", obj=loan, after={"lender": loan.lender.username})
    return loan


def acting_stop(*, request) -> None:
    loan_id = request.session.pop(ACTING_KEY, None)
    borrower = getattr(request, "borrower", None) or request.user
    if loan_id is not None:
        token = context.bind(context.RequestContext(request_id=context.current().request_id,
                                                    ip=context.current().ip))
        try:
            audit_record(actor=borrower, action="loan.act_stop", object_type="accounts.loan", object_id=str(loan_id))
        finally:
            context.reset(token)
    request.user = borrower


def acting_loan(request) -> Loan | None:
    """The running loan the session acts under, or None (the key dropped, the loan ended if it is over)."""
    loan_id = request.session.get(ACTING_KEY)
    if loan_id is None:
        return None
    loan = (Loan.objects.select_related("lender__org_unit").filter(pk=loan_id, borrower=request.user.pk)
            .filter(Q(status=LoanStatus.APPROVED)).first())
    if loan is not None and loan_running(loan) and loan.lender.is_active:
        return loan
    request.session.pop(ACTING_KEY, None)
    if loan is not None and loan.ends_at <= clock.now():
        with transaction.atomic():
            locked = Loan.objects.select_for_update().select_related("org_unit").filter(
                pk=loan.pk, status=LoanStatus.APPROVED).first()
            if locked is not None:
                _end(locked, actor=None, action="loan.expire")
    return None
