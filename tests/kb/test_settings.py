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
