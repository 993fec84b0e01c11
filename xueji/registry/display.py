"""How the items of a pupil record read on a page, the record card and the timeline: one place.

Codes are shown as their names (code tables, regions by their full name, countries, schools, classes, statuses),
flags as yes/no, dates as YYYY-MM-DD, a year-month as YYYY-MM, and personal items (ID numbers, G numbers, phones,
addresses, e-mail) through the viewer's presenter (`registry.presenters`), masked unless the role may see them.
Labels are the national form's titles (`registry.fields`) in Chinese and the model fields' names otherwise.

Names are looked up set-based: `Shown.for_values(presenter, pairs)` collects the region codes, school and class
ids of everything a page will show and reads each kind once (one query per kind, whatever the number of values).
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from xueji.core import codes
from xueji.core.labels import SecurityLabel
from xueji.regions.selectors import region_names
from xueji.registry.choices import RegStatus, VerifyStatus
from xueji.registry.fields import BY_KEY, STUDENT_ITEMS, FormItem
from xueji.registry.models import FamilyMember, Student, StudentDetail
from xueji.registry.presenters import Presenter, kind_of
from xueji.schools.models import School, SchoolClass

# Keys that are not items of the national form: the record's state and placement.
STATE_LABELS = {
    "status": gettext_lazy("Student status"),
    "reg_status": gettext_lazy("Registration"),
    "verify_status": gettext_lazy("Identity check"),
    "school_id": gettext_lazy("School"),
    "school_class_id": gettext_lazy("Class"),
    "national_number": gettext_lazy("National student number"),
    "security_label": gettext_lazy("Security label"),
}
NATIONALITY_KEYS = frozenset({"nationality"})


def split_key(key: str) -> tuple[str, str]:
    """(target, field) of a stored key: "detail.postcode" -> ("detail", "postcode"), "family.phone" -> ("family",
    "phone"), "guardian1.phone" -> ("family", "phone"), "phone" -> ("student", "phone")."""
    head, dot, tail = str(key).partition(".")
    if not dot:
        return "student", head
    if head.startswith("guardian") or head == "family":
        return "family", tail
    return head, tail


def form_item(key: str) -> FormItem | None:
    """The national form's item of a stored key (a family member's item: the first guardian's)."""
    target, field = split_key(key)
    if target == "family":
        return BY_KEY.get(f"guardian1.{field}")
    return BY_KEY.get(field)


_MODELS = {"student": Student, "detail": StudentDetail, "family": FamilyMember}


def label_of(key: str) -> str:
    target, field = split_key(key)
    if field in STATE_LABELS and target == "student":
        return str(STATE_LABELS[field])
    item = form_item(key)
    english = (get_language() or "zh-hans").startswith("en")
    if item is not None and not english:
        title = item.title
        return title[3:] if target == "family" and title.startswith("成员") else title
    model = _MODELS.get(target)
    if model is not None:
        try:
            name = str(model._meta.get_field(field).verbose_name)
        except Exception:  # noqa: BLE001 - an unknown key is shown as it was stored
            return field
        return name[:1].upper() + name[1:]
    return field


def _is_region(key: str) -> bool:
    item = form_item(key)
    return item is not None and item.kind == "region"


class Shown:
    """Values of record items as a viewer reads them (see the module). Build it with `for_values` so the names of
    regions, schools and classes are read once for the whole page."""

    def __init__(self, presenter: Presenter, *, regions: dict[str, str] | None = None,
                 schools: dict[int, str] | None = None, classes: dict[int, str] | None = None) -> None:
        self.presenter = presenter
        self.regions = regions or {}
        self.schools = schools or {}
        self.classes = classes or {}

    @classmethod
    def for_values(cls, presenter: Presenter, pairs: Iterable[tuple[str, Any]]) -> "Shown":
        region_codes, school_ids, class_ids = set(), set(), set()
        for key, value in pairs:
            if value in (None, ""):
                continue
            field = split_key(key)[1]
            if field == "school_id":
                school_ids.add(value)
            elif field == "school_class_id":
                class_ids.add(value)
            elif _is_region(key):
                region_codes.add(str(value))
        schools = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name")) if school_ids else {}
        classes = ({k.pk: k.display_name for k in SchoolClass.objects.filter(pk__in=class_ids)}
                   if class_ids else {})
        return cls(presenter, regions=region_names(region_codes), schools=schools, classes=classes)

    def label(self, key: str) -> str:
        return label_of(key)

    def region(self, code: str | None) -> str:
        if not code:
            return ""
        return self.regions.get(str(code)[:6], str(code))

    def value(self, key: str, value: Any) -> str:
        """One stored value as the viewer reads it ("—" for nothing)."""
        if value is None or value == "":
            return "—"
        target, field = split_key(key)
        if target == "student" and field in STATE_LABELS:
            return self._state(field, value)
        item = form_item(key)
        if kind_of(field) is not None and isinstance(value, str):
            return self.presenter.item(field, value) or "—"
        if (item is not None and item.kind == "flag") or isinstance(value, bool):
            truthy = value is True or str(value) in ("1", "True", "true")
            return codes.YES_NO.label("1" if truthy else "0")
        if item is not None and item.kind == "region":
            return self.region(str(value))
        if field in NATIONALITY_KEYS:
            return codes.COUNTRY.label(str(value))
        if item is not None and item.table is not None:
            return item.table.label(str(value))
        if item is not None and item.kind == "yearmonth":
            return _year_month(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return self.presenter.text(str(value))

    def _state(self, field: str, value: Any) -> str:
        if field == "status":
            return codes.STUDENT_STATUS.label(str(value))
        if field == "reg_status":
            return str(RegStatus(value).label) if value in RegStatus.values else str(value)
        if field == "verify_status":
            return str(VerifyStatus(value).label) if value in VerifyStatus.values else str(value)
        if field == "security_label":
            return str(SecurityLabel(value).label) if value in SecurityLabel.values else str(value)
        if field == "school_id":
            return self.schools.get(value, _("(a school no longer in the list)"))
        if field == "school_class_id":
            return self.classes.get(value, _("(a class no longer in the list)"))
        return self.presenter.national_number(str(value)) or "—"


def _year_month(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    return str(value)[:7]


# A whole record (the pupil page, the record card, the record as of a date) ------------------------------------

FAMILY_KEYS = ("relation", "name", "id_type", "id_number", "phone", "is_guardian", "employer", "job_title",
               "address", "hukou_location")


def record_values(student: Student, detail: StudentDetail | None, family: Iterable[FamilyMember] = ()):
    """Every (key, value) a record shows, keyed as the history keys them (`detail.x`, `family.x`)."""
    for item in STUDENT_ITEMS:
        if item.target == "student":
            yield item.key, getattr(student, item.field, None)
        elif detail is not None:
            yield f"detail.{item.field}", getattr(detail, item.field, None)
    yield "school_id", student.school_id
    yield "school_class_id", student.school_class_id
    for member in family:
        for key in FAMILY_KEYS:
            yield f"family.{key}", getattr(member, key, None)


def shown_for_record(presenter: Presenter, student: Student, detail: StudentDetail | None,
                     family: Iterable[FamilyMember] = ()) -> Shown:
    """A `Shown` that knows the names of every region, school and class of the record (one query per kind)."""
    return Shown.for_values(presenter, record_values(student, detail, list(family)))


def record_groups(shown: Shown, student: Student, detail: StudentDetail | None) -> list[tuple[str, list]]:
    """The national form's items of a pupil, grouped as on the form (the family members apart):
    [(group, [(title, value), ...]), ...]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in STUDENT_ITEMS:
        if item.target == "student":
            key, value = item.key, getattr(student, item.field, None)
        else:
            key, value = f"detail.{item.field}", getattr(detail, item.field, None) if detail is not None else None
        groups.setdefault(item.group, []).append((shown.label(key), shown.value(key, value)))
    return list(groups.items())


def family_rows(shown: Shown, family: Iterable[FamilyMember]) -> list[dict]:
    """Each family member's items as the viewer reads them ({key: shown value}, and `is_guardian` as a bool)."""
    return [{**{key: shown.value(f"family.{key}", getattr(member, key, None)) for key in FAMILY_KEYS},
             "guardian": bool(member.is_guardian), "pk": member.pk} for member in family]
