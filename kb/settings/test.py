"""The test suite: `make test`."""

from kb.operations.database import database_settings

from .base import *  # noqa: F403

SECRET_KEY = "test-only-insecure-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# No replica in the suite, even with DATABASE_REPLICA_URL set: a second connection does not see what a test writes
# inside its transaction. tests/kb/test_db_router.py adds one over the test database; tests/scaleout runs a real one.
DATABASES = {"default": database_settings(BASE_DIR)}  # noqa: F405

# The suite (schemathesis above all) sends thousands of API requests; throttling is tested on its own.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "export": "1000000/minute"}}  # noqa: F405
EXPENSIVE_PAGE_RATE = "1000000/minute"

# Factories build test data without a user or reason; tests/kb/test_audit.py switches the guard back on.
KB_AUDIT_WRITES = False

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "public": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public-pages"},
    "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-counters"},
}
