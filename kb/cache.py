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
from collections.abc import Iterable

from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import set_response_etag

from .throttling import page_throttle

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
    API's `url`s), so one asked for under another allowed host must not be served to this one. The query string is
    taken in the order of its parameters' names, so `?b=1&a=2` and `?a=2&b=1` are one entry."""
    query = QueryDict(mutable=True)
    for name in sorted(request.GET):
        query.setlist(name, request.GET.getlist(name))
    address = request.build_absolute_uri(request.path) + "?" + query.urlencode()
    digest = hashlib.sha256("\n".join((address, *parts)).encode()).hexdigest()
    return f"public:{data_version()}:{digest}"


def cached_value(name: str, build):
    """`build()`, kept in the public cache under `name` until the data changes (a value pages need often, costly to
    compute, the same for every visitor)."""
    cache = caches[CACHE_ALIAS]
    key = f"value:{data_version()}:{hashlib.sha256(name.encode()).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value)
    return value


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


def cache_public_page(*, params: Iterable[str] = (), filterset=None, expensive: bool = False):
    """For the site's GET views: the page as every visitor sees it, until the data changes or the day does (a page's
    citation gives the day it was read as its access date).

    The view reads the query parameters in `params` and those of `filterset` (a FilterSet class), and no others: any
    other is dropped before the view runs, so `?x=1`, `?x=2`… are all the page without them, one cache entry, and never
    echoed in its links. An `expensive` page built afresh (not served from the cache) counts against the client's
    `EXPENSIVE_PAGE_RATE` (`kb.throttling`)."""

    def decorator(view):
        @functools.cache
        def allowed() -> frozenset[str]:
            from .filtersets import query_parameters  # the FilterSet's form is built on the first request, not at import

            return frozenset(params) | (query_parameters(filterset) if filterset is not None else frozenset())

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            keep_only_parameters(request, allowed())
            today = timezone.now().date().isoformat()

            def build():
                return (expensive and page_throttle(request)) or view(request, *args, **kwargs)

            return cached_response(cache_key(request, "page", today), build)

        return wrapper

    return decorator


def keep_only_parameters(request, allowed: frozenset[str]) -> None:
    """The request as if asked for with only the `allowed` query parameters: for the view (`request.GET`) and for the
    addresses it writes into the page (`build_absolute_uri`, `get_full_path`)."""
    if all(name in allowed for name in request.GET):
        return
    kept = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if name in allowed:
            kept.setlist(name, values)
    kept._mutable = False
    request.GET = kept
    request.META["QUERY_STRING"] = kept.urlencode()
