"""Bulk import in the menu."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("exchange:import_list", _("Bulk import"), "bi-file-earmark-arrow-up", "registration", order=40,
          text=_("A whole class from the Excel or CSV template, with an error report.")),
)
