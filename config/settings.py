"""Guildhall settings: one module, every deploy-time value from the environment.

`.env.example` lists and explains every variable. A `.env` file beside `manage.py` is read when
present; variables already set in the environment take precedence over it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from config.env import (
    ConfigError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_redis_url,
    env_str,
    env_timezone,
    load_dotenv_file,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GUILDHALL_VAR_DIR") or BASE_DIR / "var")

load_dotenv_file(BASE_DIR)

# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError(
            "SECRET_KEY is not set. In production (DEBUG off) Guildhall refuses to start without one: "
            "set SECRET_KEY to a long random string, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
    SECRET_KEY = "insecure-development-only-key-never-used-when-debug-is-off"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, with the front page grouped by what an officer does (config/admin_site.py).
    "config.admin_site.GuildhallAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # TrigramSimilarity and the pg_trgm extension (support: repeated ticket topics, /faq).
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_filters",
    "axes",
    "csp",
    "config.apps.GuildhallConfig",
    "botworker",
    "timetracking",
    "shifts",
    "scheduling",
    "attendance",
    "support",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Discord's interactions endpoint answers here, without the browser middleware below.
    "config.middleware.MachineEndpointMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a refused admin login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' templates, so the project's admin/ templates override Django's.
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": parse_database_url(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        health_checks=env_bool("DB_CONN_HEALTH_CHECKS", default=True),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------
# Throttling counters and guild configuration live here. Set CACHE_URL (a Redis URL) in production
# so every web process shares them; without it each process keeps its own in memory (`check
# --deploy` warns, guildhall.W001). Nothing here is the only copy: an unreachable cache degrades.

CACHE_URL = env_redis_url("CACHE_URL")
if CACHE_URL:
    # Fails open (config/cache.py): an unreachable Redis is a miss, not an error; a short
    # timeout so a Redis that does not answer costs each request at most this long.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth, i18n, time -------------------------------------------------------------------------

# django-axes first: it refuses a locked-out username or address before the password is checked
# (config/logins.py). Failures are counted in the database, so a cache outage changes nothing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
# Proxies in front of the web process that append the client's address to X-Forwarded-For
# (0: none, REMOTE_ADDR is the client). Lockouts per address depend on getting this right.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
# Each parameter on its own: a username is locked whatever address tries it, an address whatever
# username it tries.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The cool-off runs from the failure that reached the limit, so the time the message names holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.logins.client_ip"
AXES_LOCKOUT_CALLABLE = "config.logins.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Instants shown as text name their zone (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # collectstatic fills it; serving needs it to exist
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Security (production) ----------------------------------------------------------------------

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The health endpoint is probed over plain HTTP by load balancers inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy (django-csp): everything from this site only, no inline script or style,
# no plugin, never framed. The admin and the Swagger UI (served locally, its page script split
# into its own request) work under it; config/tests/test_csp.py loads both in a real browser.
# Swagger UI draws its icons as data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- REST API ---------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
        # /api/auth/token/ per address, on top of the lockout after failed passwords.
        "login": env_str("API_THROTTLE_LOGIN", "30/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.schema.GuildhallAutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Guildhall API",
    "DESCRIPTION": "Shifts, raid scheduling, attendance, time tracking and the support desk of a Discord community.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to the online validator (the badge would load an image from validator.swagger.io).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    # Discord ids in URLs are strings in the schema, as in JSON (config.converters).
    "PATH_CONVERTER_OVERRIDES": {
        "snowflake": {"type": "string", "pattern": r"^[1-9][0-9]{0,18}$", "example": "1180000000000000001"}
    },
    # Several models have a `status`: name each enum for its model.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "support.models.TicketStatus",
        "ReminderStatusEnum": "scheduling.models.reminders.Reminder.Status",
        "DispatchStatusEnum": "scheduling.models.clock.Dispatch.Status",
    },
}

# --- Celery -----------------------------------------------------------------------------------
# With REDIS_URL, Redis is the broker. Without it (the quick start) kombu's filesystem transport
# under var/ is: worker and beat really run and exchange messages, with nothing to install.

REDIS_URL = env_redis_url("REDIS_URL")
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message not acknowledged within this time is delivered again: it must outlast the
    # longest task, or a slow task would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
else:
    CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
    CELERY_BROKER_URL = "filesystem://localhost/"
    for _folder in ("queue", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# Periodic tasks declared in code. `manage.py setup_periodic_tasks` (run by `make run` and on
# deploy) writes them to django-celery-beat's tables, where the admin shows and edits them.
PERIODIC_TASKS = {
    "clear expired sessions": {
        "task": "guildhall.clear_expired_sessions",
        "crontab": {"minute": "17", "hour": "3"},
    },
    "prune answered interactions": {
        "task": "botworker.prune_interaction_records",
        "crontab": {"minute": "27", "hour": "3"},
    },
    # A deferred command whose follow-up could not be queued (the broker was down) is queued
    # again, while Discord's 15-minute token still lets it be answered.
    "requeue overdue deferred answers": {"task": "botworker.requeue_overdue_followups", "every_seconds": 60},
    # Shifts: the claimer's reminder 15 minutes before the start, and expiring unclaimed shifts
    # whose start has passed; every minute, so both happen within a minute of their time.
    "shifts reminders": {"task": "shifts.send_shift_reminders", "every_seconds": 60},
    "shifts expire started": {"task": "shifts.expire_started_shifts", "every_seconds": 60},
    # Time tracking: ask about (and later clock out) forgotten sessions; Monday summary DMs,
    # hourly because Monday morning comes at a different UTC hour in every zone.
    "timetracking forgotten sessions": {
        "task": "timetracking.check_forgotten_sessions",
        "every_seconds": 300,
    },
    "timetracking weekly summaries": {
        "task": "timetracking.send_weekly_summaries",
        "crontab": {"minute": "5"},
    },
    # Attendance: the DM reminder 30 minutes before a raid and the summary after it ends, each
    # once per event; every minute, so both go out within a minute of their time.
    "attendance event reminders": {"task": "attendance.send_event_reminders", "every_seconds": 60},
    "attendance event summaries": {"task": "attendance.send_event_summaries", "every_seconds": 60},
    # The dispatcher: every reminder and scheduled job that is due, sent once (scheduling/dispatcher.py).
    # Every 5 seconds, so an occurrence is queued within seconds of its instant.
    "dispatch due": {"task": "scheduling.dispatch_due", "every_seconds": 5},
    # Support: warn, then close, tickets whose requester stays silent (days, so every 10 minutes).
    "support auto-close": {"task": "support.auto_close_idle_tickets", "every_seconds": 600},
    # Support: summarise closed tickets whose summary task was lost (remote summariser only).
    "support summaries sweep": {"task": "support.summarize_missing", "every_seconds": 900},
}

# --- Discord ----------------------------------------------------------------------------------

DISCORD_TOKEN = env_str("DISCORD_TOKEN")
DISCORD_APPLICATION_ID = env_str("DISCORD_APPLICATION_ID")
DISCORD_PUBLIC_KEY = env_str("DISCORD_PUBLIC_KEY")
DISCORD_API_BASE = env_str("DISCORD_API_BASE")
# Gateway websocket URL, for tests and a local Discord emulator only (production: Discord's own).
DISCORD_GATEWAY_URL = env_str("DISCORD_GATEWAY_URL")
# Shards for the gateway bot; unset: one, unless Discord recommends more.
DISCORD_SHARD_COUNT = env_int("DISCORD_SHARD_COUNT", 0)
# The prefix commands (!ping, !sync) need the privileged message content intent; false turns
# both off and the bot asks for no privileged intent.
DISCORD_MESSAGE_CONTENT = env_bool("DISCORD_MESSAGE_CONTENT", default=True)
# The privileged server members intent: GUILD_MEMBER_* events keep the directory's member names
# current between a member's interactions (every interaction records its member anyway).
DISCORD_MEMBERS_INTENT = env_bool("DISCORD_MEMBERS_INTENT", default=False)

# The outbox deliverer: how long a claimed action is held before another deliverer may take it
# over, how many attempts before an action is dead, and how often it looks for due retries when
# no notification wakes it.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 60)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
OUTBOX_POLL_SECONDS = env_float("OUTBOX_POLL_SECONDS", 1.0)
# Discord's rate limits, shared by every process of the bot through Redis (botworker.shared_limits):
# the global requests per second (0: no sharing at all) and how many may go at once. Without
# REDIS_URL each process has only discord.py's own limiter, which believes it is alone.
DISCORD_GLOBAL_RATE_LIMIT = env_float("DISCORD_GLOBAL_RATE_LIMIT", 50.0)
DISCORD_GLOBAL_RATE_BURST = env_int("DISCORD_GLOBAL_RATE_BURST", 10)
# Processes with the same token share one set of limits. A namespace keeps apart runs that share a
# Redis and a token without sharing Discord (the test suite's parallel processes, each with its own
# emulator); a deployment leaves it empty.
DISCORD_RATE_LIMIT_NAMESPACE = env_str("DISCORD_RATE_LIMIT_NAMESPACE")

# --- Time tracking ----------------------------------------------------------------------------
# Hours a focus session may run without a sign of life before its owner is asked about it (after
# twice that it is clocked out automatically), and the local hour on Monday from which the
# weekly summary DM goes out.
TIMETRACKING_FORGOTTEN_HOURS = env_int("TIMETRACKING_FORGOTTEN_HOURS", 12)
TIMETRACKING_SUMMARY_HOUR = env_int("TIMETRACKING_SUMMARY_HOUR", 8)

# --- Support: ticket summaries -----------------------------------------------------------------
# Closed tickets are summarised by the local extractive summariser (no network), or, when both
# SUMMARY_API_URL and SUMMARY_API_KEY are set, by an OpenAI-compatible API
# (POST {SUMMARY_API_URL}/chat/completions) in a Celery task after the close, falling back to the
# local one when it fails or takes longer than SUMMARY_API_TIMEOUT seconds (docs/support.md).
SUMMARY_API_URL = env_str("SUMMARY_API_URL")
SUMMARY_API_KEY = env_str("SUMMARY_API_KEY")
SUMMARY_MODEL = env_str("SUMMARY_MODEL", "gpt-4o-mini")
SUMMARY_API_TIMEOUT = env_float("SUMMARY_API_TIMEOUT", 10.0)
SUMMARY_SENTENCES = env_int("SUMMARY_SENTENCES", 3)
SUMMARY_MAX_CHARS = env_int("SUMMARY_MAX_CHARS", 600)

# --- Logging ----------------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logging.ContextFilter"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        **{
            name.strip(): {"level": level.strip().upper()}
            for name, level in (item.split("=", 1) for item in env_list("LOG_LEVELS") if "=" in item)
        },
    },
}
