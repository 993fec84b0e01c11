"""The support pages' forms: the question (problem-record template), a message, passing up, rating, an FAQ entry,
an announcement (its regions picked from the org tree), and messaging: a new conversation (its users picked from a
searchable select of the users one may message) and a message."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.core.codes import STAGE
from xueji.regions.models import OrgKind
from xueji.support.choices import Category


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several screenshots or files at once (each checked by the service)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class AskForm(forms.Form):
    title = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(label=_("Problem category"), choices=Category.choices)
    description = forms.CharField(label=_("Description of the problem"), widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=10000)
    steps = forms.CharField(label=_("Steps that lead to it"), widget=forms.Textarea(attrs={"rows": 3}),
                            required=False, max_length=5000)
    contact = forms.CharField(label=_("Contact (phone or e-mail)"), max_length=100, required=False)
    student = forms.IntegerField(label=_("Pupil it is about (record number, optional)"), required=False,
                                 widget=forms.HiddenInput)
    request = forms.IntegerField(label=_("Request it is about (number, optional)"), required=False)
    files = MultipleFileField(label=_("Screenshots and files (JPG, PNG, PDF)"))


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    action = forms.ChoiceField(choices=[("answer", _("Answer")), ("ask_back", _("Ask back")),
                                        ("solve", _("Solved"))], initial="answer", required=False)
    files = MultipleFileField(label=_("Screenshots and files (JPG, PNG, PDF)"))


class PassUpForm(forms.Form):
    reason = forms.CharField(label=_("Why it goes to the level above"), max_length=2000)


class RateForm(forms.Form):
    solved = forms.TypedChoiceField(label=_("Is the problem solved?"), coerce=lambda v: v == "1",
                                    choices=[("1", _("Yes")), ("0", _("No"))], initial="1")
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int, required=False, empty_value=None,
                                    choices=[(n, "★" * n) for n in range(5, 0, -1)])
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class FaqForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300,
                               help_text=_("Write it so that no pupil, person or phone number can be recognised."))
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))


def _indented(unit, root_depth: int) -> str:
    depth = unit.path.count("/") - root_depth - 1
    return f"{'　' * max(depth, 0)}{unit.name}"


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    targets = forms.MultipleChoiceField(label=_("Regions (from the organisation tree)"),
                                        widget=forms.CheckboxSelectMultiple)
    roles = forms.MultipleChoiceField(label=_("Roles (none: all)"), choices=Role.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    stages = forms.MultipleChoiceField(label=_("School stages (none: all)"), choices=STAGE.choices,
                                       required=False, widget=forms.CheckboxSelectMultiple)
    pinned = forms.BooleanField(label=_("Pinned"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    files = MultipleFileField(label=_("Attachments (JPG, PNG, PDF)"))

    def __init__(self, *args, units, root, **kwargs):
        super().__init__(*args, **kwargs)
        depth = root.path.count("/") - 1
        # The tree below the publisher: its authorities, and the schools when the publisher is a county (a city or
        # province reaches its schools through their counties).
        shown = [u for u in units if u.kind != OrgKind.SCHOOL or root.kind == OrgKind.COUNTY]
        self.fields["targets"].choices = [(str(u.pk), _indented(u, depth)) for u in shown]


class RemoteSelectMultiple(forms.SelectMultiple):
    """Several users from a searchable select that loads its options as the user types (ui/js/remote-select.js,
    tom-select): the page carries the chosen users only."""

    def __init__(self, url: str, attrs=None):
        super().__init__({"data-remote": url, **(attrs or {})})
        self.chosen = None  # fn(ids) -> [(id, label)] for the options already chosen

    @property
    def media(self):
        return forms.Media(css={"all": ["vendor/tom-select/css/tom-select.bootstrap5.min.css"]},
                           js=["vendor/tom-select/js/tom-select.complete.min.js", "ui/js/remote-select.js"])

    def optgroups(self, name, value, attrs=None):
        ids = [int(v) for v in value or [] if str(v).isdigit()]
        pairs = self.chosen(ids) if ids and self.chosen else []
        return [(None, [self.create_option(name, str(pk), label, True, index, attrs=attrs)
                        for index, (pk, label) in enumerate(pairs)], 0)]


class UserIdsField(forms.Field):
    """User ids; whether one may message them is the service's rule (its refusal names the ones outside it)."""

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return [int(v) for v in values if str(v).strip()]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose the users to message."), code="invalid") from None


class ConversationForm(forms.Form):
    participants = UserIdsField(label=_("To (users of your unit, of the unit above it and of the units below it)"))
    title = forms.CharField(label=_("Group title (a group: several users, or a title)"), max_length=100,
                            required=False)
    body = forms.CharField(label=_("First message"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           max_length=20000)
    files = MultipleFileField(label=_("Files (JPG, PNG, PDF)"))
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, contacts_url: str, chosen, **kwargs):
        super().__init__(*args, **kwargs)
        widget = RemoteSelectMultiple(contacts_url, attrs={"data-testid": "participants"})
        widget.chosen = chosen
        self.fields["participants"].widget = widget


class MembersForm(forms.Form):
    """The group owner's addition of members (the same searchable select of users one may message)."""

    participants = UserIdsField(label=_("Add members (users of your unit, of the unit above it and of the units "
                                        "below it)"))

    def __init__(self, *args, contacts_url: str, chosen, **kwargs):
        super().__init__(*args, **kwargs)
        widget = RemoteSelectMultiple(contacts_url, attrs={"data-testid": "add-members"})
        widget.chosen = chosen
        self.fields["participants"].widget = widget


class SendForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=20000)
    files = MultipleFileField(label=_("Files (JPG, PNG, PDF)"))
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
