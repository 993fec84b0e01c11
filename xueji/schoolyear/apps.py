from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolYearConfig(AppConfig):
    name = "xueji.schoolyear"
    label = "schoolyear"
    verbose_name = _("The school year's turn: graduation and promotion")

    def ready(self) -> None:
        # The refusals' words, the promotion job and its periodic start, the timeline's batch records.
        from xueji.schoolyear import errors, jobs, timeline, types  # noqa: F401
