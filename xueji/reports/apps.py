from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "xueji.reports"
    label = "reports"
    verbose_name = _("Statistics and reports")

    def ready(self) -> None:
        # The pupil tally is kept by the registry's doors (a watcher of registry.counts); the refusals' words and the
        # allocation's request type (approved by the province's leader, then frozen).
        from xueji.registry import counts
        from xueji.reports import classes, errors, tally, types  # noqa: F401

        counts.watch(counts.Watcher("reports.tally", tally.read, tally.apply, tally.rebuild, classes=classes.changed,
                                     restatus=tally.restatus))
