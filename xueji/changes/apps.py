from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "xueji.changes"
    label = "changes"
    verbose_name = _("Record maintenance and status changes")

    def ready(self) -> None:
        # Registers the refusals' words and the request types (record changes, status changes).
        from xueji.changes import errors, types  # noqa: F401
