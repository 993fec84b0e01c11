"""The one mechanism that restricts every read and write to the user's jurisdiction (as NetBox's
`RestrictedQuerySet.restrict`).

Each scoped model names the lookups to the path of the org units that own it: `jurisdiction_path =
"school__org_unit__path"`, or several, `jurisdiction_paths = ("filer_org__path", "steps__org_unit__path")`
(an object is visible through any of them; a path through a to-many relation is an EXISTS, so rows never
repeat; `jurisdiction_filters` narrows such a relation, e.g. only the parties that see a request). A school
sees its own subtree (itself), an authority its region's subtree; a user of an inactive unit sees nothing.
Protected objects are fetched with `access` (or the apps' `access_*_by_id` built on it): outside the
jurisdiction is a 404 (`NotFound`), never a 403, decided here once.

Security labels (安全标记, xueji/core/labels.py) are enforced here too, once: a model whose rows carry a label (or
belong to a row that does) names the lookup to it, `security_label_lookup = "student__security_label"`, and a user
without the clearance (`Cap.STUDENT_LABELLED`) gets only its unlabelled rows. So a labelled pupil is absent from
that user's lists, searches, pages (404), API, exports and record-level statistics as if outside the jurisdiction.
The lookup may pass a nullable relation (a problem member whose record was deleted: kept) or a to-many one (a row
left out when any related row is labelled). The paths that read pupils beyond this queryset, and how each applies
the label, are listed in xueji/core/labels.py.
"""

import operator
from functools import reduce
from typing import TypeVar

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from xueji.core.errors import NotFound
from xueji.core.labels import SecurityLabel

M = TypeVar("M", bound=models.Model)


def path_lookup(model: type[models.Model]) -> str:
    lookup = getattr(model, "jurisdiction_path", None)
    if lookup is None:
        raise TypeError(f"{model.__name__} declares no jurisdiction_path")
    return lookup


def path_lookups(model: type[models.Model]) -> tuple[str, ...]:
    paths = getattr(model, "jurisdiction_paths", None)
    return tuple(paths) if paths else (path_lookup(model),)


def user_path(user) -> str | None:
    """The path of the user's org unit, or None for anonymous users, unplaced users and users of an inactive unit."""
    org_unit = getattr(user, "org_unit", None) if getattr(user, "is_authenticated", False) else None
    if org_unit is None or not org_unit.is_active:
        return None
    return org_unit.path


def _path_q(model: type[models.Model], lookup: str, path: str) -> Q | Exists:
    first, _sep, rest = lookup.partition("__")
    field = model._meta.get_field(first)
    if field.one_to_many or field.many_to_many:
        related = field.related_model
        if field.many_to_many and not field.auto_created:  # a forward m2m: filter through it on the model
            return Q(**{f"{lookup}__startswith": path})
        remote = field.field.name if field.auto_created else field.remote_field.name
        extra = (getattr(model, "jurisdiction_filters", None) or {}).get(first, {})
        return Exists(related._default_manager.filter(**{remote: OuterRef("pk"), f"{rest}__startswith": path},
                                                      **extra))
    return Q(**{f"{lookup}__startswith": path})


def restrict(queryset: "models.QuerySet[M] | type[M]", user, capability=None, *,
             aggregate: bool = False) -> "models.QuerySet[M]":
    """The objects of a queryset (or model) inside the user's jurisdiction, through any of its paths. With a
    capability, a user whose roles lack it is refused (Forbidden), as every selector does first. Labelled rows
    (安全标记) are left out for a user without the clearance, unless `aggregate`: the caller promises that only
    numbers leave (a GROUP BY's counts, e.g. a funding allocation), never a row, an id or a name."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    if capability is not None:
        from xueji.accounts.permissions import require_cap

        require_cap(user, capability)
    path = user_path(user)
    if path is None:
        return queryset.none()
    model = queryset.model
    conditions = [_path_q(model, lookup, path) for lookup in path_lookups(model)]
    queryset = queryset.filter(reduce(operator.or_, conditions))
    label = getattr(model, "security_label_lookup", None)
    if label is not None and not aggregate and not cleared(user):
        queryset = queryset.filter(unlabelled_q(model, label))
    return queryset


def unlabelled_q(model: type[models.Model], lookup: str) -> Q | Exists:
    """The rows of `model` that carry no security label through `lookup` (its `security_label_lookup`): through a
    nullable relation a row without the related row stays; through a to-many relation a row with any labelled
    related row goes (NOT EXISTS, so rows never repeat)."""
    first, _sep, rest = lookup.partition("__")
    if not rest:
        return Q(**{lookup: SecurityLabel.NONE})
    field = model._meta.get_field(first)
    if field.one_to_many or field.many_to_many:
        related = field.related_model
        remote = field.field.name if field.auto_created else field.remote_field.name
        labels = [label for label in SecurityLabel.values if label != SecurityLabel.NONE]
        return ~Exists(related._default_manager.filter(**{remote: OuterRef("pk"), f"{rest}__in": labels}))
    if field.null:
        return Q(**{lookup: SecurityLabel.NONE}) | Q(**{f"{first}__isnull": True})
    return Q(**{lookup: SecurityLabel.NONE})


def cleared(user) -> bool:
    """Whether the user may see labelled records (安全标记) inside their jurisdiction."""
    from xueji.accounts.permissions import Cap, has_cap

    return has_cap(user, Cap.STUDENT_LABELLED)


class RestrictedQuerySet(models.QuerySet):
    """A model's queryset that restricts itself: `Request.objects.filter(...).restrict(user, Cap.REQUEST_VIEW)`."""

    def restrict(self, user, capability=None):
        return restrict(self, user, capability)


def within(queryset: models.QuerySet[M], user) -> models.QuerySet[M]:
    """Restrict a queryset to the user's jurisdiction (nothing for anonymous or unplaced users)."""
    return restrict(queryset, user)


def access(queryset: "models.QuerySet[M] | type[M]", user, capability=None, **lookup) -> M:
    """Fetch one protected object inside the jurisdiction, or raise NotFound whether it is absent or outside."""
    qs = restrict(queryset, user, capability)
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("%(object)s not found.") % {"object": qs.model._meta.verbose_name}) from None


def get_within(queryset: models.QuerySet[M], user, **lookup) -> M:
    """Fetch one object inside the jurisdiction, or raise NotFound whether it is absent or outside."""
    return access(queryset, user, **lookup)


def org_in_jurisdiction(user, org_unit) -> bool:
    path = user_path(user)
    return path is not None and org_unit is not None and org_unit.path.startswith(path)


def require_org_within(user, org_unit) -> None:
    """Refuse to place an object under an org unit outside the user's jurisdiction (answers 404)."""
    if not org_in_jurisdiction(user, org_unit):
        raise NotFound("organisation unit not found")
