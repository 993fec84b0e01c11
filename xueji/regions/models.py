"""Administrative regions (GB/T 2260) and the organisation tree every jurisdiction is cut from."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.models import TimeStampedModel


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


class Region(models.Model):
    """A GB/T 2260 division at county level or above."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OrgKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    PROVINCE = "province", _("Province authority")
    CITY = "city", _("City authority")
    COUNTY = "county", _("County authority")
    SCHOOL = "school", _("School")


AUTHORITY_KINDS = (OrgKind.MINISTRY, OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY)
# Which kind sits directly under which.
CHILD_KIND = {
    OrgKind.MINISTRY: OrgKind.PROVINCE,
    OrgKind.PROVINCE: OrgKind.CITY,
    OrgKind.CITY: OrgKind.COUNTY,
    OrgKind.COUNTY: OrgKind.SCHOOL,
}
LEVEL_RANK = {OrgKind.MINISTRY: 0, OrgKind.PROVINCE: 1, OrgKind.CITY: 2, OrgKind.COUNTY: 3, OrgKind.SCHOOL: 4}


class OrgUnit(TimeStampedModel):
    """An education authority (ministry, province, city, county) or a school.

    `path` is the materialised chain of ids ("/1/4/9/") so a jurisdiction is one indexed prefix match.
    """

    jurisdiction_path = "path"

    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=128)
    code = models.CharField(_("code"), max_length=16, unique=True,
                            help_text=_("Region code for authorities, 10-digit school code for schools"))
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="org_units")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_school(self) -> bool:
        return self.kind == OrgKind.SCHOOL

    @property
    def is_authority(self) -> bool:
        return self.kind != OrgKind.SCHOOL

    @property
    def rank(self) -> int:
        return LEVEL_RANK[OrgKind(self.kind)]

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def ancestor_of_kind(self, kind: str) -> "OrgUnit | None":
        if self.kind == kind:
            return self
        return OrgUnit.objects.filter(id__in=self.ancestor_ids(), kind=kind).first()


def province_code_of(org_unit: OrgUnit | None) -> str | None:
    """The region code of the province an org unit belongs to (None for the ministry)."""
    if org_unit is None:
        return None
    province = org_unit.ancestor_of_kind(OrgKind.PROVINCE)
    return province.code if province else None


def child_segment(path_field: str, path: str):
    """The id (as text) of the unit directly below `path` that a row under it belongs to, as an SQL expression
    over the row's org path `path_field` ("/1/4/9/" under "/1/": "4"), to group the rows of a level's units in one
    query. Only for rows strictly below `path` (filter `path_field__startswith=path` and exclude `path` itself)."""
    from django.db.models import F, Value
    from django.db.models.functions import StrIndex, Substr

    rest = Substr(F(path_field), len(path) + 1)
    return Substr(rest, 1, StrIndex(rest, Value("/")) - 1)
