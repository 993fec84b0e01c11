"""Words of the refusals of record maintenance and status changes. Most services give their words themselves (a
lazy translation, with the details they name); these are the words of each stable code, for the API's clients
and for a refusal raised with a developer message only (xueji.core.messages)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "record_locked": _("The record is locked after graduation: its items can no longer be changed."),
    "record_closed": _("The pupil's record is closed (deceased): nothing can be changed or filed on it."),
    "not_registered": _("Only a registered record is maintained here; a draft is corrected among the drafts."),
    "pupil_school_only": _("Only the pupil's own school maintains its record; its authorities approve."),
    "proofs_not_needed": _("Proofs go with a change request; these items change at once."),
    "status_change_not_allowed": _("This kind of status change is not allowed for pupils of this stage in this "
                                   "province."),
    "status_not_allowed": _("This change is not possible from the pupil's current status."),
    "abroad_return": _("This pupil is suspended to study abroad: the return is filed as 回国复学."),
    "not_abroad": _("This pupil is not studying abroad: a suspended pupil resumes by 复学."),
    "abroad_keep_expired": _("The period the record was kept for the pupil's return from abroad is over."),
    "invalid_reason": _("This reason does not fit the kind of status change."),
    "class_required": _("Name the class the pupil moves to."),
    "unexpected_class": _("This kind of status change does not move the pupil to another class."),
    "identity_clash": _("Not approved: another record holds this identity now. A problem record was filed; the "
                        "request stays pending."),
    "wrong_member": _("The family member belongs to another pupil."),
}

messages.register(by_code=MESSAGES)
