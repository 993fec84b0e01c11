from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "xueji.transfers"
    label = "transfers"
    verbose_name = _("Transfers")

    def ready(self) -> None:
        # Registers the refusals' words, the request type, the hub's handlers and the lookup's answer, the pupil's
        # timeline source and the consent deadline's periodic check (run by the job worker's maintenance thread
        # every minute).
        from xueji.jobs.registry import register_periodic
        from xueji.transfers import cancellation, crossing, errors, lookup, timeline, types  # noqa: F401
        from xueji.transfers.services import transfers_escalate_overdue

        crossing.register()
        lookup.register()
        cancellation.register()
        register_periodic("transfers.escalated", lambda: transfers_escalate_overdue())
