"""The pupil items a client's field profile may name (字段配置), and the kinds of a change in the feed."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Item(models.TextChoices):
    """The items of a pupil an API client may receive; `id` and `updated_at` are always sent (the sync key)."""

    NATIONAL_NUMBER = "national_number", pgettext_lazy("pupil item", "National student number")
    NAME = "name", pgettext_lazy("pupil item", "Name")
    SEX = "sex", pgettext_lazy("pupil item", "Sex")
    BIRTH_DATE = "birth_date", pgettext_lazy("pupil item", "Date of birth")
    ETHNIC = "ethnic", pgettext_lazy("pupil item", "Ethnic group")
    NATIONALITY = "nationality", pgettext_lazy("pupil item", "Nationality")
    ID_TYPE = "id_type", pgettext_lazy("pupil item", "ID document type")
    ID_NUMBER = "id_number", pgettext_lazy("pupil item", "ID number")
    STATUS = "status", pgettext_lazy("pupil item", "Status")
    SCHOOL = "school", pgettext_lazy("pupil item", "School")
    SCHOOL_CLASS = "school_class", pgettext_lazy("pupil item", "Class")
    ENTRY_DATE = "entry_date", pgettext_lazy("pupil item", "Entry date")
    HUKOU_NATURE = "hukou_nature", pgettext_lazy("pupil item", "Hukou nature")
    HEALTH = "health", pgettext_lazy("pupil item", "Health")
    ADDRESS = "address", pgettext_lazy("pupil item", "Current address")
    PHONE = "phone", pgettext_lazy("pupil item", "Contact phone")
    IS_LEFT_BEHIND = "is_left_behind", pgettext_lazy("pupil item", "Left-behind child")
    IS_MIGRANT = "is_migrant", pgettext_lazy("pupil item", "Migrant child")


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
