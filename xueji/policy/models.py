"""Policy by level (系统配置管理): per province, business windows, approval routes, function switches per stage
and limits; per level (the province, a city, a county, for everything below it), controlled record items,
class-size caps and narrowings of the business windows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core import codes


class BusinessWindow(models.Model):
    """业务时间: the open period of one kind of business in a province (dates in Asia/Shanghai, inclusive).

    A window without `org_unit` is the province's own; a city or county narrows the province's windows for its
    area with windows of its own (`org_unit`), each inside a window of the level above. Business is open for a
    unit when a province window is open and, at every level of the unit's chain that narrowed this kind, one of
    that level's windows is."""

    province_code = models.CharField(_("province"), max_length=6)
    org_unit = models.ForeignKey("regions.OrgUnit", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="business_windows", verbose_name=_("set by"),
                                 help_text=_("Blank: the province's own window; a city or county: a narrowing "
                                             "for its area"))
    kind = models.CharField(_("business"), max_length=64)
    start_date = models.DateField(_("opens"))
    end_date = models.DateField(_("closes"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["province_code", "kind", "start_date"]
        verbose_name = _("business window")
        verbose_name_plural = _("business windows")
        constraints = [models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                              name="window_closes_after_it_opens")]

    def __str__(self) -> str:
        return f"{self.kind} {self.start_date}~{self.end_date}"


class ApprovalRoute(models.Model):
    """A province's route for one request type: ordered steps of (resolver, role). Frozen on each request
    at submit, so later edits never change requests in flight."""

    province_code = models.CharField(_("province"), max_length=6)
    request_type = models.CharField(_("request type"), max_length=64)
    # The case this route serves (the request type's route key: same_county, across_counties, a controlled
    # field ...); blank: the province's default route for the type.
    route_key = models.CharField(_("route key"), max_length=32, blank=True, default="")
    steps = models.JSONField(_("steps"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("approval route")
        verbose_name_plural = _("approval routes")
        constraints = [models.UniqueConstraint(fields=["province_code", "request_type", "route_key"],
                                               name="one_route_per_type_and_key")]

    def __str__(self) -> str:
        return f"{self.province_code} {self.request_type} {self.route_key}".strip()


class PolicySetting(models.Model):
    """A limit of a province (the proof size limit, ...), or, with `org_unit`, a setting of one level (the province,
    a city or a county) for everything below it: the security settings (安全策略, policy/security.py), which a level
    below may only tighten."""

    province_code = models.CharField(_("province"), max_length=6)
    org_unit = models.ForeignKey("regions.OrgUnit", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="policy_settings", verbose_name=_("set by"),
                                 help_text=_("Blank: a province-wide limit; a level: that level's own setting"))
    key = models.CharField(_("setting"), max_length=64)
    value = models.JSONField(_("value"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("policy setting")
        verbose_name_plural = _("policy settings")
        constraints = [
            models.UniqueConstraint(fields=["province_code", "key"], condition=models.Q(org_unit__isnull=True),
                                    name="one_setting_per_key"),
            models.UniqueConstraint(fields=["org_unit", "key"], condition=models.Q(org_unit__isnull=False),
                                    name="one_level_setting_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.province_code} {self.key}={self.value}"


class ControlledItem(models.Model):
    """受控字段: a record item that a level controls for every school below it (a school's edit of it becomes a
    change request). The province's rows override the default set (`controlled=False` takes a default item
    away); a city's or county's rows add items (`controlled` is always true)."""

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.CASCADE, related_name="controlled_items",
                                 verbose_name=_("set by"))
    item = models.CharField(_("record item"), max_length=64)
    controlled = models.BooleanField(_("controlled"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["org_unit", "item"]
        verbose_name = _("controlled record item")
        verbose_name_plural = _("controlled record items")
        constraints = [models.UniqueConstraint(fields=["org_unit", "item"], name="one_control_per_item")]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.item}={self.controlled}"


class ClassCap(models.Model):
    """班额: the most pupils a class of one stage may hold in the schools below a level; `locked`, the levels
    below inherit it and cannot set their own."""

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.CASCADE, related_name="class_caps",
                                 verbose_name=_("set by"))
    stage = models.CharField(_("stage"), max_length=1, choices=codes.choices_of("STAGE"))
    cap = models.PositiveSmallIntegerField(_("class-size cap"))
    locked = models.BooleanField(_("locked"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["org_unit", "stage"]
        verbose_name = _("class-size cap")
        verbose_name_plural = _("class-size caps")
        constraints = [models.UniqueConstraint(fields=["org_unit", "stage"], name="one_cap_per_stage"),
                       models.CheckConstraint(condition=models.Q(cap__gte=1), name="cap_at_least_one")]

    def __str__(self) -> str:
        return f"{self.org_unit_id} stage {self.stage}: {self.cap}{' locked' if self.locked else ''}"


class FunctionSwitch(models.Model):
    """管理功能设置: a province's switch for one stage (which status changes are allowed, whether new-student
    registration is open, the grade-1 entry-age control, deleting a record with a formal national number)."""

    province_code = models.CharField(_("province"), max_length=6)
    stage = models.CharField(_("stage"), max_length=1, choices=codes.choices_of("STAGE"))
    key = models.CharField(_("switch"), max_length=64)
    value = models.JSONField(_("value"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["province_code", "key", "stage"]
        verbose_name = _("function switch")
        verbose_name_plural = _("function switches")
        constraints = [models.UniqueConstraint(fields=["province_code", "stage", "key"], name="one_switch_per_stage")]

    def __str__(self) -> str:
        return f"{self.province_code} {self.stage} {self.key}={self.value}"
