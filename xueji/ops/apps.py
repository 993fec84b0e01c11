from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "xueji.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # The refusals' words; the daily backup, the cleanup and the alerts run in the job worker's maintenance
        # (every minute, each cheap when not due), as the hub's retries do; the promotion's backup through the hook
        # of core.backups (the school year sits below this app); sign-ins counted for /metrics.
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from xueji.core.backups import register_taker
        from xueji.jobs.registry import register_periodic, register_startup
        from xueji.ops import (
            checks,  # noqa: F401  (trusted verification in `check --deploy`)
            errors,  # noqa: F401
            metrics,
            services,
        )

        register_periodic("ops.backup_daily", services.periodic(services.backup_daily))
        register_periodic("ops.cleanup", services.periodic(services.cleanup_daily))
        register_periodic("ops.alerts", services.periodic(services.alerts_check))
        register_periodic("ops.integrity", services.periodic(services.integrity_periodic))
        register_periodic("ops.replication", services.periodic(services.replication_check))
        register_startup("ops.integrity", services.periodic(services.integrity_on_start))
        register_periodic("ops.record_macs_daily", services.periodic(services.record_macs_daily))
        register_taker(services.backup_before_work)
        user_logged_in.connect(metrics.on_login, dispatch_uid="ops.metrics.login")
        user_login_failed.connect(metrics.on_login_failed, dispatch_uid="ops.metrics.login_failed")
