import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.operations.database import database_settings

ROOT = Path(__file__).resolve().parents[2]


def test_database_url_takes_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://kb:secret@db.internal:5433/kb_prod")
    config = database_settings(tmp_path)
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "django.db.backends.postgresql", "db.internal", 5433, "kb_prod", "kb",
    )  # fmt: skip
    assert not (tmp_path / ".data").exists(), "no embedded server is started when DATABASE_URL is set"


def test_every_connection_gets_the_planner_settings(monkeypatch, tmp_path):
    """An index lookup is priced for SSDs on any server: profiles of busy groups depend on it (kb/operations/database.py)."""
    monkeypatch.setenv("DATABASE_URL", "postgres://kb:secret@db.internal:5433/kb_prod?options=-c%20statement_timeout%3D5000")
    options = "-c statement_timeout=5000 -c random_page_cost=1.1 -c pg_trgm.similarity_threshold=0.45"
    assert database_settings(tmp_path)["OPTIONS"]["options"] == options


@pytest.mark.django_db
def test_the_test_database_connection_has_them_too():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('random_page_cost'), current_setting('pg_trgm.similarity_threshold')")
        assert cursor.fetchone() == ("1.1", "0.45")


@pytest.mark.django_db
def test_every_connection_reads_timestamps_with_psycopgs_compiled_loader():
    """Django's own loader parses each timestamptz in Python, 4 µs a value (kb/operations/database.py): each connection
    reads them with psycopg's compiled loader instead, with the same values and time zone, and its cursors keep it."""
    import datetime

    import psycopg
    from django.db import connection
    from psycopg.types.datetime import TimestamptzLoader

    oid, text = psycopg.postgres.types["timestamptz"].oid, psycopg.pq.Format.TEXT
    compiled = psycopg.adapters.get_loader(oid, text)
    assert compiled is not TimestamptzLoader, "psycopg's C extension is installed (psycopg[binary])"
    written = datetime.datetime(2016, 10, 24, 18, 30, 5, 250000, tzinfo=datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s, '2016-10-24 23:30:05.25+05'::timestamptz, NULL::timestamptz, now()", [written])
        row = cursor.fetchone()
        loader = cursor.cursor.adapters.get_loader(oid, text)
    assert row[:3] == (written, written, None)
    assert row[0].tzinfo is row[1].tzinfo is row[3].tzinfo is connection.timezone is datetime.UTC
    assert loader.timezone is connection.timezone and type(loader(oid, cursor.cursor)._load.__self__) is compiled


def test_production_never_falls_back_to_the_embedded_server(monkeypatch, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be set"):
        database_settings(tmp_path, allow_embedded=False)


def run_production_check(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="kb.settings.production", **env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=clean, capture_output=True, text=True)


@pytest.mark.parametrize(
    "missing, message",
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("DATABASE_URL", "DATABASE_URL must be set"),
    ],
)
def test_production_refuses_to_start_without_its_settings(missing, message):
    env = {"SECRET_KEY": "k" * 30 + "-Zq8#pL2@vX9!mR4$tY7", "ALLOWED_HOSTS": "kb.example.org", "DATABASE_URL": "postgres://u:p@db:5432/kb"}
    del env[missing]
    result = run_production_check(**env)
    assert result.returncode != 0 and message in result.stderr


def test_production_passes_the_deployment_checklist():
    result = run_production_check(
        SECRET_KEY="k" * 30 + "-Zq8#pL2@vX9!mR4$tY7", ALLOWED_HOSTS="kb.example.org", DATABASE_URL="postgres://u:p@db:5432/kb"
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
