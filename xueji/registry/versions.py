"""The version of a pupil's record (SECURITY.md row 38: optimistic concurrency on edits, `core.versions`): the
version of its `Student` and `StudentDetail` rows together, so any write, by the door or by set-based SQL, makes a
version read before it stale. The API sends it as the pupil's ETag (`GET /api/v1/students/<pk>/`, the record edit's
answer) and takes it back in If-Match; the edit page keeps it in a hidden field. A stale one is refused with 412
`stale_version` (`core.errors.PreconditionFailed`), nothing written."""

from django.utils.translation import gettext_lazy as _

from xueji.core import versions
from xueji.core.versions import etag, version_of_header  # noqa: F401  (the record's callers use them from here)


def record_version(student, detail=None) -> str:
    """The version of a pupil's record as read (32 hex digits)."""
    if detail is None:
        detail = type(student).detail.related.related_model.objects.filter(student_id=student.pk).first()
    return versions.version_of(student, detail)


def version_require(student, detail, version: str | None) -> None:
    """Refuse (412 stale_version) when `version` is given and is not the record's current one."""
    versions.version_require(record_version(student, detail), version,
                             message=_("The record was changed since this version was read: reload it and edit "
                                       "again."))
