"""Settings shared by every environment. Values come from the environment through django-environ."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "retryadmin",
    "strategies",
    "campaigns",
    "wrapup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before sessions' and CSRF's reads of the form: a NUL byte or lone surrogate is a 400 naming the parameter.
    "retryadmin.middleware.RefuseUnstorableParametersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "retryadmin.urls"
WSGI_APPLICATION = "retryadmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "retryadmin.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a webhook or a task otherwise pays a new PostgreSQL connection each time
# (bench/webhooks.py: about 75 events/s without, 160-250 with). Health checks drop dead ones.
# A conn_max_age in DATABASE_URL wins.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process, the worker and beat share one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (Index.include) serve the call report on PostgreSQL; SQLite, for `make run`
# and tests, builds them without the extra columns, which is fine and needs no warning.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Sign-in throttling (django-axes) ------------------------------------------------------------
# A user name tried from one address is locked after LOGIN_FAILURE_LIMIT wrong passwords, for
# LOGIN_LOCKOUT_MINUTES; other users and other addresses may still sign in. An administrator lifts a
# lockout in the admin (Access attempts: "Reset the selected lockouts").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# No start-up banner on every manage.py command; lockouts are still logged.
AXES_VERBOSE = False
# The same client address as the rate limits: REMOTE_ADDR, or the right entry of X-Forwarded-For
# behind WEBHOOK_NUM_PROXIES trusted proxies.
AXES_CLIENT_IP_CALLABLE = "retryadmin.lib.clientaddress.client_address"
# Our own admin for access attempts (retryadmin/admin.py): its actions declare their permissions.
AXES_ENABLE_ADMIN = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Django 6 makes https the default scheme of URL form fields; opt in now.
FORMS_URLFIELD_ASSUME_HTTPS = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Bodies of webhooks and lead posts are small; a larger one is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Celery -------------------------------------------------------------------------------------
# With REDIS_URL set, Redis is the broker. Without it, kombu's filesystem transport carries the
# messages through folders under var/, so `make run` needs no server. The database row is the
# schedule either way: the broker only carries work that is due now.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem transport with atomic message files (see retryadmin/broker.py).
    CELERY_BROKER_TRANSPORT = "retryadmin.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "polling_interval": 0.1,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat wakes to claim due callbacks (seconds).
DISPATCH_INTERVAL_SECONDS = env.float("DISPATCH_INTERVAL_SECONDS", default=5.0)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "retryadmin.tasks.heartbeat",
        "schedule": env.float("HEARTBEAT_INTERVAL_SECONDS", default=60.0),
        "args": (env("HEARTBEAT_MARKER", default=None),),
    },
}

# --- DISPATCH (campaigns.dispatch and its tasks) -------------------------------------------------
# A claimed request not dialed within the lease goes back to scheduled; after DISPATCH_MAX_ATTEMPTS
# dispatches it is marked failed for a supervisor.
DISPATCH_LEASE_SECONDS = env.float("DISPATCH_LEASE_SECONDS", default=300.0)
DISPATCH_MAX_ATTEMPTS = env.int("DISPATCH_MAX_ATTEMPTS", default=5)
DISPATCH_SWEEP_INTERVAL_SECONDS = env.float("DISPATCH_SWEEP_INTERVAL_SECONDS", default=30.0)
# A dial the dialer refused is tried again after this many seconds, doubled at each dispatch attempt.
DISPATCH_RETRY_BACKOFF_SECONDS = env.float("DISPATCH_RETRY_BACKOFF_SECONDS", default=30.0)
# Sent to webhook dialers as `callback_url`: where they post the call's result.
DISPATCH_CALLBACK_URL = env("DISPATCH_CALLBACK_URL", default="")
# More dialer backends by name: "name=dotted.path.Class,other=...".
DISPATCH_DIALERS = env.dict("DISPATCH_DIALERS", default={})
# The webhook dialer: connect and read timeouts, retries with exponential backoff, all within a total.
DIALER_CONNECT_TIMEOUT_SECONDS = env.float("DIALER_CONNECT_TIMEOUT_SECONDS", default=2.0)
DIALER_READ_TIMEOUT_SECONDS = env.float("DIALER_READ_TIMEOUT_SECONDS", default=3.0)
DIALER_RETRIES = env.int("DIALER_RETRIES", default=3)
DIALER_BACKOFF_SECONDS = env.float("DIALER_BACKOFF_SECONDS", default=0.25)
DIALER_TOTAL_SECONDS = env.float("DIALER_TOTAL_SECONDS", default=8.0)
# Dialer URLs that resolve to loopback, private, link-local, multicast or reserved addresses are refused
# (at save and at dial time) unless their host is named here, e.g. "dialer.lan,10.0.0.5".
DIALER_ALLOWED_HOSTS = env.list("DIALER_ALLOWED_HOSTS", default=[])
# Production calls dialers over https only.
DIALER_HTTPS_ONLY = env.bool("DIALER_HTTPS_ONLY", default=False)
# Requests per dial message: each message is dialled as one set by one worker process.
DISPATCH_DIAL_CHUNK = env.int("DISPATCH_DIAL_CHUNK", default=100)
# Webhook dials one worker process runs at once (threads; no database transaction is open meanwhile).
DIALER_CONCURRENCY = env.int("DIALER_CONCURRENCY", default=16)
# A request the dialer accepted with no telephony result after this long gets a "no result from the
# dialer" attempt, and the engine decides its retry.
DIALER_RESULT_TIMEOUT_SECONDS = env.float("DIALER_RESULT_TIMEOUT", default=15 * 60.0)
# A campaign whose data the scheduler cannot handle (dispatch blocked) is tried again after this long, or at
# once when it is edited.
DISPATCH_BLOCKED_RETRY_SECONDS = env.float("DISPATCH_BLOCKED_RETRY_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE.update(
    {
        "dispatch-due": {"task": "campaigns.tasks.dispatch_due", "schedule": DISPATCH_INTERVAL_SECONDS},
        "sweep-leases": {"task": "campaigns.tasks.sweep_leases", "schedule": DISPATCH_SWEEP_INTERVAL_SECONDS},
        "expire-personal-redials": {"task": "campaigns.tasks.expire_personal_redials", "schedule": 60.0},
    }
)
# Wrap-ups past the campaign's after-call-work timeout are ended by the system (wrapup.tasks).
CELERY_BEAT_SCHEDULE["end-expired-wrap-ups"] = {
    "task": "wrapup.tasks.end_expired_wrap_ups",
    "schedule": env.float("WRAP_UP_SWEEP_INTERVAL_SECONDS", default=10.0),
}
# CSV imports: the largest file and the most rows one import takes.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=30 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# An import whose worker died stays "running": fail it after IMPORT_STALL_SECONDS without progress.
IMPORT_STALL_SECONDS = env.float("IMPORT_STALL_SECONDS", default=300.0)
# Do-not-call list imports (rule 8): lists run to millions of numbers, one per row.
DNC_IMPORT_MAX_BYTES = env.int("DNC_IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
DNC_IMPORT_MAX_ROWS = env.int("DNC_IMPORT_MAX_ROWS", default=3_000_000)
# A confirmed import not started this long after it was confirmed (its message lost, or the broker down) is
# sent again, and failed with a message after IMPORT_START_GIVE_UP_SECONDS.
IMPORT_START_SECONDS = env.float("IMPORT_START_SECONDS", default=60.0)
IMPORT_START_GIVE_UP_SECONDS = env.float("IMPORT_START_GIVE_UP_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE["fail-stalled-imports"] = {"task": "campaigns.tasks.fail_stalled_imports", "schedule": 60.0}
# Best time to call: how often beat recomputes every campaign's connect-rate table (seconds), and how
# many days of attempts it learns from.
BEST_TIME_REFRESH_SECONDS = env.float("BEST_TIME_REFRESH_SECONDS", default=3600.0)
BEST_TIME_HISTORY_DAYS = env.int("BEST_TIME_HISTORY_DAYS", default=90)
CELERY_BEAT_SCHEDULE["refresh-connect-rates"] = {
    "task": "campaigns.tasks.refresh_connect_rate_tables",
    "schedule": BEST_TIME_REFRESH_SECONDS,
}
# A periodic run left in the queue while the worker was down is superseded by the next one: expire it
# after one period, so a restarted worker does not work through hundreds of stale runs first.
for _entry in CELERY_BEAT_SCHEDULE.values():
    _entry.setdefault("options", {}).setdefault("expires", max(float(_entry["schedule"]), 5.0))

# --- Telephony -----------------------------------------------------------------------------------
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
# Ozonetel signs each callback with the secret of the account it names: "acct1=secret1,acct2=secret2".
OZONETEL_WEBHOOK_SECRETS = env.dict("OZONETEL_WEBHOOK_SECRETS", default={})
# Ozonetel sends StartTime/EndTime as local wall-clock time without an offset.
OZONETEL_TIME_ZONE = env("OZONETEL_TIME_ZONE", default="Asia/Kolkata")
# Shared secret of the generic SIP webhook (Asterisk, FreeSWITCH): HMAC-SHA256 of the raw body.
SIP_WEBHOOK_SECRET = env("SIP_WEBHOOK_SECRET", default="")
# Unauthenticated webhook requests (and lead posts) one source address may make per minute before it gets 429.
WEBHOOK_RATE_LIMIT_PER_MINUTE = env.int("WEBHOOK_RATE_LIMIT_PER_MINUTE", default=1200)
# Signed callbacks one provider account may send per minute: counted after the signature, apart from the above.
WEBHOOK_SIGNED_RATE_LIMIT_PER_MINUTE = env.int("WEBHOOK_SIGNED_RATE_LIMIT_PER_MINUTE", default=60_000)
# Reverse proxies in front of the app: the client address is that many entries from the right of
# X-Forwarded-For. 0 trusts only REMOTE_ADDR (a forged header must not dodge the rate limit).
WEBHOOK_NUM_PROXIES = env.int("WEBHOOK_NUM_PROXIES", default=0)

# --- Cache ---------------------------------------------------------------------------------------
# Rate limits count in the cache: Redis shares the counts between processes; LocMem (no REDIS_URL)
# counts per process.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Quiet unless something happens: a 4xx is one line without its traceback, Celery's per-task
# "received"/"succeeded" lines and beat's "sending due task" (several every few seconds) are hidden, and
# the periodic tasks log a line only when they did something. Errors of all of them still show.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"client_error_without_traceback": {"()": "retryadmin.lib.logfilters.ClientErrorWithoutTraceback"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_error_without_traceback"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.beat": {"level": "WARNING"},
        "retryadmin.tasks": {"level": "WARNING"},
        # "No hostname was supplied. Reverting to default 'localhost'": the embedded broker has none.
        "kombu.connection": {"level": "ERROR"},
    },
}
