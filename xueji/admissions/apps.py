from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionsConfig(AppConfig):
    name = "xueji.admissions"
    label = "admissions"
    verbose_name = _("Admissions")

    def ready(self) -> None:
        # Registers the refusals' words and the request type (the plan change a school files).
        from xueji.admissions import errors, types  # noqa: F401
