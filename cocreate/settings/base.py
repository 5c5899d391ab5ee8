"""Settings for every environment, read from environment variables.

Defaults make `manage.py runserver` work anywhere (SQLite, in-memory channel layer, database search);
production sets DEBUG=0 plus the variables in README's configuration table.
"""

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_rates, env_str

# The project package: its templates/ and static/ are the site-wide ones, installed with it.
PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent  # the checkout (or, installed, site-packages): only defaults below
VAR_DIR = Path(env_str("COCREATE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# The name members know the site by: in the From of its emails, their subjects, and Wagtail's admin.
SITE_NAME = env_str("SITE_NAME", "Cocreate")

INSTALLED_APPS = [
    # daphne first: its runserver serves HTTP and websockets from one development process.
    "daphne",
    "operations",
    "community",
    "ideas",
    "voting",
    "notifications",
    "products",
    "backlog",
    "prototypes",
    "search",
    "moderation",
    "cms",
    "webhooks",
    # The REST API (/api/v1/, django-ninja); "ninja" for its templates and the bundled Swagger UI files.
    "api",
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # PostgreSQL lookups (trigram similarity) for database search; does nothing on SQLite.
    "django.contrib.postgres",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    # Social log-in providers: installed, but off until an app is configured (settings or admin).
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.openid_connect",
    "wagtail.contrib.forms",
    # Pages translated through Wagtail's own localisation: one tree per locale (WAGTAIL_I18N_ENABLED).
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files from the app itself (no CDN; the machines are offline).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Answers 413 from Content-Length and limits uploads as they stream, before CSRF reads the form.
    "cocreate.http.RequestLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A member's saved language where the browser has not chosen one (after Locale and Authentication).
    "community.access.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The page policy below, through django-csp's middleware; JSON answers get the fixed API policy.
    "cocreate.http.policy_middleware",
    "allauth.account.middleware.AccountMiddleware",
    "community.access.StaffMFAMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that it sees every answer under API_PATH_PREFIX, Django's own 404 and 405 included, and
    # turns any error that is not yet one into an RFC 9457 problem (api/problems.py).
    "api.problems.ProblemMiddleware",
]

ROOT_URLCONF = "cocreate.urls"
WSGI_APPLICATION = "cocreate.wsgi.application"
ASGI_APPLICATION = "cocreate.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "notifications.context_processors.unread_notifications",
            ],
            # {% hole %}: pages rendered once for many viewers (cocreate/holes.py);
            # {{ moment|ago }}: "2 days ago" with the exact time on hover (cocreate/when.py).
            "libraries": {"holes": "cocreate.holes", "when": "cocreate.when"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Persistent connections, checked before their first use in each request (CONN_HEALTH_CHECKS): after
    # a PostgreSQL restart or failover the first request on each worker reconnects instead of failing on
    # a dead connection. The websocket server's database calls (channels' database_sync_to_async) close
    # old connections around each call the same way, so they heal too. On PostgreSQL the check asks the
    # socket first and sends `SELECT 1` only when the server has written something (cocreate/postgres).
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "cocreate.postgres"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent votes queue instead of failing
                # with "database is locked" half-way through a transaction; WAL lets reads go on meanwhile.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"].setdefault("TEST", {})
# A vote on PostgreSQL commits without waiting for its WAL to reach the disk (synchronous_commit off
# for the vote's own transaction, voting/services.py); every other write waits, as by default. If
# PostgreSQL or its machine crashes (a clean restart loses nothing), the votes of the last moments
# (at most 3 × wal_writer_delay, 0.6 s by default) are lost whole: the vote row and its idea's counters
# are one transaction, so they never disagree. Measured: +18 % votes per second, and no vote waits on a
# slow disk flush (bench/RESULTS.md, 2026-12-06). SQLite's `synchronous=NORMAL` above is the same trade
# for every write. True: votes wait for the disk too.
VOTE_SYNCHRONOUS_COMMIT = env_bool("VOTE_SYNCHRONOUS_COMMIT", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ---------------------------------------------------------------
# Redis is an accelerator, never the only copy: when it is unreachable, cache reads are misses, cache
# writes do nothing, sessions and members come from the database, and live updates pause (they resume
# within seconds of Redis answering again). Short timeouts bound what one call can cost, and a circuit
# breaker per process (cocreate/breaker.py) skips Redis for REDIS_BREAKER_SECONDS after a failure, so an
# outage costs microseconds per call, not a timeout per call. /health/ shows the state.
REDIS_URL = env_str("REDIS_URL")
# Redis answers in well under a millisecond on a LAN; these only bound a hung or unreachable server.
REDIS_CONNECT_TIMEOUT = env_int("REDIS_CONNECT_TIMEOUT_MS", 250) / 1000
REDIS_TIMEOUT = env_int("REDIS_TIMEOUT_MS", 500) / 1000
# The channel layer is off the request path (broadcasts go out from a thread of their own, a socket
# joins while its page is already shown), so its connections may wait longer: a busy machine can stall
# an event loop for a few hundred milliseconds, and a refused socket costs its page live updates for a
# breaker pause, where a cache call's timeout would cost a page.
REDIS_LAYER_CONNECT_TIMEOUT = env_int("REDIS_LAYER_CONNECT_TIMEOUT_MS", 2000) / 1000
REDIS_BREAKER_SECONDS = env_int("REDIS_BREAKER_SECONDS", 5)


def redis_settings(url: str, *, layer_prefix: str = "asgi") -> dict:
    """CACHES and CHANNEL_LAYERS on the Redis at `url` (also used by the outage tests' private Redis)."""
    return {
        # The pub/sub layer: a group message is one PUBLISH (the core layer runs a Lua script per group
        # and keeps group sets), and live updates are fire-and-forget anyway. ideas/broadcasts.py sends
        # to it from one event loop per process, on a thread of its own, through a breaker of its own.
        # Its subscriptions survive a Redis restart: redis-py subscribes again when it reconnects.
        "CHANNEL_LAYERS": {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {
                    "hosts": [
                        {
                            "address": url,
                            "socket_connect_timeout": REDIS_LAYER_CONNECT_TIMEOUT,
                            "socket_timeout": REDIS_TIMEOUT,
                        }
                    ],
                    "prefix": layer_prefix,
                },
            }
        },
        # django-redis: one redis-py client per server for the whole process (Django's own Redis backend
        # builds a new client for every call, ~0.2 ms of CPU each), and its public get_redis_connection
        # for what the cache API lacks (cocreate/cache.py).
        "CACHES": {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": url,
                "OPTIONS": {
                    # A Redis error is a miss (reads) or nothing (writes), as with memcached.
                    "IGNORE_EXCEPTIONS": True,
                    "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                    "SOCKET_TIMEOUT": REDIS_TIMEOUT,
                    # Connections with a circuit breaker; writes lost in an outage are deleted afterwards.
                    "CONNECTION_POOL_CLASS": "cocreate.cache.BreakerConnectionPool",
                    "CLIENT_CLASS": "cocreate.cache.FailSoftClient",
                },
            }
        },
    }


if REDIS_URL:
    _redis = redis_settings(REDIS_URL)
    CHANNEL_LAYERS = _redis["CHANNEL_LAYERS"]
    CACHES = _redis["CACHES"]
    # Not one log line per ignored call: the breakers log once when Redis fails and once when it is back.
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
else:
    # One process only: fine for development and a single-machine install.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions read from the cache, written through to the database: no session query per page, and no
# member logged out when the cache is lost (or unreachable: then they are read from the database).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Background tasks -------------------------------------------------------------------------------
# "default" is django-tasks' database queue, drained by `manage.py db_worker`. Websocket broadcasts
# are not tasks: they go out from the committing process right after the commit (ideas/broadcasts.py),
# since a polling worker would add up to a second to every live update.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# `manage.py run_worker` (operations.worker) beats a heartbeat this often, also while a task runs; a
# RUNNING task whose worker has not beaten for the lease is taken up again by another worker, up to
# TASK_MAX_ATTEMPTS runs in all. The lease must be several heartbeats long: a busy database or a
# paused VM must not make a live worker look dead (its task would then run twice: safe, but wasted).
TASK_WORKER_HEARTBEAT_SECONDS = env_int("TASK_WORKER_HEARTBEAT_SECONDS", 5)
TASK_WORKER_LEASE_SECONDS = env_int("TASK_WORKER_LEASE_SECONDS", 30)
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 5)
# `manage.py run_scheduler` queues the reconciliation job (operations.reconcile) this often.
RECONCILE_MINUTES = env_int("RECONCILE_MINUTES", 5)

# /health/ reports the task queue as degraded once the oldest due task has waited this long (no worker
# running, or one that cannot keep up).
HEALTH_TASK_WAIT_SECONDS = env_int("HEALTH_TASK_WAIT_SECONDS", 120)

# --- Search -------------------------------------------------------------------------------------------
# Unset: the search app queries the database (SQLite FTS5 / PostgreSQL full text); set: Elasticsearch.
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"
# Elasticsearch index names are "<prefix>-ideas-<timestamp>" behind the alias "<prefix>-ideas", so
# several installs (or test runs) can share one cluster.
SEARCH_INDEX_PREFIX = env_str("SEARCH_INDEX_PREFIX", "cocreate")
# Anonymous visitors share facet counts of the same search for this long (database backend): facets
# are half the cost of a broad search at 100k ideas. 0 computes them on every request.
SEARCH_FACET_CACHE_SECONDS = env_int("SEARCH_FACET_CACHE_SECONDS", 30)
# Bounded counting, as GitHub ("1k+") and Elasticsearch (track_total_hits, 10,000 by default) do: totals
# are exact up to this many results and shown as "1,000+" beyond; for a match broader than this, facet
# counts are taken over its best-ranked 1,000 only and shown as lower bounds ("120+"). Exact counts of a
# broad match read every matching row (13.5k for "lock" at 100k ideas: the whole p99 budget of the page),
# and no member pages past 1,000 results (50 pages of 20). Filters always filter the whole match.
SEARCH_EXACT_COUNT_LIMIT = env_int("SEARCH_EXACT_COUNT_LIMIT", 1000)

# --- Accounts (django-allauth) --------------------------------------------------------------------
AUTH_USER_MODEL = "community.Member"
# Django's and allauth's backends, loading the logged-in member from the cache (community/auth.py).
AUTHENTICATION_BACKENDS = [
    "community.auth.MemberBackend",
    "community.auth.AllauthMemberBackend",
]
# How long a cached copy of a logged-in member or of an API token's row may live (it is retired at
# once when the member or the token changes: cocreate/copies.py). Off (0) without Redis: a
# process-local cache cannot hear of other processes' changes.
MEMBER_CACHE_SECONDS = env_int("MEMBER_CACHE_SECONDS", 600 if REDIS_URL else 0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupForm"
# "optional": a verification mail goes out at sign-up and members may log in and read at once; posting,
# commenting and voting wait for the verified address (community.access.contributor_required).
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True  # a new address replaces the old one only once verified
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell members when their password or email changes
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's rate limits stay at their defaults (log-in failures, sign-ups, password resets, …).
LOGIN_REDIRECT_URL = "/ideas/"  # staff land on /workspace/ instead (community.auth.AccountAdapter)
# The currency of every CLV and customer equity (ISO 4217): the imports' amounts are in it, pages show it.
COCREATE_CURRENCY = env_str("COCREATE_CURRENCY", "EUR").strip().upper()
if not re.fullmatch(r"[A-Z]{3}", COCREATE_CURRENCY):
    raise ImproperlyConfigured(f"COCREATE_CURRENCY must be an ISO 4217 code (EUR), not {COCREATE_CURRENCY!r}")
# Fixed exchange rates for transactions in other currencies: units of COCREATE_CURRENCY per unit of each,
# e.g. CLV_EXCHANGE_RATES="USD=0.92,GBP=1.17" (read as exact decimals). The transactions import refuses a
# currency without a rate; sums convert with them (backlog.exchange, docs/clv.md "Currencies").
CLV_EXCHANGE_RATES = env_rates("CLV_EXCHANGE_RATES")
# An invitation link that links a CRM customer to the account signed up with it (backlog.transactions)
# is valid for this many days.
CLV_INVITATION_DAYS = env_int("CLV_INVITATION_DAYS", 30)
# Customer value predicted from transactions (backlog.transactions, backlog.clv_models; docs/clv.md).
# The upload page imports within the request: bigger files go through `manage.py import_transactions`.
CLV_TRANSACTIONS_UPLOAD_MAX_BYTES = env_int("CLV_TRANSACTIONS_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# CLV is predicted over this many months, discounted at each customer's segment's rate per month.
CLV_HORIZON_MONTHS = env_int("CLV_HORIZON_MONTHS", 12)
# The last part of the data window held out for the calibration/holdout chart of each fit (in days).
CLV_HOLDOUT_DAYS = env_int("CLV_HOLDOUT_DAYS", 180)
# Equity at risk: a customer is flagged when P(alive) is below CLV_AT_RISK_MAX_P_ALIVE and the predicted
# CLV is at least CLV_AT_RISK_MIN_CLV (in COCREATE_CURRENCY). Percent and amount as text: exact decimals.
CLV_AT_RISK_MAX_P_ALIVE = float(env_str("CLV_AT_RISK_MAX_P_ALIVE", "0.5"))
CLV_AT_RISK_MIN_CLV = env_str("CLV_AT_RISK_MIN_CLV", "100")
# The optimiser's budget per model fit (pymc's find_MAP maxeval); a fit that needs more fails visibly.
CLV_FIT_MAX_EVALUATIONS = env_int("CLV_FIT_MAX_EVALUATIONS", 5000)
# run_scheduler refits the models this often (hours) when there are transactions.
CLV_REFIT_EVERY_HOURS = env_int("CLV_REFIT_EVERY_HOURS", 24)
# Staff land on their workspace after logging in; everyone else on the ideas (unless ?next= says where).
ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "community.adapters.user_display"  # "Signed in as <display name>"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Cocreate"
# Pages under these prefixes need two-factor authentication for staff (community.access), and may take
# larger uploads (cocreate.http). /staff/ holds the administrators' member pages (community.staff_urls).
STAFF_PATH_PREFIXES = ["/admin/", "/cms/", "/staff/"]

SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS = {}
if env_str("GITHUB_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": env_str("GITHUB_CLIENT_ID"), "secret": env_str("GITHUB_CLIENT_SECRET")}],
        "SCOPE": ["user:email"],
    }
if env_str("GOOGLE_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env_str("GOOGLE_CLIENT_ID"), "secret": env_str("GOOGLE_CLIENT_SECRET")}],
        "SCOPE": ["profile", "email"],
    }
if env_str("OIDC_SERVER_URL"):
    # A company's own customer SSO (any OpenID Connect provider).
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env_str("OIDC_PROVIDER_ID", "customer-sso"),
                "name": env_str("OIDC_NAME", "Customer SSO"),
                "client_id": env_str("OIDC_CLIENT_ID"),
                "secret": env_str("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": env_str("OIDC_SERVER_URL")},
            }
        ]
    }

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP server may take to answer (connect, each command): one that hangs becomes a recorded
# failure after the retries below, never a worker stuck for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# allauth's own mail (verification, password reset) says the site's name, not "[127.0.0.1:8000]".
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Notification email (notifications.mail): messages per SMTP connection (and per fixed set of queries),
# attempts of a batch the server refused for now (4xx, timeout, connection lost) with back-off
# (EMAIL_RETRY_FIRST_SECONDS, doubling, at most 30 s), and how long an unsubscribe link stays valid.
EMAIL_BATCH_SIZE = env_int("EMAIL_BATCH_SIZE", 500)
EMAIL_SEND_ATTEMPTS = env_int("EMAIL_SEND_ATTEMPTS", 4)
EMAIL_RETRY_FIRST_SECONDS = env_int("EMAIL_RETRY_FIRST_SECONDS", 2)
UNSUBSCRIBE_LINK_DAYS = env_int("UNSUBSCRIBE_LINK_DAYS", 365)

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Each language's own name (the switcher shows them so: nobody has to read English to find theirs). A
# language is listed only once its catalogue is complete: tests/test_translations.py checks every one.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("fi", "Suomi"),
]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
# SHORT_DATE_FORMAT and SHORT_DATETIME_FORMAT per language (cocreate/formats); the rest is Django's.
FORMAT_MODULE_PATH = ["cocreate.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Every uploaded picture (avatars, idea images, prototype screens) passes cocreate.images against these
# three, and the forms' help texts quote them. The pixel budget bounds the decoded picture, not the file:
# a few kilobytes of PNG can decode to gigapixels, and 25 million pixels are already 100 MB as RGBA.
IMAGE_UPLOAD_MAX_BYTES = env_int("IMAGE_UPLOAD_MAX_BYTES", 8 * 2**20)
IMAGE_UPLOAD_MAX_PIXELS = env_int("IMAGE_UPLOAD_MAX_PIXELS", 25_000_000)
IMAGE_UPLOAD_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")  # Pillow's names; re-encoding drops everything else
# Uploaded pictures are decoded in the background (cocreate.image_processing). One still PROCESSING this
# many minutes after it was queued lost its task: the scheduler's sweep queues it again, every
# IMAGE_PROCESSING_SWEEP_MINUTES, and gives up (FAILED, "could not be processed") once it was queued
# IMAGE_PROCESSING_MAX_ATTEMPTS times, so a picture that kills its worker cannot loop forever.
IMAGE_PROCESSING_STALE_MINUTES = env_int("IMAGE_PROCESSING_STALE_MINUTES", 15)
IMAGE_PROCESSING_SWEEP_MINUTES = env_int("IMAGE_PROCESSING_SWEEP_MINUTES", 5)
IMAGE_PROCESSING_MAX_ATTEMPTS = env_int("IMAGE_PROCESSING_MAX_ATTEMPTS", 3)

# Request bodies (cocreate/http.py): a body longer than its view's limit is answered 413 from its
# Content-Length, before it is read. Views that take files set their own limit with `body_limit` (an idea:
# 6 images; a prototype version: its screens and bundle); every other view takes REQUEST_MAX_BYTES, the
# Django admin and Wagtail (STAFF_PATH_PREFIXES: staff with two factors, uploading documents) more.
# A proxy in front should allow the largest of them (client_max_body_size), no more.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 3 * 2**20)
ADMIN_REQUEST_MAX_BYTES = env_int("ADMIN_REQUEST_MAX_BYTES", 64 * 2**20)
# Form fields other than files, together (Django's own check, as the body streams in): Django's default,
# spelled out because REQUEST_MAX_BYTES must stay above it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Files above this are spooled to a temporary file while the request is read, not kept in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2**20
# Files in one request: the most a form takes is a prototype version (20 screens and a bundle).
DATA_UPLOAD_MAX_NUMBER_FILES = 30

# --- REST API (api/) ---------------------------------------------------------------------------------
# Answers under this prefix are JSON, errors RFC 9457 problems (cocreate.http.problem), bodies limited
# to API_REQUEST_MAX_BYTES (the bulk upsert of customer records is the largest body the API takes).
API_PATH_PREFIX = "/api/"
API_REQUEST_MAX_BYTES = env_int("API_REQUEST_MAX_BYTES", 2**20)
# Requests per minute: per member (token or session) and per address for anonymous callers; scaled by
# RATE_LIMIT_SCALE like every limit in community.limits. Writes also spend the pages' own limits.
API_MEMBER_REQUESTS_PER_MINUTE = env_int("API_MEMBER_REQUESTS_PER_MINUTE", 600)
API_ANONYMOUS_REQUESTS_PER_MINUTE = env_int("API_ANONYMOUS_REQUESTS_PER_MINUTE", 120)
# Personal access tokens: the longest life a member may give one, and how often its last use is written
# (a token used for every request of a script must not write its row every time).
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 366)
API_TOKEN_USE_RECORD_SECONDS = env_int("API_TOKEN_USE_RECORD_SECONDS", 60)

# --- Wagtail --------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = SITE_NAME
# CMS pages are translated in Wagtail (a tree per locale, "Translate" in the page's menu through
# wagtail.contrib.simple_translation); a visitor is served the tree of their language, the default
# one where a page has no translation yet. Content languages are the site's languages.
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_BASE_URL = SITE_URL
# Wagtail indexes CMS pages only; ideas are indexed by our own search app.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Security -------------------------------------------------------------------------------------
# Strict policy for the community pages: no inline script, no third-party origin. The Django and
# Wagtail admin screens rely on inline scripts and styles, so they are left to their own defences.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/cms/", "/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Proxies in front of the app that set X-Forwarded-For (deploy/nginx/cocreate.conf is one: it replaces the
# client's header with the address it saw). allauth's per-address rate limits (log-in, sign-up, password
# reset) then count each visitor apart; at 0 everyone behind the proxy is 127.0.0.1, and one abusive client
# would lock everybody out.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers poll /health/ over plain HTTP on the private network: answer, don't redirect.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Community ------------------------------------------------------------------------------------
IDEAS_PAGE_SIZE = 20
# Comments on one page of an idea's discussion (whole threads; "Load more" for the rest).
COMMENTS_PAGE_SIZE = env_int("COMMENTS_PAGE_SIZE", 50)
# Shared page caches (ideas/page_cache.py): fresh this many seconds, then served stale for at most
# page_cache.STALE_SECONDS more while one request renders the next copy. 0 turns a cache off.
# Anonymous idea lists and idea pages: the whole page.
ANONYMOUS_LIST_CACHE_SECONDS = env_int("ANONYMOUS_LIST_CACHE_SECONDS", 3)
ANONYMOUS_IDEA_CACHE_SECONDS = env_int("ANONYMOUS_IDEA_CACHE_SECONDS", 3)
# Members' idea lists and idea pages: rendered once for every member, each member's own parts (votes,
# follow, Edit links, CSRF token, header) filled in per request (cocreate/holes.py, ideas/fragments.py).
MEMBER_LIST_CACHE_SECONDS = env_int("MEMBER_LIST_CACHE_SECONDS", 3)
MEMBER_IDEA_CACHE_SECONDS = env_int("MEMBER_IDEA_CACHE_SECONDS", 3)

# --- Moderation (moderation/) ---------------------------------------------------------------------
# Flags from this many trusted members (trust level 2+) hide content until a moderator reviews it.
FLAGS_TO_HOLD = env_int("FLAGS_TO_HOLD", 3)
# Multiplies every rate limit in community.limits; 0 turns them off (the benchmark does, as one
# member votes thousands of times a minute there). Sign-up and log-in limits are allauth's own.
RATE_LIMIT_SCALE = float(env_int("RATE_LIMIT_PERCENT", 100)) / 100
# Phrases that make a post from a low-trust member wait for review (case-insensitive, whole words).
SPAM_PHRASES = env_list(
    "SPAM_PHRASES",
    [
        "buy now",
        "click here",
        "limited offer",
        "casino",
        "viagra",
        "crypto giveaway",
        "free money",
        "work from home",
        "seo services",
        "payday loan",
    ],
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # channels_redis logs a traceback every second per process while Redis is down: one a minute is
    # enough to say so (cocreate/log_filters.py).
    "filters": {"once_a_minute": {"()": "cocreate.log_filters.Throttle", "seconds": 60}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # A logger's filters apply to its own records only, not to its children's: name each module.
    "loggers": {
        "channels_redis.pubsub": {"filters": ["once_a_minute"]},
        "channels_redis.core": {"filters": ["once_a_minute"]},
    },
}

# Webhooks (webhooks app, issue 19). Targets on private, loopback, link-local, multicast or reserved
# addresses are refused (checked at save and at every send) unless this is on: only for tests against a
# local server, or a closed network whose receivers are all trusted.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 10)
# Waits after each failed attempt (seconds): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, the schedule the
# Standard Webhooks guidance suggests: 8 attempts over about 27 hours.
WEBHOOKS_RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000]
# This many deliveries in a row that failed every attempt disable the endpoint (its owner is told).
WEBHOOKS_DISABLE_AFTER = env_int("WEBHOOKS_DISABLE_AFTER", 5)
# After a secret is rotated, the previous one keeps signing (a second signature) this long.
WEBHOOKS_ROTATION_GRACE_HOURS = env_int("WEBHOOKS_ROTATION_GRACE_HOURS", 24)
WEBHOOKS_SWEEP_SECONDS = env_int("WEBHOOKS_SWEEP_SECONDS", 30)
WEBHOOKS_SEGMENT_SCAN_MINUTES = env_int("WEBHOOKS_SEGMENT_SCAN_MINUTES", 5)
# Inbound: the shared secrets of the issue trackers' webhooks (empty: that tracker's URL answers 404).
# GitHub signs with X-Hub-Signature-256; Jira with X-Hub-Signature, or (older Jira) a ?token= in the URL.
WEBHOOKS_GITHUB_SECRET = env_str("WEBHOOKS_GITHUB_SECRET", "")
WEBHOOKS_JIRA_SECRET = env_str("WEBHOOKS_JIRA_SECRET", "")
WEBHOOKS_INBOUND_MAX_BYTES = 1024 * 1024
