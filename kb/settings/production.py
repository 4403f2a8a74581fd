"""Production: refuses to start without its secrets and a real database."""

import os

from django.core.exceptions import ImproperlyConfigured

from kb.operations.database import databases

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, BASE_DIR, MIDDLEWARE, SECRET_KEY, TRUSTED_PROXY_COUNT

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated host names).")

DATABASES = databases(BASE_DIR, allow_embedded=False)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to a PostgreSQL server (postgres://user:password@host:5432/name).")

DEBUG = False
# gunicorn serves static files itself, compressed and cache-busted.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# A request's scheme is believed from X-Forwarded-Proto only behind proxies the settings vouch for (the outermost
# must set the header itself, not pass on the client's); with none, anyone could send it and skip the HTTPS
# redirect. X-Forwarded-Host and X-Forwarded-Port are never believed: the Host header names the site.
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False
USE_X_FORWARDED_PORT = False
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container and load-balancer probes speak plain HTTP
SECURE_HSTS_SECONDS = 31536000  # one year
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
# No script of ours reads the CSRF cookie: the admin's forms carry the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
