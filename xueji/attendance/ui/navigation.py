"""考勤与控辍保学 in the menu (学籍日常管理), the special registers and 月报 (统计查询), 举报 (服务支持)."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("attendance:class_list", _("Daily attendance"), "bi-calendar2-check", "records", order=40,
          where="school", key="attendance_classes",
          text=_("考勤: enter a class's absences of the day; unexcused ones count towards the dropout list.")),
    Entry("attendance:absence_import", _("Import absences"), "bi-upload", "records", order=41, where="school"),
    Entry("attendance:case_list", _("Dropout prevention cases"), "bi-person-exclamation", "records", order=31,
          where="authority", key="attendance_cases",
          text=_("控辍保学: absence cases and dropped-out pupils, followed up until closed.")),
    Entry("attendance:migrant", _("Migrant children"), "bi-signpost-split", "statistics", order=60),
    Entry("attendance:left_behind", _("Left-behind children"), "bi-house-heart", "statistics", order=61),
    Entry("attendance:eligibility", _("Nutrition and aid lists"), "bi-basket", "statistics", order=62),
    Entry("attendance:report_list", _("Monthly reports"), "bi-calendar-check", "statistics", order=63,
          where="authority", key="attendance_reports",
          text=_("月报: generate, sign and submit; the subordinates' status and the notice.")),
    Entry("attendance:assessment", _("Assessment"), "bi-clipboard-data", "statistics", order=64, where="authority"),
    Entry("attendance:misuse_list", _("Misuse reports"), "bi-flag", "support", order=60),
)
