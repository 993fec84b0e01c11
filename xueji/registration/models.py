"""Registration: pre-school records (identity verification lives in xueji.verification)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.core.fields import BlindIndexField, SealedCharField, SealedJSONField, SealedModel


class PreschoolRecord(SealedModel):
    """A kindergarten record (幼儿园学籍) received from the pre-school system, taken over at grade-1 registration
    instead of typing the pupil again. The ID number is sealed (core.sealing): one record per number through
    its blind index."""

    province_code = models.CharField(_("province"), max_length=6, db_index=True)
    id_number = SealedCharField(_("ID number"), max_length=18, index="id_number_index")
    id_number_index = BlindIndexField(source="id_number", unique=True)
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=codes.choices_of("SEX"))
    birth_date = models.DateField(_("date of birth"))
    ethnic = models.CharField(_("ethnic group"), max_length=2, default="01")
    kindergarten = models.CharField(_("kindergarten"), max_length=128, blank=True)
    data = SealedJSONField(_("other items"), default=dict, blank=True)  # its ID numbers sealed (core.fields.ID_KEYS)
    taken_over_by = models.OneToOneField("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="preschool_record")
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("pre-school record")
        verbose_name_plural = _("pre-school records")

    def __str__(self) -> str:
        return f"{self.name} ({self.kindergarten})"
