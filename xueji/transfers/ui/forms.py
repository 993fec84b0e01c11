"""Forms of the transfer pages: input shapes only. The rules stay in the services; the classes offered come from
the services (the pupil's grade at the receiving school, with the seats left)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.transfers.choices import proof_label
from xueji.ui.forms import date_input
from xueji.ui.widgets import SearchableSelect


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ProofFilesField(forms.FileField):
    """One kind of proof, one or more files (JPG, PNG, PDF; the services check the content and the size)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        single = super().clean  # (a comprehension has no super() of its own)
        files = [single(item, initial) for item in items if item]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class FindForm(forms.Form):
    """Find the pupil exactly: by national number, by ID number, or by name, sex and birth date."""

    national_number = forms.CharField(label=_("National student number"), max_length=24, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False)
    name = forms.CharField(label=_("Full name"), max_length=64, required=False)
    sex = forms.ChoiceField(label=_("Sex"), required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=date_input())
    other_province = forms.BooleanField(label=_("The pupil is in another province"), required=False)
    source_province = forms.ChoiceField(label=_("Province of the pupil"), required=False,
                                        help_text=_("A transfer from another province is filed with the pupil's "
                                                    "national student number."))

    def __init__(self, *args, provinces: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sex"].choices = [("", "—"), *codes.SEX.choices()]
        self.fields["source_province"].choices = [("", "—"), *provinces]
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"
            if name in ("national_number", "id_number"):
                widget.attrs["autocomplete"] = "off"

    def terms(self) -> dict:
        data = self.cleaned_data
        terms = {"national_number": data["national_number"].strip(), "id_number": data["id_number"].strip(),
                 "name": data["name"].strip(), "sex": data["sex"], "birth_date": data["birth_date"]}
        if data.get("other_province") and data.get("source_province"):
            terms["source_province"] = data["source_province"]
        # One way at a time: the number first, else the ID number, else name, sex and birth date.
        if terms["national_number"]:
            keep = {"national_number", "source_province"}
        elif terms["id_number"]:
            keep = {"id_number"}
        else:
            keep = {"name", "sex", "birth_date"}
        return {k: v for k, v in terms.items() if k in keep}


def class_choice_label(option) -> str:
    klass = option.school_class
    if option.left is None:
        return str(_("%(name)s (no cap)") % {"name": klass.display_name})
    if option.full:
        return str(_("%(name)s (full)") % {"name": klass.display_name})
    return str(_("%(name)s (%(left)s seats left)") % {"name": klass.display_name, "left": option.left})


def _class_choices(options) -> list[tuple[str, str]]:
    return [("", _("Choose…")), *[(str(o.school_class.pk), class_choice_label(o)) for o in options if not o.full]]


class FileForm(forms.Form):
    """The transfer filing: the proofs the province requires (the transfer certificate first), the class (or left
    to the school leader's step), whether the pupil is a migrant child, the reason."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=512)
    school_class = forms.TypedChoiceField(label=_("Class the pupil joins"), coerce=int, required=False,
                                          empty_value=None, widget=SearchableSelect(),
                                          help_text=_("The classes of the pupil's grade with a seat left; may be left "
                                                      "to the school leader's approval."))
    migrant = forms.BooleanField(label=_("Migrant child (随迁子女)"), required=False,
                                 help_text=_("The pupil moves with parents working away from their household "
                                             "register: counted in the flow statistics."))
    reason = forms.CharField(label=_("Reason of the transfer"), max_length=255, required=False,
                             widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, options, proof_kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.proof_kinds = proof_kinds
        self.fields["school_class"].choices = _class_choices(options)
        self.fields["migrant"].widget.attrs["class"] = "form-check-input"
        for kind in proof_kinds:
            self.fields[f"proof_{kind}"] = ProofFilesField(
                label=proof_label(kind), required=True,
                help_text=_("JPG, PNG or PDF (checked by content)."),
                widget=MultipleFileInput(attrs={"class": "form-control", "accept": ".jpg,.jpeg,.png,.pdf"}))

    def proofs(self) -> dict:
        return {kind: self.cleaned_data.get(f"proof_{kind}") or [] for kind in self.proof_kinds}

    def proof_fields(self):
        return [self[f"proof_{kind}"] for kind in self.proof_kinds]


class DecisionForm(forms.Form):
    """Approve (with the class, at the receiving school's step), return or reject the current step."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return")), ("reject", _("Reject"))],
                                 widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment or reason for return"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                              help_text=_("Required when you return or reject the transfer: the filer reads it."))
    step = forms.IntegerField(required=False, widget=forms.HiddenInput)
    school_class = forms.TypedChoiceField(label=_("Class the pupil joins"), coerce=int, required=False,
                                          empty_value=None, widget=SearchableSelect())

    def __init__(self, *args, options=None, choose_class: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if choose_class:
            self.fields["school_class"].choices = _class_choices(options or [])
        else:
            del self.fields["school_class"]

    def data_of_decision(self) -> dict | None:
        klass = self.cleaned_data.get("school_class")
        return {"school_class": klass} if klass else None
