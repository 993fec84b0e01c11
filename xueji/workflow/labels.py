"""Security labels (安全标记, control 10) in the approval engine: a request about a pupil under special protection
stays visible to its filer, parties and step holders (its approvers need it; a city or province may hold a step),
but to a viewer without the clearance it does not name the pupil: its title is the type's and a neutral phrase, its
payload (which names and describes the pupil) is not shown, and the pupil's page answers 404 as everywhere.

Which requests are about a labelled pupil is told by their subject: a pupil (`registry.student`) here; other kinds
register theirs (`register_subject`, e.g. problems: a problem record with a labelled member). The selectors
annotate each request they read with `pupil_withheld` for the viewer (one EXISTS per row by primary key)."""

from collections.abc import Callable

from django.db.models import BigIntegerField, BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import cleared
from xueji.core.labels import SecurityLabel
from xueji.registry.models import Student

LABELS = [label for label in SecurityLabel.values if label != SecurityLabel.NONE]

# subject_type -> a function of the subject's id (an integer expression) giving an EXISTS of a labelled pupil.
_SUBJECTS: dict[str, Callable] = {
    "registry.student": lambda key: Exists(Student.objects.filter(pk=key, security_label__in=LABELS)),
}


def register_subject(subject_type: str, labelled: Callable) -> None:
    """A request kind whose subject may concern a labelled pupil: `labelled(key)` an EXISTS over the subject's id."""
    _SUBJECTS[subject_type] = labelled


def withheld(user, prefix: str = "") -> Case | Value:
    """Whether each request (through `prefix`, e.g. "request__" from a step) is about a labelled pupil the user is
    not cleared for: an expression to annotate as `pupil_withheld`."""
    if cleared(user):
        return Value(False, output_field=BooleanField())
    subject_type, subject_id = f"{prefix}subject_type", f"{prefix}subject_id"
    key = Cast(OuterRef(subject_id), BigIntegerField())
    # The CASE tests the id is digits before the THEN casts it (a registration's subject id is empty).
    return Case(*[When(Q(**{subject_type: kind, f"{subject_id}__regex": r"^[0-9]{1,18}$"}), then=labelled(key))
                  for kind, labelled in _SUBJECTS.items()],
                default=Value(False), output_field=BooleanField())


def annotate(queryset, user, prefix: str = ""):
    return queryset.annotate(pupil_withheld=withheld(user, prefix))


def withheld_title(type_label: str) -> str:
    return _("%(type)s: a pupil under special protection") % {"type": type_label}
