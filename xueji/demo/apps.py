from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo generator and its `demo_data` command; it sits above every app it fills."""

    name = "xueji.demo"
    label = "demo"
    verbose_name = _("Demo data")
