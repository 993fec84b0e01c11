from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "xueji.registration"
    label = "registration"
    verbose_name = _("Registration")

    def ready(self) -> None:
        from xueji.registration import types  # noqa: F401 - registers the request types
        # Identity verification and problem records: their request types and job kinds.
        from xueji.registration import problems, verification  # noqa: F401
