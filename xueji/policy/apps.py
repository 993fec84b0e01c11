from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "xueji.policy"
    label = "policy"
    verbose_name = _("Policy")

    def ready(self) -> None:
        # The registry's door asks the policy before it places or deletes pupils (it cannot import the policy).
        from xueji.policy.guards import class_room, formal_number_guard
        from xueji.registry.guards import register_deletion_guard, register_placement_guard

        register_placement_guard(class_room)
        # Accounts (below the policy) reads the security settings of a level through the policy's reader.
        from xueji.accounts import security_settings
        from xueji.policy.security import stored_values, value_for

        security_settings.provide(value_for, stored_values)
        register_deletion_guard(formal_number_guard)

        # Accounts asks whether a province lets a UKey (SM2 certificate key) replace TOTP (accounts/ukey.py).
        from xueji.accounts.hooks import register_ukey_login
        from xueji.policy.services import ukey_login_allowed

        register_ukey_login(ukey_login_allowed)
