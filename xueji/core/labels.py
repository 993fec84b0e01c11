"""Security labels (安全标记, GB/T 22239 8.1.4.2g): the sensitivity of a pupil's record. A labelled record is read
only by users who hold the clearance (`Cap.STUDENT_LABELLED`); the one restricted queryset
(`accounts.jurisdiction.restrict`) leaves it out for everyone else, so every list, search, page, API, export and
record-level statistic inherits the rule. Here, below every app, so the jurisdiction and the registry share it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SecurityLabel(models.TextChoices):
    NONE = "none", _("No label")
    # 特殊保护: disability, 留守/困境 children, sealed records.
    SPECIAL = "special", _("Special protection")
