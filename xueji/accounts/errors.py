"""Words of the accounts' refusals: roles, separation of duties, passwords.

Services raise a stable code with an English developer message; these are the words users read, in the
language of the request (pages and API alike, through xueji.core.messages). Add the words of a new code here."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "permission_denied": _("Your roles do not allow this operation."),
    "roles_required": _("A user needs at least one role."),
    "unknown_role": _("Unknown role."),
    "role_not_at_level": _("This role does not exist at the level of the chosen organisation unit."),
    "separation_of_duties": _("System administrators, security administrators and auditors hold no other role "
                              "(separation of duties)."),
    "username_taken": _("This username is taken."),
    "self_escalation": _("You cannot change your own roles or organisation unit."),
    "self_deactivate": _("You cannot deactivate your own account."),
    "self_reset": _("Change your own password on the password page."),
    "wrong_password": _("The current password is wrong."),
    "password_reused": _("The new password must differ from your recent passwords."),
    "auditor_accounts": _("Auditor accounts are managed by the auditor of a level above only, and auditors manage "
                          "no other accounts (separation of duties)."),
    "manager_level": _("Administrator accounts are managed from the level above."),
    "duty_change": _("An account keeps its duty (system administration, security administration, audit or "
                     "business); create a new account for the other duty."),
    "roles_by_security": _("Roles are granted by the security administrator (separation of duties): create the "
                           "account without roles."),
    # Password loans (accounts/loans.py).
    "loan_acting": _("Not while you act on behalf of another account."),
    "loan_business_only": _("Only business accounts lend and borrow; administrators lend nothing."),
    "loan_borrower": _("The borrower must be an active colleague of your unit."),
    "loan_period": _("The period must end after it starts, in the future."),
    "loan_too_long": _("A password loan lasts a few days at most."),
    "loan_open": _("You already have a loan filed or running."),
    "loan_second_factor": _("Acting as this account needs a second factor: sign in with yours first."),
    "loan_decided": _("This loan was decided already."),
    "loan_not_running": _("This loan is not running now."),
    "alert_status": _("This alert cannot take that status."),
    # The second factor (accounts/second_factor.py).
    "second_factor_invalid": _("The code is wrong, expired or already used. Wait for the next code and try again."),
    "second_factor_required": _("This account needs a second factor: send a one-time code of your authenticator "
                                "app (or a recovery code) as otp."),
    "second_factor_not_enrolled": _("This account must set up its second factor: sign in on the web first."),
    "second_factor_enrolled": _("A second factor is already set up; ask the security administrator of the level "
                                "above to reset it."),
    "second_factor_level": _("A second factor is reset by the security administrator of a level above."),
    # Security keys (accounts/security_keys.py) and UKeys (accounts/ukey.py).
    "security_key_invalid": _("The security key's answer was not accepted; try again."),
    "security_key_no_challenge": _("No registration is under way; start again."),
    "security_key_duplicate": _("This security key is registered already."),
    "security_key_limit": _("You hold the most security keys allowed; remove one first."),
    "security_key_none": _("This account holds no security key."),
    "security_key_not_found": _("No such security key."),
    "ukey_not_allowed": _("Your province does not use UKey sign-in."),
    "ukey_public_key_invalid": _("The public key is not an SM2 public key (hex, 04 followed by x and y)."),
    "ukey_signature_invalid": _("The signature does not match the challenge or your registered UKey; sign the new "
                                "challenge again."),
    "ukey_no_challenge": _("The challenge expired or was used; sign the new one."),
    "ukey_duplicate": _("This UKey is registered already."),
    "ukey_not_found": _("No such UKey."),
    "ukey_last": _("This UKey is your only second factor; it cannot be removed."),
}

messages.register(by_code=MESSAGES)
