"""The single-pupil entry form, built from the national student form's items (xueji.registry.fields).

Every item of the national form becomes a field, grouped as on the form (个人基础信息, 个人辅助信息, 学籍信息,
联系方式, 扩展信息, 交通方式, two guardians); items with a code table become selects of that table. The form
checks nothing itself: it hands the values to the one row validator (registry.validation.validate_row), the same
that checks the API and every row of a bulk import, and shows each of its errors on the field it names."""


from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.core import clock, codes
from xueji.registry.fields import GUARDIAN_ITEMS, STUDENT_ITEMS, FormItem
from xueji.registry.validation import CleanStudent, stored_row, stored_value, validate_row
from xueji.ui.forms import MaskedIdsMixin, SchoolClassChoiceField
from xueji.ui.widgets import RegionCascade, SearchableSelect

FORM_ITEMS: tuple[FormItem, ...] = STUDENT_ITEMS + GUARDIAN_ITEMS
_FORM_KEYS = frozenset(item.key for item in FORM_ITEMS)
# What most pupils have: typing starts from the common case.
DEFAULTS = {"nationality": "CHN", "id_type": "1", "ethnic": "01", "gatqw": "00", "health": "10",
            "political_status": "13", "admission_mode": "11", "study_mode": "1", "student_source": "1",
            "is_only_child": "0", "had_preschool": "1", "left_behind": "0", "is_migrant": "0", "inclusion": "0",
            "disability": "0"}  # nothing of the guardians: a filled item there means a member to record
WIDE_KINDS = ("text",)
WIDE_KEYS = {"address", "mailing_address", "family_address", "talents", "homepage", "email", "guardian1.employer",
             "guardian2.employer", "guardian1.address", "guardian2.address"}


def field_name(key: str) -> str:
    """Form field name of an item ("guardian1.name" -> "guardian1__name": dots are awkward in ids and CSS)."""
    return key.replace(".", "__")


def _field(item: FormItem) -> forms.Field:
    kwargs = {"label": item.title, "required": False}
    if item.table is not None:
        # Evaluated per form, so labels follow the language; "—" leaves an optional item empty; every list filters
        # as one types (xueji/ui/widgets.py).
        return forms.ChoiceField(choices=[("", "—"), *item.table.choices()], widget=SearchableSelect(), **kwargs)
    if item.kind == "region":  # province -> city -> county, loaded level by level
        return forms.CharField(max_length=12, widget=RegionCascade(), **kwargs)
    attrs = {"class": "form-control"}
    if item.kind == "date":
        attrs["type"] = "date"
    elif item.kind == "yearmonth":
        attrs.update(type="month", placeholder="YYYY-MM")
    elif item.kind == "postcode":
        attrs.update(inputmode="numeric", maxlength="6")
    elif item.kind == "phone":
        attrs.update(type="tel", autocomplete="off")
    elif item.kind == "decimal":
        attrs.update(inputmode="decimal", placeholder="km")
    elif item.kind == "id":
        attrs.update(autocomplete="off", spellcheck="false", **{"class": "form-control font-monospace"})
    return forms.CharField(max_length=max(item.max_length, 12) if item.kind != "decimal" else 16,
                           widget=forms.TextInput(attrs=attrs), **kwargs)


item_field = _field  # a form field of one national-form item (the record maintenance's form builds on it)


class PupilForm(MaskedIdsMixin, forms.Form):
    """One pupil's national-form items and the class. `clean_student` holds the validator's result. `stored`: the
    form corrects a stored record, whose ID numbers open masked and are re-entered to change (control 29)."""

    school_class = SchoolClassChoiceField(label=_("Class"), queryset=None)
    preschool = forms.CharField(required=False, max_length=18, widget=forms.HiddenInput)

    def __init__(self, *args, classes, stored: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.fields["school_class"].widget.attrs["class"] = "form-select"
        for item in FORM_ITEMS:
            self.fields[field_name(item.key)] = _field(item)
        # The pupil's resident ID fills sex and birth date as it is typed (ui/js/pupil-form.js).
        auto_id = self.auto_id if isinstance(self.auto_id, str) and "%s" in self.auto_id else "id_%s"
        self.fields["id_number"].widget.attrs.update({
            "data-id-number": "", "data-id-type": auto_id % "id_type", "data-birth-date": auto_id % "birth_date",
            "data-sex": auto_id % "sex"})
        if stored:
            self.mask_ids()
        self.clean_student: CleanStudent | None = None

    def groups(self) -> list[tuple[str, list[dict]]]:
        """(group title, [{field, item, wide}]) in the national form's order, for the template."""
        for name in self.errors:  # render time: errors of the validator and of the services are all in
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        out: dict[str, list[dict]] = {}
        for item in FORM_ITEMS:
            out.setdefault(item.group, []).append({
                "field": self[field_name(item.key)], "item": item,
                "wide": item.key in WIDE_KEYS or item.kind == "region"})
        return list(out.items())

    def raw(self) -> dict[str, str]:
        data = self.cleaned_data
        return {item.key: data.get(field_name(item.key)) or "" for item in FORM_ITEMS}

    def clean(self):
        """All errors in one pass: the validator runs even when a field failed on its own (the class left empty, a
        crafted choice), and adds its errors to every other field; a field that failed keeps its one error."""
        data = self.restore_ids(super().clean())
        failed = set(self.errors)
        clean, errors = validate_row(self.raw(), today=clock.today(), require_class=False)
        for error in errors:
            name = field_name(error.key) if error.key else ""
            if name in failed:
                continue
            if name in self.fields:
                self.add_error(name, error.message)
            else:
                self.add_error(None, f"{error.column}：{error.message}")
        self.clean_student = clean if not self.errors else None
        return data


def _shown(item: FormItem, value) -> str:
    return stored_value(item, value)


def pupil_initial(student, detail, family) -> dict:
    """Form values of a stored pupil (to correct it): the pupil, its detail row and its first two members."""
    initial = {"school_class": student.school_class_id}
    initial.update({field_name(key): value for key, value in stored_row(student, detail, family).items()
                    if key in _FORM_KEYS})
    return initial


def new_pupil_initial(**values) -> dict:
    """Defaults of a new pupil, with `values` (item keys) on top, e.g. from a pre-school record."""
    initial = {field_name(k): v for k, v in DEFAULTS.items()}
    for key, value in values.items():
        if key in {item.key for item in FORM_ITEMS} and value not in (None, ""):
            initial[field_name(key)] = _shown(next(i for i in FORM_ITEMS if i.key == key), value)
    return initial


def preschool_values(record) -> dict:
    """What a pre-school record (幼儿园学籍) fills in: identity, and any national-form items it carries."""
    values = {key: value for key, value in (record.data or {}).items() if isinstance(value, str | int | float)}
    values.update(name=record.name, sex=record.sex, birth_date=record.birth_date, ethnic=record.ethnic or "01",
                  id_type="1", id_number=record.id_number, had_preschool="1")
    return values


def sex_choices():
    return [("", "—"), *codes.SEX.choices()]
