"""The version of a pupil's record (SECURITY.md row 38: optimistic concurrency on edits): a digest of every stored
item of its `Student` and `StudentDetail` rows, so any write, by the door or by set-based SQL, makes a version read
before it stale. The API sends it as the pupil's ETag (`GET /api/v1/students/<pk>/`, the record edit's answer) and
takes it back in If-Match; the edit page keeps it in a hidden field. A stale one is refused with 412
`stale_version` (`core.errors.PreconditionFailed`), nothing written."""

import json

from django.utils.translation import gettext_lazy as _

from xueji.core.crypto import sm3_hex
from xueji.core.errors import PreconditionFailed

_SKIP = frozenset({"created_at", "updated_at"})  # the content decides, not when it was touched


def _items(obj) -> list:
    if obj is None:
        return []
    return [(field.attname, field.value_from_object(obj)) for field in obj._meta.concrete_fields
            if field.attname not in _SKIP]


def record_version(student, detail=None) -> str:
    """The version of a pupil's record as read (32 hex digits)."""
    if detail is None:
        detail = type(student).detail.related.related_model.objects.filter(student_id=student.pk).first()
    text = json.dumps([_items(student), _items(detail)], default=str, ensure_ascii=False, sort_keys=False)
    return sm3_hex(text.encode())[:32]


def etag(version: str) -> str:
    return f'"{version}"'


def version_of_header(value: str | None) -> str | None:
    """The version an If-Match header names (None: no header; `*` matches any)."""
    if not value:
        return None
    value = value.strip()
    if value == "*":
        return None
    return value.removeprefix("W/").strip('"')


def version_require(student, detail, version: str | None) -> None:
    """Refuse (412 stale_version) when `version` is given and is not the record's current one."""
    if version is not None and version != record_version(student, detail):
        raise PreconditionFailed(_("The record was changed since this version was read: reload it and edit again."),
                                 code="stale_version")
