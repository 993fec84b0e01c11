"""The pupil records in the menu."""

from django.utils.translation import gettext_lazy as _

from xueji.registry import selectors
from xueji.ui.navigation import Entry, register

register(
    Entry("registry:student_list", _("Students"), "bi-person-vcard", "records", order=10,
          count=lambda user: selectors.student_count(user=user),  # the pupil counts: a SUM, no COUNT
          text=_("Look up registration records, family members, export lists.")),
)
