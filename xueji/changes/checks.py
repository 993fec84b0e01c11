"""Checking an edit of a registered record with the one row validator (registry.validation.validate_row), which
the entry form, the API and the bulk import share: no rule of its own here.

A record is checked as it would stand after the edit: its stored row with the edit on top. Only what the edit
brings is held against it (the errors of the record after the edit that the record did not have before): a record
imported years ago without an item that is required today can still have its phone number changed, and a change
that makes another item wrong (an ID number whose birth date no longer agrees) is refused on that item. Every
error of an edit is found in one pass. A family member's own items are checked in a member slot of the row; the
rules that tie the members to the pupil (without the pupil's resident ID, the first guardian's) on the family as it
would stand after the change."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from xueji.changes.choices import DERIVED_ITEMS
from xueji.core import clock
from xueji.registry.fields import GUARDIAN_ITEMS, STUDENT_ITEMS, FormItem
from xueji.registry.models import FamilyMember, Student, StudentDetail
from xueji.registry.validation import FieldError, clean_items, stored_row, stored_value, validate_row

# The items a school edits on a registered record: the national form's items of the pupil (the guardians are
# family members, edited apart; the pinyin of the name follows the name).
EDITABLE: dict[str, FormItem] = {item.key: item for item in STUDENT_ITEMS if item.key not in DERIVED_ITEMS}
MEMBER_SLOT = "guardian2."  # a member's own items are checked in the second slot (the first carries family rules)
MEMBER_ITEMS: dict[str, FormItem] = {item.key.removeprefix("guardian1."): item for item in GUARDIAN_ITEMS
                                     if item.target == "guardian1"}


def raw_of(item: FormItem, value: Any) -> str:
    """A submitted value as the validator reads it (a form and the API send text; a caller may send typed)."""
    if isinstance(value, str):
        return value
    return stored_value(item, value)


def _keyed(errors: list[FieldError]) -> set[tuple[str, str]]:
    return {(e.key, e.message) for e in errors}


def _new_errors(before: dict[str, str], after: dict[str, str]) -> list[FieldError]:
    today = clock.today()
    _clean, had = validate_row(before, today=today, require_class=False)
    _clean, has = validate_row(after, today=today, require_class=False)
    known = _keyed(had)
    return [e for e in has if (e.key, e.message) not in known]


@dataclass
class EditCheck:
    values: dict[str, Any]  # item key -> the typed value the edit sets (for every item it names)
    errors: list[FieldError]


def empty_value(item: FormItem):
    """What an item holds when the edit leaves it empty: the model field's empty value."""
    model = Student if item.target == "student" else StudentDetail
    field = model._meta.get_field(item.field)
    if field.null:
        return None
    if field.get_internal_type() == "BooleanField":
        return False
    return ""


def edit_check(*, student: Student, detail: StudentDetail | None, family, values: dict[str, Any]) -> EditCheck:
    """The typed values of an edit of these items, and the errors it brings (see the module)."""
    errors = [FieldError(key, _("Not an item of the record that can be edited here."), key)
              for key in values if key not in EDITABLE]
    edit = {key: raw_of(EDITABLE[key], value) for key, value in values.items() if key in EDITABLE}
    before = stored_row(student, detail, family)
    errors += _new_errors(before, {**before, **edit})
    converted, _cell_errors = clean_items(edit, today=clock.today())  # the cell errors are among those above
    typed = {key: converted.get(key, empty_value(EDITABLE[key])) for key in edit}
    return EditCheck(values=typed, errors=errors)


def _member_copy(member: FamilyMember | None, student: Student, values: dict[str, Any]) -> FamilyMember:
    """An unsaved member as it would stand after the change (never saved: the registry's door writes)."""
    copy = FamilyMember(student=student)
    for item in MEMBER_ITEMS.values():
        field = FamilyMember._meta.get_field(item.field)
        setattr(copy, item.field, getattr(member, item.field) if member is not None
                else field.get_default() if field.has_default() else "")
    for key, value in values.items():
        setattr(copy, MEMBER_ITEMS[key].field, value)
    return copy


def member_check(*, student: Student, detail: StudentDetail | None, family: list[FamilyMember],
                 member: FamilyMember | None, values: dict[str, Any] | None) -> EditCheck:
    """A family member added (`member` None), changed (`values` its items) or removed (`values` None): its typed
    values and the errors the change brings, its own items keyed by item name (relation, name, ...) and the rules
    that tie the family to the pupil unkeyed."""
    errors: list[FieldError] = []
    typed: dict[str, Any] = {}
    if values is not None:
        errors += [FieldError(key, _("Not an item of a family member."), key) for key in values
                   if key not in MEMBER_ITEMS]
        edit = {key: raw_of(MEMBER_ITEMS[key], value) for key, value in values.items() if key in MEMBER_ITEMS}
        if member is not None:  # a change is checked as the whole member after it
            edit = {**{k: stored_value(i, getattr(member, i.field)) for k, i in MEMBER_ITEMS.items()}, **edit}
        row = {**stored_row(student, detail, []), **{MEMBER_SLOT + k: v for k, v in edit.items()}}
        _clean, found = validate_row(row, today=clock.today(), require_class=False)
        errors += [FieldError(e.column.removeprefix("成员2"), e.message, e.key.removeprefix(MEMBER_SLOT))
                   for e in found if e.key.startswith(MEMBER_SLOT)]
        converted, _cell_errors = clean_items({MEMBER_SLOT + k: v for k, v in edit.items()}, today=clock.today())
        typed = {k: converted.get(MEMBER_SLOT + k, _member_empty(k)) for k in edit}
    if errors:  # the family's rules read the member's values: checked once these are right
        return EditCheck(values=typed, errors=errors)
    after = [m for m in family if member is None or m.pk != member.pk]
    if values is not None:
        changed = _member_copy(member, student, typed)
        if member is None:
            after.append(changed)
        else:
            after.insert(next((n for n, m in enumerate(family) if m.pk == member.pk), len(after)), changed)
    said = {e.message for e in errors}
    errors += [FieldError(e.column, e.message, "") for e in _new_errors(stored_row(student, detail, family),
                                                                         stored_row(student, detail, after))
               if e.key.startswith("guardian") and e.message not in said]
    return EditCheck(values=typed, errors=errors)


def _member_empty(key: str):
    field = FamilyMember._meta.get_field(MEMBER_ITEMS[key].field)
    if field.get_internal_type() == "BooleanField":
        return False
    return ""
