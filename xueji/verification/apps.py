from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "xueji.verification"
    label = "verification"
    verbose_name = _("Identity verification")

    def ready(self) -> None:
        # Registers the refusals' words, the identity check a problem-record correction runs (services), the
        # job kinds (jobs) and the checks on the pupil's timeline (timeline).
        from xueji.verification import errors, jobs, services, timeline  # noqa: F401
