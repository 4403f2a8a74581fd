"""Cached public pages and API responses, invalidated by any change to curated data.

Every save or delete of a curated record moves a database sequence on (`kb_data_version`); cache
keys include its current value, so a change makes every cached page stale at once, in every
worker, without tracking which page shows what. Reading the version is one query; a cache hit
costs that and a lookup. Bulk writes that bypass signals call `bump_data_version()` themselves.

A sequence is not transactional: a reader sees a version moved inside a transaction at once, but the data only
at the commit, and may cache the old page under the new version. So a write inside a transaction moves the
version again when the transaction commits, once however many rows it saved.
"""

from __future__ import annotations

import functools
import hashlib

from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import set_response_etag

CACHE_ALIAS = "public"


def data_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM kb_data_version")
        last_value, is_called = cursor.fetchone()
    return last_value if is_called else 0


def bump_data_version(**kwargs) -> None:
    """Signal receiver, and a call for bulk writes: whatever is cached now, or until the transaction commits, is stale."""
    _next_data_version()
    if connection.in_atomic_block and not _moves_again_at_commit():
        transaction.on_commit(_next_data_version, robust=True)  # the data is committed by then: a failure is logged, not raised


def _next_data_version() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('kb_data_version')")


def _moves_again_at_commit() -> bool:
    # Read from the connection's own list rather than a flag, so that a rolled-back savepoint, which drops
    # the callbacks registered inside it, lets the next write register one again.
    return any(callback is _next_data_version for _, callback, _ in connection.run_on_commit)


def cache_key(request, *parts: str) -> str:
    """The scheme and host are part of the key: pages and API answers hold absolute links (a citation's address, the
    API's `url`s), so one asked for under another allowed host must not be served to this one."""
    digest = hashlib.sha256("\n".join((request.build_absolute_uri(), *parts)).encode()).hexdigest()
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
    """For the site's GET views: the page as every visitor sees it, until the data changes or the day does (a page's
    citation gives the day it was read as its access date)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        today = timezone.now().date().isoformat()
        return cached_response(cache_key(request, "page", today), lambda: view(request, *args, **kwargs))

    return wrapper
