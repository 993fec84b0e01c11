from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "xueji.attendance"
    label = "attendance"
    verbose_name = _("Attendance and special registers")

    def ready(self) -> None:
        # The refusals' words, and the case raising over the absences as the job worker's periodic work (it is
        # idempotent: one open case per pupil; entries and imports also run it for their province at once).
        from xueji.attendance import errors  # noqa: F401
        from xueji.attendance.services import cases_raise_all
        from xueji.jobs.registry import register_periodic

        register_periodic("attendance.raise_cases", lambda: cases_raise_all())
