"""Schools, school years and classes (班级)."""

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core import codes
from xueji.core.db.grams import GramsField
from xueji.core.models import TimeStampedModel


class School(TimeStampedModel):
    """A school; its org unit carries the place in the tree and the name."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.OneToOneField("regions.OrgUnit", on_delete=models.PROTECT, related_name="school")
    code = models.CharField(_("school code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=128)
    county = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="county_schools",
                               verbose_name=_("county authority"))
    running_type = models.CharField(_("running type"), max_length=3, choices=codes.choices_of("RUNNING_TYPE"))
    stages = models.CharField(_("stages"), max_length=8, help_text=_("Stage codes taught, e.g. 12"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The name's characters and pairs of characters (core/db/grams.py), kept by every save: a search by any part of
    # the name (the searchable selects, the school list) is served by a GIN index on PostgreSQL (migration 0002).
    name_grams = GramsField(source="name")
    # The school year in effect here (its start year): the yearly promotion (升级, xueji/schoolyear) advances it school
    # by school, so an authority can hold a school back and promote it later, and two provinces in one database
    # turn on their own days. Empty: the deployment's current school year (SchoolYear.is_current). A class's grade
    # follows from its cohort and this year; no pupil's row is written when the year turns.
    year_start = models.PositiveSmallIntegerField(_("school year in effect"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return self.name

    @property
    def stage_list(self) -> list[str]:
        return list(self.stages)

    def stage_labels(self) -> str:
        return "、".join(codes.STAGE.label(s) for s in self.stages)

    def year_in_effect(self, current: int) -> int:
        """The start year of the school year in effect here, `current` being the deployment's current one."""
        return self.year_start or current


class SchoolYear(models.Model):
    """A school year of the deployment, e.g. 2026-2027 (1 Sep to 31 Aug)."""

    jurisdiction_path = None  # the calendar is shared by everyone in the province

    start_year = models.PositiveSmallIntegerField(_("start year"), unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        ordering = ["-start_year"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=models.Q(is_current=True),
                                    name="one_current_school_year"),
            models.CheckConstraint(condition=models.Q(end_date__gt=models.F("start_date")),
                                   name="school_year_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @staticmethod
    def start_year_for(day: dt.date) -> int:
        return day.year if day.month >= 9 else day.year - 1


class SchoolClass(TimeStampedModel):
    """A class keeps its identity through its stage: (school, stage, cohort year, number), e.g. 2024级3班.

    Its grade in a given school year follows from the cohort.
    """

    jurisdiction_path = "school__org_unit__path"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    stage = models.CharField(_("stage"), max_length=1, choices=codes.choices_of("STAGE"))
    cohort_year = models.PositiveSmallIntegerField(_("cohort year"))
    number = models.PositiveSmallIntegerField(_("class number"))
    name = models.CharField(_("name"), max_length=64, blank=True)
    head_teacher = models.CharField(_("head teacher"), max_length=64, blank=True)
    head_teacher_phone = models.CharField(_("head teacher phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["school", "stage", "-cohort_year", "number"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["school", "stage", "cohort_year", "number"], name="unique_class"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or f"{self.cohort_year}级{self.number}班"

    def year_in_stage(self, school_year_start: int) -> int:
        return school_year_start - self.cohort_year + 1

    def grade_code(self, school_year_start: int) -> str | None:
        return codes.grade_code(self.stage, self.year_in_stage(school_year_start))

    def grade_label(self, school_year_start: int) -> str:
        code = self.grade_code(school_year_start)
        return codes.GRADE.label(code) if code else str(_("left the stage"))


class CountyTally(models.Model):
    """How many schools and classes each county authority holds, with the county's org path: the menu's and the
    workbench's counts of an authority (a county, a city, the province) are a SUM over its counties' rows, whatever
    the number of its schools and classes (issue 14). Kept by the services that open schools and classes
    (`schools/tallies.py`) in the same transaction; `manage.py rebuild_counts` recomputes them and says where they
    differed. A school's own users count their classes directly (a county's row lies outside a school's path)."""

    jurisdiction_path = "path"

    county = models.OneToOneField("regions.OrgUnit", on_delete=models.CASCADE, related_name="tally")
    path = models.CharField(max_length=255, db_index=True)  # the county's org path
    schools = models.IntegerField(default=0)
    classes = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("schools and classes of a county")

    def __str__(self) -> str:
        return f"county {self.county_id}: {self.schools} schools, {self.classes} classes"
