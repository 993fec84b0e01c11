"""Per-province policy: business windows, approval routes and settings (function switches, limits)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessWindow(models.Model):
    """业务时间: the open period of one kind of business in a province (dates in Asia/Shanghai, inclusive)."""

    province_code = models.CharField(_("province"), max_length=6)
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
    """A function switch or limit of a province, e.g. grade-1 entry age control or the proof size limit."""

    province_code = models.CharField(_("province"), max_length=6)
    key = models.CharField(_("setting"), max_length=64)
    value = models.JSONField(_("value"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("policy setting")
        verbose_name_plural = _("policy settings")
        constraints = [models.UniqueConstraint(fields=["province_code", "key"], name="one_setting_per_key")]

    def __str__(self) -> str:
        return f"{self.province_code} {self.key}={self.value}"
