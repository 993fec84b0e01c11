"""Registration pages in the menu, and their waiting work: the school's drafts not yet submitted."""

from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.registry import selectors as registry_selectors
from xueji.registry.models import RegStatus
from xueji.ui.navigation import Entry, Waiting, register, register_waiting


def _drafts(user) -> int:
    return registry_selectors.student_count(user=user, filters={"reg_status": RegStatus.DRAFT})


def _school_drafts(user) -> int:
    return _drafts(user) if user.org_unit.is_school and has_cap(user, Cap.STUDENT_EDIT) else 0


register_waiting(Waiting("drafts", _school_drafts, order=40))
register(
    Entry("registration:draft_list", _("Drafts to register"), "bi-journal-check", "registration", order=10,
          where="school", waiting="drafts", highlight=lambda user, waiting: True,
          text=_("Pupils entered or imported, not yet submitted for registration.")),
    Entry("registration:student_enter", _("Enter a pupil"), "bi-person-plus", "registration", order=20,
          where="school",
          text=_("One pupil on the national student form; grade-1 entrants from their pre-school record.")),
    Entry("registration:grade1_lookup", _("Grade-1 entrants"), "bi-balloon", "registration", order=30,
          where="school"),
    Entry("registration:returning_search", _("Returning from abroad"), "bi-airplane", "registration", order=50,
          where="school", text=_("Search the whole system for an existing record before creating one.")),
)
