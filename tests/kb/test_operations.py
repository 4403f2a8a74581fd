import os
import re
import secrets
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from tests.factories import UserFactory

# pg_dump and pg_restore use connections of their own: the data must be committed for them to see it,
# and the migrations' rows (the Editor and Reviewer roles) put back for the tests that follow.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def connect(database: str) -> psycopg.Connection:
    params = {**connection.get_connection_params(), "dbname": database}
    return psycopg.connect(**{key: value for key, value in params.items() if key not in {"cursor_factory", "context"}}, autocommit=True)


@pytest.fixture
def empty_database():
    """A new database on the test server, as `createdb` makes one; dropped afterwards."""
    name = f"kb_restore_{secrets.token_hex(4)}"
    with connect("postgres") as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    yield name
    with connect("postgres") as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def connected_to(database: str):
    """Point Django at another database on the same server, as DATABASE_URL would for an operator."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = database
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def snapshot(database: str) -> dict:
    """Row counts and contents of every table, sequence positions, and a few tables as tuples for readable diffs."""
    with connect(database) as db:
        tables = [name for (name,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        counts, digests = {}, {}
        for table in tables:
            row = db.execute(
                sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t").format(
                    sql.Identifier(table)
                )
            ).fetchone()
            counts[table], digests[table] = row
        return {
            "counts": counts,
            "digests": digests,
            "sequences": db.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1").fetchall(),
            "extensions": db.execute("SELECT extname FROM pg_extension ORDER BY 1").fetchall(),
            "groups": db.execute("SELECT * FROM groups_group ORDER BY id").fetchall(),
            "citations": db.execute("SELECT * FROM sources_citation ORDER BY id").fetchall(),
            "roles": db.execute(
                "SELECT g.name, p.codename FROM auth_group g JOIN auth_group_permissions gp ON gp.group_id = g.id "
                "JOIN auth_permission p ON p.id = gp.permission_id ORDER BY 1, 2"
            ).fetchall(),
        }


@committed
def test_a_backup_restores_into_an_empty_database_with_every_row(tmp_path, empty_database, capsys):
    call_command("load_demo_data")
    UserFactory(username="curator")
    archive = tmp_path / "kb.dump"

    call_command("backup_database", output=archive)
    assert archive.read_bytes().startswith(b"PGDMP")
    assert archive.stat().st_mode & 0o077 == 0, "the archive holds password hashes: owner-only"
    with connected_to(empty_database):
        call_command("restore_database", archive)
    assert "Restored" in capsys.readouterr().out

    original, restored = snapshot(connection.settings_dict["NAME"]), snapshot(empty_database)
    assert restored["counts"] == original["counts"]
    counts = original["counts"]
    assert counts["groups_group"] == 13 and counts["sources_citation"] == 218 and counts["groups_grouprole"] == 3
    assert counts["groups_groupsection"] == 9
    assert counts["groups_historicalgroup"] >= 13 and counts["sources_historicalcitation"] >= 218
    assert counts["auth_user"] >= 2 and counts["auth_group"] == 2 and counts["auth_permission"] > 0
    assert restored["groups"] == original["groups"]
    assert restored["citations"] == original["citations"]
    assert restored["roles"] == original["roles"] and {name for name, _ in original["roles"]} == {"Editor", "Reviewer"}
    assert restored["digests"] == original["digests"]
    assert restored["sequences"] == original["sequences"], "new rows must not collide with restored ids"
    assert restored["extensions"] == original["extensions"]

    # Again over the restored copy: --force replaces what is there rather than adding to it.
    with connected_to(empty_database):
        call_command("restore_database", archive, force=True)
    assert snapshot(empty_database)["digests"] == original["digests"]


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    archive = tmp_path / "kb.dump"
    call_command("backup_database", output=archive)
    with pytest.raises(CommandError, match=r"not empty\. It holds \d+ tables, \d+ sequences \(public\.auth_group.*--force"):
        call_command("restore_database", archive)


@pytest.mark.django_db
def test_backup_goes_to_a_timestamped_file_under_backups_by_default(settings, tmp_path, capsys):
    settings.BASE_DIR = tmp_path
    call_command("backup_database")
    (archive,) = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"kb-\d{8}T\d{6}Z\.dump", archive.name)
    assert str(archive) in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        (b"hello, not a dump\n", "is not a pg_dump archive"),
        (b"--\n-- PostgreSQL database dump\n--\n", "plain SQL dump: load that with psql"),
        (b"PGDMP\x01", "cannot be read as a pg_dump archive"),
    ],
)
def test_restore_refuses_a_file_that_is_not_an_archive(tmp_path, content, message):
    file = tmp_path / "kb.dump"
    file.write_bytes(content)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("restore_database", file)


def test_restore_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("restore_database", tmp_path / "missing.dump")


@pytest.mark.django_db
def test_a_client_older_than_the_server_is_refused_with_a_way_out(tmp_path, monkeypatch):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PG_BIN", str(tmp_path))
    with pytest.raises(CommandError, match=r"is PostgreSQL 9, older than the server's \d+.*set PG_BIN"):
        call_command("backup_database", output=tmp_path / "kb.dump")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pg_dump"]


@pytest.mark.django_db
def test_with_a_database_url_and_an_old_client_on_path_the_packages_own_client_serves(tmp_path, monkeypatch):
    from django.db import connection

    from kb.operations.backups import client_program, embedded_bin_dir, server_major_version

    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    monkeypatch.setenv("DATABASE_URL", "postgres://example/kb")
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert client_program("pg_dump", server_major_version(connection)) == embedded_bin_dir() / "pg_dump"


def test_a_database_that_cannot_be_reached_is_a_clear_error(tmp_path, django_db_blocker):
    unreachable = pytest.raises(CommandError, match="Cannot connect to the database 'kb_no_such_database'")
    with django_db_blocker.unblock(), connected_to("kb_no_such_database"), unreachable:
        call_command("backup_database", output=tmp_path / "kb.dump")
