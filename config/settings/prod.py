import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
if SECRET_KEY.startswith("insecure-"):  # noqa: F405
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY in production.")
SECURE_SSL_REDIRECT = env_bool("XUEJI_SSL_REDIRECT", True)  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The __Host- prefix (SECURITY.md §1 row 35): the browser keeps these cookies only when Secure, for Path=/ and
# without a Domain, so neither a sibling subdomain nor a plain-HTTP page can set or shadow them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
SECURE_HSTS_SECONDS = env_int("XUEJI_HSTS_SECONDS", 31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# drf-spectacular adds its schema generation to `check --deploy`; its warnings are about the quality of the API
# documentation, not about deployment safety. CI checks the schema in a step of its own (`spectacular --validate`).
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "ENABLE_DJANGO_DEPLOY_CHECK": False}  # noqa: F405
# Database connections are kept between requests (a new PostgreSQL backend costs milliseconds a page: the fork, the
# sign-in, the catalog caches it fills again), checked before reuse.
# With Django's pool (DATABASE_POOL, a threaded server) the pool keeps them instead.
if "pool" not in DATABASES["default"].get("OPTIONS", {}):  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
if "replica" in DATABASES:  # noqa: F405
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]  # noqa: F405
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
# Several application servers: the cache in the database unless the environment names another (see base.py).
if "XUEJI_CACHE" not in os.environ:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "xueji_cache"}}
XUEJI_ALLOW_DEMO_DATA = False  # whatever the environment says: demo accounts share one known password
# Uploads are refused when clamd cannot scan them (fail closed); XUEJI_CLAMD names the daemon (README, Operations).
XUEJI_MALWARE_SCAN = os.environ.get("XUEJI_MALWARE_SCAN", "required")
