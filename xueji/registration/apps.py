from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "xueji.registration"
    label = "registration"
    verbose_name = _("Registration")

    def ready(self) -> None:
        # Registers the refusals' words and the request types (registration).
        from xueji.registration import errors, types  # noqa: F401
