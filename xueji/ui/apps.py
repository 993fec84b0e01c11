from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    """The shell of the pages: base templates, generic views, the navigation registry, template tags, assets."""

    name = "xueji.ui"
    label = "ui"
    verbose_name = _("Pages")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app fills the menu from its ui/navigation.py (as the admin's autodiscovery): no central list.
        autodiscover_modules("ui.navigation")
        from xueji.ui.tables import install_cached_signature

        install_cached_signature()
