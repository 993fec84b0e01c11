"""Record maintenance and status changes in the menu (学籍日常管理). Editing a pupil, its family and its status
changes start from the pupil's page (changes:record_edit, changes:family_list, changes:status_change_new)."""

from django.utils.translation import gettext_lazy as _

from xueji.registry.ui.actions import PupilAction, register_pupil_action
from xueji.ui.navigation import Entry, register

register(
    Entry("changes:request_list", _("Record and status change requests"), "bi-pencil-square", "records", order=10,
          text=_("Changes of controlled items and status changes (异动) in approval, and where each stands.")),
    Entry("changes:status_change_list", _("Status change records"), "bi-arrow-left-right", "records", order=20,
          text=_("Suspensions, resumptions, repeats, class changes, withdrawals ... that took effect.")),
    Entry("changes:dropout_list", _("Dropout list"), "bi-person-exclamation", "records", order=30,
          where="authority", text=_("控辍保学: pupils of compulsory education who dropped out in your area.")),
)


def _open(user, student) -> bool:
    """A registered record that is neither locked (graduated) nor closed (deceased): it can be maintained."""
    from xueji.changes.choices import CLOSED_STATUSES, LOCKED_STATUSES

    return student.reg_status == "registered" and student.status not in (*LOCKED_STATUSES, *CLOSED_STATUSES)


def _registered(user, student) -> bool:
    return student.reg_status == "registered"


# The pupil page's action bar (修改, 异动, and the family members): the registry's defaults for 修改 and 异动 refined
# (not on a locked or closed record), 家庭成员 added.
register_pupil_action(
    PupilAction("edit", _("Edit"), "bi-pencil-square", "changes:record_edit", order=10, when=_open, primary=True),
    PupilAction("status_change", _("Status change"), "bi-arrow-left-right", "changes:status_change_new", order=20,
                when=_open),
    PupilAction("family", _("Family members"), "bi-house-heart", "changes:family_list", order=25, when=_registered),
)
