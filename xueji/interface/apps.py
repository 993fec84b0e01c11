from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterfaceConfig(AppConfig):
    name = "xueji.interface"
    label = "interface"
    verbose_name = _("Data interface")

    def ready(self) -> None:
        # The refusals' words; the change feed's triggers are (re)installed after every migrate: SQLite rebuilds a
        # table to alter it (a later migration of the pupil table would drop them with the old table).
        from django.db.models.signals import post_migrate

        from xueji.interface import errors  # noqa: F401
        from xueji.interface.triggers import reinstall

        post_migrate.connect(reinstall, sender=self, dispatch_uid="interface_triggers")
