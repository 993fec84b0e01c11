import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Jobs run at once in the test's process; the multi-server test's workers ask for the database backend.
TASKS = {"default": {"BACKEND": os.environ.get("XUEJI_TEST_TASKS_BACKEND",
                                               "django_tasks.backends.immediate.ImmediateBackend")}}
ALLOWED_HOSTS = ["*"]
# Django's live server (browser tests) wraps a media-files handler that needs a URL prefix; production serves
# no media URL at all (MEDIA_URL = None: files go through views that check access).
MEDIA_URL = "/media/"
XUEJI_ALLOW_DEMO_DATA = True
XUEJI_SUPPORT_PRESENCE = False  # the support tests turn it on (it would change other pages' query counts)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # A test's commit need not survive a crash of the server: no wait for the write-ahead log's flush (the
    # transactional tests, the parallel-connection ones and every test database's migrations commit).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
# Operations: the ops tests call the backups, the cleanup and the alerts themselves; other tests run the worker's
# maintenance and must not find them in it (nor a full backup before each promotion).
XUEJI_OPS_PERIODIC = False
XUEJI_BACKUP_BEFORE_PROMOTION = False
XUEJI_SLOW_REQUEST_MS = 0
XUEJI_CLAMD = ""  # no scanner but where a test starts its own (xueji/core/tests/test_malware.py)
XUEJI_MALWARE_SCAN = "optional"
# The read replica's alias is always there in the tests, as a mirror of the default database (no database of its
# own); reads go to it only where a test turns XUEJI_READ_REPLICA on (xueji/core/db/replica.py).
if "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
XUEJI_READ_REPLICA = ""
