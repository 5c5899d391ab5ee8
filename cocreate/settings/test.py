"""Test settings: the base settings with fast hashing, captured mail and tasks run on the spot."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from .base import *  # noqa: E402,F403
from .base import DATABASES, VAR_DIR  # noqa: E402

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Page caches off: tests see every change at once; tests of the caches turn them on.
ANONYMOUS_LIST_CACHE_SECONDS = 0
SEARCH_FACET_CACHE_SECONDS = 0
ANONYMOUS_IDEA_CACHE_SECONDS = 0
MEMBER_LIST_CACHE_SECONDS = 0
MEMBER_IDEA_CACHE_SECONDS = 0
ACCOUNT_RATE_LIMITS = False

# Threads in the concurrency and websocket tests must not keep connections past the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:: the live-server browser tests fork a Daphne process that must see it.
    DATABASES["default"]["TEST"]["NAME"] = str(VAR_DIR / "test.sqlite3")
else:
    # Spelled out because the live-server browser tests' forked Daphne derives "test_" + NAME from
    # settings that pytest-django has already pointed at the test database.
    DATABASES["default"]["TEST"]["NAME"] = f"test_{DATABASES['default']['NAME']}"

if REDIS_URL:  # noqa: F405
    # Keep test keys apart from anything else on the same Redis. The cache gets a database of its own
    # (1–14, by process id) because tests call cache.clear(), which empties a whole Redis database.
    _base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base}/{1 + os.getpid() % 14}"  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"cocreate-test-{os.getpid()}"  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"cocreate-test-{os.getpid()}"  # noqa: F405

# Serve static files from the app folders without collectstatic (live-server browser tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
