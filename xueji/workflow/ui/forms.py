"""Forms of the workflow pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.workflow.filters import request_type_choices as _request_type_choices  # noqa: F401 - policy's forms

# ---------------------------------------------------------------- approval engine (workflow)

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
