"""Students (学籍) and their family members."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core import codes, idnumbers
from xueji.core.models import TimeStampedModel


class Student(TimeStampedModel):
    """One pupil's lifelong registration record."""

    jurisdiction_path = "school__org_unit__path"

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="students",
                               verbose_name=_("school"))
    school_class = models.ForeignKey("schools.SchoolClass", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="students", verbose_name=_("class"))
    province_code = models.CharField(_("province"), max_length=6, db_index=True)
    national_number = models.CharField(_("national student number"), max_length=24, null=True, blank=True,
                                       unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=128, blank=True, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=codes.SEX.choices)
    birth_date = models.DateField(_("date of birth"))
    ethnic = models.CharField(_("ethnic group"), max_length=2, choices=codes.ETHNIC.choices, default="01")
    nationality = models.CharField(_("nationality"), max_length=3, default="CHN")
    id_type = models.CharField(_("ID document type"), max_length=1, choices=codes.ID_DOC_TYPE.choices,
                               default="1")
    id_number = models.CharField(_("ID number"), max_length=32, null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=2, choices=codes.STUDENT_STATUS.choices, default="01",
                              db_index=True)
    class_number = models.CharField(_("number in class"), max_length=8, blank=True)
    entry_date = models.DateField(_("entry date"), null=True, blank=True)
    hukou_nature = models.CharField(_("hukou nature"), max_length=1, choices=codes.HUKOU_NATURE.choices,
                                    blank=True)
    health = models.CharField(_("health"), max_length=2, choices=codes.HEALTH_STATUS.choices, default="10")
    address = models.CharField(_("current address"), max_length=255, blank=True)
    phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_left_behind = models.BooleanField(_("left-behind child"), default=False)
    is_migrant = models.BooleanField(_("migrant child"), default=False)

    class Meta:
        ordering = ["school_class_id", "class_number", "id"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["name", "sex", "birth_date"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return idnumbers.mask(self.id_number)


class FamilyMember(models.Model):
    """A guardian or family member (two per pupil on the national form)."""

    jurisdiction_path = "student__school__org_unit__path"

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="family")
    relation = models.CharField(_("relation"), max_length=2, choices=codes.FAMILY_RELATION.choices)
    name = models.CharField(_("name"), max_length=64)
    id_type = models.CharField(_("ID document type"), max_length=1, choices=codes.ID_DOC_TYPE.choices,
                               default="1")
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_guardian = models.BooleanField(_("guardian"), default=True)
    employer = models.CharField(_("employer"), max_length=128, blank=True)

    class Meta:
        ordering = ["student", "id"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return f"{self.name} ({codes.FAMILY_RELATION.label(self.relation)})"
