"""The forms of the interface's pages: a client's registration and changes (scope picked from the region tree),
the rotation of its secret, its revocation. The rules are the services'; these only collect the values."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.interface import selectors
from xueji.interface.choices import PERSONAL, Item
from xueji.interface.services import MAX_RATE_LIMIT
from xueji.ui.widgets import RegionCascade


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=128,
                           help_text=_("The province system that calls, e.g. 学生资助管理系统"))
    scope = forms.CharField(label=_("Scope"), widget=RegionCascade(),
                            help_text=_("The region whose registered pupils the client reads: your province, or a "
                                        "city or county in it"))
    items = forms.MultipleChoiceField(label=_("Items"), choices=Item.choices, widget=forms.CheckboxSelectMultiple,
                                      help_text=_("The pupil items the client receives (the pupil's id and the time "
                                                  "of its last change always come)"))
    unmasked = forms.MultipleChoiceField(
        label=_("Unmasked items"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(item.value, item.label) for item in Item if item in PERSONAL],
        help_text=_("Personal items are sent masked unless ticked here (each must be among the items)"))
    rate_limit = forms.IntegerField(label=_("Calls per minute"), min_value=1, max_value=MAX_RATE_LIMIT, initial=60)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not has_cap(user, Cap.INTERFACE_UNMASK):
            self.fields["unmasked"].disabled = True
            self.fields["unmasked"].help_text = _("Your roles do not allow giving a client unmasked personal items.")

    def clean_scope(self):
        code = (self.cleaned_data.get("scope") or "").strip()
        unit = selectors.scope_for_region(user=self.user, code=code) if code else None
        if unit is None:
            raise forms.ValidationError(_("The scope is not a region within your jurisdiction with an education "
                                          "authority."))
        return unit

    @classmethod
    def initial_from(cls, client) -> dict:
        return {"name": client.name, "scope": client.scope.code, "items": client.items, "unmasked": client.unmasked,
                "rate_limit": client.rate_limit}


class RotateForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label=_("Overlap (hours)"), min_value=0, max_value=24 * 30,
        help_text=_("How long the current secret keeps working beside the new one (0: it stops at once)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overlap_hours"].initial = settings.XUEJI_INTERFACE_ROTATION_OVERLAP_HOURS


class RevokeForm(forms.Form):
    confirm = forms.BooleanField(label=_("Revoke the client: every call is refused from now on, for good"))
