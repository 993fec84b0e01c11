"""Every login success and failure goes to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from xueji.accounts.models import User
from xueji.audit.services import audit_record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    from xueji.accounts import security_settings
    from xueji.accounts.middleware import IDLE_KEY, LOGIN_AT_KEY
    from xueji.core import clock

    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = clock.now().timestamp()  # the absolute session lifetime counts from here
        # A shorter idle timeout of the user's level (安全策略), read once here rather than on every request (the
        # deployment's own is the session cookie's age, SESSION_COOKIE_AGE).
        idle = int(security_settings.for_user(user, "session.idle_minutes")) * 60
        if idle < security_settings.default("session.idle_minutes") * 60:
            request.session[IDLE_KEY] = idle
    audit_record(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    known = User.objects.filter(username=username).select_related("org_unit").first()
    audit_record(actor=None, username=username, org_unit=known.org_unit if known else None,
                 action="auth.login_failed", object_type="accounts.user",
                 object_id=str(known.pk) if known else "", object_repr=username, success=False)
