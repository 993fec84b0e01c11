from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "xueji.training"
    label = "training"
    verbose_name = _("Training and certificates")

    def ready(self) -> None:
        # The refusals' words; 持证上岗 (the engine's gate on filing and approving); a new registrar's enrolment.
        from xueji.accounts.hooks import register_role_granted
        from xueji.training import errors  # noqa: F401
        from xueji.training.services import certificate_gate, registrar_enrol_next
        from xueji.workflow.gates import register_gate

        register_gate("training.certificate", certificate_gate)
        register_role_granted("training.enrol", registrar_enrol_next)
