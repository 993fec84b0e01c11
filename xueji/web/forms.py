"""Forms of the web UI: input shapes only. Business rules stay in the services; choices come from selectors,
so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.passwords import ComplexityValidator
from xueji.core import codes
from xueji.core.errors import NotFound
from xueji.jobs.models import JobStatus
from xueji.regions.models import OrgKind
from xueji.regions.selectors import county_choices, org_unit_list
from xueji.schools.selectors import class_list, school_list
from xueji.web.errors import MESSAGES


def _blank(choices):
    """Prepend an 'any' option to a callable's choices (evaluated per render, so labels follow the language)."""
    return lambda: [("", _("All")), *choices()]


class ScopedChoiceField(forms.ModelChoiceField):
    """A choice among objects a selector returned. In a write form, an id outside them (a foreign or absent
    object: only a crafted request sends one) answers 404 like every out-of-jurisdiction object."""

    def __init__(self, *args, foreign_is_404: bool = True, **kwargs):
        kwargs.setdefault("empty_label", _("Choose…"))
        super().__init__(*args, **kwargs)
        self.foreign_is_404 = foreign_is_404

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if self.foreign_is_404 and exc.code == "invalid_choice":
                raise NotFound(f"{self.queryset.model._meta.verbose_name} not found") from None
            raise


class OrgUnitChoiceField(ScopedChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.get_kind_display()} ({obj.code})"


class SchoolClassChoiceField(ScopedChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.school.name} · {codes.STAGE.label(obj.stage)} {obj.display_name}"


# ---------------------------------------------------------------- sign-in and passwords

class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


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


# ---------------------------------------------------------------- filters (GET)

class FilterForm(forms.Form):
    """A GET filter form; `filters()` is the dict the list selector takes. Invalid values are dropped."""

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.setup()
        for field in self.fields.values():
            field.required = False
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = _("All")
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")

    def setup(self) -> None:
        """Set querysets that depend on the user."""

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        out = {}
        for name, value in self.cleaned_data.items():
            if value in (None, "", [], False):
                continue
            out[name] = value.pk if hasattr(value, "pk") else value
        return out

    @property
    def active(self) -> bool:
        return bool(self.filters())


class OrgUnitFilterForm(FilterForm):
    q = forms.CharField(label=_("Name or code"), max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *OrgKind.choices])


class SchoolFilterForm(FilterForm):
    q = forms.CharField(label=_("Name or code"), max_length=64)
    county = OrgUnitChoiceField(label=_("County authority"), queryset=None, foreign_is_404=False)
    running_type = forms.ChoiceField(label=_("Running type"), choices=_blank(codes.RUNNING_TYPE.choices))
    stage = forms.ChoiceField(label=_("Stage"), choices=_blank(codes.STAGE.choices))

    def setup(self):
        self.fields["county"].queryset = county_choices(user=self.user)


class ClassFilterForm(FilterForm):
    school = ScopedChoiceField(label=_("School"), queryset=None, foreign_is_404=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=_blank(codes.STAGE.choices))
    cohort_year = forms.IntegerField(label=_("Cohort year"), min_value=1990, max_value=2100)

    def setup(self):
        self.fields["school"].queryset = school_list(user=self.user)


class StudentFilterForm(FilterForm):
    q = forms.CharField(label=_("Name, pinyin, ID or number"), max_length=64)
    school = ScopedChoiceField(label=_("School"), queryset=None, foreign_is_404=False)
    school_class = SchoolClassChoiceField(label=_("Class"), queryset=None, foreign_is_404=False)
    status = forms.ChoiceField(label=_("Status"), choices=_blank(codes.STUDENT_STATUS.choices))
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank(codes.SEX.choices))

    def setup(self):
        schools = school_list(user=self.user)
        self.fields["school"].queryset = schools
        # Classes of the chosen school only (an authority's whole list would be thousands of options).
        school_id = self.data.get("school") if self.is_bound else None
        if not school_id and self.user.org_unit.is_school:
            classes = class_list(user=self.user)
        elif school_id and str(school_id).isdigit():
            classes = class_list(user=self.user, filters={"school": int(school_id)})
        else:
            classes = class_list(user=self.user).none()
        self.fields["school_class"].queryset = classes.select_related("school")


class UserFilterForm(FilterForm):
    q = forms.CharField(label=_("Username or name"), max_length=64)
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("All")), *Role.choices])
    is_active = forms.ChoiceField(label=_("Active"), choices=[("", _("All")), ("1", _("Yes")), ("0", _("No"))])


class AuditFilterForm(FilterForm):
    action = forms.CharField(label=_("Action"), max_length=64, help_text=_("e.g. auth.login_failed or user."))
    actor = forms.CharField(label=_("User"), max_length=150)
    object = forms.CharField(label=_("Object"), max_length=128)
    ip = forms.GenericIPAddressField(label=_("IP address"))
    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    success = forms.ChoiceField(label=_("Result"),
                                choices=[("", _("All")), ("1", _("Succeeded")), ("0", _("Failed"))])


class JobFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *JobStatus.choices])
    mine = forms.BooleanField(label=_("Started by me"))


# ---------------------------------------------------------------- schools, classes, school years

STAGE_CHECKBOXES = dict(choices=codes.STAGE.choices, widget=forms.CheckboxSelectMultiple)


class SchoolCreateForm(forms.Form):
    code = forms.RegexField(label=_("School code"), regex=r"^\d{10}$", max_length=10, help_text=_("10 digits"),
                            error_messages={"invalid": MESSAGES["invalid_school_code"]})
    name = forms.CharField(label=_("Name"), max_length=128)
    county = OrgUnitChoiceField(label=_("County authority"), queryset=None)
    running_type = forms.ChoiceField(label=_("Running type"), choices=codes.RUNNING_TYPE.choices)
    stages = forms.MultipleChoiceField(label=_("Stages"), required=False, **STAGE_CHECKBOXES,
                                       help_text=_("Leave empty to use the stages of the running type."))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = county_choices(user=user)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["stages"] = "".join(data.get("stages") or [])
        return data


class SchoolUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=128)
    running_type = forms.ChoiceField(label=_("Running type"), choices=codes.RUNNING_TYPE.choices)
    stages = forms.MultipleChoiceField(label=_("Stages"), **STAGE_CHECKBOXES)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["stages"] = "".join(data["stages"])
        return data


class ClassCreateForm(forms.Form):
    school = ScopedChoiceField(label=_("School"), queryset=None)
    stage = forms.ChoiceField(label=_("Stage"), choices=codes.STAGE.choices)
    cohort_year = forms.IntegerField(label=_("Cohort year"), help_text=_("The year the class entered its stage."))
    number = forms.IntegerField(label=_("Class number"))
    name = forms.CharField(label=_("Name"), max_length=64, required=False,
                           help_text=_("Optional; by default e.g. 2024级3班."))
    head_teacher = forms.CharField(label=_("Head teacher"), max_length=64, required=False)
    head_teacher_phone = forms.CharField(label=_("Head teacher phone"), max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = school_list(user=user)


class ClassUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    head_teacher = forms.CharField(label=_("Head teacher"), max_length=64, required=False)
    head_teacher_phone = forms.CharField(label=_("Head teacher phone"), max_length=32, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class SchoolYearForm(forms.Form):
    start_year = forms.IntegerField(label=_("Start year"), min_value=2000, max_value=2100,
                                    help_text=_("A school year runs from 1 September to 31 August."))
    make_current = forms.BooleanField(label=_("Make it the current school year"), required=False)


# ---------------------------------------------------------------- users

ROLE_CHECKBOXES = dict(choices=Role.choices, widget=forms.CheckboxSelectMultiple,
                       help_text=_("System administrators and auditors hold no other role."))


class UserCreateForm(forms.Form):
    username = forms.RegexField(label=_("Username"), regex=r"^[\w.@+-]{3,150}$", max_length=150,
                                help_text=_("3 to 150 letters, digits and . @ + - _"),
                                error_messages={"invalid": _("Use 3 to 150 letters, digits and . @ + - _")})
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    org_unit = OrgUnitChoiceField(label=_("Organisation unit"), queryset=None)
    roles = forms.MultipleChoiceField(label=_("Roles"), **ROLE_CHECKBOXES)
    password = forms.CharField(label=_("Temporary password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_unit_list(user=user)
        self.fields["password"].help_text = _("%(rules)s The user must change it at the first login.") % {
            "rules": ComplexityValidator().get_help_text()}


class UserUpdateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    org_unit = OrgUnitChoiceField(label=_("Organisation unit"), queryset=None)
    roles = forms.MultipleChoiceField(label=_("Roles"), **ROLE_CHECKBOXES)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args, user, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_unit_list(user=user)
        if target.pk == user.pk:  # nobody changes their own roles or place (separation of duties)
            self.fields["org_unit"].disabled = True
            self.fields["roles"].disabled = True

    def values(self, target) -> dict:
        """Only what changed: the service refuses any role or org-unit argument for one's own account."""
        data = dict(self.cleaned_data)
        if data["org_unit"].pk == target.org_unit_id:
            data.pop("org_unit")
        if set(data["roles"]) == set(target.role_set):
            data.pop("roles")
        return data
