"""培训考试 in the menu (服务支持): the courses and one's certificates, with a card on the workbench."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("training:course_list", _("Training and exams"), "bi-mortarboard", "support", order=50,
          text=_("培训考试: courses of the levels above, sessions, exams; a pass issues the certificate.")),
    Entry("training:certificate_list", _("My certificates"), "bi-award", "support", order=60),
)
