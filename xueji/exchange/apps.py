from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "xueji.exchange"
    label = "exchange"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from xueji.exchange import exports, pipeline  # noqa: F401  (the import job handler, the export gate)
