"""Docker does not run on our machines; these checks keep the deployment files honest all the same."""

from fnmatch import fnmatch
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_runs_postgres_with_a_healthcheck_and_the_app_waits_for_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, web = compose["services"]["db"], compose["services"]["web"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert web["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert web["environment"]["DJANGO_SETTINGS_MODULE"] == "kb.settings.production"
    assert "@db:5432/" in web["environment"]["DATABASE_URL"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])


def test_the_image_serves_the_app_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gunicorn kb.wsgi" in dockerfile
    assert "collectstatic" in dockerfile and "USER kb" in dockerfile


def test_every_setting_production_requires_is_in_the_example_env():
    example = (ROOT / ".env.example").read_text()
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        assert f"{name}=" in example


def test_the_image_ships_the_data_the_app_reads_at_run_time():
    ignored = [
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    shipped = "groups/figures/data/country_outlines.json"
    assert (ROOT / shipped).is_file()
    parents = [shipped.rsplit("/", depth)[0] for depth in range(shipped.count("/") + 1)]
    assert not any(fnmatch(path, pattern) for pattern in ignored for path in parents)
