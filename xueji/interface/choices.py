"""The pupil items a client's field profile may name (字段配置), and the kinds of a change in the feed."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Item(models.TextChoices):
    """The items of a pupil an API client may receive; `id` and `updated_at` are always sent (the sync key)."""

    NATIONAL_NUMBER = "national_number", _("National student number")
    NAME = "name", _("Name")
    SEX = "sex", _("Sex")
    BIRTH_DATE = "birth_date", _("Date of birth")
    ETHNIC = "ethnic", _("Ethnic group")
    NATIONALITY = "nationality", _("Nationality")
    ID_TYPE = "id_type", _("ID document type")
    ID_NUMBER = "id_number", _("ID number")
    STATUS = "status", _("Status")
    SCHOOL = "school", _("School")
    SCHOOL_CLASS = "school_class", _("Class")
    ENTRY_DATE = "entry_date", _("Entry date")
    HUKOU_NATURE = "hukou_nature", _("Hukou nature")
    HEALTH = "health", _("Health")
    ADDRESS = "address", _("Current address")
    PHONE = "phone", _("Contact phone")
    IS_LEFT_BEHIND = "is_left_behind", _("Left-behind child")
    IS_MIGRANT = "is_migrant", _("Migrant child")


# The personal items (个人敏感信息) and the presenter's kind of each: masked unless the profile unmasks them.
PERSONAL = {Item.NATIONAL_NUMBER: "national_number", Item.ID_NUMBER: "id", Item.ADDRESS: "address",
            Item.PHONE: "phone"}


class ChangeOp(models.TextChoices):
    """What the triggers record of a pupil row (interface_change.op)."""

    INSERT = "I", _("Created")
    UPDATE = "U", _("Updated")
    DELETE = "D", _("Deleted")


class FeedOp(models.TextChoices):
    """What the feed tells a client of a change: as the client sees it (leaving its scope is a deletion)."""

    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    DELETED = "deleted", _("Deleted")
