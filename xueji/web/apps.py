from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "xueji.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        from xueji.web import errors  # noqa: F401  registers the words of the error codes (API and pages)
