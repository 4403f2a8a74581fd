"""Public pages built ahead of their readers: a group's profile, and the first page of the API's lists that tools poll
(`kb.api.views.ReadOnlyViewSet.prebuilt_list`: attacks, groups), as most readers ask for them, kept in the database
(`kb.models.PrebuiltPage`) and rebuilt when what they show changes.

The page cache (`kb.cache`) keeps a page until a record it shows changes; then the next reader builds it again, at
the full cost of the page (for a profile, about fifty times a trivial request). A prebuilt page is that page, built
once and kept under the same cache tags, with three differences:
- **Refreshed on write.** After a write commits, the prebuilt pages that show a record it touched are built again at
  once, in the writer's process (`refresh`, at most `PREBUILT_REFRESH_ON_WRITE` of them), so the next reader of the
  page does not pay for it. Writes that do not say which records they touched (bulk imports) make pages stale
  without rebuilding them: their next reader does.
- **Kept through a cache emptied.** It lives in PostgreSQL, shared by every app server and read from the replica:
  a new server, a Redis restart or `bump_data_version()` (the `all` tag) leaves it valid. A restore or a migration
  deletes every prebuilt page, and a page built by another release of the code is never served (`code_version`).
- **One page per address.** Only the page without query parameters (`/groups/al-qaeda/`, not `?page=2`; the API's
  default JSON, not `?cursor=` nor an `indent` asked for) is prebuilt, for the scheme and host it was asked under (its
  links are absolute), and for the day it was built (a profile's citation gives the day the page was read).

A prebuilt page is served only if none of its tags has moved past the data version read before it was built, the
check of `kb.cache.Entry.valid` made inside the one query that reads it. A page built inside a transaction that has
written is neither read nor kept: it could show what is not committed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, ProgrammingError, connection, connections, router, transaction
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.urls import Resolver404, resolve
from django.utils import timezone
from psycopg.errors import UndefinedTable

from . import cache as kb_cache
from .models import PrebuiltPage

logger = logging.getLogger(__name__)

# The code a page is built by: the apps, templates and static files of the project.
CODE_SUFFIXES = (".py", ".html", ".txt", ".css", ".js", ".svg", ".json")
CODE_FOLDERS = ("kb", "groups", "sources", "intake", "sampledata", "interop", "templates", "static")


@functools.cache
def code_version() -> str:
    """The release, as a digest of the files that build pages (or `PREBUILT_PAGES_VERSION`, set by a deployment that
    names its releases), read once when the process starts (`kb.apps`): a page built by other code is built again,
    never served."""
    if named := settings.PREBUILT_PAGES_VERSION:
        return str(named)[:64]
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def enabled() -> bool:
    return settings.PREBUILT_PAGES and not kb_cache.invalidation_is_global()


def _writing() -> bool:
    """Whether this connection's open transaction has written: then what it reads is not what others read."""
    return connection.in_atomic_block and bool(kb_cache.own_versions())


def _today():
    return timezone.now().date()


def address_of(request) -> str:
    return request.build_absolute_uri(request.path)


def prebuilt_response(request, build, *, record_page: bool = True) -> HttpResponse:
    """The page for `request` (a GET without query parameters): its prebuilt page if valid, or `build()`'s, kept
    as the prebuilt page when it is a plain 200. The tags of a page served so go to the response cached around it.
    A list (`record_page=False`) depends on its models' lists too, so that a record joining it makes it stale."""
    if not enabled() or request.GET or _writing():
        return build()
    address = address_of(request)
    kept = _read(address)
    if kept is not None:
        content, content_type, etag, tags = kept
        kb_cache.depends_on_tags(tags)
        response = HttpResponse(content, content_type=content_type)
        response["ETag"] = etag
        response["X-Prebuilt"] = "HIT"
        return response
    with kb_cache.building(record_page=record_page) as builder:
        response = build()
        _keep(address, response, builder)
    return response


def _read(address: str):
    """The page prebuilt for `address`, today, by this code, if none of its tags moved since: one query."""
    using = router.db_for_read(PrebuiltPage)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT p.content, p.content_type, p.etag, p.tags FROM kb_prebuilt_page p "
            "WHERE p.address = %s AND p.day = %s AND p.code = %s AND NOT EXISTS "
            "(SELECT FROM kb_cache_tag t WHERE t.tag = ANY(p.tags) AND t.version > p.snapshot)",
            [address, _today(), code_version()],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    content, content_type, etag, tags = row
    return bytes(content), content_type, etag, tags


def _keep(address: str, response, builder) -> None:
    """Kept once the response has gone (`kb_cache.after_response`), as the page cache's entry is: writing a page of
    100 KB takes PostgreSQL about 3 ms its reader need not wait for."""
    if _writing() or not kb_cache.ready_to_keep(response):
        return
    builder.finish()
    tags = sorted(builder.tags - {kb_cache.ALL})
    kb_cache.after_response(functools.partial(_store_logged, address, builder.snapshot, tags, response))


def _store_logged(address: str, snapshot: int, tags: list[str], response) -> None:
    try:
        _store(address, snapshot, tags, response)
    except DatabaseError:  # the reader had the page; the next one builds it again
        logger.exception("Could not keep the prebuilt page %s.", address)


def _store(address: str, snapshot: int, tags: list[str], response) -> None:
    # On the primary (a replica is read-only); in a savepoint if a transaction is open, so that a failure spoils nothing
    # (outside one, the statement is its own transaction).
    in_savepoint = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with in_savepoint, connection.cursor() as cursor:
        # A page built from older data than the one kept (two builds racing) does not replace it.
        cursor.execute(
            "INSERT INTO kb_prebuilt_page (address, day, code, snapshot, tags, content, content_type, etag, built_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now()) ON CONFLICT (address) DO UPDATE SET day = EXCLUDED.day, "
            "code = EXCLUDED.code, snapshot = EXCLUDED.snapshot, tags = EXCLUDED.tags, content = EXCLUDED.content, "
            "content_type = EXCLUDED.content_type, etag = EXCLUDED.etag, built_at = EXCLUDED.built_at "
            "WHERE kb_prebuilt_page.snapshot <= EXCLUDED.snapshot OR kb_prebuilt_page.day <> EXCLUDED.day "
            "OR kb_prebuilt_page.code <> EXCLUDED.code",
            [address, _today(), code_version(), snapshot, tags, response.content, response["Content-Type"], response["ETag"]],
        )


# ---------------------------------------------------------------------------------------------------------- writes


def refresh(tags: set[str]) -> None:
    """After a write committed and bumped `tags`: build again the prebuilt pages of today that show a record it
    named, newest first, at most `PREBUILT_REFRESH_ON_WRITE` of them; the others wait for their next reader."""
    limit = settings.PREBUILT_REFRESH_ON_WRITE
    named = sorted(tag for tag in tags if kb_cache.names_records(tag))
    if not named or limit <= 0 or not enabled() or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT address FROM kb_prebuilt_page WHERE tags && %s::text[] AND day = %s AND code = %s ORDER BY built_at DESC LIMIT %s",
                [named, _today(), code_version(), limit],
            )
            addresses = [address for (address,) in cursor.fetchall()]
    except ProgrammingError as error:  # a write made by a migration before the table's own (outside a transaction)
        if not isinstance(error.__cause__, UndefinedTable):
            raise
        return
    for address in addresses:
        rebuild(address)


def rebuild(address: str) -> int:
    """Build the page at `address` as its readers ask for it, unless its prebuilt page is valid: its status code. The
    view is called with the page cache bypassed (`kb.cache.bypassed`), whose next reader is served the new prebuilt
    page. A page that is no longer there (a group unpublished) loses its prebuilt page. Errors are logged, not raised:
    the write that asked for it is committed, and the page's next reader builds it."""
    parts = urlsplit(address)
    try:
        match = resolve(parts.path)
        # The view as routed (an API view through its content negotiation and rendering), the page cache around it
        # stepping aside; no throttle counts the request, which has no client address.
        with kb_cache.bypassed():
            response = match.func(_request_for(parts), *match.args, **match.kwargs)
        status = response.status_code
    except (Http404, Resolver404):
        status = 404
    except Exception:  # noqa: BLE001 (any error of a page's build; logged with its traceback)
        logger.exception("Could not build the prebuilt page %s again.", address)
        return 500
    if status != 200:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM kb_prebuilt_page WHERE address = %s", [address])
    return status


def _request_for(parts) -> WSGIRequest:
    """A reader's anonymous GET of the address, under its scheme and host (`request.scheme` falls back on the WSGI
    scheme when no proxy header is sent)."""
    domain, port = split_domain_port(parts.netloc)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": parts.path,
        "QUERY_STRING": "",
        "HTTP_HOST": parts.netloc,
        "SERVER_NAME": domain or parts.netloc,
        "SERVER_PORT": port or ("443" if parts.scheme == "https" else "80"),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(b""),
    }
    request = WSGIRequest(environ)
    request.user = AnonymousUser()
    return request


def forget_all() -> None:
    """After a restore or a migration: whatever was prebuilt may not be what the data now shows."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kb_prebuilt_page")
