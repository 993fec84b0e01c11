"""Deployment checks of encryption at rest (core.sealing): real keys from outside the database, sealing on."""

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
