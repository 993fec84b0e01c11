from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionsConfig(AppConfig):
    name = "xueji.admissions"
    label = "admissions"
    verbose_name = _("Admissions")

    def ready(self) -> None:
        # Registers the refusals' words, the request types (the plan change a school files, the two sides of an
        # entry after graduation) and the hub's handlers of the entry's messages.
        from xueji.admissions import entry, errors, types  # noqa: F401

        entry.register()
