"""The school year's turn in the menu (毕业升级): a school's graduation, the authorities' promotion and calendar."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("schoolyear:graduation", _("Graduation of the final grade"), "bi-mortarboard", "graduation", order=10,
          where="school", text=_("毕业/结业: graduate the final grade at once, exceptions unticked; destinations.")),
    Entry("schoolyear:promotion", _("Yearly promotion"), "bi-arrow-up-circle", "graduation", order=20,
          where="authority", text=_("升级: check what blocks each school, the dry run, hold a school back, run.")),
    Entry("schoolyear:exam_results", _("Exam results"), "bi-card-checklist", "graduation", order=25,
          where="authority", text=_("学业水平考试: load the results senior high graduation is checked against.")),
    Entry("schoolyear:calendar", _("School year calendar"), "bi-calendar3", "graduation", order=30,
          where="authority", text=_("Graduation, promotion and admission per county and school: what is late.")),
)
