from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "xueji.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from xueji.accounts import checks, signals  # noqa: F401  (checks registers the deployment check)
