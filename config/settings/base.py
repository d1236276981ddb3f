"""Settings shared by every environment; values come from the environment."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

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
    "axes",
    "csp",
    "simple_history",
    "django_celery_beat",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "vendors",
    "intake",
    "reviews",
    "compliance",
    "reports",
    "identity",
    "inventory",
    "api",
    "ops",
    "demo",
]

MIDDLEWARE = [
    # First (ops, "Metrics and logs" below): X-Request-ID on every response, static files' and errors'
    # included; request and database query metrics around everything else.
    "ops.middleware.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "ops.middleware.QueryMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from gunicorn itself, before anything else looks at the request (ops block below).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A lost database connection answers 503 with Retry-After, not 500 (ops/unavailable.py).
    "ops.unavailable.DatabaseUnavailableMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Request log lines with request_id, user_id and ip, once the user is known (ops).
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "intake.middleware.GovernanceAdminAuditMiddleware",
    # Latency and counts by view (django-prometheus, ops), as near the view as django-axes allows.
    "ops.middleware.RequestMetricsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
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
    elif db["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Prepared after five runs on a connection (docs/decisions/prepared-statements.md); set
        # DATABASE_PREPARED_STATEMENTS=false behind a transaction-mode pooler.
        db.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
    db["ATOMIC_REQUESTS"] = False
    db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0)
    # A persistent connection the database dropped (a restart) is replaced at the next request, not
    # reused to fail it; a database that does not answer fails a request within seconds (a 503, from
    # ops.unavailable) rather than holding it.
    db["CONN_HEALTH_CHECKS"] = True
    if db["ENGINE"] == "django.db.backends.postgresql":
        db.setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3))
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: django-axes refuses a locked-out username+IP before any password is checked
    # (the login page, the admin login and POST /api/v1/auth/token/ all pass through here).
    "intake.auth.LoginLockoutBackend",
    # ModelBackend that refuses service accounts: they use API tokens, never pages.
    "intake.auth.HumanOnlyModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Brute-force lockout (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one IP address, that pair is refused (even with the right password) until
# AXES_COOLOFF_MINUTES pass without another failure. A successful login clears the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1.")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying (a guess or two at each of many usernames) never trips the per-username count:
# after AXES_IP_FAILURE_LIMIT failures from one address, whatever the usernames, that address is
# refused every login for the same cool-off (intake.login_limits.LoginLimitHandler).
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 20)
if AXES_IP_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("AXES_IP_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT.")
AXES_HANDLER = "intake.login_limits.LoginLimitHandler"
AXES_RESET_ON_SUCCESS = True
# The audit trail in admin: every failure (AccessFailureLog, kept after a reset) and every success (AccessLog).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]  # masked; passwords always are
AXES_HTTP_RESPONSE_CODE = 429
# The lockout page for people, {"detail": ...} with Retry-After for the API.
AXES_LOCKOUT_CALLABLE = "intake.auth.lockout_response"
# The client address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT reverse proxies that each
# append to X-Forwarded-For, the address the outermost one saw (never one the client wrote).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "intake.auth.client_ip"
# Password-reset emails (intake.login_limits.RateLimitedPasswordResetForm): at most this many an
# hour to one address, and requests from one client address; beyond them nothing is sent, and the
# page answers as always.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 3)
PASSWORD_RESET_LIMIT_PER_IP = env_int("PASSWORD_RESET_LIMIT_PER_IP", 10)
if PASSWORD_RESET_LIMIT_PER_ADDRESS < 1 or PASSWORD_RESET_LIMIT_PER_IP < 1:
    raise ImproperlyConfigured("PASSWORD_RESET_LIMIT_PER_ADDRESS and PASSWORD_RESET_LIMIT_PER_IP must be at least 1.")

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

# --- Shared file storage (ops) ----------------------------------------------------------------------
# Uploads, board packs and dossiers go through the storage API to STORAGES["default"]: the local
# filesystem under MEDIA_ROOT, or, with STORAGE_URL=s3://<bucket>[/<prefix>][?endpoint_url=...], a
# private S3-compatible bucket (env_storage; docs/operations.md "Shared file storage"). Either way
# files leave only through the permission-checked views. The static-files block below sets
# "staticfiles"; this one keeps whatever it finds there.
from .env import env_storage  # noqa: E402 - this block's own

STORAGES = {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    **globals().get("STORAGES", {}),
    "default": env_storage("STORAGE_URL"),
}
# --- Shared file storage (ops) end ------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis cache, but a Redis outage is a cache miss, not a 500 (ops/cache.py, docs/operations.md).
    CACHES = {"default": {"BACKEND": "ops.cache.TolerantRedisCache", "LOCATION": REDIS_URL}}
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
# ISO 4217 code of every amount (KPI unit values, costs, realised value).
STAGEGATE_CURRENCY = env_str("STAGEGATE_CURRENCY", "EUR").upper()

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Metrics and logs (ops) (begin) ------------------------------------------------------------
import logging  # noqa: E402 - this block's own

# Logs: one JSON object a line on stderr (LOG_FORMAT=console: structlog's format for a terminal). Every
# line written during a request carries its request_id (X-Request-ID), user_id and ip, and a task's lines
# those of the request that queued it (ops/logs.py, docs/operations.md "Logs").
LOG_LEVEL = env_str("LOG_LEVEL", "WARNING").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r}: use DEBUG, INFO, WARNING, ERROR or CRITICAL.")
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or console.")
# The access log (a line per request, per task) at INFO, unless LOG_LEVEL asks for more or for less.
_ACCESS_LOG_LEVEL = LOG_LEVEL if LOG_LEVEL in {"DEBUG", "ERROR", "CRITICAL"} else "INFO"
LOGGING_CONFIG = "ops.logs.configure_logging"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "ops.logs.formatter", "renderer": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "stagegate.audit": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django_structlog": {"level": _ACCESS_LOG_LEVEL},
        "ops.tasks": {"level": _ACCESS_LOG_LEVEL},
    },
}
INSTALLED_APPS += ["django_structlog"]
# The request id is X-Request-ID as ops.middleware.RequestIdMiddleware validated it (or made it).
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
# The client address is bound by ops.logs (TRUSTED_PROXY_COUNT-aware), not from X-Forwarded-For as sent.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
# One line per request ("request_finished", with its status code); "request_started" only at DEBUG.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
# The request's context rides in each task message it queues; the worker binds it (ops.logs).
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# Metrics: GET /metrics with "Authorization: Bearer <METRICS_TOKEN>", or from an address inside
# METRICS_ALLOWED_NETWORKS (CIDR, the client address as TRUSTED_PROXY_COUNT derives it). Neither set:
# 404 for everyone. Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR (docs/operations.md "Metrics").
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 16 characters (or unset, for no token).")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", [])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS={_network!r}: list IP addresses or networks (CIDR).") from None
# The Celery queues whose waiting messages /metrics reports (stagegate_celery_queue_length).
METRICS_QUEUES = env_list("METRICS_QUEUES", ["celery", "pdf"])
# --- Metrics and logs (ops) (end) --------------------------------------------------------------

# --- The REST API (api/): token or session auth, keyset pages, throttles, an OpenAPI 3 schema.
REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.BearerAuthentication",
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
    # No ?format= override: the representation follows the Accept header alone (and downloads are files).
    "URL_FORMAT_OVERRIDE": None,
    # ASCII-only JSON (\u escapes): an error message quoting odd input still renders.
    "UNICODE_JSON": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stagegate API",
    "DESCRIPTION": "AI use cases from intake to production: use cases, reviews, stage gates, evidence, vendors.",
    "VERSION": "1.0.0",
    "LICENSE": {"name": "Proprietary: for use with this Stagegate installation", "url": SITE_URL},
    "SERVERS": [{"url": SITE_URL, "description": "This Stagegate (SITE_URL)"}],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # OpenAPI 3.1, for one shape per field in generated clients (api.schema and
    # docs/decisions/openapi-3-1.md): null is a type, so a nullable choice is its named enum or null.
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.postprocess"],
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
        "ReadinessAreaEnum": "api.serializers.evidence.READINESS_AREAS",
        "RiskAreaEnum": "reviews.models.RiskArea",
        "CadenceEnum": "reviews.models.Cadence",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# --- SCIM 2.0 provisioning (begin) -------------------------------------------------------------
# /scim/v2/ (identity.scim on django-scim2; docs/decisions/scim.md). Only the bearer token of the SCIM
# service account (manage.py create_scim_token) is accepted; django_scim needs no INSTALLED_APPS entry
# and no middleware: it has no concrete models, and the token is checked in each SCIM view.
SCIM_SERVICE_PROVIDER = {
    "USER_ADAPTER": "identity.scim.StagegateSCIMUser",
    "GROUP_MODEL": "identity.models.IdpGroup",
    "GROUP_ADAPTER": "identity.scim.StagegateSCIMGroup",
    "USER_FILTER_PARSER": "identity.scim_filters.UserFilter",
    "GROUP_FILTER_PARSER": "identity.scim_filters.GroupFilter",
    "GET_QUERYSET_POST_PROCESSOR_GETTER": "identity.scim_filters.queryset_post_processor_getter",
    "SERVICE_PROVIDER_CONFIG_MODEL": "identity.scim.ServiceProviderConfig",
    "BASE_LOCATION_GETTER": "identity.scim.base_location",
    "AUTH_CHECK_MIDDLEWARE": "identity.scim_auth.SCIMTokenAuthCheck",
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="Stagegate SCIM"',
    # Read by django-scim2's defaults only (identity.scim describes the scheme and builds locations).
    "NETLOC": SITE_URL.split("://", 1)[-1].split("/", 1)[0],
    "AUTHENTICATION_SCHEMES": [{"type": "oauthbearertoken", "name": "Bearer token", "primary": True}],
}
# --- SCIM 2.0 provisioning (end) ---------------------------------------------------------------
# --- Content-Security-Policy (django-csp): scripts, styles, images, fonts and fetches from our own
# origin only; no inline or eval'd script anywhere, no plugins, no framing. Inline styles stay
# allowed: the Django admin, django-guardian and Swagger UI use style attributes and <style>
# blocks, and a style cannot run code. Uploaded files are served with their own, stricter
# policy ("default-src 'none'; sandbox"), which the middleware leaves in place.
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF, "'unsafe-inline'"],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
    },
}
# Where browsers report violations (optional); read into the policy, not kept as a setting.
if env_str("CSP_REPORT_URI", ""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env_str("CSP_REPORT_URI")]

# A person's API token expires this long after it was issued (service accounts' are rotated in admin).
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 720)
if API_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be at least 1.")

# Webhook deliveries: attempts in all, and the first retry's delay (doubling each time).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_BACKOFF_SECONDS = env_int("WEBHOOK_BACKOFF_SECONDS", 30)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Deliveries go only to public addresses: the receiver's name is resolved when each attempt is sent
# and loopback, link-local, private, multicast, reserved and IPv4-mapped addresses are refused,
# unless the address is in one of these IP addresses or networks (CIDR), e.g. "10.0.5.20,10.1.0.0/16".
# Addresses, not names: the check is on what the name resolves to when it is sent.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])
for _allowed in WEBHOOK_ALLOWED_HOSTS:
    try:
        ipaddress.ip_network(_allowed, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"WEBHOOK_ALLOWED_HOSTS={_allowed!r}: list IP addresses or networks (CIDR), not names."
        ) from None

# ============================================================================================== OIDC
from urllib.parse import urlsplit  # noqa: E402 - this block's own

# --- Single sign-on with OpenID Connect (mozilla-django-oidc; identity/oidc.py). Off unless
# OIDC_RP_CLIENT_ID is set; then the login page offers "Sign in with <OIDC_PROVIDER_NAME>".
# The provider's endpoints come from its discovery document (OIDC_DISCOVERY_URL, or
# OIDC_ISSUER + /.well-known/openid-configuration), fetched at the first sign-in, never at start-up,
# and cached; an OIDC_OP_*_ENDPOINT variable overrides one endpoint. README and docs/security.md
# describe each variable and what we trust from the ID token.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
# Compared exactly with the ID token's "iss" (some providers' issuers end with "/", so it is kept).
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_DISCOVERY_URL = env_str("OIDC_DISCOVERY_URL", "") or (
    f"{OIDC_ISSUER.rstrip('/')}/.well-known/openid-configuration" if OIDC_ISSUER else "")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile groups")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_EMAIL_CLAIM = env_str("OIDC_EMAIL_CLAIM", "email")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "your organisation's sign-in")
# Explicit endpoints, for a provider whose discovery document is wrong or missing (then OIDC_ISSUER
# is required: it is what the ID token's "iss" must say).
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT", "")
# PKCE on by default: every current provider supports it, and it binds the code to this browser.
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)  # each request to the provider (the library reads OIDC_TIMEOUT)
if OIDC_ENABLED:
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set: set OIDC_RP_CLIENT_SECRET too.")
    if not OIDC_DISCOVERY_URL and not (OIDC_ISSUER and OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT):
        raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set: set OIDC_ISSUER or OIDC_DISCOVERY_URL.")
    if OIDC_TIMEOUT < 1:
        raise ImproperlyConfigured("OIDC_TIMEOUT_SECONDS must be at least 1.")
# Asymmetric signatures checked against the provider's JWKS, or HMAC with the client secret; never "none".
_OIDC_ALGORITHMS = {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512"}
if OIDC_RP_SIGN_ALGO not in _OIDC_ALGORITHMS:
    raise ImproperlyConfigured(
        f"OIDC_RP_SIGN_ALGO={OIDC_RP_SIGN_ALGO!r}: use one of {', '.join(sorted(_OIDC_ALGORITHMS))}.")
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's end-session (logout) request
OIDC_OP_LOGOUT_URL_METHOD = "identity.oidc.provider_logout_url"
OIDC_ALLOW_UNSECURED_JWT = False
# LOCAL_LOGIN=false: people sign in only through the provider. The login page shows only its button,
# and no password logs a person in anywhere (login page, admin, API token endpoint); API tokens
# already issued, and service accounts' tokens, keep working. Refused when OIDC is off (no way in).
LOCAL_LOGIN = env_bool("LOCAL_LOGIN", True)
if not LOCAL_LOGIN and not OIDC_ENABLED:
    raise ImproperlyConfigured("LOCAL_LOGIN=false needs OIDC sign-in: set OIDC_RP_CLIENT_ID and the provider.")
if not LOCAL_LOGIN:
    AUTHENTICATION_BACKENDS.insert(1, "identity.oidc.NoPasswordBackend")
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("identity.oidc.OidcBackend")
    # Logout is a form POST answered with a redirect to the provider's end-session endpoint, and
    # browsers hold that redirect to form-action: allow the provider's origin(s) there.
    for _url in (OIDC_ISSUER, OIDC_DISCOVERY_URL, OIDC_OP_LOGOUT_ENDPOINT):
        _parts = urlsplit(_url)
        if _parts.scheme in {"http", "https"} and _parts.netloc:
            _origin = f"{_parts.scheme}://{_parts.netloc}"
            if _origin not in CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]:
                CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_origin)
# ========================================================================================== end OIDC

# --- Production shape: static files, queues, health (ops) -----------------------------------------
# Static files: WhiteNoise (MIDDLEWARE) serves STATIC_ROOT from each web process. Once `collectstatic`
# has run (make up, every deployment), STATIC_FILES_COLLECTED=true switches to hashed names (cached by
# browsers for a year) with gzip and brotli copies. Without it (make run, the tests, which never
# collect), files keep their plain names: a manifest storage would refuse every {% static %} it has
# no manifest entry for. "default" (uploads, packs) is left to the shared file storage settings.
STATIC_FILES_COLLECTED = env_bool("STATIC_FILES_COLLECTED", False)
if not STATIC_FILES_COLLECTED:
    # Nothing collected (perhaps no STATIC_ROOT yet): WhiteNoise looks files up as they are asked for
    # rather than indexing STATIC_ROOT once at start (and warning that it is missing).
    WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    **globals().get("STORAGES", {}),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_FILES_COLLECTED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Source maps are for browser developer tools only: compressing them (megabytes each) would double the
# time collectstatic takes.
from whitenoise.compress import Compressor  # noqa: E402 - this block's own

WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Queues: board packs and dossiers (seconds to minutes of rendering each) go to "pdf", served by its
# own worker pool (Procfile: worker-pdf), so reminder mail and webhooks on the default queue never
# wait behind them.
CELERY_TASK_DEFAULT_QUEUE = "celery"
PDF_QUEUE = "pdf"
CELERY_TASK_ROUTES = {
    "reports.tasks.generate_board_pack": {"queue": PDF_QUEUE},
    "reports.tasks.build_monthly_executive_pack": {"queue": PDF_QUEUE},
    "reports.tasks.generate_dossier": {"queue": PDF_QUEUE},
}
# Worker heartbeats (ops.heartbeat): each worker writes one every WORKER_HEARTBEAT_INTERVAL seconds,
# kept for WORKER_HEARTBEAT_MAX_AGE; /readyz/ fails when no worker has written one in that time.
WORKER_HEARTBEAT_INTERVAL = env_int("WORKER_HEARTBEAT_INTERVAL", 30)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 120)
if not 1 <= WORKER_HEARTBEAT_INTERVAL < WORKER_HEARTBEAT_MAX_AGE:
    raise ImproperlyConfigured("WORKER_HEARTBEAT_INTERVAL must be at least 1 and below WORKER_HEARTBEAT_MAX_AGE.")
# Each /readyz/ check gets this many seconds (all run at once), so a dead dependency makes the probe
# answer 503 quickly instead of hanging.
READINESS_CHECK_TIMEOUT = env_int("READINESS_CHECK_TIMEOUT", 2)
# Load balancers probe the web processes over plain HTTP: the probes answer there, never a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
# --- Production shape (ops) end -------------------------------------------------------------------
