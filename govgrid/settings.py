"""GovGrid settings: everything that differs between machines comes from the environment.

Every variable read here is listed, with its default, in `.env.example`; `ENV_VARS` records the
names so a test can hold `.env.example` and `docker-compose.yml` to the same list.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_VARS: set[str] = set()

_env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env(name, cast=str, default=environ.Env.NOTSET):
    """Read one environment variable and remember that the settings read it."""
    ENV_VARS.add(name)
    if cast is bool:
        return _env.bool(name, default=default)
    if cast is int:
        return _env.int(name, default=default)
    if cast is list:
        return _env.list(name, default=default)
    return _env.str(name, default=default)


DEBUG = env("DEBUG", bool, False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"

# Key for personal data at rest (Fernet, 44 characters); derived from SECRET_KEY when unset.
PERSONAL_DATA_KEY = env("PERSONAL_DATA_KEY", default="")
ALLOWED_HOSTS = env("ALLOWED_HOSTS", list, ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS", list, [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "channels",
    "django_celery_beat",
    "axes",
    "csp",
    "govgrid",
    "grids",
    "events",
    "dispatch",
    "party",
    "services",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "govgrid.middleware.GovGridCSPMiddleware",
    # Axes last: it turns locked-out logins into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govgrid.urls"
WSGI_APPLICATION = "govgrid.wsgi.application"
ASGI_APPLICATION = "govgrid.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govgrid.context_processors.navigation",
            ],
        },
    },
]

# --- Database: SpatiaLite file by default, PostGIS with postgis://
DATABASES = {
    "default": _env.db_url_config(env("DATABASE_URL", default=f"spatialite:///{BASE_DIR / 'var' / 'govgrid.sqlite3'}"))
}
if DATABASES["default"]["ENGINE"].endswith("spatialite"):
    # Web, worker and beat share one file: wait for locks instead of failing, and take the
    # write lock at BEGIN so two writers never deadlock on an upgrade (Django 5.1+).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    (BASE_DIR / "var").mkdir(exist_ok=True)
elif not DATABASES["default"]["ENGINE"].endswith("postgis"):
    raise ImproperlyConfigured("DATABASE_URL must be spatialite:// or postgis:// (GovGrid needs GIS).")
DATABASES["default"]["CONN_MAX_AGE"] = env("DB_CONN_MAX_AGE", int, 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SPATIALITE_LIBRARY_PATH = "mod_spatialite"

# --- Redis: broker, channel layer and cache; without it everything runs in-process
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# Statistics are shared for this many seconds by users who may count the same cases: a
# dashboard's 30-day charts (refreshed in the background after that) and statistics reports
# (the page, its export, the API); 0 computes them on every request.
STATS_MAX_AGE = env("STATS_MAX_AGE", int, 60)
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "govgrid.heartbeat", "schedule": 60.0},
    "deadline-scan": {"task": "events.deadline_scan", "schedule": 60.0},
    "whistle-scan": {"task": "dispatch.whistle_scan", "schedule": 60.0},
    "spike-scan": {"task": "dispatch.spike_scan", "schedule": crontab(minute=5)},
    "daily-bulletins": {"task": "dispatch.bulletins_build", "schedule": crontab(hour=8, minute=0)},
    "wish-deadline-scan": {"task": "party.wish_deadline_scan", "schedule": 300.0},
    "proxy-deadline-scan": {"task": "services.proxy_deadline_scan", "schedule": 60.0},
}

# --- Accounts
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env("LOGIN_FAILURE_LIMIT", int, 5)
AXES_COOLOFF_TIME = 0.25  # hours: a locked account and address may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# --- Language and time
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
# Working hours that deadlines in working hours count (comma-separated ranges, local time).
OFFICE_HOURS = env("OFFICE_HOURS", default="08:30-12:00,14:30-17:30")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- API
REST_FRAMEWORK = {
    # Session first: an anonymous request is answered 403 (no WWW-Authenticate challenge) as before.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "govgrid.api.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "govgrid.api.ApiKeyScope"],
    "DEFAULT_PAGINATION_CLASS": "govgrid.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "govgrid.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GovGrid API",
    "DESCRIPTION": "Grid-based governance: grids, cases, dispatch, party building and services.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "govgrid.api.error_responses_hook"],
    "ENUM_NAME_OVERRIDES": {
        "GridKindEnum": "grids.choices.Kind",
        "GridLevelEnum": "grids.choices.Level",
        "CategoryKindEnum": "events.choices.CategoryKind",
        "CaseLevelEnum": "events.choices.Level",
        "CaseStatusEnum": "events.choices.Status",
    },
}

# --- Security. Production defaults are strict; DEBUG relaxes only what local http needs.
HTTPS = env("HTTPS", bool, not DEBUG)
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", bool, HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
if env("TRUST_X_FORWARDED_PROTO", bool, False):
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain http inside
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # GDAL < 3.9 cannot forbid file and network access in spatial references; GovGrid only
    # builds spatial references from its own code, never from user input.
    "gis.W001",
    # HSTS preload is a decision for each deployment's domain owner, not for the software.
    "security.W021",
]

# SMS: "console" (logged) or "webhook:https://sms-gateway.intranet/send" (JSON POST per message).
SMS_BACKEND = env("SMS_BACKEND", default="console")
# Residents who left a phone number get an SMS when their case or proxy request is accepted,
# refused or finished (through SMS_BACKEND; the kept message shows the number masked).
RESIDENT_SMS = env("RESIDENT_SMS", bool, True)
# Public report form and API: reports per client address per hour.
PUBLIC_REPORT_RATE = env("PUBLIC_REPORT_RATE", int, 30)

MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
# Admin map widgets: the configured tile server, or none (grids still draw on a plain background).
LEAFLET_CONFIG = {
    "TILES": [("tiles", MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION})] if MAP_TILE_URL else [],
    "DEFAULT_CENTER": (26.87, 100.23),
    "DEFAULT_ZOOM": 10,
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Leaflet and ECharts position elements with inline styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"] + ([MAP_TILE_URL.split("/{")[0]] if MAP_TILE_URL else []),
        "connect-src": ["'self'", "ws:", "wss:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}},
}
