"""Schools, classes and school years in the menu."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap
from xueji.schools import selectors
from xueji.ui.navigation import Entry, register


def _my_school(user) -> str | None:
    school = selectors.school_list(user=user).first()
    return reverse("schools:school_detail", args=[school.pk]) if school is not None else None


register(
    Entry("schools:class_list", _("Classes"), "bi-people", "configuration", order=10,
          count=lambda user: selectors.class_count(user=user),
          text=_("Classes by stage and cohort, with their grade this school year.")),
    Entry("schools:school_list", _("Schools"), "bi-building", "configuration", order=20, where="authority",
          count=lambda user: selectors.school_count(user=user), text=_("Schools within your jurisdiction.")),
    Entry("schools:school_detail", _("My school"), "bi-building", "configuration", order=20, where="school",
          key="my_school", link=_my_school, text=_("Your school's details, classes and pupils.")),
    Entry("schools:school_year_list", _("School years"), "bi-calendar3", "configuration", order=40,
          narrowed_to=Cap.ORG_VIEW,
          text=_("The school calendar; the current year decides every class's grade.")),
)
