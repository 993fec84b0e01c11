"""统计报表 in the menu (统计查询): the dashboard (authorities), the comparison with education statistics, funding."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("reports:dashboard", _("Statistics dashboard"), "bi-bar-chart-line", "statistics", order=5,
          where="authority", text=_("统计看板: pupils of the area by region, stage, grade, sex, ethnic group, hukou; "
                                    "class sizes, oversized schools, progress and waiting times.")),
    Entry("reports:statistics_list", _("Comparison with education statistics"), "bi-clipboard-data", "statistics",
          order=6),
    Entry("reports:funding", _("Funding"), "bi-cash-coin", "statistics", order=7, where="authority"),
)
