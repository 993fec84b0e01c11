"""Optimistic concurrency on edits (SECURITY.md row 38): the one mechanism every edit path a registrar or an
administrator uses concurrently shares (the pupil's record, schools, classes, family members, accounts, business
windows, the province's limits).

An object's **version** is a keyed digest (HMAC-SM3) of its stored items (`version_of`: every concrete field but
the timestamps, or the fields an edit path names; plus any plain values such as an account's roles), so any write,
by the door or by set-based SQL, makes a version read before it stale. The API sends it as the object's `ETag`
(`with_etag`: the detail GET and the edit's answer) and takes it back in `If-Match` (`if_match`); an edit page keeps
it in a hidden field (`VersionField`, `VersionedForm`). The service checks it **under the row lock**
(`locked_at_version`): a stale one is refused with 412 `stale_version` (`PreconditionFailed`), nothing written; no
version given (no If-Match, an old client) edits the current row as before."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.crypto import hmac_sm3, sm3
from xueji.core.errors import PreconditionFailed

M = TypeVar("M", bound=models.Model)
_SKIP = frozenset({"created_at", "updated_at"})  # the content decides, not when it was touched
STALE = _("This was changed by someone else since you opened it: reload it and edit again.")


def _items(obj: Any, fields: Iterable[str] | None) -> Any:
    if obj is None:
        return []
    if not isinstance(obj, models.Model):
        return obj  # a plain value (a sorted list of roles, ...)
    wanted = None if fields is None else frozenset(fields)
    return [(field.attname, field.value_from_object(obj)) for field in obj._meta.concrete_fields
            if field.attname not in _SKIP and (wanted is None or field.attname in wanted or field.name in wanted)]


def _key() -> bytes:
    return sm3(b"xueji-version-key|" + settings.SECRET_KEY.encode())


def version_of(*parts: Any, fields: Iterable[str] | None = None) -> str:
    """The version of what `parts` hold as read (32 hex digits): model instances (every concrete field but the
    timestamps, or only `fields`), None (a row that does not exist) or plain JSON values. An HMAC-SM3 under a key
    derived from SECRET_KEY, not a bare digest: the items include personal data (an ID number, a phone) that a
    reader sees masked, and a bare digest of so few possible values could be searched for them."""
    fields = tuple(fields) if fields is not None else None
    text = json.dumps([_items(part, fields) for part in parts], default=str, ensure_ascii=False, sort_keys=False)
    return hmac_sm3(_key(), text.encode()).hex()[:32]


def version_require(current: str, version: str | None, *, message=None) -> None:
    """Refuse (412 stale_version) when `version` is given and is not `current`."""
    if version is not None and version != current:
        raise PreconditionFailed(message or STALE, code="stale_version")


def locked_at_version(obj: M, version: str | None, *, fields: Iterable[str] | None = None, also=None) -> M:
    """`obj`'s row read again under its row lock (inside the caller's transaction), refused with 412 stale_version
    when `version` is given and is not its version (`version_of(row, *also(row), fields=fields)`). The service then
    edits the returned row, never the instance it was handed (read before the lock)."""
    row = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    values = also(row) if also is not None else ()
    version_require(version_of(row, *values, fields=fields), version)
    return row


# ---------------------------------------------------------------- the API


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


def if_match(request) -> str | None:
    """The version the request's If-Match names (None: none, or `*`)."""
    return version_of_header(request.headers.get("If-Match"))


def with_etag(response, version: str):
    """`response` with the ETag of `version` (the object as it now is)."""
    response["ETag"] = etag(version)
    return response


# ---------------------------------------------------------------- the pages


class VersionField(forms.CharField):
    """The hidden field that keeps, in an edit form, the version of what it edits when the form was opened."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)


class VersionedForm(forms.Form):
    """An edit form with its hidden `version` (give the current version in `initial`); `version()` is what to hand
    the service (None when the form came without one)."""

    version = VersionField()

    def submitted_version(self) -> str | None:
        return self.cleaned_data.get("version") or None

    def values(self) -> dict:
        """The cleaned data without the version (the service's own keyword)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
