"""Tables of the accounts pages (django-tables2). Big lists (students, audit events) use LazyPaginator: no COUNT(*)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, has_cap
from xueji.accounts.selectors import enrolled_user_ids, locked_usernames
from xueji.ui.tables import Base, badge


class UserTable(Base):
    username = tables.Column(verbose_name=_("Username"), linkify=("accounts:user_edit", {"pk": tables.A("pk")}))
    full_name = tables.Column(verbose_name=_("Full name"))
    org_unit = tables.Column(verbose_name=_("Organisation unit"), order_by=("org_unit__path",))
    roles = tables.Column(verbose_name=_("Roles"), accessor="pk", orderable=False)
    is_active = tables.Column(verbose_name=_("State"))
    locked = tables.Column(verbose_name=_("Lockout"), accessor="pk", orderable=False)
    last_login = tables.DateTimeColumn(verbose_name=_("Last login"), format="Y-m-d H:i", default="—")


    class Meta(Base.Meta):
        pass

    def render_roles(self, record):
        labels = dict(Role.choices)
        return "、".join(str(labels[a.role]) for a in record.role_assignments.all())

    def render_is_active(self, record):
        return badge(record.is_active, _("Active"), _("Deactivated"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._locked = None

    def _locked_on_page(self) -> set[str]:
        # One query for the rows of the page shown (not one per row).
        if self._locked is None:
            self._locked = locked_usernames(usernames=[row.record.username for row in self.paginated_rows])
        return self._locked

    def render_locked(self, record):
        if record.username in self._locked_on_page():
            return format_html('<span class="badge text-bg-danger"><i class="bi bi-lock-fill"></i> {}</span>',
                               _("Locked"))
        return "—"


class AuditorTable(Base):
    """Auditor accounts of the levels below (三员分立): reset the password, activate or deactivate."""

    username = tables.Column(verbose_name=_("Username"))
    full_name = tables.Column(verbose_name=_("Full name"))
    org_unit = tables.Column(verbose_name=_("Organisation unit"), order_by=("org_unit__path",))
    is_active = tables.Column(verbose_name=_("State"))
    last_login = tables.DateTimeColumn(verbose_name=_("Last login"), format="Y-m-d H:i", default="—")
    actions = tables.Column(verbose_name=_("Actions"), accessor="pk", orderable=False)

    class Meta(Base.Meta):
        pass

    def render_is_active(self, record):
        return badge(record.is_active, _("Active"), _("Deactivated"))

    def render_actions(self, record):
        from django.middleware.csrf import get_token

        return format_html(
            '<a class="btn btn-outline-primary btn-sm" href="{}"><i class="bi bi-key"></i> {}</a> '
            '<form method="post" action="{}" class="d-inline"><input type="hidden" name="csrfmiddlewaretoken" '
            'value="{}"><input type="hidden" name="is_active" value="{}">'
            '<button type="submit" class="btn btn-outline-secondary btn-sm">{}</button></form>',
            reverse("accounts:auditor_reset_password", args=[record.pk]), _("Reset password"),
            reverse("accounts:auditor_set_active", args=[record.pk]), get_token(self.request),
            "0" if record.is_active else "1", _("Deactivate") if record.is_active else _("Activate"))


class SecurityUserTable(UserTable):
    """The security administrator's list (安全管理员): lockout and second factor of each account, with the unlock
    and reset-second-factor actions."""

    username = tables.Column(verbose_name=_("Username"))
    second_factor = tables.Column(verbose_name=_("Second factor"), accessor="pk", orderable=False)
    actions = tables.Column(verbose_name=_("Actions"), accessor="pk", orderable=False)

    class Meta(UserTable.Meta):
        sequence = ("username", "full_name", "org_unit", "roles", "is_active", "locked", "second_factor",
                    "last_login", "actions")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._enrolled = None
        self._actor = actor

    def _enrolled_on_page(self) -> set[int]:
        if self._enrolled is None:  # one query for the page's rows
            self._enrolled = enrolled_user_ids(user_ids=[row.record.pk for row in self.paginated_rows])
        return self._enrolled

    def render_second_factor(self, record):
        return badge(record.pk in self._enrolled_on_page(), _("Enrolled"), _("Not enrolled"))

    def render_actions(self, record):
        from django.middleware.csrf import get_token

        token = get_token(self.request)
        parts = []
        held = {a.role for a in record.role_assignments.all()}  # prefetched: no query per row
        if not held & {Role.SYSADMIN, Role.SECURITY, Role.AUDITOR}:
            parts.append(format_html(
                '<a class="btn btn-outline-primary btn-sm" href="{}"><i class="bi bi-person-badge"></i> {}</a>',
                reverse("accounts:security_user_roles", args=[record.pk]), _("Roles")))
        if record.username in self._locked_on_page():
            parts.append(format_html(
                '<form method="post" action="{}" class="d-inline" data-confirm="{}"><input type="hidden" '
                'name="csrfmiddlewaretoken" value="{}"><button type="submit" class="btn btn-outline-warning btn-sm">'
                '<i class="bi bi-unlock"></i> {}</button></form>',
                reverse("accounts:user_unlock", args=[record.pk]), _("Unlock this account?"), token, _("Unlock")))
        if record.pk in self._enrolled_on_page() and record.org_unit_id != self._actor.org_unit_id and \
                has_cap(self._actor, Cap.SECOND_FACTOR_RESET):
            parts.append(format_html(
                '<form method="post" action="{}" class="d-inline" data-confirm="{}"><input type="hidden" '
                'name="csrfmiddlewaretoken" value="{}"><button type="submit" class="btn btn-outline-danger btn-sm" '
                'data-testid="reset-second-factor"><i class="bi bi-shield-x"></i> {}</button></form>',
                reverse("accounts:user_reset_second_factor", args=[record.pk]),
                _("Reset the second factor? The user enrols again at the next sign-in."), token,
                _("Reset second factor")))
        return format_html(" ".join(["{}"] * len(parts)), *parts) if parts else "—"


def _post_button(request, url: str, label, *, style: str = "outline-primary", confirm=None, icon: str = "") -> str:
    from django.middleware.csrf import get_token

    return format_html(
        '<form method="post" action="{}" class="d-inline"{}><input type="hidden" name="csrfmiddlewaretoken" '
        'value="{}"><button type="submit" class="btn btn-{} btn-sm"><i class="bi {}"></i> {}</button></form>',
        url, format_html(' data-confirm="{}"', confirm) if confirm else "", get_token(request), style, icon, label)


class LoanTable(Base):
    """A user's password loans (lent and borrowed), with the actions the user may take on each."""

    lender = tables.Column(verbose_name=_("Lender"))
    borrower = tables.Column(verbose_name=_("Borrower"))
    starts_at = tables.DateTimeColumn(verbose_name=_("From"), format="Y-m-d H:i")
    ends_at = tables.DateTimeColumn(verbose_name=_("Until"), format="Y-m-d H:i")
    reason = tables.Column(verbose_name=_("Reason"))
    status = tables.Column(verbose_name=_("Status"))
    actions = tables.Column(verbose_name=_("Actions"), accessor="pk", orderable=False)

    class Meta(Base.Meta):
        pass

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._actor = actor

    def render_actions(self, record):
        from xueji.accounts.loans import loan_running

        parts = []
        if record.borrower_id == self._actor.pk and loan_running(record):
            parts.append(_post_button(self.request, reverse("accounts:loan_act", args=[record.pk]),
                                      _("Act as the lender"), icon="bi-person-fill-lock"))
        if record.status in ("filed", "approved"):
            parts.append(_post_button(self.request, reverse("accounts:loan_end", args=[record.pk]),
                                      _("Withdraw") if record.status == "filed" else _("End now"),
                                      style="outline-secondary", confirm=_("End this loan?"), icon="bi-x-circle"))
        return format_html(" ".join(["{}"] * len(parts)), *parts) if parts else "—"


class SecurityLoanTable(LoanTable):
    org_unit = tables.Column(verbose_name=_("Organisation unit"), order_by=("org_unit__path",))

    class Meta(LoanTable.Meta):
        sequence = ("lender", "borrower", "org_unit", "starts_at", "ends_at", "reason", "status", "actions")

    def render_actions(self, record):
        if record.status != "filed":
            return "—"
        return format_html("{} {}", _post_button(self.request, reverse("accounts:loan_approve", args=[record.pk]),
                                                 _("Approve"), style="outline-success", icon="bi-check2"),
                           _post_button(self.request, reverse("accounts:loan_refuse", args=[record.pk]),
                                        _("Refuse"), style="outline-danger", icon="bi-x"))


class AlertTable(Base):
    created_at = tables.DateTimeColumn(verbose_name=_("Raised"), format="Y-m-d H:i",
                                       linkify=("accounts:alert_detail", {"pk": tables.A("pk")}))
    kind = tables.Column(verbose_name=_("Kind"))
    subject = tables.Column(verbose_name=_("Subject"), accessor="pk", orderable=False)
    org_unit = tables.Column(verbose_name=_("Organisation unit"), order_by=("org_unit__path",))
    count = tables.Column(verbose_name=_("Count"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta(Base.Meta):
        pass

    def render_subject(self, record):
        return record.subject_ip or str(record.subject_user or "—")
