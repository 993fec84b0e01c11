from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "xueji.support"
    label = "support"
    verbose_name = _("Service and support")

    def ready(self) -> None:
        # The refusals' words, the announcement request type (a province's announcement, approved by its leader)
        # and the periodic escalation of the tickets nobody took in time (the job worker's maintenance thread).
        from xueji.jobs.registry import register_periodic
        from xueji.support import errors, types  # noqa: F401
        from xueji.support.services import tickets_escalate_overdue

        register_periodic("support.escalate", lambda: tickets_escalate_overdue())
