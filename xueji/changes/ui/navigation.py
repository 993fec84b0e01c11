"""Record maintenance and status changes in the menu (学籍日常管理). Editing a pupil, its family and its status
changes start from the pupil's page (changes:record_edit, changes:family_list, changes:status_change_new)."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("changes:request_list", _("Record and status change requests"), "bi-pencil-square", "records", order=10,
          text=_("Changes of controlled items and status changes (异动) in approval, and where each stands.")),
    Entry("changes:status_change_list", _("Status change records"), "bi-arrow-left-right", "records", order=20,
          text=_("Suspensions, resumptions, repeats, class changes, withdrawals ... that took effect.")),
    Entry("changes:dropout_list", _("Dropout list"), "bi-person-exclamation", "records", order=30,
          where="authority", text=_("控辍保学: pupils of compulsory education who dropped out in your area.")),
)
