from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "xueji.problems"
    label = "problems"
    verbose_name = _("Problem records")

    def ready(self) -> None:
        # Registers the refusals' words, the request types (problem-record actions, arbitration) and the job
        # kinds (scans), and the problem records' requests on the pupil's timeline.
        from xueji.problems import errors, scans, services, timeline  # noqa: F401
