"""Settings shared by every environment; values come from the environment."""

from __future__ import annotations

from pathlib import Path

from .env import env_bool, env_database, env_email, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "django_celery_beat",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "vendors",
    "intake",
    "reviews",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "intake.middleware.GovernanceAdminAuditMiddleware",
]

ROOT_URLCONF = "config.urls"
# The composition root: the module whose use_case_submit/use_case_update the
# intake pages, admin and API call (reviews opens and reopens reviews).
USE_CASE_WORKFLOW = "reviews.services"
# Panels of the use-case page that come from apps depending on intake. Intake
# may never import reviews, so the composition root names them here; the
# detail page calls each as panel(request=, use_case=, facts=) and renders,
# in this order, each {"template": ..., "context": ...} it returns (None: skip).
USE_CASE_PAGE_PANELS = [
    "reviews.panels.gate_panel",
    "reviews.panels.reviews_panel",
    "reviews.panels.evidence_panel",
    "reviews.panels.discussion_panel",
]

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


def _database() -> dict:
    db = env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Two people saving at once must never see "database is locked":
        # WAL lets readers run beside the writer, IMMEDIATE takes the write
        # lock at BEGIN (no upgrade deadlock) and the timeout waits for it.
        db.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    db["ATOMIC_REQUESTS"] = False
    db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0)
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # ModelBackend that refuses service accounts: they use API tokens, never pages.
    "intake.auth.HumanOnlyModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "intake:list"
LOGOUT_REDIRECT_URL = "login"

# guardian: no anonymous user row; we never grant to anonymous.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence lives outside the static tree and is served only by
# permission-checked views, never by the web server directly.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = None

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no REDIS_URL the embedded default runs tasks in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# An unacknowledged task (acks_late, or a retry waiting for its countdown) is
# redelivered after this long; retry back-off and time limits stay well below it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With acks_late a worker holds only the task it runs, so a lost worker loses one.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task is a sweep or one email: minutes at most. The soft limit rolls its
# transaction back cleanly; the hard one stops a hung SMTP connection.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TIMEZONE = TIME_ZONE
# Schedules live in the database (django-celery-beat) so admins change times in admin.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

_email = env_email("EMAIL_URL", "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "stagegate@localhost")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"stagegate.audit": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# --- The REST API (api/): token or session auth, keyset pages, throttles, an OpenAPI 3 schema.
REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsAuthenticatedUser", "api.permissions.ReadOnlyServiceAccount"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.ObjectJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "30/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
        "auth_token": env_str("API_THROTTLE_AUTH_TOKEN", "10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # ASCII-only JSON (\u escapes): an error message quoting odd input still renders.
    "UNICODE_JSON": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stagegate API",
    "DESCRIPTION": "AI use cases from intake to production: use cases, reviews, stage gates, evidence, vendors.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" (or "outcome"): name each choice set after what it is.
    "ENUM_NAME_OVERRIDES": {
        "UseCaseStatusEnum": "intake.choices.Status",
        "StageEnum": "intake.choices.Stage",
        "RiskTierEnum": "intake.choices.RiskTier",
        "DataClassificationEnum": "intake.choices.DataClassification",
        "ReviewStatusEnum": "reviews.choices.ReviewStatus",
        "IncidentStatusEnum": "reviews.models.IncidentStatus",
        "GateOutcomeEnum": "reviews.models.GateOutcome",
        "VendorStatusEnum": "vendors.choices.VendorStatus",
        "EffectiveStatusEnum": "vendors.choices.EffectiveStatus",
        "CriticalityEnum": "vendors.choices.Criticality",
        "AssessmentStatusEnum": "vendors.choices.AssessmentStatus",
        "AssessmentOutcomeEnum": "vendors.choices.AssessmentOutcome",
        "ModelStatusEnum": "vendors.choices.ModelStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Webhook deliveries: attempts in all, and the first retry's delay (doubling each time).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_BACKOFF_SECONDS = env_int("WEBHOOK_BACKOFF_SECONDS", 30)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
