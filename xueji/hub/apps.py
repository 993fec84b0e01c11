from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "xueji.hub"
    label = "hub"
    verbose_name = _("Messages between provinces")

    def ready(self) -> None:
        # The refusals' words; the worker's maintenance thread delivers and processes every minute (the retries).
        from xueji.hub import checks, errors  # noqa: F401  (checks: the deployment check of the keys)
        from xueji.hub.services import hub_run
        from xueji.jobs.registry import register_periodic

        register_periodic("hub", hub_run)
