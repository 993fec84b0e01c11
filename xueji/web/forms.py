"""Forms of the web UI: input shapes only. Business rules stay in the services; choices come from selectors,
so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.passwords import ComplexityValidator
from xueji.core import codes
from xueji.core.errors import NotFound
from xueji.exchange.models import ImportKind, ImportStatus
from xueji.jobs.models import JobStatus
from xueji.policy.services import WINDOW_KINDS
from xueji.regions.models import OrgKind
from xueji.regions.selectors import county_choices, org_unit_list
from xueji.registration.models import ProblemKind
from xueji.schools.selectors import class_list, school_list
from xueji.web.errors import MESSAGES
from xueji.workflow.models import RequestStatus


def _date_input() -> forms.DateInput:
    """A browser date picker: it reads and writes ISO dates whatever the page's language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


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
    since = forms.DateField(label=_("From"), widget=_date_input())
    until = forms.DateField(label=_("To"), widget=_date_input())
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

# Auditor accounts are not a system administrator's to give (三员分立): they have pages of their own (auditor_*).
ROLE_CHECKBOXES = dict(choices=[(value, label) for value, label in Role.choices if value != Role.AUDITOR],
                       widget=forms.CheckboxSelectMultiple,
                       help_text=_("System administrators hold no other role. Auditor accounts are created by the "
                                   "auditor of the level above."))


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


# ---------------------------------------------------------------- approval engine (workflow)

def _request_type_choices():
    from xueji.workflow.types import all_types

    return [(t.code, t.label) for t in all_types()]


class RequestFilterForm(FilterForm):
    q = forms.CharField(label=_("Title"), max_length=64)
    type = forms.ChoiceField(label=_("Type"), choices=_blank(_request_type_choices))
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *RequestStatus.choices])
    mine = forms.BooleanField(label=_("Filed by my unit"))


class InboxFilterForm(FilterForm):
    q = forms.CharField(label=_("Title"), max_length=64)
    type = forms.ChoiceField(label=_("Type"), choices=_blank(_request_type_choices))


class DecisionForm(forms.Form):
    """Approve (核办) or return the current step; a return needs the reason (the service insists)."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return")), ("reject", _("Reject")),
                                          ("cancel", _("Cancel the approval")),
                                          ("complete", _("Complete the follow-up"))],
                                 widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment or reason for return"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when you return the request: the filer reads it."))
    step = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ProofForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("JPG, PNG or PDF; the type is checked from the content."))
    description = forms.CharField(label=_("Description"), max_length=255, required=False)


class BulkDecisionForm(forms.Form):
    requests = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("Requests"),
                                              error_messages={"required": _("Choose at least one request.")})
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is a valid choice here: the view keeps those the user may see (others are reported not found).
        self.fields["requests"].valid_value = lambda value: str(value).isdigit()


# ---------------------------------------------------------------- policy

class WindowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Business"), choices=lambda: list(WINDOW_KINDS.items()))
    start_date = forms.DateField(label=_("Opens"), widget=_date_input())
    end_date = forms.DateField(label=_("Closes"), widget=_date_input(),
                               help_text=_("Inclusive; dates are in Beijing time."))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


ROUTE_ROWS = 5


def _resolver_choices():
    from xueji.workflow.resolvers import RESOLVER_LABELS

    return [("", "—"), *RESOLVER_LABELS.items()]


def _approver_roles():
    return [(Role.LEADER.value, Role.LEADER.label), (Role.REGISTRAR.value, Role.REGISTRAR.label)]


class RouteForm(forms.Form):
    """The approval route of one request type: up to ROUTE_ROWS steps of (party, role); blank rows are skipped."""

    request_type = forms.ChoiceField(label=_("Request type"), choices=_request_type_choices,
                                     widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, ROUTE_ROWS + 1):
            self.fields[f"resolver_{n}"] = forms.ChoiceField(label=_("Party"), choices=_resolver_choices,
                                                            required=False)
            self.fields[f"role_{n}"] = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *_approver_roles()],
                                                        required=False)

    def rows(self):
        return [(n, self[f"resolver_{n}"], self[f"role_{n}"]) for n in range(1, ROUTE_ROWS + 1)]

    def steps(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [{"resolver": data[f"resolver_{n}"], "role": data[f"role_{n}"]}
                for n in range(1, ROUTE_ROWS + 1) if data.get(f"resolver_{n}") or data.get(f"role_{n}")]

    @staticmethod
    def initial_for(request_type: str, steps: list[dict]) -> dict:
        initial = {"request_type": request_type}
        for n, step in enumerate(steps[:ROUTE_ROWS], start=1):
            initial[f"resolver_{n}"], initial[f"role_{n}"] = step["resolver"], step["role"]
        return initial


MB = 1024 * 1024


class SettingsForm(forms.Form):
    """The province's function switches and limits (policy settings), in the units people think in."""

    # At most 10 MB: the request-size ceiling of ordinary pages (XUEJI_MAX_REQUEST_BYTES).
    proof_max_mb = forms.DecimalField(label=_("Largest proof file (MB)"), min_value=0.1, max_value=10,
                                      decimal_places=1)
    import_max_mb = forms.IntegerField(label=_("Largest import file (MB)"), min_value=1, max_value=1024)
    age_control_enabled = forms.BooleanField(label=_("Grade-1 entry age control"), required=False,
                                             help_text=_("Refuse grade-1 registration of pupils younger than the "
                                                         "minimum age on 31 August."))
    age_control_min_age = forms.IntegerField(label=_("Minimum age on 31 August"), min_value=3, max_value=9)

    @staticmethod
    def initial_from(values: dict) -> dict:
        age = values["registration.grade1.age_control"]
        return {"proof_max_mb": round(values["proof.max_bytes"] / MB, 1),
                "import_max_mb": values["import.max_bytes"] // MB,
                "age_control_enabled": bool(age.get("enabled")), "age_control_min_age": int(age.get("min_age", 6))}

    def values(self) -> dict:
        data = self.cleaned_data
        return {"proof.max_bytes": int(data["proof_max_mb"] * MB), "import.max_bytes": data["import_max_mb"] * MB,
                "registration.grade1.age_control": {"enabled": data["age_control_enabled"],
                                                    "min_age": data["age_control_min_age"]}}


# ---------------------------------------------------------------- registration

def _kind_choices():
    return [("enrolled", _("Pupils already at school (在校生注册)")), ("grade1", _("Grade-1 entrants (小学新生注册)")),
            ("returning", _("Returning from abroad (来华归国学生注册)"))]


class DraftFilterForm(FilterForm):
    q = forms.CharField(label=_("Name, pinyin or ID"), max_length=64)
    school_class = SchoolClassChoiceField(label=_("Class"), queryset=None, foreign_is_404=False)

    def setup(self):
        self.fields["school_class"].queryset = class_list(user=self.user).select_related("school")


class RegistrationSubmitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Registration"), choices=_kind_choices)
    student_ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    everything = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student_ids"].valid_value = lambda value: str(value).isdigit()


class IdNumberForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=15,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "class": "font-monospace"}))


class ReturningSearchForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    name = forms.CharField(label=_("Full name"), max_length=64, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=lambda: [("", "—"), *codes.SEX.choices()], required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 widget=_date_input())

    def clean(self):
        data = super().clean()
        if not data.get("id_number") and not (data.get("name") and data.get("sex") and data.get("birth_date")):
            raise ValidationError(MESSAGES["search_terms"])
        return data


class TakeoverForm(forms.Form):
    student = forms.IntegerField(widget=forms.HiddenInput)
    school_class = SchoolClassChoiceField(label=_("Into class"), queryset=None)
    id_number = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    birth_date = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = class_list(user=user).filter(is_active=True).select_related("school")


# ---------------------------------------------------------------- bulk import

class ImportFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), choices=lambda: [("", _("All")), *ImportStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), choices=lambda: [("", _("All")), *ImportKind.choices])


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_(".xlsx filled from the template, or .csv (UTF-8, or GBK as "
                                                        "Excel saves it on Chinese Windows)."))
    kind = forms.ChoiceField(label=_("Pupils"), choices=lambda: list(ImportKind.choices))


# ---------------------------------------------------------------- identity verification, problem records

class ScopeForm(forms.Form):
    org_unit = OrgUnitChoiceField(label=_("Scope"), queryset=None, required=False, empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # One's own unit and the units right under it (a province: its cities; a county: its schools).
        own = user.org_unit
        field = self.fields["org_unit"]
        field.queryset = org_unit_list(user=user)  # any unit of the jurisdiction is a valid scope
        # The choices offered: one's own unit and the units right under it (a province: its cities).
        offered = field.queryset.filter(Q(pk=own.pk) | Q(parent_id=own.pk)).order_by("path")
        field.widget.choices = [(unit.pk, field.label_from_instance(unit)) for unit in offered]
        field.initial = own.pk


class ScanForm(ScopeForm):
    kind = forms.ChoiceField(label=_("Scan"), choices=lambda: [("duplicates", _("Duplicate records (查重)")),
                                                             ("errors", _("ID errors"))])


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("CSV, UTF-8 or GB18030"))


def _problem_status_choices():
    return [("", _("All")), ("unresolved", _("Unresolved")), ("open", _("Awaiting action")),
            ("pending", _("Awaiting approval")), ("arbitration", _("Under arbitration")),
            ("resolved", _("Resolved"))]


class ProblemFilterForm(FilterForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=lambda: [("", _("All")), *ProblemKind.choices])
    status = forms.ChoiceField(label=_("Status"), choices=_problem_status_choices)
    county = OrgUnitChoiceField(label=_("County authority"), queryset=None, foreign_is_404=False)
    school = ScopedChoiceField(label=_("School"), queryset=None, foreign_is_404=False)

    def setup(self):
        self.fields["county"].queryset = county_choices(user=self.user)
        self.fields["school"].queryset = school_list(user=self.user)
        if self.user.org_unit.is_school:
            del self.fields["county"], self.fields["school"]


class MemberField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(coerce=int, label=_("Record"), **kwargs)


class ProblemCorrectForm(forms.Form):
    member = MemberField()
    name = forms.CharField(label=_("Full name"), max_length=64)
    sex = forms.ChoiceField(label=_("Sex"), choices=lambda: codes.SEX.choices())
    birth_date = forms.DateField(label=_("Date of birth"), widget=_date_input())
    id_type = forms.ChoiceField(label=_("ID document type"), choices=lambda: codes.ID_DOC_TYPE.choices())
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "class": "font-monospace"}))
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members


class ProblemDeleteForm(forms.Form):
    member = MemberField()
    reason = forms.CharField(label=_("Reason for deleting the record"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members


class ProblemConfirmForm(forms.Form):
    member = MemberField()
    file = forms.FileField(label=_("Household register proof"),
                           help_text=_("JPG, PNG or PDF of the household register page (户口簿)."))
    reason = forms.CharField(label=_("Note"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members


class ArbitrationForm(forms.Form):
    keep_member = forms.TypedChoiceField(coerce=int, label=_("Record that keeps the ID number"),
                                         widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep_member"].choices = members


class NumberLookupForm(forms.Form):
    number = forms.CharField(label=_("National student number"), max_length=24,
                             help_text=_("Any number the record ever held: G, J or L; current or superseded."),
                             widget=forms.TextInput(attrs={"autocomplete": "off", "class": "font-monospace",
                                                           "autofocus": True}))
