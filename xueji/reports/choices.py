"""Choices of the reports app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.TextChoices):
    """Funding programmes (经费项目) with a per-pupil amount set by the province."""

    PUBLIC_FUNDS = "public_funds", _("Public operating funds (生均公用经费)")
    TEXTBOOKS = "textbooks", _("Free textbooks (免费教科书)")
    BOARDING = "boarding", _("Boarding allowance (寄宿生生活补助)")
    NUTRITION = "nutrition", _("Nutrition programme (营养改善计划)")


class AllocationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved (frozen)")
    RETURNED = "returned", _("Returned")


class ExcludedReason(models.TextChoices):
    NO_NUMBER = "no_number", _("No national student number")
    PROBLEM = "problem", _("Open problem record")


class DifferenceKind(models.TextChoices):
    MORE_IN_RETURN = "more_in_return", _("More in the statistics return")
    MORE_IN_REGISTRY = "more_in_registry", _("More in the registration records")
