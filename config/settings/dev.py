from .base import *  # noqa: F403

DEBUG = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
XUEJI_ALLOW_DEMO_DATA = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # intrusion alerts' mail, shown on the console
