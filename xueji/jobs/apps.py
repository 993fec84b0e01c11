from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "xueji.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from xueji.accounts.alerts import security_scan
        from xueji.accounts.loans import loans_expire
        from xueji.accounts.services import idle_accounts_disable
        from xueji.audit.services import chain_anchor_if_due
        from xueji.jobs import health  # noqa: F401  (registers the worker's heartbeat with /healthz)
        from xueji.jobs.registry import register_periodic

        # The audit log sits below jobs: its daily anchor of the hash chain runs in the worker's maintenance.
        register_periodic("audit.anchor", chain_anchor_if_due)
        # Accounts sit below jobs too: password loans end on time, and the intrusion detectors run every minute.
        register_periodic("accounts.loans", loans_expire)
        register_periodic("accounts.alerts", security_scan)
        # Accounts idle past XUEJI_ACCOUNT_IDLE_DAYS are disabled (SECURITY.md §1 row 9).
        register_periodic("accounts.idle", idle_accounts_disable)
