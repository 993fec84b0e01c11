from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "xueji.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from xueji.audit import checks  # noqa: F401  (registers the deployment check)
        from xueji.audit.maintenance import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="xueji.audit.sqlite_function")
