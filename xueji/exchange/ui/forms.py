"""Forms of the exchange pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.exchange.models import ImportKind

# ---------------------------------------------------------------- bulk import

class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_(".xlsx filled from the template, or .csv (UTF-8, or GBK as "
                                                        "Excel saves it on Chinese Windows)."))
    kind = forms.ChoiceField(label=_("Pupils"), choices=lambda: list(ImportKind.choices))
