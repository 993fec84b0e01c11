from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "xueji.workflow"
    label = "workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        # The requests about a pupil, with their actions and proofs, on the pupil's timeline.
        from xueji.workflow import timeline  # noqa: F401
