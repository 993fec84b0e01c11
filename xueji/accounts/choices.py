"""Statuses and kinds of the accounts app's security records (password loans, intrusion alerts)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoanStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    ENDED = "ended", _("Ended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AlertKind(models.TextChoices):
    CREDENTIAL_STUFFING = "credential_stuffing", _("Credential stuffing")
    MULTI_ADDRESS = "multi_address", _("Account used from several addresses")
    EXPORT_BURST = "export_burst", _("Export burst")
    NIGHT_READS = "night_reads", _("Out-of-hours bulk reads")
    NOT_FOUND_SCAN = "not_found_scan", _("Repeated 404 scan")
    MALWARE_UPLOAD = "malware_upload", _("Infected upload")
    INTEGRITY = "integrity", _("Application files changed (trusted verification)")
    ID_ENUMERATION = "id_enumeration", _("ID enumeration burst")
    INTEGRITY_FAILURE = "integrity_failure", _("Audit log integrity check failed")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")
