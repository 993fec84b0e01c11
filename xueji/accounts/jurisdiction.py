"""The one mechanism that restricts every read and write to the user's jurisdiction.

Each scoped model names the lookup to the path of the org unit that owns it
(`jurisdiction_path = "school__org_unit__path"`). A school sees its own subtree (itself), an
authority its region's subtree. Objects outside answer 404 (`NotFound`), never 403.
"""

from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from xueji.core.errors import NotFound

M = TypeVar("M", bound=models.Model)


def path_lookup(model: type[models.Model]) -> str:
    lookup = getattr(model, "jurisdiction_path", None)
    if lookup is None:
        raise TypeError(f"{model.__name__} declares no jurisdiction_path")
    return lookup


def within(queryset: models.QuerySet[M], user) -> models.QuerySet[M]:
    """Restrict a queryset to the user's jurisdiction (nothing for anonymous or unplaced users)."""
    org_unit = getattr(user, "org_unit", None) if getattr(user, "is_authenticated", False) else None
    if org_unit is None or not org_unit.is_active:
        return queryset.none()
    return queryset.filter(**{f"{path_lookup(queryset.model)}__startswith": org_unit.path})


def get_within(queryset: models.QuerySet[M], user, **lookup) -> M:
    """Fetch one object inside the jurisdiction, or raise NotFound whether it is absent or outside."""
    try:
        return within(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("%(object)s not found.") % {"object": queryset.model._meta.verbose_name}) from None


def org_in_jurisdiction(user, org_unit) -> bool:
    own = getattr(user, "org_unit", None)
    return own is not None and org_unit is not None and org_unit.path.startswith(own.path)


def require_org_within(user, org_unit) -> None:
    """Refuse to place an object under an org unit outside the user's jurisdiction (answers 404)."""
    if not org_in_jurisdiction(user, org_unit):
        raise NotFound("organisation unit not found")
