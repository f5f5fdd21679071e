"""Podpora's one settings module.

Everything comes from environment variables with safe defaults, so the embedded
default (SQLite, a database-backed task worker) needs no configuration at all.
Scale-out installs set ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``.

Importing this module reads the environment and nothing else: it writes no
file and raises nothing for a bad value. A value it cannot use is noted in
``PODPORA_CONFIG_ERRORS`` and Django's system checks (``podpora.core.checks``,
run by ``podpora check`` and on start) report it with what to do.
"""

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent


# (variable, what is wrong): reported by podpora.core.checks.
PODPORA_CONFIG_ERRORS: list[tuple[str, str]] = []


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() not in {"0", "false", "no", "off"}:
        PODPORA_CONFIG_ERRORS.append(
            (name, f"{value!r} is not yes/no, true/false, 1/0")
        )
    return False


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        PODPORA_CONFIG_ERRORS.append((name, f"{value!r} is not a whole number"))
        return default


DATA_DIR = Path(os.environ.get("PODPORA_DATA_DIR", REPO_DIR / "var")).resolve()

DEBUG = _env_bool("PODPORA_DEBUG", False)

# The embedded default keeps a random key in the data directory so that a
# fresh install is safe without configuration; production sets the variable.
# The file is read here if it exists; the core app makes it on start-up when
# it does not (podpora.core.apps), never this import.
SECRET_KEY_FILE = DATA_DIR / "secret_key"
SECRET_KEY = os.environ.get("PODPORA_SECRET_KEY", "")
if not SECRET_KEY:
    with contextlib.suppress(OSError):  # not made yet
        SECRET_KEY = SECRET_KEY_FILE.read_text().strip()

ALLOWED_HOSTS = os.environ.get(
    "PODPORA_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]"
).split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("PODPORA_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
PODPORA_BASE_URL = os.environ.get("PODPORA_BASE_URL", "http://127.0.0.1:8000").rstrip(
    "/"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "podpora.core",
    "podpora.accounts",
    "podpora.tickets",
    "podpora.desk",
    "podpora.portal",
    "podpora.mail",
    "podpora.automation",
    "podpora.kb",
    "podpora.surveys",
    "podpora.reports",
    "podpora.api",
    "podpora.search",
    "podpora.integrations",
    "podpora.chat",
    "podpora.macros",
    "podpora.fields",
    "podpora.clients",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that error pages (a bad Host, the database away) carry it too.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "podpora.core.middleware.DatabaseUnavailableMiddleware",
    "podpora.accounts.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "podpora.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "podpora.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "podpora.accounts.context_processors.rights",
                # {{ csp_nonce }} for an inline <script> (we have none today).
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "podpora.wsgi.application"
ASGI_APPLICATION = "podpora.asgi.application"

# --- Database -----------------------------------------------------------------

SQLITE_PATH = DATA_DIR / "podpora.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "") or f"sqlite:///{SQLITE_PATH}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
except ValueError as _error:
    PODPORA_CONFIG_ERRORS.append(("DATABASE_URL", str(_error)))
    DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
if DATABASES["default"]["ENGINE"] not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
    "django.db.backends.dummy",
}:
    PODPORA_CONFIG_ERRORS.append(
        (
            "DATABASE_URL",
            f"{DATABASES['default']['ENGINE']} is not a database Podpora supports"
            " (postgres://… or sqlite:///…)",
        )
    )
    DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
# With the dummy engine (Django's stand-in that refuses every query) nothing
# runs on a database nobody meant, and the check says why.

# Every checkout (a CI clone, a developer's work tree) tests in a database of
# its own, so parallel runs on one PostgreSQL server never drop each other's.
_checkout_tag = hashlib.sha1(str(REPO_DIR).encode(), usedforsecurity=False).hexdigest()[
    :8
]
DATABASES["default"]["TEST"] = {
    "NAME": os.environ.get("PODPORA_TEST_DB_NAME", f"test_podpora_{_checkout_tag}")
}
# Threads and connections are sized together. A web process runs requests on
# PODPORA_WEB_THREADS threads (podpora.core.web) and lets no more in at once:
# one that finds them all busy for PODPORA_WEB_QUEUE_TIMEOUT seconds is
# answered 503 with Retry-After. Each thread keeps its database connection
# (SQLite) or checks one out of the pool (PostgreSQL), which holds one more
# for the WebSockets' database calls and one spare: a request never waits for
# a connection. PODPORA_DB_POOL=0 turns the pool off (a connection per
# request, for a pooler such as PgBouncer in front).
PODPORA_WEB_THREADS = _env_int("PODPORA_WEB_THREADS", 8)
if PODPORA_WEB_THREADS < 1:
    PODPORA_CONFIG_ERRORS.append(
        ("PODPORA_WEB_THREADS", f"{PODPORA_WEB_THREADS} is not at least 1")
    )
    PODPORA_WEB_THREADS = 8
try:
    PODPORA_WEB_QUEUE_TIMEOUT = float(os.environ.get("PODPORA_WEB_QUEUE_TIMEOUT") or 3)
except ValueError:
    PODPORA_CONFIG_ERRORS.append(
        ("PODPORA_WEB_QUEUE_TIMEOUT", "is not a number of seconds")
    )
    PODPORA_WEB_QUEUE_TIMEOUT = 3.0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _env_bool(
    "PODPORA_DB_POOL", True
):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": PODPORA_WEB_THREADS + 2,
        # Seconds to wait for a connection before the 503 page
        # (core.middleware); with the sizing above only a process that runs
        # more threads than the web's would ever wait.
        "timeout": _env_int("PODPORA_DB_POOL_TIMEOUT", 5),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's own SQLite options. IMMEDIATE takes the write lock when a
    # transaction starts, so two writers queue on the busy timeout instead of
    # failing with "database is locked" when a read lock is upgraded; WAL lets
    # readers run beside the single writer. One web process by design (serve
    # refuses --workers above 1): its threads, the task worker and the
    # scheduler are the writers that queue (docs/deployment.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON;"
        ),
    }
    # Keep connections: closing the last connection to a WAL database
    # checkpoints and fsyncs (about 30 ms here), which per request or per chat
    # message would dominate. A local file has no server to exhaust.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Tests use a file, not ":memory:", so that they exercise the same WAL and
    # locking behaviour as production and threads see one database.
    DATABASES["default"]["TEST"]["NAME"] = os.environ.get(
        "PODPORA_TEST_DB_NAME", str(DATA_DIR / "test_podpora.sqlite3")
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, tasks, channels -----------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
# Several installs (or test runs) may share one Redis: every key of the cache,
# the channel layer and the task queue starts with this one prefix.
REDIS_KEY_PREFIX = os.environ.get("PODPORA_REDIS_KEY_PREFIX", "podpora")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, degrading to "not cached" while Redis is
            # away (podpora.core.cache): it is a cache, not the system of record.
            "BACKEND": "podpora.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            # A Redis that is gone fails a request's rate-limit check in
            # seconds instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # A file cache is shared by the web, worker and scheduler processes of the
    # embedded default, which rate limits need; it needs no server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# Live chat and desk updates: in memory for one web process (the embedded
# default), Redis when several processes must share them.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times reads out after 5 s by default, exactly the
                # layer's blocking-pop timeout: give blocking reads headroom.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                # The one install prefix, as for the cache and the task queue.
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
                # All sockets of a web process share one inbox in Redis; the
                # default of 100 waiting events drops pushes when a batch of
                # chat messages is answered at once (bench/chat.py: 500 chats).
                "capacity": 2000,
            },
        }
    }
else:
    # Channels' in-memory layer with its expiry sweep run once a second
    # instead of on every send (see podpora.chat.layers).
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "podpora.chat.layers.InMemoryChannelLayer"}
    }
# Reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For
# and X-Forwarded-Proto are believed; every rate limit keys on the address
# they report (podpora.core.ratelimit.client_ip). Empty: the peer is the client.
# Checked by podpora.core.checks.
PODPORA_TRUSTED_PROXIES = [
    p.strip()
    for p in os.environ.get("PODPORA_TRUSTED_PROXIES", "").split(",")
    if p.strip()
]
PODPORA_CHAT_ECHO_ENDPOINT = _env_bool("PODPORA_CHAT_ECHO_ENDPOINT", False)
# Messages a minute from one address across all its chats (raise it when many
# visitors share one address, e.g. a company behind NAT).
PODPORA_CHAT_IP_MESSAGES_PER_MINUTE = _env_int(
    "PODPORA_CHAT_IP_MESSAGES_PER_MINUTE", 120
)

# Tasks: in the database by default (no extra service); through Redis when
# REDIS_URL is set (docs/adr/0001-task-backend.md). `podpora worker` starts the
# worker that matches the backend chosen here.
DB_TASK_BACKEND = "django_tasks_db.DatabaseBackend"
# Longer than any task may run: Redis then hands the task to another worker,
# the database backend's reaper marks it failed (podpora.core.reaper).
PODPORA_TASK_CLAIM_TIMEOUT = _env_int("PODPORA_TASK_CLAIM_TIMEOUT", 900)
REDIS_TASK_BACKEND = "django_tasks_redis.RedisTaskBackend"
TASKS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": os.environ.get(
            "PODPORA_TASK_BACKEND",
            REDIS_TASK_BACKEND if REDIS_URL else DB_TASK_BACKEND,
        ),
    }
}
if TASKS["default"]["BACKEND"] == REDIS_TASK_BACKEND:
    TASKS["default"]["QUEUES"] = []  # any queue name
    TASKS["default"]["OPTIONS"] = {
        "REDIS_URL": REDIS_URL or "redis://127.0.0.1:6379/0",
        "REDIS_KEY_PREFIX": f"{REDIS_KEY_PREFIX}:tasks",
        # Longer than any task may run, or a slow task is taken for a dead
        # worker's and run a second time.
        "REDIS_CLAIM_TIMEOUT": PODPORA_TASK_CLAIM_TIMEOUT,
        # A write enqueues its tasks after the commit, before its answer: an
        # unreachable Redis fails fast and the task is kept for later
        # (podpora.core.outbox) instead of holding the answer for 5 s a try.
        "REDIS_SOCKET_CONNECT_TIMEOUT": 2,
    }
    # Its worker command and admin pages; it has no tables.
    INSTALLED_APPS.append("django_tasks_redis")

# --- Auth -------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "podpora.accounts.passwords.MaximumLengthValidator"},
]
# Two-factor sign-in, sessions and the audit log (docs/sign-in.md, ADR 0009):
# django-allauth's MFA and session list behind our own sign-in form, which hands
# the checked person to allauth's login flow (podpora.accounts.views.LoginView).
INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "podpora.audit",
]
MIDDLEWARE += [
    "allauth.account.middleware.AccountMiddleware",
    "podpora.accounts.middleware.TwoFactorRequiredMiddleware",
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# LDAP / Active Directory sign-in (django-auth-ldap), on when a URL is set.
PODPORA_LDAP_URL = os.environ.get("PODPORA_LDAP_URL", "")
PODPORA_LDAP_ROLE_GROUPS = os.environ.get("PODPORA_LDAP_ROLE_GROUPS", "")
PODPORA_LDAP_SYNC_FILTER = os.environ.get("PODPORA_LDAP_SYNC_FILTER", "(mail=*)")
PODPORA_LDAP_SYNC_HOURS = _env_int("PODPORA_LDAP_SYNC_HOURS", 0)
if PODPORA_LDAP_URL:
    import ldap
    from django_auth_ldap.config import LDAPSearch, NestedGroupOfNamesType

    AUTHENTICATION_BACKENDS.insert(0, "podpora.accounts.ldap.LDAPBackend")
    AUTH_LDAP_SERVER_URI = PODPORA_LDAP_URL
    AUTH_LDAP_START_TLS = _env_bool("PODPORA_LDAP_START_TLS", False)
    AUTH_LDAP_BIND_DN = os.environ.get("PODPORA_LDAP_BIND_DN", "")
    AUTH_LDAP_BIND_PASSWORD = os.environ.get("PODPORA_LDAP_BIND_PASSWORD", "")
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        os.environ.get("PODPORA_LDAP_USER_BASE", ""),
        ldap.SCOPE_SUBTREE,
        os.environ.get("PODPORA_LDAP_USER_FILTER", "(mail=%(user)s)"),
    )
    AUTH_LDAP_USER_ATTR_MAP = {
        "full_name": os.environ.get("PODPORA_LDAP_NAME_ATTRIBUTE", "cn")
    }
    AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
        os.environ.get("PODPORA_LDAP_GROUP_BASE", ""),
        ldap.SCOPE_SUBTREE,
        os.environ.get("PODPORA_LDAP_GROUP_FILTER", "(objectClass=groupOfNames)"),
    )
    # groupOfNames/member, as slapd and Active Directory (group) both use.
    AUTH_LDAP_GROUP_TYPE = NestedGroupOfNamesType()
    AUTH_LDAP_REQUIRE_GROUP = os.environ.get("PODPORA_LDAP_REQUIRE_GROUP") or None
    AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_REFERRALS: 0,  # Active Directory's referrals need a bind of their own
        ldap.OPT_NETWORK_TIMEOUT: 5,
    }
ACCOUNT_ADAPTER = "podpora.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "accounts:login"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("PODPORA_MFA_ISSUER", "Podpora")
# Browsers allow WebAuthn on http://localhost only; real installs use HTTPS.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = _env_bool("PODPORA_MFA_INSECURE_ORIGIN", DEBUG)
# Sessions are recorded at sign-in; their activity is not tracked, so
# allauth's UserSessionsMiddleware (which only tracks activity) is left out.
USERSESSIONS_TRACK_ACTIVITY = False
# Agent roles ("admin", "supervisor", "agent") and "customer" who must set up
# two-factor sign-in: a password sign-in without it leads to the set-up page.
PODPORA_MFA_REQUIRED_FOR = [
    r.strip()
    for r in os.environ.get("PODPORA_MFA_REQUIRED_FOR", "admin").split(",")
    if r.strip()
]
# Audit entries older than this many days are deleted by a daily job (0: kept).
PODPORA_AUDIT_RETENTION_DAYS = _env_int("PODPORA_AUDIT_RETENTION_DAYS", 730)
# A password-reset link works for an hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("PODPORA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Security headers (docs/adr/0008-content-security-policy.md) -------------------

# Django's SecurityMiddleware: nosniff, a same-origin Referer and
# Cross-Origin-Opener-Policy on every response; HSTS on HTTPS ones only
# (request.is_secure(): `podpora serve` believes X-Forwarded-Proto from
# PODPORA_TRUSTED_PROXIES). A year by default; 0 turns it off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = _env_int("PODPORA_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("PODPORA_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("PODPORA_HSTS_PRELOAD", False)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response: our own scripts, style sheets,
# images and sockets only. No inline script, style attribute or on...=
# handler: behaviour lives in static files (core/podpora.js and each app's).
# Views that need more say so with django.views.decorators.csp.csp_override
# and podpora.core.csp (the desk's "Show images", the widget's test page).
_base = urlsplit(PODPORA_BASE_URL)
_base_socket = f"{_base.scheme.replace('http', 'ws')}://{_base.netloc}"
SECURE_CSP: dict[str, Any] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    # 'self' covers ws(s):// of the same host in current browsers; the base
    # URL's socket origin is named for the others.
    "connect-src": [CSP.SELF, _base_socket],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Internationalisation ----------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish")), ("cs", _("Czech"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("PODPORA_TIME_ZONE", "Europe/Warsaw")
USE_I18N = True
USE_TZ = True
# Django's label of an empty choice ("- Select an option -", models'
# BLANK_CHOICE_LABEL) has no Polish or Czech translation in Django's own
# catalogues yet: naming it here keeps it in ours, which Django reads first.
BLANK_CHOICE_LABEL = _("- Select an option -")
# One numeric 24-hour date style per language (podpora/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["podpora.formats"]

# --- Files -----------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end libraries come from npm at set-up (package.json), never committed.
STATICFILES_DIRS = [("vendor", REPO_DIR / "node_modules")]
WHITENOISE_USE_FINDERS = True  # serve straight from the apps: no collectstatic step
MEDIA_ROOT = Path(os.environ.get("PODPORA_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: attachments go through an access check
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# /healthz reports the media storage as low (degraded) under this many free bytes.
PODPORA_DISK_WARN_BYTES = _env_int("PODPORA_DISK_WARN_BYTES", 1024 * 1024 * 1024)
PODPORA_MAX_ATTACHMENT_BYTES = _env_int(
    "PODPORA_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024
)

# --- E-mail ----------------------------------------------------------------------

# Django 6.1's MAILERS: SMTP when PODPORA_SMTP_HOST is set, else mails are
# printed to the console (the embedded default has no mail server).
if os.environ.get("PODPORA_SMTP_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["PODPORA_SMTP_HOST"],
                "port": _env_int("PODPORA_SMTP_PORT", 25),
                "username": os.environ.get("PODPORA_SMTP_USER", ""),
                "password": os.environ.get("PODPORA_SMTP_PASSWORD", ""),
                "use_tls": _env_bool("PODPORA_SMTP_STARTTLS", False),
                "use_ssl": _env_bool("PODPORA_SMTP_TLS", False),
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get(
    "PODPORA_FROM_EMAIL", "Podpora <support@podpora.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Podpora ---------------------------------------------------------------------

# Called, in this order, inside the transaction of every ticket change (see
# podpora.tickets.hooks). Each is "module.function" taking a TicketChange.
PODPORA_TICKET_HOOKS: list[str] = [
    "podpora.automation.hooks.on_ticket_change",
    "podpora.kb.hooks.on_ticket_change",
    "podpora.surveys.hooks.on_ticket_change",
    "podpora.chat.hooks.on_ticket_change",
    "podpora.search.hooks.on_ticket_change",
    "podpora.integrations.hooks.on_ticket_change",
    # Reports: facts and daily aggregates change in the ticket's own transaction.
    "podpora.reports.hooks.on_ticket_change",
    # The desk's sidebar counts, likewise.
    "podpora.desk.hooks.on_ticket_change",
    # Last: mail goes out about the ticket as the hooks before it left it.
    "podpora.mail.notifications.on_ticket_change",
]

_LOG_LEVEL = os.environ.get("PODPORA_LOG_LEVEL", "").strip().upper() or "INFO"
if _LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    PODPORA_CONFIG_ERRORS.append(
        ("PODPORA_LOG_LEVEL", f"{_LOG_LEVEL!r} is not DEBUG, INFO, WARNING or ERROR")
    )
    _LOG_LEVEL = "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- automation ------------------------------------------------------------------
# Resolved tickets close after this many days without a customer reply (0: never).
PODPORA_AUTO_CLOSE_DAYS = _env_int("PODPORA_AUTO_CLOSE_DAYS", 7)

# --- Knowledge base and satisfaction surveys ----------------------------------------

# How long the link in a satisfaction-survey e-mail works (it is single-use).
PODPORA_SURVEY_LINK_DAYS = _env_int("PODPORA_SURVEY_LINK_DAYS", 30)
# Called, in order, inside the transaction that stores a survey answer, with
# the SurveyResponse: "module.function" (see docs/kb.md, "Reacting to ratings").
PODPORA_SURVEY_HOOKS: list[str] = []

# --- API, search, integrations ------------------------------------------------------

# Requests per minute per API token (or signed-in person); 0 turns it off.
PODPORA_API_RATE_LIMIT = _env_int("PODPORA_API_RATE_LIMIT", 600)
# --- Mail channel (podpora.mail; see docs/mail.md) ----------------------------------
# A received mail larger than this is kept raw and held for an administrator.
PODPORA_MAIL_MAX_BYTES = _env_int("PODPORA_MAIL_MAX_BYTES", 50 * 1024 * 1024)
# The domain of the Message-IDs we send; a mail arriving with one is our own.
PODPORA_MAIL_MESSAGE_ID_DOMAIN = os.environ.get(
    "PODPORA_MAIL_MESSAGE_ID_DOMAIN", "podpora.mail"
)
# Automatic mails (acknowledgements, status, agent notices) per address per hour.
PODPORA_MAIL_AUTO_PER_HOUR = _env_int("PODPORA_MAIL_AUTO_PER_HOUR", 10)
# ... and per address in any 24 hours.
PODPORA_MAIL_AUTO_PER_DAY = _env_int("PODPORA_MAIL_AUTO_PER_DAY", 40)
# Status changes that send the requester a mail: "resolved", "waiting_customer".
PODPORA_MAIL_STATUS_MAILS = [
    s for s in os.environ.get("PODPORA_MAIL_STATUS_MAILS", "resolved").split(",") if s
]
# Channels whose new tickets get an acknowledgement mail.
# A logged call is acknowledged too, so the caller gets the number and a link.
PODPORA_MAIL_ACK_CHANNELS = ["email", "phone", "chat"]
