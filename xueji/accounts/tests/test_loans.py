"""Password loans (借用, issue 11 item 3): filed by the lender, decided by the security administrator of the
lender's level only, acted under with every audit row naming the borrower, ended on time, then a new password."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.accounts import loans
from xueji.accounts.choices import LoanStatus
from xueji.accounts.models import Loan, User
from xueji.audit.models import AuditEvent
from xueji.audit.verify import chain_verify
from xueji.core import clock
from xueji.core.errors import Forbidden, NotFound, ValidationFailed
from xueji.testing.world import PASSWORD


def _file(world, hours=4):
    lender, borrower = world.user("tunxi_primary", "registrar"), world.user("tunxi_primary", "leader")
    now = clock.now()
    return loans.loan_file(actor=lender, borrower=borrower, starts_at=now - dt.timedelta(minutes=1),
                           ends_at=now + dt.timedelta(hours=hours), reason="产假期间代为办理")


def _approved(world, hours=4):
    loan = _file(world, hours)
    return loans.loan_decide(actor=world.user("tunxi_primary", "security"), loan=loan, approve=True)


def test_the_lender_files_a_loan_to_a_colleague_of_its_unit(world):
    loan = _file(world)
    assert loan.status == LoanStatus.FILED and loan.org_unit == world.units["tunxi_primary"]
    assert AuditEvent.objects.filter(action="loan.file", object_id=str(loan.pk)).exists()
    lender = world.user("tunxi_primary", "registrar")
    now = clock.now()
    with pytest.raises(ValidationFailed):  # one open loan per lender
        loans.loan_file(actor=lender, borrower=world.user("tunxi_primary", "leader"), starts_at=now,
                        ends_at=now + dt.timedelta(hours=1), reason="再借")
    with pytest.raises(ValidationFailed):  # a borrower of another unit
        loans.loan_file(actor=world.user("tunxi_middle", "registrar"), borrower=world.user("tunxi_primary", "leader"),
                        starts_at=now, ends_at=now + dt.timedelta(hours=1), reason="跨校")
    with pytest.raises(Forbidden):  # administrators lend nothing (三员分立)
        loans.loan_file(actor=world.user("tunxi_primary", "sysadmin"), borrower=world.user("tunxi_primary", "leader"),
                        starts_at=now, ends_at=now + dt.timedelta(hours=1), reason="管理员")
    with pytest.raises(ValidationFailed):  # longer than XUEJI_LOAN_MAX_DAYS
        loans.loan_file(actor=world.user("tunxi_middle", "registrar"), borrower=world.user("tunxi_middle", "leader"),
                        starts_at=now, ends_at=now + dt.timedelta(days=30), reason="太久")
    assert Loan.objects.count() == 1


@pytest.mark.parametrize("approver", [("tunxi_primary", "sysadmin"), ("tunxi_primary", "auditor"),
                                      ("tunxi_primary", "leader"), ("tunxi_primary", "registrar"),
                                      ("xuanwu_primary", "security"), ("shexian_primary", "security")])
def test_only_the_security_administrator_of_the_lenders_level_decides(world, approver):
    loan = _file(world)
    with pytest.raises((Forbidden, NotFound)):
        loans.loan_decide(actor=world.user(*approver), loan=loan, approve=True)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.FILED and loan.decided_by is None
    assert not AuditEvent.objects.filter(action="loan.approve").exists()


def test_approval_and_refusal(world):
    loan = _approved(world)
    assert loan.status == LoanStatus.APPROVED and loan.decided_by == world.user("tunxi_primary", "security")
    with pytest.raises(ValidationFailed):
        loans.loan_decide(actor=world.user("tunxi", "security"), loan=loan, approve=False)  # decided already
    other = loans.loan_file(actor=world.user("tunxi_middle", "registrar"),
                            borrower=world.user("tunxi_middle", "leader"), starts_at=clock.now(),
                            ends_at=clock.now() + dt.timedelta(hours=1), reason="x")
    refused = loans.loan_decide(actor=world.user("tunxi", "security"), loan=other, approve=False, note="理由不足")
    assert refused.status == LoanStatus.REFUSED


def test_the_borrower_acts_on_behalf_and_every_audit_row_names_both(world, client):
    loan = _approved(world)
    borrower, lender = world.user("tunxi_primary", "leader"), world.user("tunxi_primary", "registrar")
    client.force_login(borrower)
    assert client.post(reverse("accounts:loan_act", args=[loan.pk])).status_code == 302
    # The registrar's page (the leader's roles may not create a class): the lender's permissions.
    response = client.get(reverse("schools:class_create"))
    assert response.status_code == 200 and b"acting-banner" in response.content
    response = client.post(reverse("schools:class_create"), {
        "school": world.schools["tunxi_primary"].pk, "stage": world.schools["tunxi_primary"].stages[0],
        "cohort_year": 2020, "number": 7, "head_teacher": "李老师"})
    assert response.status_code == 302
    row = AuditEvent.objects.filter(action__startswith="class.").latest("id")
    assert (row.actor_id, row.acted_by) == (lender.pk, borrower.username)
    assert chain_verify().ok  # the new column is in the chained digest
    # The lender's credentials stay out of reach.
    client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password": "Nq8#vLw2Rt!z",
                                                       "new_password2": "Nq8#vLw2Rt!z"})
    lender.refresh_from_db()
    assert lender.check_password(PASSWORD) and not lender.check_password("Nq8#vLw2Rt!z")
    # Stopping: the borrower is themselves again.
    client.post(reverse("accounts:loan_stop"))
    assert client.get(reverse("schools:class_create")).status_code == 403


def test_the_loan_ends_on_time_and_the_lender_must_change_the_password(world, client):
    loan = _approved(world, hours=1)
    borrower = world.user("tunxi_primary", "leader")
    client.force_login(borrower)
    client.post(reverse("accounts:loan_act", args=[loan.pk]))
    assert client.get(reverse("schools:class_create")).status_code == 200
    with clock.shifted(dt.timedelta(hours=2)):
        assert client.get(reverse("schools:class_create")).status_code == 403  # acting stopped at the end
        loan.refresh_from_db()
        assert loan.status == LoanStatus.ENDED
        lender = User.objects.get(pk=loan.lender_id)
        assert lender.must_change_password
        client.force_login(lender)
        assert client.get(reverse("ui:workbench"))["Location"] == reverse("accounts:password_change")


def test_the_maintenance_ends_loans_past_their_end(world):
    loan = _approved(world, hours=1)
    assert loans.loans_expire() == {"ended": 0}
    with clock.shifted(dt.timedelta(hours=1, seconds=1)):
        assert loans.loans_expire() == {"ended": 1}
        assert loans.loans_expire() == {"ended": 0}
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ENDED and User.objects.get(pk=loan.lender_id).must_change_password
    assert AuditEvent.objects.filter(action="loan.expire", object_id=str(loan.pk)).count() == 1


def test_only_the_borrower_acts_and_only_while_it_runs(world, client):
    loan = _file(world)
    client.force_login(world.user("tunxi_primary", "leader"))
    client.post(reverse("accounts:loan_act", args=[loan.pk]))  # filed, not approved
    assert reverse("accounts:loan_stop") not in client.get(reverse("ui:workbench")).content.decode()
    assert client.get(reverse("schools:class_create")).status_code == 403
    loans.loan_decide(actor=world.user("tunxi_primary", "security"), loan=loan, approve=True)
    client.force_login(world.user("tunxi_primary", "admissions") if ("tunxi_primary", "admissions") in world.users
                       else world.user("tunxi_middle", "leader"))
    assert client.post(reverse("accounts:loan_act", args=[loan.pk])).status_code == 404


def test_pages(world, client, django_assert_max_num_queries):
    loan = _file(world)
    client.force_login(world.user("tunxi_primary", "security"))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("accounts:security_loan_list"))
    assert response.status_code == 200 and "产假期间代为办理" in response.content.decode()
    assert client.post(reverse("accounts:loan_approve", args=[loan.pk])).status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
    client.force_login(world.user("tunxi_primary", "leader"))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("accounts:loan_list"))
    assert reverse("accounts:loan_act", args=[loan.pk]) in response.content.decode()
    client.force_login(world.user("tunxi_middle", "registrar"))
    response = client.post(reverse("accounts:loan_file"), {
        "borrower": world.user("tunxi_middle", "leader").pk, "starts_at": "2026-01-01 08:00",
        "ends_at": "2099-01-01 08:00", "reason": "x"})
    assert response.status_code == 200  # too long: the form shows the error
    assert not Loan.objects.filter(lender__username="tunxi_middle_registrar").exists()


def test_acting_as_an_approver_needs_a_session_that_proved_a_second_factor(world, client, second_factor_enforced):
    """A school leader (an approver) lends to the registrar, who needs no second factor: acting is refused until the
    registrar's session proves one."""
    lender, borrower = world.user("tunxi_primary", "leader"), world.user("tunxi_primary", "registrar")
    now = clock.now()
    loan = loans.loan_file(actor=lender, borrower=borrower, starts_at=now, ends_at=now + dt.timedelta(hours=2),
                           reason="代为审核")
    loans.loan_decide(actor=world.user("tunxi_primary", "security"), loan=loan, approve=True)
    client.force_login(borrower)
    assert client.post(reverse("accounts:loan_act", args=[loan.pk])).status_code == 403
    assert loans.ACTING_KEY not in client.session
    assert not AuditEvent.objects.filter(action="loan.act_start").exists()


def test_the_api_files_and_decides_a_loan(world, client):
    lender, borrower = world.user("tunxi_middle", "registrar"), world.user("tunxi_middle", "leader")
    client.force_login(lender)
    now = clock.now()
    response = client.post("/api/v1/loans/", {"borrower": borrower.pk, "starts_at": now.isoformat(),
                                              "ends_at": (now + dt.timedelta(hours=3)).isoformat(), "reason": "出差"},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "filed"
    pk = response.json()["id"]
    client.force_login(world.user("tunxi_middle", "sysadmin"))  # not the system administrator's (item 4)
    assert client.post(f"/api/v1/security/loans/{pk}/decide/", {"approve": True},
                       content_type="application/json").status_code == 403
    assert Loan.objects.get(pk=pk).status == LoanStatus.FILED
    client.force_login(world.user("tunxi_middle", "security"))
    response = client.post(f"/api/v1/security/loans/{pk}/decide/", {"approve": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
