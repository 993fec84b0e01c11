from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "xueji.registration"
    label = "registration"
    verbose_name = _("Registration")

    def ready(self) -> None:
        # Registers the request types (registration; problem records) and the job kinds (verification, scans).
        from xueji.registration import problem_scans, problems, types, verification  # noqa: F401
