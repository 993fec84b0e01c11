"""Forms of record maintenance and status changes: input shapes only. Each form hands its values to the checks the
services run (changes.checks, over the one row validator) and shows every error on its field in one pass; choices
come from selectors, so an id outside the jurisdiction is no valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.changes import checks
from xueji.changes.choices import Kind, reason_label
from xueji.core.versions import VersionField, version_of
from xueji.registration.ui.student_form import WIDE_KEYS, field_name, item_field
from xueji.registry.fields import FormItem
from xueji.registry.validation import stored_value
from xueji.registry.versions import record_version
from xueji.ui.forms import MaskedIdsMixin, SchoolClassChoiceField, date_input
from xueji.ui.widgets import SearchableSelect


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ProofsField(forms.FileField):
    """Several proof files (JPG, PNG, PDF; the engine checks the content and the size)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _add_errors(form: forms.Form, errors, names: dict[str, str]) -> None:
    """The checks' errors on the fields they name (a field that failed on its own keeps its one error)."""
    failed = set(form.errors)
    for error in errors:
        name = names.get(error.key or "")
        if name in failed:
            continue
        if name in form.fields:
            form.add_error(name, error.message)
        else:
            form.add_error(None, f"{error.column}：{error.message}" if error.column else error.message)


class RecordEditForm(MaskedIdsMixin, forms.Form):
    """学籍信息修改: the national form's items of a registered pupil (the guardians apart), with the controlled items
    marked; the proofs and the reason go with a change request."""

    reason = forms.CharField(label=_("Reason for the change"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                             help_text=_("The approvers of a change request read it."))
    proofs = ProofsField(label=_("Proof materials"),
                         help_text=_("Household-register proof (户口簿) is required when an identity item changes; "
                                     "JPG, PNG or PDF."))
    # The record's version when the form was opened (registry.versions): a save over a newer one is refused.
    version = VersionField()

    def __init__(self, *args, student, detail, family, controls, **kwargs):
        super().__init__(*args, **kwargs)
        self.student, self.detail, self.family, self.controls = student, detail, family, controls
        for key, item in checks.EDITABLE.items():
            self.fields[field_name(key)] = item_field(item)
        self.fields["proofs"].widget.attrs.update({"class": "form-control", "accept": ".jpg,.jpeg,.png,.pdf"})
        self.mask_ids()  # the ID number masked, re-entered to change it (control 29)
        self.values: dict[str, str] = {}

    @staticmethod
    def initial_of(student, detail) -> dict:
        initial = {"version": record_version(student, detail)}
        for key, item in checks.EDITABLE.items():
            source = student if item.target == "student" else detail
            if source is not None:
                initial[field_name(key)] = stored_value(item, getattr(source, item.field, None))
        return initial

    def groups(self) -> list[tuple[str, list[dict]]]:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        out: dict[str, list[dict]] = {}
        for key, item in checks.EDITABLE.items():
            out.setdefault(item.group, []).append({"field": self[field_name(key)], "item": item,
                                                   "control": self.controls.get(key),
                                                   "wide": key in WIDE_KEYS or item.kind == "region"})
        return list(out.items())

    def clean(self):
        data = self.restore_ids(super().clean())
        self.values = {key: data.get(field_name(key)) or "" for key in checks.EDITABLE}
        check = checks.edit_check(student=self.student, detail=self.detail, family=self.family, values=self.values)
        _add_errors(self, check.errors, {key: field_name(key) for key in checks.EDITABLE})
        return data


class MemberForm(MaskedIdsMixin, forms.Form):
    """A family member or guardian: the national form's items of a member; editing one, its version when the form
    was opened (`core.versions`): a save over a newer one is refused."""

    version = VersionField()

    def __init__(self, *args, student, detail, family, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.student, self.detail, self.family, self.member = student, detail, family, member
        for key, item in checks.MEMBER_ITEMS.items():
            field = item_field(FormItem(key, item.title.replace("成员1", ""), item.group, table=item.table,
                                        kind=item.kind, max_length=item.max_length))
            self.fields[key] = field
        self.mask_ids()  # the ID number masked, re-entered to change it (control 29)
        self.values: dict[str, str] = {}

    @staticmethod
    def initial_of(member) -> dict:
        return {"version": version_of(member),
                **{key: stored_value(item, getattr(member, item.field)) for key, item in checks.MEMBER_ITEMS.items()}}

    def clean(self):
        data = self.restore_ids(super().clean())
        self.values = {key: data.get(key) or "" for key in checks.MEMBER_ITEMS}
        check = checks.member_check(student=self.student, detail=self.detail, family=self.family, member=self.member,
                                    values=self.values)
        _add_errors(self, check.errors, {key: key for key in checks.MEMBER_ITEMS})
        return data


class StatusChangeForm(forms.Form):
    """学籍异动 of one kind: its reason (the kind's JY/T 1001 reasons), the class it moves the pupil to, the date, a
    note and the proofs."""

    reason = forms.ChoiceField(label=_("Reason (JY/T 1001)"), widget=SearchableSelect())
    school_class = SchoolClassChoiceField(label=_("Class the pupil moves to"), queryset=None, required=False)
    effective_date = forms.DateField(label=_("Date of the change"), required=False, widget=date_input())
    note = forms.CharField(label=_("Note"), max_length=255, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control"}))
    proofs = ProofsField(label=_("Proof materials"), help_text=_("JPG, PNG or PDF (checked by content)."))

    def __init__(self, *args, kind: Kind, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["reason"].choices = [("", "—"), *[(c, f"{c} {reason_label(c)}") for c in kind.reasons]]
        self.fields["effective_date"].widget.attrs["class"] = "form-control"
        self.fields["proofs"].widget.attrs.update({"class": "form-control", "accept": ".jpg,.jpeg,.png,.pdf"})
        if kind.places:
            self.fields["school_class"].queryset = classes
            self.fields["school_class"].widget.attrs["class"] = "form-select"
            self.fields["school_class"].required = kind.needs_class
            if not kind.needs_class:
                self.fields["school_class"].help_text = _("Leave empty to keep the pupil's class.")
        else:
            del self.fields["school_class"]
        if kind.proof_required:
            self.fields["proofs"].help_text = _("Required for this kind of change: JPG, PNG or PDF (checked by "
                                                "content).")
