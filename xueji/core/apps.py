from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "xueji.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from xueji.core import checks, messages  # noqa: F401 - checks registers the data-key deployment check
        from xueji.core.db import lookups  # noqa: F401 - registers field__any_of

        messages.discover()  # each app's errors.py registers the words of its codes
