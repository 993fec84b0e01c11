from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "xueji.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        # The export job, and the registry's own sources of the pupil's timeline.
        from xueji.registry import jobs, timeline  # noqa: F401
