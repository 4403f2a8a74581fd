"""Public reads from a streaming replica, everything else from the primary (`DATABASE_REPLICA_URL`).

With a `replica` database alias (kb/operations/database.py defines it only when DATABASE_REPLICA_URL is set), a
request may read from it when `ReadReplicaMiddleware` says so: a GET or HEAD outside the admin, from someone who is
not staff and has not written in the last REPLICA_PIN_SECONDS (a signed cookie set after their POST, so an editor
reads their own writes). Everything else reads from the primary: the admin, staff, every write and every read inside
a transaction, migrations, management commands, and any code outside a request.

Reads go to the replica only when it is there and has caught up. The first read of a request asks the primary how far
its write-ahead log has gone and the replica whether it has replayed that far (two small queries): a lagging
replica would otherwise build a page from old data that the cache would keep under the new data version, which the
primary gives. A replica that cannot be reached sends reads to the primary for REPLICA_RETRY_SECONDS, logged, never
an error. The decision is kept per request in a context variable, so threads and async tasks never share one.
"""

from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
PIN_COOKIE = "kb_read_primary"
_PIN_SALT = "kb.db_router.pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

logger = logging.getLogger(__name__)


@dataclass
class _RequestReads:
    """Where the current request's reads go: None until its first read asks the replica."""

    alias: str | None = None


# Set by the middleware for the requests that may read from the replica; unset (None) everywhere else.
_request_reads: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar("kb_replica_reads", default=None)
# When the replica last failed to answer (time.monotonic()), per process: reads skip it for REPLICA_RETRY_SECONDS.
_replica_failed_at: float | None = None


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """Django's database router (DATABASE_ROUTERS): reads to the replica inside a request the middleware let through."""

    def db_for_read(self, model, **hints):
        reads = _request_reads.get()
        if reads is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if reads.alias is None:
            reads.alias = REPLICA if _replica_has_caught_up() else DEFAULT_DB_ALIAS
        return reads.alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a standby is read-only: it gets the schema from the primary


def _replica_has_caught_up() -> bool:
    """Whether the replica answers and has replayed everything the primary has written so far."""
    global _replica_failed_at
    if _replica_failed_at is not None and time.monotonic() - _replica_failed_at < settings.REPLICA_RETRY_SECONDS:
        return False
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (written,) = cursor.fetchone()
        with connections[REPLICA].cursor() as cursor:
            # A server that is not replaying (the primary itself, as in tests) has everything.
            cursor.execute("SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
            (caught_up,) = cursor.fetchone()
    except DatabaseError as error:
        # OperationalError on connecting (the replica is down or unreachable), or a replica that lost its connection.
        _replica_failed_at = time.monotonic()
        logger.warning("The read replica does not answer (%s): reading from the primary for %s s.", error, settings.REPLICA_RETRY_SECONDS)
        _close_quietly(REPLICA)
        return False
    _replica_failed_at = None
    return bool(caught_up)


def _close_quietly(alias: str) -> None:
    try:
        connections[alias].close()
    except DatabaseError:
        pass


def reads_primary(request) -> bool:
    """Whether this request reads the primary whatever the replica: the admin, staff, unsafe methods, a pinned writer."""
    if request.method not in SAFE_METHODS or request.path_info.startswith("/admin/"):
        return True
    if request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def pin_to_primary(response) -> None:
    """The writer's next requests read the primary for REPLICA_PIN_SECONDS: the replica may not have their write yet."""
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=_PIN_SALT,
        max_age=settings.REPLICA_PIN_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class ReadReplicaMiddleware:
    """Lets public reads go to the replica (after AuthenticationMiddleware, which it asks who the user is), and pins a
    signed-in user who has just written to the primary. Does nothing without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        token = _request_reads.set(None if reads_primary(request) else _RequestReads())
        try:
            response = self.get_response(request)
        except BaseException:
            _request_reads.reset(token)
            raise
        if response.streaming:
            # A streamed export reads as it is sent, after this returns: it keeps the request's database until the
            # server closes the response (Django's own list of what to close then).
            response._resource_closers.append(lambda: _request_reads.set(None))
        else:
            _request_reads.reset(token)
        user = getattr(request, "user", None)
        if request.method not in SAFE_METHODS and user is not None and user.is_authenticated:
            pin_to_primary(response)
        return response
