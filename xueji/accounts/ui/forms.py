"""Forms of the accounts pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role, normalise_username
from xueji.accounts.passwords import ComplexityValidator
from xueji.core.versions import VersionedForm
from xueji.regions.selectors import org_unit_list
from xueji.ui.forms import OrgUnitChoiceField

# ---------------------------------------------------------------- sign-in and passwords

class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SecondFactorForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=32, strip=True, help_text=_(
        "The 6-digit code of your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}))


class UKeySignatureForm(forms.Form):
    """The UKey's signature of the challenge shown (hex r || s, from the CA's client, or the demo's software key)."""

    signature = forms.CharField(label=_("Signature of the challenge"), max_length=200, strip=True, help_text=_(
        "The SM2 signature (hex) your UKey client made of the challenge above."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class UKeyEnrolForm(UKeySignatureForm):
    """A UKey's registration: its SM2 public key and its signature of the challenge (proof of possession)."""

    public_key = forms.CharField(label=_("SM2 public key"), max_length=200, strip=True, help_text=_(
        "Hex, 04 followed by x and y (130 digits), as your UKey client shows it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    name = forms.CharField(label=_("Name"), max_length=64, required=False, strip=True)
    field_order = ["public_key", "signature", "name"]


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), max_length=128, strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label=_("New password"), max_length=128, strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("New password again"), max_length=128, strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = ComplexityValidator().get_help_text()

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password2") and \
                data["new_password"] != data["new_password2"]:
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(label=_("Temporary password"), max_length=128, strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = _("%(rules)s The user must change it at the next login.") % {
            "rules": ComplexityValidator().get_help_text()}


# ---------------------------------------------------------------- users

# Auditor accounts are not a system administrator's to give (三员分立): they have pages of their own (auditor_*).
ROLE_CHECKBOXES = dict(choices=[(value, label) for value, label in Role.choices if value != Role.AUDITOR],
                       widget=forms.CheckboxSelectMultiple,
                       help_text=_("System administrators hold no other role. Auditor accounts are created by the "
                                   "auditor of the level above."))
# 三员分立: business roles are granted by the security administrator (SecurityRolesForm); a system administrator
# creates a business account without roles, or an administrator account of a level below with its one role.
ADMIN_ROLE_CHOICES = dict(
    choices=[(Role.SYSADMIN.value, Role.SYSADMIN.label), (Role.SECURITY.value, Role.SECURITY.label)],
    widget=forms.CheckboxSelectMultiple, required=False,
    help_text=_("Leave empty for a business account: its roles are granted by the security administrator. An "
                "administrator account of a level below holds its one role."))
BUSINESS_ROLE_CHOICES = [(value, label) for value, label in Role.choices
                         if value in (Role.REGISTRAR, Role.LEADER, Role.ADMISSIONS)]


class UsernameField(forms.RegexField):
    """A new username, NFKC-normalised before its check (ｚｈａｎｇ is zhang: SECURITY.md §1 row 1)."""

    def to_python(self, value):
        return normalise_username(super().to_python(value))


class UserCreateForm(forms.Form):
    username = UsernameField(label=_("Username"), regex=r"^[\w.@+-]{3,150}$", max_length=150,
                                help_text=_("3 to 150 letters, digits and . @ + - _"),
                                error_messages={"invalid": _("Use 3 to 150 letters, digits and . @ + - _")})
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    org_unit = OrgUnitChoiceField(label=_("Organisation unit"), queryset=None)
    roles = forms.MultipleChoiceField(label=_("Administrator role"), **ADMIN_ROLE_CHOICES)
    password = forms.CharField(label=_("Temporary password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_unit_list(user=user)
        self.fields["password"].help_text = _("%(rules)s The user must change it at the first login.") % {
            "rules": ComplexityValidator().get_help_text()}


class UserUpdateForm(VersionedForm):
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    org_unit = OrgUnitChoiceField(label=_("Organisation unit"), queryset=None)
    roles = forms.MultipleChoiceField(label=_("Roles"), **ROLE_CHECKBOXES)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args, user, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_unit_list(user=user)
        # Shown, not edited: roles are the security administrator's to grant (三员分立).
        self.fields["roles"].disabled = True
        self.fields["roles"].required = False
        self.fields["roles"].help_text = _("Roles are granted by the security administrator.")
        if target.pk == user.pk:  # nobody changes their own roles or place (separation of duties)
            self.fields["org_unit"].disabled = True

    def values(self, target) -> dict:
        """Only what changed: the service refuses any role or org-unit argument for one's own account."""
        data = super().values()
        if data["org_unit"].pk == target.org_unit_id:
            data.pop("org_unit")
        data.pop("roles", None)
        return data


class AuditorCreateForm(forms.Form):
    """An auditor account at a level below the auditor's own (三员分立: only auditors create auditors)."""

    username = UserCreateForm.base_fields["username"]
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    org_unit = OrgUnitChoiceField(label=_("Organisation unit"), queryset=None)
    password = forms.CharField(label=_("Temporary password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args, user, **kwargs):
        from xueji.accounts.selectors import auditor_org_units

        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = auditor_org_units(user=user)
        self.fields["password"].help_text = _("%(rules)s The user must change it at the first login.") % {
            "rules": ComplexityValidator().get_help_text()}


# ---------------------------------------------------------------- password loans (借用) and alerts

class LoanFileForm(forms.Form):
    borrower = forms.ModelChoiceField(label=_("Borrower"), queryset=None,
                                      help_text=_("An active colleague of your unit."))
    starts_at = forms.DateTimeField(label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, user, **kwargs):
        from xueji.accounts.selectors import loan_borrower_choices

        super().__init__(*args, **kwargs)
        self.fields["borrower"].queryset = loan_borrower_choices(user=user)


class LoanDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class SecurityRolesForm(forms.Form):
    """The business roles of an account, granted by its security administrator (三员分立)."""

    roles = forms.MultipleChoiceField(label=_("Roles"), choices=BUSINESS_ROLE_CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("A revoked role ends the account's sessions."))
