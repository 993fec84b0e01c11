"""Problem-record and national-number pages in the menu, and their waiting work: the school's open problem
records."""

from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.problems import selectors as problem_selectors
from xueji.ui.navigation import Entry, Waiting, register, register_waiting


def _unresolved(user) -> int:
    return problem_selectors.problem_list(user=user, filters={"status": "unresolved"}).count()


def _school_problems(user) -> int:
    # The school corrects, confirms or deletes its records; files requests to do so (hence REQUEST_FILE).
    school_filer = user.org_unit.is_school and has_cap(user, Cap.PROBLEM_VIEW) and has_cap(user, Cap.REQUEST_FILE)
    return _unresolved(user) if school_filer else 0


register_waiting(Waiting("problems", _school_problems, order=30))
register(
    Entry("problems:problem_list", _("Problem records"), "bi-exclamation-diamond", "problems", order=10,
          waiting="problems", count=_unresolved,
          text=_("Unresolved ID errors and duplicate records to correct, confirm or delete.")),
    Entry("problems:number_lookup", _("Find a national student number"), "bi-upc-scan", "statistics",
          order=20, text=_("Any number ever issued, current or superseded.")),
)
