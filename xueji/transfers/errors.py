"""Words of the transfers' refusals. Most services give their words themselves (a lazy translation with the
details they name); these are the words of each stable code, for the API's clients and for a refusal raised with
a developer message only (xueji.core.messages). Codes other apps word already (class_required, wrong_class,
not_registered, proof_required) keep their words there: every refusal here carries its own words anyway."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "receiving_school_only": _("A transfer is filed by the receiving school."),
    "own_school": _("The pupil is already at your school: a transfer moves a pupil from another school."),
    "wrong_stage": _("Your school does not teach the pupil's stage."),
    "no_class_of_grade": _("Your school has no class of the pupil's grade."),
    "classes_full": _("Every class of the pupil's grade in your school is full."),
    "not_transferable": _("Only a pupil on a school's roll is transferred; this pupil graduated, left or died."),
    "unknown_proof_kind": _("Unknown kind of proof."),
    "find_terms": _("Find the pupil by national student number, by ID number, or by name, sex and date of birth."),
    "find_limit": _("Too many lookups in the last hour; try again later."),
    "pupil_not_found": _("No pupil matches exactly within the province."),
    "find_expired": _("The lookup has expired or was made by someone else: find the pupil again."),
    "national_number_required": _("A transfer from another province is filed with the pupil's national student "
                                  "number."),
    "national_number_invalid": _("This is not a national student number (G, J or L followed by its digits)."),
    "cross_province_unavailable": _("The pupil's province cannot be asked now; try again later."),
    "source_province_invalid": _("Choose the pupil's province."),
    "record_moved": _("The pupil's record changed since the filing (another school, or off the roll): the transfer "
                      "cannot take effect."),
}

messages.register(by_code=MESSAGES)
