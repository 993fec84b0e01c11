from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "xueji.signing"
    label = "signing"
    verbose_name = _("Signatures")
