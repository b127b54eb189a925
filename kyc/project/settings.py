"""Settings for the KYC onboarding product, all from environment variables (see README.md).

Defaults give the quick start: SQLite, an on-disk broker and private file storage under
``KYC_DATA_DIR``, the embedded OCR engine. ``KYC_ENVIRONMENT=production`` turns on every
production safeguard and refuses the development secret key.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kyc.core.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the repository: kyc/project/settings.py
DATA_DIR = Path(env_str("KYC_DATA_DIR", str(BASE_DIR / "var")) or "").resolve()

ENVIRONMENT = env_choice("KYC_ENVIRONMENT", "development", {"development", "production"})
PRODUCTION = ENVIRONMENT == "production"

DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if PRODUCTION and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY or "") < 50):
    raise ImproperlyConfigured(
        "KYC_ENVIRONMENT=production needs SECRET_KEY (or SECRET_KEY_FILE): a random value of at "
        "least 50 characters, not the development key."
    )

DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files (no CDN is reachable)
    "django_otp",  # the device API of the staff second factor (kyc.models.TotpDevice)
    "django_filters",  # the review queue's filter bar
    "kyc.core",
    "kyc",
    "kyc.api",
    "ocr_integration",
]

MIDDLEWARE = [
    # Probes and scrapes come by IP over plain HTTP: answered before the host check and HTTPS redirect.
    "kyc.ops.endpoints.OperationsEndpointsMiddleware",
    "kyc.ops.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the user is known: a signed-in reviewer's own language, over the cookie's (issue 15, point 6).
    "kyc.views.reviewer.language.ReviewerLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kyc.project.urls"
WSGI_APPLICATION = "kyc.project.wsgi.application"
ASGI_APPLICATION = "kyc.project.asgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kyc.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0))
except Exception as exc:  # dj_database_url raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django understands: {exc}") from exc
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so the web process and the worker queue up
    # instead of failing with "database is locked" when both write (the audit chain head).
    _database["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    # A file, not memory, so that a Celery worker started by the tests sees the test database.
    _database["TEST"] = {"NAME": str(DATA_DIR / f"test-{Path(_database['NAME']).stem}.sqlite3")}
    _database["CONN_MAX_AGE"] = 0
    # The queue's covering indexes (INCLUDE) are a PostgreSQL optimisation; on SQLite (the quick
    # start, the tests) the same index without its extra columns is correct, only less quick.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared by all processes: IAM tokens, rate limits) -------------------------------
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL and CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          # Several deployments (or parallel test processes) may share one Redis database.
                          "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "")}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// or rediss:// URL, not {CACHE_URL!r}")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff sign-in: this many failures in a row lock the account for this long.
STAFF_LOGIN_MAX_FAILURES = env_int("STAFF_LOGIN_MAX_FAILURES", 5, minimum=1)
STAFF_LOGIN_LOCKOUT_SECONDS = env_int("STAFF_LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
# Separation of duties: an account created, given a role, or whose password someone else set in
# the last N hours cannot confirm a four-eyes approval (an admin cannot mint a second approver).
FOUR_EYES_COOLING_OFF_HOURS = env_int("FOUR_EYES_COOLING_OFF_HOURS", 24, minimum=0)
# Hours a submitted case may wait for its decision before the queue shows it over its SLA.
REVIEW_SLA_HOURS = env_int("REVIEW_SLA_HOURS", 24, minimum=1)
# Key of the blind indexes that let reviewers search encrypted names and document numbers (HMAC-SHA256
# of the normalised value). Without it, one is derived from SECRET_KEY: rotating either means re-indexing
# (manage.py reindex_case_search).
SEARCH_INDEX_KEY = env_str("SEARCH_INDEX_KEY", "")

# --- Audit checkpoints (kyc/core/audit_keys.py, kyc/core/audit_checkpoints.py) ------------------
# Ed25519 keys, PEM, never in the database. The signing key lives on the hosts that write
# checkpoints; the verifying keys are published (old ones kept after a rotation).
AUDIT_SIGNING_KEY = env_str("AUDIT_SIGNING_KEY", "")
AUDIT_VERIFYING_KEYS = env_str("AUDIT_VERIFYING_KEYS", "")
AUDIT_CHECKPOINT_INTERVAL_SECONDS = env_int("AUDIT_CHECKPOINT_INTERVAL_SECONDS", 300, minimum=10)
# Each new checkpoint is also appended (one JSON line) to this file, for write-once storage.
AUDIT_CHECKPOINT_EXPORT_PATH = env_str("AUDIT_CHECKPOINT_EXPORT_PATH", "")
LOGIN_URL = "reviewer:login"
LOGIN_REDIRECT_URL = "reviewer:queue"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "kyc" / "locale"]
FORMAT_MODULE_PATH = ["kyc.project.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "kyc.project.staticfiles.AppDirectoriesFinderWithoutUnusedBundles",  # no Redoc, no JS source maps
]
# No MEDIA_URL: document images are only ever served through a permission-checked view.
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "filesystem", {"filesystem", "s3"})
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "kyc.storage.s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
            "region_name": env_str("AWS_S3_REGION_NAME"),
            "access_key": env_str("AWS_ACCESS_KEY_ID"),
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": env_str("AWS_S3_SERVER_SIDE_ENCRYPTION", "AES256")},
            # A down or hanging S3 fails the request (503 to an upload) within bounded time.
            "connect_timeout": env_float("AWS_S3_CONNECT_TIMEOUT_SECONDS", 3.0, minimum=0.1),
            "read_timeout": env_float("AWS_S3_READ_TIMEOUT_SECONDS", 5.0, minimum=0.1),
            "max_attempts": env_int("AWS_S3_MAX_ATTEMPTS", 2, minimum=1),
        },
    }
    if not _default_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
else:
    _default_storage = {
        "BACKEND": "kyc.storage.filesystem.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "private-media")},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Fernet keys for personal data at rest, newest first (see kyc/core/encryption/crypto.py for rotation).
KYC_ENCRYPTION_KEYS = env_list("KYC_ENCRYPTION_KEYS", [])
if PRODUCTION and not KYC_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "KYC_ENVIRONMENT=production needs KYC_ENCRYPTION_KEYS (or KYC_ENCRYPTION_KEYS_FILE): Fernet keys, "
        "newest first. Make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 15 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file
# Where those temporary files go (and kyc/uploads/prepare.py's cleaned copy past 2 MB); the system's default if unset.
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR", None)
if FILE_UPLOAD_TEMP_DIR and not Path(FILE_UPLOAD_TEMP_DIR).is_dir():
    # Found now, not as a failed upload: every upload over 2 MB needs it.
    raise ImproperlyConfigured(f"FILE_UPLOAD_TEMP_DIR={FILE_UPLOAD_TEMP_DIR} is not a folder.")
# How an upload is cleaned of everything but its picture (kyc/uploads/prepare.py): "remux" keeps a JPEG's
# compressed data and rewrites a PNG from its rows, in bounded memory; "reencode" decodes and
# re-encodes every image, so nothing of the file's bytes survives, for the pixels' memory.
UPLOAD_SANITIZING = env_choice("UPLOAD_SANITIZING", "remux", {"remux", "reencode"})

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_QUEUE", "kyc")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fix-up closes the database connections around every task unless this is set (it
# then closes them once per this many of its calls, two per task: every 500 tasks here);
# kyc/ops/db_connections.py keeps them from task to task, within CONN_MAX_AGE, as a web process
# does from request to request.
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-reads": {"task": "kyc.tasks.requeue_stalled_reads", "schedule": 60.0},
    "purge-expired-personal-data": {"task": "kyc.tasks.purge_expired_personal_data", "schedule": 3600.0},
    "requeue-due-webhooks": {"task": "kyc.api.tasks.requeue_due_webhooks", "schedule": 60.0},
    "purge-rate-counters": {"task": "kyc.tasks.purge_rate_counters", "schedule": 86400.0},
    "retrain-face-index": {"task": "kyc.tasks.retrain_face_index", "schedule": 86400.0},
    # The reviewer queue's counter table (kyc/models/queue_count.py): folded often, recounted hourly.
    "compact-queue-counts": {"task": "kyc.tasks.compact_queue_counts", "schedule": 60.0},
    "reconcile-queue-counts": {"task": "kyc.tasks.reconcile_queue_counts", "schedule": 3600.0},
    "write-audit-checkpoint": {
        "task": "kyc.tasks.write_audit_checkpoint", "schedule": float(AUDIT_CHECKPOINT_INTERVAL_SECONDS),
    },
}

# --- OCR ------------------------------------------------------------------------------------
# Provider name -> "module:factory". Vendors add theirs in the block below.
OCR_PROVIDERS: dict[str, str] = {
    "local": "ocr_integration.local.provider:LocalOcrProvider",
}
OCR_DEFAULT_PROVIDER = env_str("OCR_DEFAULT_PROVIDER", "local")
# Document kind -> {"primary": name, "fallback": name | None, "second_reader": name | None}.
# Kinds not listed use OCR_DEFAULT_PROVIDER alone.
OCR_ROUTING: dict[str, dict[str, str | None]] = {}
OCR_READ_MAX_RETRIES = env_int("OCR_READ_MAX_RETRIES", 5, minimum=0)
OCR_RETRY_BACKOFF_SECONDS = env_float("OCR_RETRY_BACKOFF_SECONDS", 5.0, minimum=0.0)
OCR_RETRY_BACKOFF_MAX_SECONDS = env_float("OCR_RETRY_BACKOFF_MAX_SECONDS", 600.0, minimum=0.0)
# A read claimed longer ago than this is presumed lost (worker killed) and is queued again.
OCR_READ_STALL_SECONDS = env_int("OCR_READ_STALL_SECONDS", 900, minimum=10)

# --- Checks ---------------------------------------------------------------------------------
CHECK_MIN_CONFIDENCE = env_float("CHECK_MIN_CONFIDENCE", 0.80, minimum=0.0)
CHECK_EXPIRY_WARNING_DAYS = env_int("CHECK_EXPIRY_WARNING_DAYS", 90, minimum=0)
CHECK_MINIMUM_AGE_YEARS = env_int("CHECK_MINIMUM_AGE_YEARS", 18, minimum=0)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Bounded in size and nesting (a 413 or a 400, never a 500); the upload view sets its own.
    "DEFAULT_PARSER_CLASSES": ["kyc.api.parsers.BoundedJSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KYC onboarding API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "Create cases, upload document images, submit, follow the result. See docs/api.md.",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "kyc.api.serializers.CASE_STATE_CHOICES",
        "ConsentScopeEnum": "kyc.services.consent.SCOPES",
        "WebhookDeliveryStateEnum": "kyc.api.models.WebhookDelivery.State",
    },
}
# Requests per integrator (DRF rate syntax: N/second|minute|hour|day).
API_RATE = env_str("API_RATE", "600/minute")
API_UPLOAD_RATE = env_str("API_UPLOAD_RATE", "120/minute")
for _rate_name in ("API_RATE", "API_UPLOAD_RATE"):
    _count, _, _period = (globals()[_rate_name] or "").partition("/")
    if not (_count.isdigit() and _period[:1] in ("s", "m", "h", "d")):
        raise ImproperlyConfigured(f"{_rate_name} must be '<count>/<second|minute|hour|day>', e.g. 600/minute")
# How long an Idempotency-Key's answer is replayed.
API_IDEMPOTENCY_TTL_HOURS = env_int("API_IDEMPOTENCY_TTL_HOURS", 24, minimum=1)
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10.0, minimum=0.1)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_BACKOFF_SECONDS = env_float("WEBHOOK_BACKOFF_SECONDS", 30.0, minimum=0.0)
WEBHOOK_BACKOFF_MAX_SECONDS = env_float("WEBHOOK_BACKOFF_MAX_SECONDS", 6 * 3600.0, minimum=0.0)
# Webhook URLs on loopback or private networks (SSRF into our own network) only outside production.
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", not PRODUCTION)

# --- Applicant pages ------------------------------------------------------------------------
# A case link (and the session's access to the case) lasts this long after it was granted.
APPLICANT_LINK_MAX_AGE_SECONDS = env_int("APPLICANT_LINK_MAX_AGE_SECONDS", 72 * 3600, minimum=60)
# Where applicants reach these pages, for links in emails sent without a request (a reviewer asking
# for new images): "https://kyc.example.com". Empty: those emails carry no link.
APPLICANT_BASE_URL = (env_str("APPLICANT_BASE_URL", "" if PRODUCTION else "http://localhost:8000") or "").rstrip("/")
if APPLICANT_BASE_URL and not APPLICANT_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"APPLICANT_BASE_URL must start with https:// or http://, not {APPLICANT_BASE_URL!r}")
# Per client address and per email address, a sliding window: "count/seconds".
APPLICANT_CASE_RATE = env_str("APPLICANT_CASE_RATE", "10/3600")
APPLICANT_UPLOAD_RATE = env_str("APPLICANT_UPLOAD_RATE", "60/3600")
for _rate_name in ("APPLICANT_CASE_RATE", "APPLICANT_UPLOAD_RATE"):
    _count, _, _seconds = (globals()[_rate_name] or "").partition("/")
    if not (_count.isdigit() and _seconds.isdigit() and int(_seconds) > 0):
        raise ImproperlyConfigured(f"{_rate_name} must be '<count>/<seconds>', e.g. 10/3600")

# How many times an image the engine cannot read is sent back to the applicant for a new photo (per
# side, per case) before a reviewer has to look at it instead.
# The instant quality gate at upload (kyc/uploads/capture_quality.py; thresholds in the admin's site configuration).
CAPTURE_GATE_ENABLED = env_bool("CAPTURE_GATE_ENABLED", True)
APPLICANT_UNREADABLE_RETURNS = env_int("APPLICANT_UNREADABLE_RETURNS", 2, minimum=0)
# Issue 19: whether a new case asks for a selfie and a liveness capture after its documents, where the
# admin's site configuration leaves it empty for the document type ("required" on a new install;
# the test settings say "not_asked" so that tests of other features need no face).
SELFIE_REQUIREMENT = env_choice("SELFIE_REQUIREMENT", "required", {"not_asked", "required"})
# The burst of frames one liveness capture keeps (the client takes ~10 over ~3 s).
LIVENESS_MIN_FRAMES = env_int("LIVENESS_MIN_FRAMES", 6, minimum=2)
LIVENESS_MAX_FRAMES = env_int("LIVENESS_MAX_FRAMES", 16, minimum=2)
# A burst longer than this is not one movement (a recording stitched together, a paused page).
LIVENESS_MAX_DURATION_MS = env_int("LIVENESS_MAX_DURATION_MS", 10_000, minimum=1000)
# Issue 19, the face checks (ocr_integration/documents/faces.py): descriptor distances (dlib's Euclidean
# distance; 0.6 is dlib's published same-person threshold). Selfie against the document portrait:
# pass at FACE_MATCH_THRESHOLD or less, fail above FACE_MISMATCH_THRESHOLD, warn between. Two cases'
# selfies closer than FACE_DUPLICATE_THRESHOLD are the same face (DUPLICATE_FACE).
FACE_MATCH_THRESHOLD = env_float("FACE_MATCH_THRESHOLD", 0.5, minimum=0.05)
FACE_MISMATCH_THRESHOLD = env_float("FACE_MISMATCH_THRESHOLD", 0.6, minimum=0.05)
FACE_DUPLICATE_THRESHOLD = env_float("FACE_DUPLICATE_THRESHOLD", 0.45, minimum=0.05)
# Degrees each way from the middle position that a liveness burst must turn the head.
LIVENESS_MIN_TURN_DEGREES = env_float("LIVENESS_MIN_TURN_DEGREES", 10.0, minimum=1.0)
if FACE_MATCH_THRESHOLD > FACE_MISMATCH_THRESHOLD:
    raise ImproperlyConfigured("FACE_MATCH_THRESHOLD must not be above FACE_MISMATCH_THRESHOLD")

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kyc@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Security headers (hardening) ---
# Owned by the hardening work (docs/hardening.md, tests/hardening/test_headers.py). kyc/project/middleware.py
# explains why a small middleware and not django-csp.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "kyc.project.middleware.RequestBodyLimitMiddleware"
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("kyc.project.middleware.RequestBodyLimitMiddleware") + 1, "kyc.project.middleware.SecurityHeadersMiddleware"
)
# A request may be one upload (UPLOAD_MAX_BYTES) plus this much multipart envelope and form fields;
# a larger Content-Length is answered 413 before the body is read.
REQUEST_BODY_OVERHEAD_BYTES = env_int("REQUEST_BODY_OVERHEAD_BYTES", 256 * 1024, minimum=1024)
# Every script and stylesheet is a static file (no inline code, no event-handler attributes), so
# the policy needs no nonces. blob:/data: images: the camera preview of the upload page.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if PRODUCTION:
    CONTENT_SECURITY_POLICY["upgrade-insecure-requests"] = []
# The applicant's page may use the camera; nothing may use the rest.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    # __Host- cookies are only accepted over HTTPS, for this exact host, on path /: a sibling
    # subdomain cannot plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-kyc-session"
    CSRF_COOKIE_NAME = "__Host-kyc-csrftoken"
# --- End of security headers (hardening) ---

# --- Logging: no personal data is ever passed to a logger; levels from the environment. -----
# LOG_FORMAT=json (the production default): one JSON object per line with the request id, case,
# task id, vendor, duration and outcome (kyc/ops/logs.py). The worker then logs through this same
# configuration instead of Celery's own, so its lines are JSON too.
LOG_FORMAT = env_choice("LOG_FORMAT", "json" if PRODUCTION else "plain", {"json", "plain"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "kyc.ops.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # libvips reports each finished pipeline at INFO ("threadpool completed"); its warnings stay.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pyvips": {"level": "WARNING"}},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
# /metrics answers only a scraper presenting "Authorization: Bearer <METRICS_TOKEN>"; unset, it is off.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

DATA_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at every start when it is missing

# --- OCR vendors (ocr_integration.vendors) ---
# Every variable is described in docs/vendors.md. Point an endpoint at the simulator
# (python manage.py ocr_simulator) with e.g. G42_OCR_ENDPOINT=http://127.0.0.1:8790.
OCR_VENDOR_CONNECT_TIMEOUT = env_float("OCR_VENDOR_CONNECT_TIMEOUT", 5.0, minimum=0.1)
OCR_VENDOR_READ_TIMEOUT = env_float("OCR_VENDOR_READ_TIMEOUT", 30.0, minimum=0.1)
# Accounts from the variables below ("settings") or from VendorAccount rows in the admin ("database").
OCR_VENDOR_ACCOUNTS = env_choice("OCR_VENDOR_ACCOUNTS", "settings", {"settings", "database"})
OCR_VENDOR_CACHE_ALIAS = "default"  # IAM tokens: shared by every process through CACHES above
# Rate limits and the Huawei token lock: redis:// (every host) or a directory (one host).
OCR_VENDOR_COORDINATION_URL = env_str(
    "OCR_VENDOR_COORDINATION_URL", CACHE_URL or str(DATA_DIR / "ocr-vendors")
)


def _huawei_stack(prefix: str, *, vendor: str, region: str, endpoint: str, iam_endpoint: str, auth: str) -> dict:
    region = env_str(f"{prefix}_REGION", region) or region
    return {
        "vendor": vendor,
        "region": region,
        "endpoint": env_str(f"{prefix}_ENDPOINT", endpoint.format(region=region)),
        "iam_endpoint": env_str(f"{prefix}_IAM_ENDPOINT", iam_endpoint.format(region=region)),
        "project_id": env_str(f"{prefix}_PROJECT_ID", ""),
        "project_name": env_str(f"{prefix}_PROJECT_NAME", region),
        "auth_scheme": env_choice(f"{prefix}_AUTH", auth, {"aksk", "token"}),
        "access_key": env_str(f"{prefix}_AK", ""),
        "secret_key": env_str(f"{prefix}_SK", ""),
        "domain_name": env_str(f"{prefix}_DOMAIN_NAME", ""),
        "username": env_str(f"{prefix}_USERNAME", ""),
        "password": env_str(f"{prefix}_PASSWORD", ""),
        "qps": env_float(f"{prefix}_QPS", 10.0, minimum=0.0),
        "passport_api": env_choice(f"{prefix}_PASSPORT_API", "passport", {"passport", "auto"}),
    }


OCR_VENDORS: dict[str, dict] = {
    # G42 documents AK/SK as the only scheme for OCR in ae-ad-1 (vendor-docs/001 §2.3).
    "g42": _huawei_stack("G42_OCR", vendor="g42", region="ae-ad-1", endpoint="https://ocr.{region}.g42cloud.com",
                         iam_endpoint="https://iam.{region}.g42cloud.com", auth="aksk"),
    "huawei": _huawei_stack("HUAWEI_OCR", vendor="huawei", region="ap-southeast-1", endpoint="https://ocr.{region}.myhuaweicloud.com",
                            iam_endpoint="https://iam.{region}.myhuaweicloud.com", auth="aksk"),
    "ctyun": {
        "vendor": "ctyun",
        "endpoint": env_str("CTYUN_OCR_ENDPOINT", "https://ai-global.ctapi.ctyun.cn"),
        "access_key": env_str("CTYUN_OCR_AK", ""),
        "secret_key": env_str("CTYUN_OCR_SK", ""),
        "app_key": env_str("CTYUN_OCR_APPKEY", ""),
        "qps": env_float("CTYUN_OCR_QPS", 5.0, minimum=0.0),
        "batching": env_bool("CTYUN_OCR_BATCHING", True),
        "batch_max": env_int("CTYUN_OCR_BATCH_MAX", 50, minimum=1, maximum=50),
        "batch_wait_ms": env_int("CTYUN_OCR_BATCH_WAIT_MS", 200, minimum=0),
        # eop-date is Beijing wall time labelled Z (vendor-docs/README.md); checked at start-up.
        "clock_zone": env_str("CTYUN_OCR_CLOCK_ZONE", "Asia/Shanghai"),
        # After a throttle (or an undocumented error under load) every process stays quiet this long.
        "throttle_backoff_s": env_float("CTYUN_OCR_THROTTLE_BACKOFF_S", 30.0, minimum=0.0),
    },
}
OCR_PROVIDERS.update({
    "g42": "ocr_integration.vendors.huawei.client:g42_provider",
    "huawei": "ocr_integration.vendors.huawei.client:huawei_provider",
    "huawei_text": "ocr_integration.vendors.huawei.client:huawei_text_provider",
    "ctyun": "ocr_integration.vendors.ctyun.client:ctyun_provider",
    "ctyun_text": "ocr_integration.vendors.ctyun.client:ctyun_text_provider",
})
# Routing per document kind (ocr_integration.routing): OCR_ROUTE_<KIND>="primary,fallback,second".
OCR_VENDOR_ROUTES = {
    kind: env_str(f"OCR_ROUTE_{kind.upper()}", "")
    for kind in ("passport", "emirates_id_front", "emirates_id_back", "cn_id_portrait", "cn_id_emblem", "bank_card")
}
# --- end of OCR vendors ---
