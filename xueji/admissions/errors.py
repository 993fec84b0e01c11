"""Words of the refusals of admission (招生), for the API's clients and for refusals raised with a developer message
only (xueji.core.messages)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "plan_stage_not_taught": _("The school does not teach this stage."),
    "plan_invalid_year": _("The year is not a valid admission year."),
    "plan_invalid_quota": _("The number of places must be a whole number of 0 or more."),
    "plan_below_admitted": _("The plan cannot be smaller than the pupils already admitted."),
    "plan_school_only": _("A plan change is filed by the school itself."),
    "plan_no_change": _("The plan already has this number of places."),
    "admission_not_held": _("This admission is not held as a duplicate."),
    "admission_not_yours": _("Only an admissions office whose area holds every school that admitted the pupil "
                             "decides which admission to keep."),
    "admission_not_withdrawable": _("Only an admission that has not taken effect can be withdrawn."),
    "admission_bad_header": _("The file is not an admission-results file: its columns do not match the template."),
    "admission_no_rows": _("The file has only its column titles, no admitted pupils."),
    # Cross-province entry after graduation (毕业后跨省就学, entry.py)
    "pupil_not_graduated": _("The pupil has not graduated or completed in that province."),
    "already_in_school": _("The pupil is already in school in this province."),
    "identity_required": _("The graduating province does not know this pupil by national student number: give the "
                           "name, sex, date of birth and ID number."),
    "no_record": _("The graduating province holds no record of the pupil."),
    "record_since": _("A record with this ID number exists in this province now: admit the pupil through admission "
                      "instead."),
    "national_number_missing": _("The pupil's record has no national student number yet: the file cannot travel."),
    "unknown_entry": _("No entry after graduation has this key here."),
}

messages.register(by_code=MESSAGES)
