"""Admission in the menu (招生): plans, plan changes, the results import, the admissions and the duplicates."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("admissions:plan_list", _("Admission plans"), "bi-clipboard-data", "admissions", order=10,
          text=_("招生计划: each school's places per stage and year, and the pupils admitted against them.")),
    Entry("admissions:plan_change_list", _("Plan changes"), "bi-arrow-repeat", "admissions", order=20),
    Entry("admissions:batch_list", _("Admission results import"), "bi-file-earmark-arrow-up", "admissions",
          order=30, where="authority",
          text=_("统招与自主招生: import the admission results; every row error at once.")),
    Entry("admissions:admission_list", _("Admission list"), "bi-mortarboard", "admissions", order=40),
    Entry("admissions:duplicate_list", _("Duplicate admissions"), "bi-people", "admissions", order=50,
          where="authority"),
    Entry("admissions:entry_list", _("Entry after graduation from another province"), "bi-globe2", "admissions",
          order=55, text=_("毕业后跨省就学: a graduate of another province enters your school; 调档.")),
    Entry("admissions:catchment_list", _("Catchments"), "bi-geo-alt", "admissions", order=60, where="authority",
          text=_("划片入学: the areas of each compulsory school, and the unified admission run with its preview.")),
)
