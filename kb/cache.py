"""Cached public pages and API responses, invalidated by any change to curated data.

Every save or delete of a curated record moves a database sequence on (`kb_data_version`); cache
keys include its current value, so a change makes every cached page stale at once, in every
worker, without tracking which page shows what. Reading the version is one query; a cache hit
costs that and a lookup. Bulk writes that bypass signals call `bump_data_version()` themselves.
"""

from __future__ import annotations

import functools
import hashlib

from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.utils.cache import set_response_etag

CACHE_ALIAS = "public"


def data_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM kb_data_version")
        last_value, is_called = cursor.fetchone()
    return last_value if is_called else 0


def bump_data_version(**kwargs) -> None:
    """Signal receiver, and a call for bulk writes: whatever is cached now is stale."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('kb_data_version')")


def cache_key(request, *parts: str) -> str:
    digest = hashlib.sha256("\n".join((request.get_full_path(), *parts)).encode()).hexdigest()
    return f"public:{data_version()}:{digest}"


def cached_response(key: str, build) -> HttpResponse:
    """The response cached under `key`, or `build()`'s, kept when it is a plain 200.

    The ETag is stored with the body: a hit answers without hashing the page again (ConditionalGetMiddleware
    only computes one when the response has none)."""
    cache = caches[CACHE_ALIAS]
    stored = cache.get(key)
    if stored is not None:
        content, content_type, etag = stored
        response = HttpResponse(content, content_type=content_type)
        response["ETag"] = etag
        return response
    response = build()
    if response.status_code == 200 and not response.streaming and not response.has_header("Set-Cookie"):
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if not response.has_header("ETag"):
            set_response_etag(response)
        cache.set(key, (response.content, response["Content-Type"], response["ETag"]))
    return response


def cache_public_page(view):
    """For the site's GET views: the page as every visitor sees it, until the data changes."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        return cached_response(cache_key(request, "page"), lambda: view(request, *args, **kwargs))

    return wrapper
