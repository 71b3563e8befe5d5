"""Settings from the environment (django-environ). See README "Configuration".

The product only: the demo shop (examples/shop) is added by the overlay flowdeck/settings_shop.py."""
from pathlib import Path

import environ
from pythonjsonlogger.core import RESERVED_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
    BROKER_URL=(str, ""),
    FLOWDECK_ACTIVITY_MODULES=(list, []),
    FLOWDECK_WORKFLOW_MODULES=(list, []),
    FLOWDECK_HTTP_ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "::1"]),
    FLOWDECK_STUCK_AFTER=(float, 600.0),
    FLOWDECK_STUCK_MIN=(float, 5.0),
    FLOWDECK_REQUEUE_AFTER=(float, 30.0),
    FLOWDECK_SCHEDULER_INTERVAL=(float, 1.0),
    FLOWDECK_BEAT_INTERVAL=(float, 5.0),
    FLOWDECK_WORKER_DEAD_AFTER=(float, 15.0),
    FLOWDECK_SCHEDULER_DOWN_AFTER=(float, 30.0),
)
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our origin (the CSP allows no other script host)
    "channels",
    "django_dramatiq",
    "engine",
    "webapi",  # the REST API's parser, permissions and error bodies (designer, dashboard)
    "designer",
    "dashboard",
    "alerts",  # alert rules, their delivery and log (reads engine selectors; engine does not know it)
]

MIDDLEWARE = [
    "webapi.security.SecurityHeadersMiddleware",  # outermost: static files get the CSP too
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "webapi.security.NullByteGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "flowdeck.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "flowdeck" / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
WSGI_APPLICATION = None
ASGI_APPLICATION = "flowdeck.asgi.application"

# PostgreSQL only: the engine relies on row locks, SKIP LOCKED and JSONB.
DATABASES = {"default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/flowdeck")}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
# Persistent connections (workers close old ones around each message): a new
# connection per step cost more than the step's own statements, and prepared
# statements (engine/store/db.py) live as long as their connection.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=300))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No statement, lock wait or idle transaction holds a run's lock for long (docs/engine.md, "Sizes"):
# set on every connection as it starts (no round trip). Seconds; 0 leaves one to the server (or the
# role: behind pgbouncer, which refuses startup options, set all three to 0 and ALTER ROLE ... SET them).
# `manage.py migrate` runs without the statement and idle timeouts (engine's migrate command).
FLOWDECK_DB_STATEMENT_TIMEOUT = env.float("FLOWDECK_DB_STATEMENT_TIMEOUT", default=30.0)
FLOWDECK_DB_LOCK_TIMEOUT = env.float("FLOWDECK_DB_LOCK_TIMEOUT", default=10.0)
FLOWDECK_DB_IDLE_IN_TRANSACTION_TIMEOUT = env.float("FLOWDECK_DB_IDLE_IN_TRANSACTION_TIMEOUT", default=60.0)
_db_timeouts = [f"-c {name}={int(seconds * 1000)}" for name, seconds in (
    ("statement_timeout", FLOWDECK_DB_STATEMENT_TIMEOUT), ("lock_timeout", FLOWDECK_DB_LOCK_TIMEOUT),
    ("idle_in_transaction_session_timeout", FLOWDECK_DB_IDLE_IN_TRANSACTION_TIMEOUT)) if seconds > 0]
if _db_timeouts:
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options["options"] = " ".join(filter(None, [_db_options.get("options", ""), *_db_timeouts]))
DATABASES["default"].setdefault("TEST", {})["NAME"] = env("FLOWDECK_TEST_DB", default="test_flowdeck")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
BROKER_URL = env("BROKER_URL") or REDIS_URL

_broker_middleware = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.Retries",
    "dramatiq.middleware.CurrentMessage",
    "flowdeck.dbconnections.DbConnectionsMiddleware",  # no ping per busy message
    "flowdeck.timelimits.AttemptTimeLimitMiddleware",  # a hung activity costs its attempt, not the thread
    "flowdeck.liveness.LivenessMiddleware",  # each worker process beats (engine.EngineProcess)
]
if BROKER_URL.startswith("amqp"):
    DRAMATIQ_BROKER = {"BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
                       "OPTIONS": {"url": BROKER_URL}, "MIDDLEWARE": _broker_middleware}
else:
    DRAMATIQ_BROKER = {"BROKER": "flowdeck.broker.RedisBroker",  # a short idle poll (flowdeck/broker.py)
                       "OPTIONS": {"url": BROKER_URL}, "MIDDLEWARE": _broker_middleware}
DRAMATIQ_TASKS_DATABASE = "default"
FLOWDECK_IDLE_POLL_MS = env.int("FLOWDECK_IDLE_POLL_MS", default=20)
# Server-side prepared statements on the engine's hot path (engine/store/db.py); off behind
# a transaction-pooling pgbouncer, where a connection's prepared statements do not follow it.
FLOWDECK_PREPARED_STATEMENTS = env.bool("FLOWDECK_PREPARED_STATEMENTS", default=True)
DRAMATIQ_AUTODISCOVER_MODULES = ["actors"]

# Every receive blocks in BZPOPMIN for up to 5 s (channels_redis's brpop_timeout), and
# redis-py >= 8 gives up on a read after 5 s (its default socket_timeout): an idle console
# socket's receive raised TimeoutError and daphne closed the socket. Reads wait past the
# block; keepalive still notices a Redis that went away.
CHANNEL_LAYERS = {"default": {
    "BACKEND": "channels_redis.core.RedisChannelLayer",
    "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_keepalive": True}],
               "prefix": env("FLOWDECK_CHANNEL_PREFIX", default="flowdeck")},
}}

# The push path and slow clients (docs/console.md "The push path"; docs/reliability.md "The push path").
# Websocket messages are at most WS_MESSAGE_BYTES; an event payload over WS_PAYLOAD_BYTES is left out
# and fetched by the client (dashboard/stream.py). Consumers join their groups again every
# WS_REJOIN_INTERVAL seconds (0: never) and catch up when a membership was lost (a Redis flush or restart).
# flowdeck/daphne_server.py (the web process of `make run`) closes a websocket with 4008 when its unsent data
# would pass WS_SEND_BUFFER_BYTES, and answers 408 to a request whose headers take longer than
# HTTP_HEADER_TIMEOUT seconds or whose body takes longer than HTTP_BODY_TIMEOUT seconds after them.
FLOWDECK_WS_MESSAGE_BYTES = env.int("FLOWDECK_WS_MESSAGE_BYTES", default=256 * 1024)
FLOWDECK_WS_PAYLOAD_BYTES = env.int("FLOWDECK_WS_PAYLOAD_BYTES", default=64 * 1024)
FLOWDECK_WS_REJOIN_INTERVAL = env.float("FLOWDECK_WS_REJOIN_INTERVAL", default=5.0)
FLOWDECK_WS_SEND_BUFFER_BYTES = env.int("FLOWDECK_WS_SEND_BUFFER_BYTES", default=4 * 1024 * 1024)
FLOWDECK_HTTP_HEADER_TIMEOUT = env.float("FLOWDECK_HTTP_HEADER_TIMEOUT", default=10.0)
FLOWDECK_HTTP_BODY_TIMEOUT = env.float("FLOWDECK_HTTP_BODY_TIMEOUT", default=20.0)

REST_FRAMEWORK = {
    # Token first: an anonymous request gets 401 with WWW-Authenticate, not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["webapi.permissions.RolePermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "webapi.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": None,
    # JSON only, with size/depth/NUL/NaN checks before and after json.loads (webapi/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["webapi.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Flowdeck API",
    "DESCRIPTION": "Design, run and operate durable workflows.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"RunStatusEnum": "engine.states.RunStatus.CHOICES",
                            "StepStatusEnum": "engine.states.StepStatus.CHOICES",
                            "VersionStatusEnum": "engine.states.VersionStatus.CHOICES",
                         "ScheduleFireOutcomeEnum": "engine.models.schedules.ScheduleFire.OUTCOME_CHOICES",
                         "ScheduleFireKindEnum": "engine.models.schedules.ScheduleFire.KIND_CHOICES"},
    # <slug:key> is a pattern, not any string: clients (and schemathesis) see what the route accepts.
    "PATH_CONVERTER_OVERRIDES": {"slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Request bodies: refuse oversize specs before parsing (bytes).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [p for p in [BASE_DIR / "frontend" / "dist"] if p.exists()]
# Serve the Vite build straight from frontend/dist (no collectstatic step needed);
# its hashed assets (assets/name-HASH.ext) are cached forever.
WHITENOISE_USE_FINDERS = True
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+/assets/.+-[A-Za-z0-9_-]{8,}\.(js|css|svg|png|woff2?)$"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/designer/"

# Browser headers (tests/security/test_browser.py); the CSP is webapi/security.py's.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Engine
FLOWDECK_ACTIVITY_MODULES = ["engine.builtin_activities"] + env("FLOWDECK_ACTIVITY_MODULES")
# Modules whose @workflow functions this process has (docs/workflows-as-code.md): a run of a code
# workflow version advances only in processes that have it.
FLOWDECK_WORKFLOW_MODULES = env("FLOWDECK_WORKFLOW_MODULES")
# A code workflow's function runs inside the transaction that records a step: past this many
# seconds in one replay it is interrupted and the run waits for an operator (WorkflowTimeout).
FLOWDECK_REPLAY_TIMEOUT = env.float("FLOWDECK_REPLAY_TIMEOUT", default=10.0)
FLOWDECK_DEFINITION_PATHS: list[str] = []   # what `manage.py load_definitions` loads without arguments (the overlay: the demo's)
FLOWDECK_HTTP_ALLOWED_HOSTS = env("FLOWDECK_HTTP_ALLOWED_HOSTS")
FLOWDECK_STUCK_AFTER = env("FLOWDECK_STUCK_AFTER")  # default seconds without progress before "stuck"
FLOWDECK_STUCK_MIN = env("FLOWDECK_STUCK_MIN")  # no threshold is shorter than this
FLOWDECK_REQUEUE_AFTER = env("FLOWDECK_REQUEUE_AFTER")  # re-send a due step no worker took after this
FLOWDECK_SCHEDULER_INTERVAL = env("FLOWDECK_SCHEDULER_INTERVAL")
# Liveness (engine.EngineProcess): workers and schedulers beat every BEAT_INTERVAL s; a process
# silent for WORKER_DEAD_AFTER s is dead; no sweep for SCHEDULER_DOWN_AFTER s raises an alert.
FLOWDECK_BEAT_INTERVAL = env("FLOWDECK_BEAT_INTERVAL")
FLOWDECK_WORKER_DEAD_AFTER = env("FLOWDECK_WORKER_DEAD_AFTER")
FLOWDECK_SCHEDULER_DOWN_AFTER = env("FLOWDECK_SCHEDULER_DOWN_AFTER")
# Sizes, in bytes of JSON (engine/limits.py): a step's output, a run's data (all its outputs), one
# event. Over them a step fails with OutputTooLarge (never retried) and nothing of it is written.
FLOWDECK_MAX_OUTPUT_BYTES = env.int("FLOWDECK_MAX_OUTPUT_BYTES", default=1024 * 1024)
FLOWDECK_MAX_RUN_DATA_BYTES = env.int("FLOWDECK_MAX_RUN_DATA_BYTES", default=8 * 1024 * 1024)
FLOWDECK_MAX_EVENT_BYTES = env.int("FLOWDECK_MAX_EVENT_BYTES", default=1024 * 1024)
FLOWDECK_MAX_KEPT_SIGNALS = env.int("FLOWDECK_MAX_KEPT_SIGNALS", default=100)  # per run, sent before their node
# Webhook starts (docs/operating-webhooks.md): a signature's timestamp may be this many seconds off.
FLOWDECK_HOOK_TOLERANCE = env.int("FLOWDECK_HOOK_TOLERANCE", default=300)
# Attempt time limits (flowdeck/timelimits.py): an activity past its node's timeout is interrupted; a
# thread that does not come back THREAD_LOST_AFTER s later is counted lost and replaced, up to
# LOST_THREADS_REPLACED per worker process (0: its thread count).
FLOWDECK_THREAD_LOST_AFTER = env.float("FLOWDECK_THREAD_LOST_AFTER", default=5.0)
FLOWDECK_LOST_THREADS_REPLACED = env.int("FLOWDECK_LOST_THREADS_REPLACED", default=0)
# Alerts (docs/operating-alerts.md): links in messages start with PUBLIC_URL; `manage.py alerts_watch`
# evaluates the rules every ALERT_INTERVAL s; webhooks may only go to ALERT_ALLOWED_HOSTS (by default
# the http nodes' list) and get ALERT_TIMEOUT s to answer; email goes through Django's EMAIL_* settings.
FLOWDECK_PUBLIC_URL = env("FLOWDECK_PUBLIC_URL", default="http://localhost:8000")
FLOWDECK_ALERT_INTERVAL = env.float("FLOWDECK_ALERT_INTERVAL", default=30.0)
FLOWDECK_ALERT_ALLOWED_HOSTS = env.list("FLOWDECK_ALERT_ALLOWED_HOSTS", default=FLOWDECK_HTTP_ALLOWED_HOSTS)
FLOWDECK_ALERT_TIMEOUT = env.float("FLOWDECK_ALERT_TIMEOUT", default=5.0)
FLOWDECK_ALERT_EMAIL_FROM = env("FLOWDECK_ALERT_EMAIL_FROM", default="flowdeck@localhost")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
# Retention (docs/operating-retention.md): top-level runs that ended more than RETENTION_DAYS days ago
# (0: kept forever; a definition's own retention_days wins) are archived to ARCHIVE_URL (a directory or a
# file:// URL; empty: deleted without an archive, and a start-up warning says so) and deleted with all
# that is theirs, RETENTION_BATCH top-level runs per short transaction, RETENTION_PAUSE s between batches;
# daily by the scheduler from RETENTION_AT ("HH:MM" UTC; empty: only `manage.py runs_prune`).
FLOWDECK_RETENTION_DAYS = env.int("FLOWDECK_RETENTION_DAYS", default=30)
FLOWDECK_ARCHIVE_URL = env("FLOWDECK_ARCHIVE_URL", default="")
FLOWDECK_RETENTION_BATCH = env.int("FLOWDECK_RETENTION_BATCH", default=500)
FLOWDECK_RETENTION_PAUSE = env.float("FLOWDECK_RETENTION_PAUSE", default=0.0)
FLOWDECK_RETENTION_AT = env("FLOWDECK_RETENTION_AT", default="03:00")

# LOG_FORMAT=json: one JSON object per line (python-json-logger) with run_id, node, attempt and worker
# on every engine line (engine/logcontext.py); the default is for people, with [run_id=... node=...].
LOG_FORMAT = env("LOG_FORMAT", default="plain")
# /metrics (webapi/metrics.py): scraped from these networks, or with this bearer token from anywhere.
FLOWDECK_METRICS_ALLOW = env.list("FLOWDECK_METRICS_ALLOW", default=["127.0.0.1/32", "::1/128"])
FLOWDECK_METRICS_TOKEN = env("FLOWDECK_METRICS_TOKEN", default="")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "engine.logcontext.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(about)s%(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(run_id)s %(node)s %(attempt)s %(worker)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                 "reserved_attrs": [*RESERVED_ATTRS, "about"]},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": "json" if LOG_FORMAT == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # httpx logs each request's full URL at INFO: an alert webhook's URL is its secret (Slack's token).
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}
