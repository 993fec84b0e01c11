"""Sign-in, password and account pages (users, auditors). Thin: reads through selectors, writes through services,
refusals mapped in `xueji.ui.errors` (one place). Nothing here touches Model.objects."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from xueji.accounts import alerts, loans, second_factor, security_settings
from xueji.accounts import selectors as account_selectors
from xueji.accounts import services as account_services
from xueji.accounts.auth import credentials_verify
from xueji.accounts.filters import UserFilterSet
from xueji.accounts.models import Role
from xueji.accounts.passwords import ComplexityValidator
from xueji.accounts.permissions import Cap
from xueji.accounts.ui import forms, tables
from xueji.core.capabilities import PUBLIC, requires
from xueji.ui.errors import errors_to_form, web_view
from xueji.ui.views import command_view, form_page, list_page, paged, posted_flag, safe_next

# ---------------------------------------------------------------- sign-in

@requires(get=PUBLIC, post=PUBLIC)
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.user.is_authenticated and request.method != "POST":
        return redirect(safe_next(request, reverse("ui:workbench")))
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            user = credentials_verify(request=request, username=form.cleaned_data["username"],
                                      password=form.cleaned_data["password"])
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if second_factor.required(user):  # the second factor first, then the password policy
                verify = reverse("accounts:mfa_verify")
                nxt = safe_next(request, "")
                return redirect(f"{verify}?next={quote(nxt)}" if nxt else verify)
            if security_settings.password_expired(user):
                messages.warning(request, _("Your password has expired or was reset by an administrator. "
                                            "Please set a new password before you continue."))
                return redirect("accounts:password_change")
            return redirect(safe_next(request, reverse("ui:workbench")))
    return render(request, "accounts/login.html", {"form": form, "next": safe_next(request, ""),
                                                   "failure_limit": security_settings.default("lockout.failure_limit")})


@requires(post=PUBLIC)  # signing out needs no sign-in: a visitor is sent to the sign-in page
def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    response = redirect("accounts:login")
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'  # the browser drops what the session left
    return response


@sensitive_post_parameters("old_password", "new_password", "new_password2")
@web_view()
def password_change(request):
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            user = account_services.password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                                    new_password=form.cleaned_data["new_password"])
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("ui:workbench")
    expired = security_settings.password_expired(request.user)
    return render(request, "accounts/password_change.html",
                  {"form": form, "expired": expired, "rules": ComplexityValidator().get_help_text()})


# ---------------------------------------------------------------- users

@web_view(Cap.USER_MANAGE, methods=("GET",))
def user_list(request):
    form = UserFilterSet(request.GET, user=request.user, page=True).form
    table = paged(request, tables.UserTable(account_selectors.user_list(user=request.user, filters=form.filters())),
                  lazy=True)
    return list_page(request, title=_("User accounts"), icon="bi-person-gear", table=table, filter_form=form,
                     create_url=reverse("accounts:user_create"), create_label=_("New user"))


@sensitive_post_parameters("password")
@web_view(Cap.USER_MANAGE)
def user_create(request):
    form = forms.UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            user = account_services.user_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Account %(username)s was created; the user must change the password "
                                        "at the first login.") % {"username": user.username})
            return redirect("accounts:user_edit", pk=user.pk)
    return form_page(request, form, title=_("New user"), cancel_url=reverse("accounts:user_list"),
                     submit=_("Create account"))


@web_view(Cap.USER_MANAGE)
def user_edit(request, pk):
    target = account_selectors.user_get(user=request.user, pk=pk)
    initial = {"full_name": target.full_name, "org_unit": target.org_unit, "roles": sorted(target.role_set),
               "phone": target.phone, "email": target.email, "version": account_services.user_version(target)}
    form = forms.UserUpdateForm(request.POST or None, user=request.user, target=target, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            account_services.user_update(actor=request.user, user=target, version=form.submitted_version(),
                                         **form.values(target))
            messages.success(request, _("The account was saved."))
            return redirect("accounts:user_list")
    return render(request, "accounts/user_edit.html", {
        "form": form, "target": target, "locked": account_services.user_is_locked(target),
        "is_self": target.pk == request.user.pk, "title": _("Account %(username)s") % {"username": target.username}})


def _reset_password(request, target, *, back: str):
    """The password reset of a user or an auditor: the form, the service, and back to `back`."""
    form = forms.PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            account_services.user_reset_password(actor=request.user, user=target, **form.cleaned_data)
            messages.success(request, _("The password of %(username)s was reset and the account unlocked.") % {
                "username": target.username})
            return redirect(back)
    return form_page(request, form, title=_("Reset the password of %(username)s") % {"username": target.username},
                     cancel_url=back, submit=_("Reset password"))


@sensitive_post_parameters("new_password")
@web_view(Cap.USER_MANAGE)
def user_reset_password(request, pk):
    target = account_selectors.user_get(user=request.user, pk=pk)
    return _reset_password(request, target, back=reverse("accounts:user_edit", args=[target.pk]))


def _set_active(request, target) -> bool:
    is_active = posted_flag(request, "is_active")
    account_services.user_set_active(actor=request.user, user=target, is_active=is_active)
    return is_active


def _set_active_done(target, is_active: bool) -> str:
    if is_active:
        return _("Account %(username)s is active.") % {"username": target.username}
    return _("Account %(username)s is deactivated.") % {"username": target.username}


user_set_active = command_view(Cap.USER_MANAGE, get=account_selectors.user_get, run=_set_active,
                               done=_set_active_done, then="accounts:user_edit", then_object=True)


# ---------------------------------------------------------------- the security administrator (三员分立)

@web_view(Cap.SECURITY_MANAGE, methods=("GET",))
def security_user_list(request):
    form = UserFilterSet(request.GET, user=request.user, page=True).form
    table = paged(request, tables.SecurityUserTable(
        account_selectors.security_user_list(user=request.user, filters=form.filters()), actor=request.user),
        lazy=True)
    return list_page(request, title=_("Account security"), icon="bi-shield-lock", table=table, filter_form=form,
                     intro=_("Lockouts and second factors of the accounts of the levels below yours and of your "
                             "unit's business accounts. A second factor is reset from the level above."))


user_unlock = command_view(
    Cap.SECURITY_MANAGE, get=account_selectors.security_user_get,
    run=lambda request, target: account_services.user_unlock(actor=request.user, user=target),
    done=lambda target, _result: _("Account %(username)s was unlocked.") % {"username": target.username},
    then="accounts:security_user_list")
user_reset_second_factor = command_view(
    Cap.SECOND_FACTOR_RESET, get=account_selectors.security_user_get,
    run=lambda request, target: second_factor.reset(actor=request.user, user=target),
    done=lambda target, _result: _("The second factor of %(username)s was reset; the user enrols again at the "
                                   "next sign-in.") % {"username": target.username},
    then="accounts:security_user_list")


# ---------------------------------------------------------------- auditor accounts (三员分立)

@web_view(Cap.AUDITOR_MANAGE, methods=("GET",))
def auditor_list(request):
    table = paged(request, tables.AuditorTable(account_selectors.auditor_list(user=request.user)))
    return list_page(request, title=_("Auditor accounts"), icon="bi-person-badge", table=table,
                     intro=_("Auditor accounts of the levels below yours. System administrators cannot create "
                             "them or reset their passwords."),
                     create_url=reverse("accounts:auditor_create"), create_label=_("New auditor"))


@sensitive_post_parameters("password")
@web_view(Cap.AUDITOR_MANAGE)
def auditor_create(request):
    form = forms.AuditorCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            user = account_services.user_create(actor=request.user, roles=[Role.AUDITOR], **form.cleaned_data)
            messages.success(request, _("Account %(username)s was created; the user must change the password "
                                        "at the first login.") % {"username": user.username})
            return redirect("accounts:auditor_list")
    return form_page(request, form, title=_("New auditor"), cancel_url=reverse("accounts:auditor_list"),
                     submit=_("Create account"))


@sensitive_post_parameters("new_password")
@web_view(Cap.AUDITOR_MANAGE)
def auditor_reset_password(request, pk):
    target = account_selectors.auditor_get(user=request.user, pk=pk)
    return _reset_password(request, target, back=reverse("accounts:auditor_list"))


auditor_set_active = command_view(Cap.AUDITOR_MANAGE, get=account_selectors.auditor_get, run=_set_active,
                                  done=_set_active_done, then="accounts:auditor_list")


# ---------------------------------------------------------------- password loans (借用)

@web_view(methods=("GET",))
def loan_list(request):
    table = paged(request, tables.LoanTable(account_selectors.loan_list_mine(user=request.user),
                                            actor=getattr(request, "borrower", None) or request.user))
    return list_page(request, title=_("Password loans"), icon="bi-person-fill-lock", table=table,
                     intro=_("Lend your account to a colleague of your unit for a period, without giving your "
                             "password: the security administrator approves; meanwhile the colleague acts on your "
                             "behalf (every action is audited with both names), and you change your password when "
                             "the loan is over."),
                     create_url=None if getattr(request, "borrower", None) else reverse("accounts:loan_file"),
                     create_label=_("Lend my account"))


@web_view()
def loan_file(request):
    form = forms.LoanFileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            loans.loan_file(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The loan was filed; the security administrator decides on it."))
            return redirect("accounts:loan_list")
    return form_page(request, form, title=_("Lend my account"), cancel_url=reverse("accounts:loan_list"),
                     submit=_("File the loan"))


def _act(request, loan):
    return loans.acting_start(request=request, loan=loan)


loan_act = command_view(
    None, get=account_selectors.loan_get_mine, run=_act,
    done=lambda loan, _r: _("You now act on behalf of %(lender)s.") % {"lender": loan.lender.username},
    then="ui:workbench")
loan_end = command_view(
    None, get=account_selectors.loan_get_mine,
    run=lambda request, loan: loans.loan_end(actor=request.user, loan=loan),
    done=lambda loan, _r: _("The loan is over."), then="accounts:loan_list")


@web_view(methods=("POST",))
def loan_stop(request):
    loans.acting_stop(request=request)
    messages.success(request, _("You act as yourself again."))
    return redirect("accounts:loan_list")


@web_view(Cap.SECURITY_MANAGE, methods=("GET",))
def security_loan_list(request):
    table = paged(request, tables.SecurityLoanTable(account_selectors.loan_list_for_security(user=request.user),
                                                    actor=request.user))
    return list_page(request, title=_("Password loans to decide"), icon="bi-person-fill-lock", table=table,
                     intro=_("Loans filed by the accounts you look after. An approved loan lets the borrower act "
                             "on behalf of the lender until its end; then the lender must change the password."))


def _decide(approve: bool):
    def run(request, loan):
            return loans.loan_decide(actor=request.user, loan=loan, approve=approve, note=request.POST.get("note", ""))
    return run


loan_approve = command_view(Cap.SECURITY_MANAGE, get=account_selectors.loan_get_for_security, run=_decide(True),
                            done=lambda loan, _r: _("The loan was approved."), then="accounts:security_loan_list")
loan_refuse = command_view(Cap.SECURITY_MANAGE, get=account_selectors.loan_get_for_security, run=_decide(False),
                           done=lambda loan, _r: _("The loan was refused."), then="accounts:security_loan_list")


# ---------------------------------------------------------------- intrusion alerts

@web_view(Cap.SECURITY_MANAGE, methods=("GET",))
def alert_list(request):
    from xueji.accounts.choices import AlertStatus

    status = request.GET.get("status") or None
    if status not in AlertStatus.values:
        status = None
    table = paged(request, tables.AlertTable(account_selectors.alert_list(user=request.user, status=status)))
    return list_page(request, title=_("Intrusion alerts"), icon="bi-exclamation-octagon", table=table,
                     intro=_("Credential stuffing, accounts used from several addresses, export bursts, "
                             "out-of-hours bulk reads and 404 scans in your jurisdiction."))


@web_view(Cap.SECURITY_MANAGE, methods=("GET",))
def alert_detail(request, pk):
    alert = account_selectors.alert_get(user=request.user, pk=pk)
    return render(request, "accounts/alert_detail.html", {
        "alert": alert, "evidence": account_selectors.alert_evidence(alert=alert),
        "title": _("Intrusion alert #%(pk)s") % {"pk": alert.pk}})


def _alert_status(request, alert):
    return alerts.alert_set_status(actor=request.user, alert=alert, status=request.POST.get("status", ""))


alert_set_status = command_view(Cap.SECURITY_MANAGE, get=account_selectors.alert_get, run=_alert_status,
                                done=lambda alert, _r: _("The alert was updated."), then="accounts:alert_detail",
                                then_object=True)


@web_view(Cap.SECURITY_MANAGE)
def security_user_roles(request, pk):
    """Grant and revoke the business roles of an account (三员分立: the security administrator's duty)."""
    target = account_selectors.security_user_get(user=request.user, pk=pk)
    form = forms.SecurityRolesForm(request.POST or None, initial={"roles": sorted(target.role_set)})
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            account_services.user_roles_set(actor=request.user, user=target, roles=form.cleaned_data["roles"])
            messages.success(request, _("The roles of %(username)s were saved.") % {"username": target.username})
            return redirect("accounts:security_user_list")
    return form_page(request, form, title=_("Roles of %(username)s") % {"username": target.username},
                     cancel_url=reverse("accounts:security_user_list"), submit=_("Save roles"))
