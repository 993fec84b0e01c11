"""Deployment checks of the hub's keys (hub/integrity.py, SECURITY.md row 22): the pairs' key file loads; the single
shared key of the first version (one key for every pair of provinces) is warned about."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from xueji.hub import integrity


@checks.register(checks.Tags.security, deploy=True)
def hub_keys_per_pair(app_configs=None, **kwargs):
    try:
        integrity.key_table()
        if getattr(settings, "XUEJI_HUB_KEY", "") and not getattr(settings, "XUEJI_HUB_KEYS_FILE", ""):
            integrity.pair_keys("000000-000000")  # the shared key parses
    except ImproperlyConfigured as error:
        return [checks.Error(f"The hub's keys do not load: {error}", id="xueji.E040")]
    if integrity.source() == "shared":
        return [checks.Warning(
            "XUEJI_HUB_KEY is one key for every pair of provinces: a province holding it can sign as any other.",
            hint="Set XUEJI_HUB_KEYS_FILE, a key per pair of provinces (hub/README.md, Integrity).",
            id="xueji.W040")]
    return []
