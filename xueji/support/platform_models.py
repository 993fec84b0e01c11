"""平台账号 (articles 17-18): a unit's report of its platform super administrator to the level above, which binds
the account (imported by models.py; a module of its own beside the support app's other tables)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountReportStatus(models.TextChoices):
    REPORTED = "reported", _("Reported, waiting for the level above")
    BOUND = "bound", _("Bound, credentials sent")


class AccountReport(models.Model):
    """A unit (`org_unit`) reports the user who is its platform super administrator; the level above
    (`parent_org`) binds it: new credentials, sent by SMS and e-mail."""

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reporting unit"))
    parent_org = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("level above"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("super administrator"))
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AccountReportStatus.choices,
                              default=AccountReportStatus.REPORTED)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported"))
    bound_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    bound_at = models.DateTimeField(_("bound"), null=True, blank=True)
    channels = models.CharField(_("sent by"), max_length=40, blank=True)

    class Meta:
        app_label = "support"
        ordering = ["-reported_at", "-id"]
        verbose_name = _("platform account report")
        indexes = [models.Index(fields=["parent_org", "status"])]

    def __str__(self) -> str:
        return f"{self.org_unit_id}: {self.user_id}"
