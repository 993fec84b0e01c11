"""Words of the refusals of graduation and promotion, by stable code (xueji.core.messages)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "not_final_grade": _("Only pupils in school in the final grade of a compulsory stage graduate here."),
    "not_compulsory": _("Senior high graduation is approved by the authority."),
    "nothing_to_graduate": _("No pupil was chosen to graduate."),
    "unknown_destination": _("Unknown destination code."),
    "admitted_elsewhere": _("The pupil has been admitted by another school since: the graduation can no longer "
                            "be reverted."),
    "already_reverted": _("This graduation was reverted already."),
    "not_graduated": _("The pupil is no longer graduated."),
    "own_school_only": _("Only the pupil's own school does this."),
    "promotion_province_only": _("The province's promotion is run by the province's authority."),
    "promotion_done": _("This school has been promoted already."),
    "promotion_not_excluded": _("This school is not held back."),
    "promotion_blocked": _("This school cannot be promoted yet: resolve what blocks it first."),
    "promotion_running": _("The promotion is running; wait for it to finish."),
    "promotion_not_run": _("The province's promotion has not run yet: the school is promoted with it."),
    "invalid_moment": _("The promotion moment is written MM-DD HH:MM."),
    "conditions_not_met": _("Not every required exam subject is passed."),
    "revert_needs_approval": _("A senior high graduation is reverted with the authority's approval."),
    "invalid_rows": _("The file has errors; nothing was loaded."),
}

messages.register(by_code=MESSAGES)
