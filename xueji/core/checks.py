"""Deployment checks of encryption at rest (core.sealing): real keys from outside the database, sealing on; and of the
egress guard (core.egress): mail through the guarded backend, the configured peers allowed."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from xueji.core import sealing


@checks.register(checks.Tags.security, deploy=True)
def data_keys_configured(app_configs=None, **kwargs):
    if not getattr(settings, "XUEJI_SEALING", True):
        return [checks.Error("XUEJI_SEALING is off: personal data would be stored in plaintext.",
                             hint="Leave XUEJI_SEALING on; it is off only for the benchmark baseline.",
                             id="xueji.E012")]
    try:
        ring = sealing.load_key_ring()
    except ImproperlyConfigured as error:
        return [checks.Error(f"The data key ring does not load: {error}", id="xueji.E011")]
    if ring.source == "development":
        return [checks.Error("No data keys: personal data would be sealed under the development key derived from "
                             "SECRET_KEY.",
                             hint="Set XUEJI_DATA_KEYS and XUEJI_INDEX_KEY, or XUEJI_DATA_KEY_FILE (a file outside "
                                  "the database and the code; README, Encryption at rest).", id="xueji.E011")]
    return []


@checks.register(checks.Tags.security)
def egress_guarded(app_configs=None, **kwargs):
    """Mail leaves through the guarded SMTP backend only, and the configured peers are on the egress allow list."""
    from urllib.parse import urlsplit

    from xueji.core import egress

    problems = []
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        problems.append(checks.Error("Django's SMTP backend connects to EMAIL_HOST unguarded.",
                                     hint="Set XUEJI_EMAIL_BACKEND=xueji.core.egress.SmtpBackend (the same backend, "
                                          "connecting only to a host in XUEJI_EGRESS_ALLOW).", id="xueji.E030"))
    peers = []
    if settings.EMAIL_BACKEND == "xueji.core.egress.SmtpBackend":
        peers.append(("EMAIL_HOST", settings.EMAIL_HOST, int(settings.EMAIL_PORT)))
    clamd = urlsplit(getattr(settings, "XUEJI_CLAMD", "") or "")
    if clamd.scheme == "tcp" and clamd.hostname:
        peers.append(("XUEJI_CLAMD", clamd.hostname, clamd.port or 3310))
    anchor = urlsplit(getattr(settings, "XUEJI_AUDIT_ANCHOR_URL", "") or "")
    if anchor.hostname:
        default_port = 443 if anchor.scheme == "https" else 80
        peers.append(("XUEJI_AUDIT_ANCHOR_URL", anchor.hostname, anchor.port or default_port))
    for name, host, port in peers:
        if not egress.allowed(host, port):
            problems.append(checks.Warning(f"{name} names {host}:{port}, which is not in XUEJI_EGRESS_ALLOW: every "
                                           "connection to it will be refused.", id="xueji.W030"))
    return problems
