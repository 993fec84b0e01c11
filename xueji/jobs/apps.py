from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "xueji.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from xueji.jobs import health  # noqa: F401  (registers the worker's heartbeat with /healthz)
