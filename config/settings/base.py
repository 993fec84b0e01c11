"""Settings shared by every environment; every deployment knob comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("XUEJI_VAR_DIR", BASE_DIR / "var"))
# An offline bundle (make bundle) carries the Noto CJK fonts the PDFs need in fonts/, with a fontconfig file that
# adds them to the system's: pango (WeasyPrint) reads FONTCONFIG_FILE when it first lays out a page.
if (BASE_DIR / "fonts" / "fonts.conf").is_file():
    os.environ.setdefault("FONTCONFIG_FILE", str(BASE_DIR / "fonts" / "fonts.conf"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "xueji.core",
    "xueji.regions",
    "xueji.schools",
    "xueji.accounts",
    "xueji.audit",
    "xueji.signing",
    "xueji.registry",
    "xueji.policy",
    "xueji.workflow",
    "xueji.registration",
    "xueji.verification",
    "xueji.problems",
    "xueji.changes",
    "xueji.transfers",
    "xueji.schoolyear",
    "xueji.admissions",
    "xueji.support",
    "xueji.training",
    "xueji.attendance",
    "xueji.reports",
    "xueji.exchange",
    "xueji.jobs",
    "xueji.hub",
    "xueji.ops",
    "xueji.interface",
    "xueji.ui",
    "xueji.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # An idle conversation poll with its page's token: a 204 after one query, without the stack below (issue 12).
    "xueji.support.middleware.LeanPollMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files answer here, before the headers below
    "csp.middleware.CSPMiddleware",
    "xueji.core.middleware.SecurityHeadersMiddleware",
    "xueji.core.middleware.RequestContextMiddleware",
    "xueji.ops.middleware.OpsMiddleware",  # /metrics' request counts and latency, the slow-request log
    "xueji.core.middleware.RequestSizeLimitMiddleware",
    "xueji.core.middleware.NulByteGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xueji.accounts.middleware.SessionTouchMiddleware",
    "xueji.ui.middleware.ChineseFirstMiddleware",  # before LocaleMiddleware: web pages ignore Accept-Language
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the session's second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xueji.accounts.middleware.SessionLifetimeMiddleware",
    "xueji.accounts.middleware.SecondFactorMiddleware",  # before the password policy: MFA first (T-MFA-01)
    "xueji.accounts.middleware.PasswordPolicyMiddleware",
    "xueji.accounts.middleware.LoanMiddleware",  # after both: they apply to the borrower who is signed in
    "xueji.accounts.middleware.NotFoundCounterMiddleware",  # 404 answers per address, for the scan alert
    "xueji.support.middleware.PresenceMiddleware",  # support staff's last request, at most once a minute
    "xueji.accounts.middleware.AdminNetworkMiddleware",  # 三员 consoles from XUEJI_ADMIN_NETWORKS only (T-NET-01)
    # Last, so its process_exception runs first: the audit log cannot be written -> 503, nothing done (control 15).
    "xueji.core.middleware.ServiceUnavailableMiddleware",
]
# Benchmarks only (bench/load.py): each response says how many SQL queries it made (X-Queries, X-Query-Ms).
if env_bool("XUEJI_QUERY_COUNT_HEADER", False):
    MIDDLEWARE.insert(0, "xueji.core.middleware.QueryCountMiddleware")
# The slow-request log (xueji/ops/middleware.py, logger "xueji.slow_request"): requests slower than this many ms are
# logged with their view, time and queries (0: off); with the benchmark header above, also in its detail.
XUEJI_SLOW_REQUEST_MS = env_int("XUEJI_SLOW_REQUEST_MS", 2000)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xueji" / "ui" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xueji.ui.context_processors.navigation_menu",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'xueji.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the job worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
         "transaction_mode": "IMMEDIATE"}
    )
# PostgreSQL with two roles (README, "PostgreSQL"): DATABASE_URL is the application's role, which may only read and
# append audit rows; DATABASE_OWNER_URL (same server and database, another role) owns the tables and is used by
# `migrate` and `purge_audit_log` alone. Unset: one role does both (development; `check --deploy` warns).
XUEJI_DATABASE_OWNER = None
if os.environ.get("DATABASE_OWNER_URL"):
    XUEJI_DATABASE_OWNER = dj_database_url.parse(os.environ["DATABASE_OWNER_URL"])
    if any(XUEJI_DATABASE_OWNER.get(key) != DATABASES["default"].get(key)
           for key in ("ENGINE", "NAME", "HOST", "PORT")):
        raise ImproperlyConfigured("DATABASE_OWNER_URL must name the server and database of DATABASE_URL, "
                                   "with the owner role instead of the application's.")
# More than one machine (README, "Production: more than one machine"). PgBouncer in transaction mode hands each
# transaction any server connection: no server-side cursors (a named cursor would outlive its transaction's
# server), and nothing of the application keeps session state across transactions (advisory locks are
# transaction-scoped, no LISTEN, no prepared statements: psycopg's are off while prepare_threshold is unset).
if env_bool("DATABASE_PGBOUNCER", False) and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
XUEJI_DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)
# A threaded server (gunicorn --worker-class gthread, README "Messaging"): DATABASE_POOL=<connections a process opens
# at most> gives each process Django's connection pool (psycopg_pool) instead of a connection per thread; a thread
# takes one for its request and gives it back at the end (connections are not kept per thread: CONN_MAX_AGE 0).
if env_int("DATABASE_POOL", 0) and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": env_int("DATABASE_POOL", 0),
                                                              "timeout": 10}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A streaming replica for the chosen read-only statistics reads (xueji.core.db.replica: the dashboards' summary
# rows); unset, they read the primary. The tests make the alias a mirror of the default database.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"],
                                                 conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))
    if "DISABLE_SERVER_SIDE_CURSORS" in DATABASES["default"]:
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
XUEJI_READ_REPLICA = "replica" if "replica" in DATABASES else ""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The cache holds nothing that must be the same in every process (sessions, lockouts, throttles, second-factor
# failures, alert counters and job claims are database rows), only short-lived menu counts and the support
# presence mark. Several application servers share it in the database (XUEJI_CACHE=database, the production
# default; the table ops.CacheEntry, created by migrate) so that a user's own write clears the counts everywhere;
# one process keeps it in memory (locmem, development and tests). Redis is optional
# (XUEJI_CACHE=redis://host:6379/0, with the redis package installed).
XUEJI_CACHE = os.environ.get("XUEJI_CACHE", "locmem")
if XUEJI_CACHE == "database":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "xueji_cache"}}
elif XUEJI_CACHE.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": XUEJI_CACHE}}
elif XUEJI_CACHE == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured("XUEJI_CACHE must be locmem, database or a redis:// URL.")
# Audit rows are kept at least 185 days (等保 2.0); `purge_audit_log` deletes older ones, never younger.
XUEJI_AUDIT_RETENTION_DAYS = env_int("XUEJI_AUDIT_RETENTION_DAYS", 185)
# The audit hash chain (xueji/audit/chain.py): partitions written in parallel; the daily anchor's sender (a dotted
# path; the default logs); the archive of purged rows, signed with SM2 (a private key in hex from the environment
# or a key file outside the database and the repository).
XUEJI_AUDIT_CHAIN_PARTITIONS = env_int("XUEJI_AUDIT_CHAIN_PARTITIONS", 16)
XUEJI_AUDIT_ANCHOR_SENDER = os.environ.get("XUEJI_AUDIT_ANCHOR_SENDER", "xueji.audit.verify.log_sender")
# Where xueji.audit.verify.http_sender POSTs the anchor (the level above; its host in XUEJI_EGRESS_ALLOW).
XUEJI_AUDIT_ANCHOR_URL = os.environ.get("XUEJI_AUDIT_ANCHOR_URL", "")
XUEJI_AUDIT_ARCHIVE_DIR = Path(os.environ.get("XUEJI_AUDIT_ARCHIVE_DIR", VAR_DIR / "audit-archive"))
XUEJI_AUDIT_ARCHIVE_KEY = os.environ.get("XUEJI_AUDIT_ARCHIVE_KEY", "")
XUEJI_AUDIT_ARCHIVE_KEY_FILE = os.environ.get("XUEJI_AUDIT_ARCHIVE_KEY_FILE", "")
# Operators' signatures (xueji/signing): the key that seals the software keys' SM2 private keys (the demo's UKey
# stand-in); derived from SECRET_KEY when unset. A real UKey keeps the private key off the server.
XUEJI_SIGNING_SEAL_KEY = os.environ.get("XUEJI_SIGNING_SEAL_KEY", "")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "xueji.accounts.passwords.UsernameInPasswordValidator"},
    {"NAME": "xueji.accounts.passwords.ComplexityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "xueji.accounts.passwords.CommonPatternValidator"},
    {"NAME": "xueji.accounts.passwords.PasswordHistoryValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ui:workbench"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login security (each configurable per deployment).
XUEJI_PASSWORD_MIN_LENGTH = env_int("XUEJI_PASSWORD_MIN_LENGTH", 8)
XUEJI_PASSWORD_MIN_CLASSES = env_int("XUEJI_PASSWORD_MIN_CLASSES", 3)
XUEJI_PASSWORD_MAX_AGE_DAYS = env_int("XUEJI_PASSWORD_MAX_AGE_DAYS", 90)
XUEJI_PASSWORD_HISTORY = env_int("XUEJI_PASSWORD_HISTORY", 5)  # a new password differs from the last N
XUEJI_IP_FAILURE_LIMIT = env_int("XUEJI_IP_FAILURE_LIMIT", 100)
XUEJI_IP_FAILURE_WINDOW_MINUTES = env_int("XUEJI_IP_FAILURE_WINDOW_MINUTES", 15)
# Password loans (accounts/loans.py): the longest period a loan may run.
XUEJI_LOAN_MAX_DAYS = env_int("XUEJI_LOAN_MAX_DAYS", 7)
# Intrusion alerts (accounts/alerts.py): each detector's threshold and window (minutes); a level's security
# administrator may set its own on the security settings page.
XUEJI_ALERTS = {
    "credential_stuffing": {"threshold": env_int("XUEJI_ALERT_STUFFING_USERNAMES", 10), "minutes": 15},
    "multi_address": {"threshold": env_int("XUEJI_ALERT_MULTI_ADDRESSES", 2), "minutes": 10},
    "export_burst": {"threshold": env_int("XUEJI_ALERT_EXPORTS", 10), "minutes": 60},
    "night_reads": {"threshold": env_int("XUEJI_ALERT_NIGHT_READS", 200), "minutes": 60},
    "not_found_scan": {"threshold": env_int("XUEJI_ALERT_NOT_FOUND", 30), "minutes": 10},
    "malware_upload": {"threshold": env_int("XUEJI_ALERT_MALWARE_UPLOADS", 1), "minutes": 60},
    # Distinct pupils whose record (or ID lookup) one account opened: an ID enumeration burst.
    "id_enumeration": {"threshold": env_int("XUEJI_ALERT_ID_LOOKUPS", 50), "minutes": 10},
    # A verification of the audit log's hash chain (audit_verify, the auditor's page, the daily anchor) that failed.
    "integrity_failure": {"threshold": 1, "minutes": 60},
}
# Malware scanning of uploads (xueji/core/malware.py): clamd's address ("unix:///run/clamav/clamd.ctl" or
# "tcp://127.0.0.1:3310"; empty: none) and the policy: "off", "optional" (scan when configured; a scanner that is
# down is logged and the upload accepted) or "required" (fail closed: no scanner, no upload). Production's default
# is "required" (config/settings/prod.py).
XUEJI_CLAMD = os.environ.get("XUEJI_CLAMD", "")
XUEJI_CLAMD_TIMEOUT = env_int("XUEJI_CLAMD_TIMEOUT", 30)
XUEJI_MALWARE_SCAN = os.environ.get("XUEJI_MALWARE_SCAN", "optional")
# Outbound connections (xueji/core/egress.py): the only hosts the application connects to, "host" or "host:port",
# comma-separated (clamd over TCP, the mail server, the level above's anchor receiver). Empty: none at all.
XUEJI_EGRESS_ALLOW = [item.strip() for item in os.environ.get("XUEJI_EGRESS_ALLOW", "").split(",") if item.strip()]
# Out of hours for the bulk-read alert, in Asia/Shanghai: from this hour to the next morning's.
XUEJI_ALERT_NIGHT_FROM = 22
XUEJI_ALERT_NIGHT_UNTIL = 6
DEFAULT_FROM_EMAIL = os.environ.get("XUEJI_MAIL_FROM", "xueji@localhost")
XUEJI_TOKEN_TTL_HOURS = env_int("XUEJI_TOKEN_TTL_HOURS", 12)
# The second factor (TOTP, django-otp; xueji/accounts/second_factor.py). Wrong codes are throttled per device:
# after the n-th consecutive failure the device refuses every code for FACTOR * 2^(n-1) seconds.
OTP_TOTP_ISSUER = os.environ.get("XUEJI_OTP_ISSUER", "Xueji")
OTP_TOTP_THROTTLE_FACTOR = env_int("XUEJI_OTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = env_int("XUEJI_OTP_THROTTLE_FACTOR", 1)
XUEJI_RECOVERY_CODES = 10  # single-use recovery codes shown once at enrolment (stored hashed, HMAC-SM3)
# WebAuthn security keys (xueji/accounts/security_keys.py): the relying party. A deployment sets the site's host
# name and its https origin(s); unset, the request's own host and origin are used (development, tests).
XUEJI_WEBAUTHN_RP_ID = os.environ.get("XUEJI_WEBAUTHN_RP_ID", "")
XUEJI_WEBAUTHN_ORIGINS = [o for o in os.environ.get("XUEJI_WEBAUTHN_ORIGINS", "").split(",") if o]
XUEJI_WEBAUTHN_RP_NAME = os.environ.get("XUEJI_WEBAUTHN_RP_NAME", "学籍管理系统 Xueji")
XUEJI_WEBAUTHN_MAX_KEYS = 5
# UKey (SM2 certificate keys, xueji/accounts/ukey.py): the class that verifies a key's signatures (a 签名验签服务器's
# or a CA client's class may replace the local SM2 check), and how long a challenge may be signed.
XUEJI_UKEY_PROVIDER = os.environ.get("XUEJI_UKEY_PROVIDER", "xueji.accounts.ukey.SM2Provider")
XUEJI_UKEY_CHALLENGE_SECONDS = 300
# Proxies in front of the server that append to X-Forwarded-For (1 behind the documented nginx; 0: none, the
# header is ignored). The client address, for the audit log and the per-IP login limit, is the Nth from the right.
XUEJI_TRUSTED_PROXIES = env_int("XUEJI_TRUSTED_PROXIES", 0)
# The networks (CIDR, comma-separated) from which the consoles of the system, security and audit administrators
# (accounts, roles, security settings, the audit log, configuration, system status) answer; any other client
# address gets 403 (xueji/accounts/network.py). Empty: every address (development; `check --deploy` warns).
XUEJI_ADMIN_NETWORKS = os.environ.get("XUEJI_ADMIN_NETWORKS", "")
# /healthz: below this much free disk for files, or with a due job no worker took for this long, it answers 503.
XUEJI_HEALTH_MIN_FREE_MB = env_int("XUEJI_HEALTH_MIN_FREE_MB", 1024)
XUEJI_HEALTH_QUEUE_WAIT_SECONDS = env_int("XUEJI_HEALTH_QUEUE_WAIT_SECONDS", 300)
# Largest page of any list (web tables' ?per_page, the API's ?page_size): bulk data leaves through audited exports.
XUEJI_MAX_PAGE_SIZE = env_int("XUEJI_MAX_PAGE_SIZE", 100)
XUEJI_MAX_REQUEST_BYTES = env_int("XUEJI_MAX_REQUEST_BYTES", 10 * 1024 * 1024)
# Ceiling for views that accept big files (bulk import); they enforce the province's limit themselves
# (policy "import.max_bytes") before reading the body and again while streaming it to disk.
XUEJI_MAX_UPLOAD_BYTES = env_int("XUEJI_MAX_UPLOAD_BYTES", 1024 * 1024 * 1024)
# Bulk import on PostgreSQL: a writer thread (own connection) writes chunk k while chunk k+1 is checked.
XUEJI_IMPORT_WRITER_THREAD = env_bool("XUEJI_IMPORT_WRITER_THREAD", True)
# Large imports on PostgreSQL check their rows in this many checking processes (0: on the importing thread), from
# files of XUEJI_IMPORT_PROCESS_MIN_BYTES on (xueji/exchange/parallel.py).
XUEJI_IMPORT_CHECK_PROCESSES = env_int("XUEJI_IMPORT_CHECK_PROCESSES", 1)
XUEJI_IMPORT_PROCESS_MIN_BYTES = env_int("XUEJI_IMPORT_PROCESS_MIN_BYTES", 8 * 1024 * 1024)
# Background jobs: result files (exports, error reports) are deleted this many days after the job ended; a running
# job beats every XUEJI_JOB_HEARTBEAT_SECONDS and is taken as interrupted after XUEJI_JOB_STALE_SECONDS of silence.
XUEJI_JOB_FILE_DAYS = env_int("XUEJI_JOB_FILE_DAYS", 7)
# A job page's single-use download link is valid this long (jobs.DownloadLink).
XUEJI_DOWNLOAD_LINK_MINUTES = env_int("XUEJI_DOWNLOAD_LINK_MINUTES", 10)
XUEJI_JOB_HEARTBEAT_SECONDS = env_int("XUEJI_JOB_HEARTBEAT_SECONDS", 10)
XUEJI_JOB_STALE_SECONDS = env_int("XUEJI_JOB_STALE_SECONDS", 120)
# Identity verification: the population-register adapter (dotted path to a class with
# `check(items) -> results`, see xueji/verification/register.py). The default is the local register table.
XUEJI_POPULATION_REGISTER = os.environ.get("XUEJI_POPULATION_REGISTER",
                                           "xueji.verification.register.LocalPopulationRegister")
# `manage.py demo_data` wipes data and creates accounts with a known password: the development and test settings
# allow it, the production settings never do; elsewhere (benchmarks on the base settings) only on request.
XUEJI_ALLOW_DEMO_DATA = env_bool("XUEJI_ALLOW_DEMO_DATA", False)
# Encryption at rest of ID numbers, phones and addresses (core.sealing; keys: XUEJI_DATA_KEYS / XUEJI_INDEX_KEY or
# XUEJI_DATA_KEY_FILE). Off only for bench/sealing_bench.py's unencrypted baseline: the deployment check refuses it.
XUEJI_SEALING = env_bool("XUEJI_SEALING", True)
# The messages between provinces (xueji/hub): how they travel (a dotted path to a transport class; the default
# inserts into the receiver's inbox in this database), and what follows a send once its transaction commits: "run"
# (deliver and process at once, in this process), "enqueue" (the background task, for the job worker) or "none"
# (the worker's periodic run, every minute, or `manage.py hub_run`).
# Every envelope, query and answer carries an HMAC-SM3 under the key of its pair of provinces (hub/integrity.py):
# XUEJI_HUB_KEYS_FILE, a JSON file of the pairs' keys with their times (rotation with an overlap), outside the
# database; without it, the single shared key of the first version XUEJI_HUB_KEY (hex) for every pair (the deployment
# check warns); without either, a key per pair derived from SECRET_KEY (one database: both sides derive the same).
XUEJI_HUB_KEYS_FILE = os.environ.get("XUEJI_HUB_KEYS_FILE", "")
XUEJI_HUB_KEY = os.environ.get("XUEJI_HUB_KEY", "")
XUEJI_HUB_TRANSPORT = os.environ.get("XUEJI_HUB_TRANSPORT", "xueji.hub.transport.LocalTransport")
# The data interface (xueji/interface, README "Data interface"): how long a client's old secret keeps working after
# a rotation (hours; 0 ends it at once), and the largest page of pupils or changes one call returns.
XUEJI_INTERFACE_ROTATION_OVERLAP_HOURS = env_int("XUEJI_INTERFACE_ROTATION_OVERLAP_HOURS", 24)
XUEJI_INTERFACE_MAX_PAGE = env_int("XUEJI_INTERFACE_MAX_PAGE", 1000)
XUEJI_HUB_AFTER_SEND = os.environ.get("XUEJI_HUB_AFTER_SEND", "run")
if XUEJI_HUB_AFTER_SEND not in ("run", "enqueue", "none"):
    raise ImproperlyConfigured("XUEJI_HUB_AFTER_SEND must be run, enqueue or none.")

# The deployment's defaults; a level's security settings (accounts/security_settings.py) may set its own, which
# axes reads through these two callables (by the account's unit).
XUEJI_ACCOUNT_FAILURE_LIMIT = env_int("XUEJI_ACCOUNT_FAILURE_LIMIT", 5)
XUEJI_ACCOUNT_LOCK_MINUTES = env_int("XUEJI_ACCOUNT_LOCK_MINUTES", 30)
# Accounts that have not signed in for this many days are disabled by the job worker's periodic work and
# `manage.py accounts_disable_idle` (0: never).
XUEJI_ACCOUNT_IDLE_DAYS = env_int("XUEJI_ACCOUNT_IDLE_DAYS", 90)
AXES_FAILURE_LIMIT = "xueji.accounts.security_settings.failure_limit"
AXES_COOLOFF_TIME = "xueji.accounts.security_settings.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in our audit log; axes' own log would grow without bound
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "xueji.core.middleware.client_ip"  # the same client address as the audit log
# Lockouts are answered by our own login views (web and token), so the axes middleware is not used.
# Per-IP limiting is our own (accounts.selectors.ip_failures_exceeded), with a higher limit than per account.
SILENCED_SYSTEM_CHECKS = ["axes.W002", "axes.W006"]

SESSION_COOKIE_AGE = env_int("XUEJI_IDLE_TIMEOUT_MINUTES", 30) * 60
# Idle timeout: a request pushes the expiry forward, saving the session at most once a minute
# (accounts.middleware.SessionTouchMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
# Absolute lifetime beside the idle timeout: a session ends this many hours after its sign-in, however busy.
XUEJI_SESSION_MAX_HOURS = env_int("XUEJI_SESSION_MAX_HOURS", 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"  # Django's default, stated: the pages link to each other
SECURE_CONTENT_TYPE_NOSNIFF = True  # Django's default, stated (X-Content-Type-Options: nosniff)
SECURE_REFERRER_POLICY = "same-origin"  # Django's default, stated

# Content-Security-Policy (django-csp): the UI serves every script, style, font and image itself and has no inline
# script, style or event handler (xueji/ui/static/ui/). The API docs relax style and workers (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap's CSS draws its form and navbar icons as data: SVG
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# No page needs the browser's devices or sensors.
XUEJI_PERMISSIONS_POLICY = ("accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
                            "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
                            "interest-cohort=()")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates read 2020-08-05 in both languages (pages, tables, forms): config/formats/.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("XUEJI_STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),  # searchable selects of the national form
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads, result files and proofs live outside the web root and are served by views that check access.
MEDIA_ROOT = Path(os.environ.get("XUEJI_MEDIA_ROOT", VAR_DIR / "files"))
MEDIA_URL = None

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

REST_FRAMEWORK = {
    # Token first: an API client without valid credentials is answered 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xueji.accounts.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["xueji.accounts.api.permissions.IsActiveUser"],
    "DEFAULT_SCHEMA_CLASS": "xueji.core.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "xueji.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "xueji.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Xueji API",
    "DESCRIPTION": "学籍 — primary and secondary school student registration",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("XUEJI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each record one line: CR/LF in a user's input is escaped, never a forged line (control 13).
    "filters": {"one_line": {"()": "xueji.core.logs.OneLineFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("XUEJI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

XUEJI_LANG_NAME = _("Xueji")
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["rest_framework.permissions.IsAuthenticated"]

# 服务支持 (xueji/support): how long a ticket may wait at each support level before it escalates one level up
# (minutes; the level is the authority the ticket sits at), how recent a support person's last request must be for
# "online" (a live conversation instead of a ticket), and whether requests record it (off in the tests, whose
# query counts it would change; the support tests turn it on).
XUEJI_SUPPORT_RESPONSE_MINUTES = {"county": env_int("XUEJI_SUPPORT_RESPONSE_COUNTY", 120),
                                  "city": env_int("XUEJI_SUPPORT_RESPONSE_CITY", 240),
                                  "province": env_int("XUEJI_SUPPORT_RESPONSE_PROVINCE", 480),
                                  "ministry": env_int("XUEJI_SUPPORT_RESPONSE_MINISTRY", 1440)}
XUEJI_SUPPORT_ONLINE_SECONDS = env_int("XUEJI_SUPPORT_ONLINE_SECONDS", 300)
XUEJI_SUPPORT_PRESENCE = True
# Held conversation polls (xueji/support/notify.py): on a threaded server with PostgreSQL an idle poll waits up to
# this long for a new message of its conversation (0: never; a sync worker never holds one), at most XUEJI_SUPPORT_HOLDS
# at once per process (keep it below gunicorn's --threads: the other threads serve everything else; past it a poll is
# answered at once, as on a sync worker). DATABASE_LISTEN_URL: the listener's direct connection when DATABASE_URL goes
# through PgBouncer (transaction mode cannot LISTEN); without it, behind PgBouncer, polls are not held.
XUEJI_SUPPORT_HOLD_SECONDS = env_int("XUEJI_SUPPORT_HOLD_SECONDS", 20)
XUEJI_SUPPORT_HOLDS = env_int("XUEJI_SUPPORT_HOLDS", 48)
XUEJI_SUPPORT_LISTEN_URL = os.environ.get("DATABASE_LISTEN_URL", "")

# 培训考试 (xueji/training): how late (server time) an exam's answers are still taken after its deadline (the
# network's delay, not extra time).
XUEJI_TRAINING_GRACE_SECONDS = env_int("XUEJI_TRAINING_GRACE_SECONDS", 30)
# The platform accounts' credentials (xueji/support/accounts.py) go out by SMS and e-mail through these senders
# (dotted paths of classes with send(*, user, subject, text)); the demo's and the tests' print to the console
# (SMS) and use Django's e-mail backend (console in the demo, locmem in the tests).
XUEJI_MESSAGE_SENDERS = [s for s in os.environ.get(
    "XUEJI_MESSAGE_SENDERS", "xueji.support.senders.ConsoleSmsSender,xueji.support.senders.EmailSender").split(",")
    if s]
EMAIL_BACKEND = os.environ.get("XUEJI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# DEFAULT_FROM_EMAIL: above, with the intrusion alerts (XUEJI_MAIL_FROM).
# Operations (xueji/ops, README "Operations"): the full backups (SM4-encrypted; the key from the environment or a
# file, else derived from SECRET_KEY), their retention (the newest of each of the last N days and M weeks), the daily
# one in the job worker's maintenance after XUEJI_BACKUP_HOUR (Beijing time), one before each yearly promotion;
# the alert when none completed for XUEJI_BACKUP_STALE_HOURS; the log files' retention (at least 185 days);
# /metrics only from these networks or with the bearer token; the TLS certificate the status page watches.
XUEJI_BACKUP_DIR = Path(os.environ.get("XUEJI_BACKUP_DIR", VAR_DIR / "backups" / "full"))
XUEJI_BACKUP_KEY = os.environ.get("XUEJI_BACKUP_KEY", "")
XUEJI_BACKUP_KEY_FILE = os.environ.get("XUEJI_BACKUP_KEY_FILE", "")
XUEJI_BACKUP_KEEP_DAILY = env_int("XUEJI_BACKUP_KEEP_DAILY", 7)
XUEJI_BACKUP_KEEP_WEEKLY = env_int("XUEJI_BACKUP_KEEP_WEEKLY", 4)
XUEJI_BACKUP_DAILY = env_bool("XUEJI_BACKUP_DAILY", True)
XUEJI_BACKUP_HOUR = env_int("XUEJI_BACKUP_HOUR", 2)
XUEJI_BACKUP_BEFORE_PROMOTION = env_bool("XUEJI_BACKUP_BEFORE_PROMOTION", True)
XUEJI_BACKUP_STALE_HOURS = env_int("XUEJI_BACKUP_STALE_HOURS", 26)
XUEJI_PG_BIN_DIR = os.environ.get("XUEJI_PG_BIN_DIR", "")
XUEJI_LOG_DIR = Path(os.environ.get("XUEJI_LOG_DIR", VAR_DIR / "log"))
XUEJI_LOG_RETENTION_DAYS = env_int("XUEJI_LOG_RETENTION_DAYS", 185)
# The retention schedule's periods in days (xueji/ops/retention.py; README, Operations: the retention schedule).
XUEJI_RETENTION_DOWNLOAD_LINK_DAYS = env_int("XUEJI_RETENTION_DOWNLOAD_LINK_DAYS", 1)
XUEJI_RETENTION_MESSAGE_DAYS = env_int("XUEJI_RETENTION_MESSAGE_DAYS", 365)
XUEJI_RETENTION_INTERFACE_CHANGE_DAYS = env_int("XUEJI_RETENTION_INTERFACE_CHANGE_DAYS", 90)
XUEJI_RETENTION_TICKET_FILE_DAYS = env_int("XUEJI_RETENTION_TICKET_FILE_DAYS", 365)
XUEJI_RETENTION_PROBLEM_DAYS = env_int("XUEJI_RETENTION_PROBLEM_DAYS", 3 * 365)
XUEJI_RETENTION_PUPIL_LEFT_DAYS = env_int("XUEJI_RETENTION_PUPIL_LEFT_DAYS", 10 * 365)
XUEJI_OPS_PERIODIC = True
XUEJI_METRICS_ALLOWED = os.environ.get("XUEJI_METRICS_ALLOWED", "127.0.0.1/32,::1/128")
XUEJI_METRICS_TOKEN = os.environ.get("XUEJI_METRICS_TOKEN", "")
XUEJI_TLS_CERT_PATH = os.environ.get("XUEJI_TLS_CERT_PATH", "")
XUEJI_VERSION = os.environ.get("XUEJI_VERSION", "")
# Trusted verification (可信验证, xueji/ops/integrity.py): the SM3 manifest of the code, templates, static files,
# migrations and settings (`manage.py manifest write`, made by bundle/build.sh), verified at the worker's start, by
# `manage.py manifest verify` and `check --deploy`, and every XUEJI_INTEGRITY_MINUTES; no manifest: not verified.
XUEJI_INTEGRITY_MANIFEST = Path(os.environ.get("XUEJI_INTEGRITY_MANIFEST", BASE_DIR / "INTEGRITY.sm3.json"))
XUEJI_INTEGRITY_MINUTES = env_int("XUEJI_INTEGRITY_MINUTES", 60)
# Replication (README "Production: more than one machine"): the standbys expected (on the primary's
# pg_stat_replication, or the replica of DATABASE_REPLICA_URL answering), the lag that raises an alert.
XUEJI_REPLICA_MONITOR = "replica" if os.environ.get("DATABASE_REPLICA_URL") else ""
XUEJI_REPLICATION_STANDBYS = env_int("XUEJI_REPLICATION_STANDBYS", 1 if XUEJI_REPLICA_MONITOR else 0)
XUEJI_REPLICATION_LAG_ALERT_SECONDS = env_int("XUEJI_REPLICATION_LAG_ALERT_SECONDS", 30)
