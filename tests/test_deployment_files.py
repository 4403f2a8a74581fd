"""Docker does not run on our machines; these checks keep the deployment files honest all the same."""

import re
from fnmatch import fnmatch
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


APPS = ("app1", "app2")


def test_compose_runs_postgres_with_a_healthcheck_and_the_apps_wait_for_it_and_for_their_migrations():
    services = compose()["services"]
    db, migrate = services["db"], services["migrate"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in APPS:
        app = services[name]
        assert app["build"] == "."
        assert app["depends_on"]["db"] == {"condition": "service_healthy"}
        assert app["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "migrate" not in " ".join(app["command"]) and app["command"][:2] == ["gunicorn", "kb.wsgi"]  # one migrator
        assert "/healthz" in " ".join(app["healthcheck"]["test"])


def test_both_apps_write_to_the_primary_read_from_the_replica_share_redis_and_trust_one_proxy():
    services = compose()["services"]
    for name in (*APPS, "migrate"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "kb.settings.production"
        assert "@db:5432/" in env["DATABASE_URL"]
        assert "@db-replica:5432/" in env["DATABASE_REPLICA_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["TRUSTED_PROXY_COUNT"] == "1"
    assert "ports" not in services["app1"] and "ports" not in services["app2"]  # reached through the proxy only


def test_the_primary_streams_its_log_to_a_replica_made_by_pg_basebackup():
    services = compose()["services"]
    db, replica = services["db"], services["db-replica"]
    command = " ".join(db["command"])
    assert "wal_level=replica" in command and "max_wal_senders=" in command
    init = ROOT / "deploy/postgres/primary-init.sh"
    assert f"./{init.relative_to(ROOT)}:/docker-entrypoint-initdb.d/" in " ".join(db["volumes"])
    assert "WITH REPLICATION LOGIN" in init.read_text()
    assert "host replication replicator all scram-sha-256" in init.read_text()

    assert replica["image"] == db["image"]  # a standby runs the primary's major version
    entrypoint = ROOT / "deploy/postgres/replica-entrypoint.sh"
    assert any(volume.startswith(f"./{entrypoint.relative_to(ROOT)}:{replica['entrypoint'][0]}") for volume in replica["volumes"])
    script = entrypoint.read_text()
    assert "pg_basebackup" in script and "--write-recovery-conf" in script and "primary_conninfo=" in script
    assert "exec docker-entrypoint.sh postgres" in script
    assert replica["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_is_in_recovery()" in " ".join(replica["healthcheck"]["test"])
    assert {volume.split(":")[0] for volume in replica["volumes"]}.isdisjoint(volume.split(":")[0] for volume in db["volumes"])
    for path in (init, entrypoint):
        assert path.stat().st_mode & 0o111, f"{path} must be executable"


def test_redis_has_a_healthcheck_and_keeps_nothing_on_disk():
    redis = compose()["services"]["redis"]
    assert redis["image"].startswith("redis:")
    assert "ping" in redis["healthcheck"]["test"]
    assert redis["command"][redis["command"].index("--save") + 1] == ""


def test_the_proxy_shares_requests_between_both_apps_and_sets_the_forwarded_headers():
    proxy = compose()["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"] == {name: {"condition": "service_healthy"} for name in APPS}
    assert "/healthz" in " ".join(proxy["healthcheck"]["test"])
    config = (ROOT / "deploy/nginx.conf").read_text()
    upstream = config[config.index("upstream kb_apps {") : config.index("}", config.index("upstream kb_apps {"))]
    assert all(f"server {name}:8000" in upstream for name in APPS)
    proxied = config.count("proxy_pass http://kb_apps;")
    assert proxied >= 2
    # Set by the proxy itself (the client's own header is replaced), as TRUSTED_PROXY_COUNT=1 assumes.
    assert config.count("proxy_set_header X-Forwarded-Proto $scheme;") == proxied
    assert config.count("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;") == proxied
    assert config.count("proxy_set_header Host $host;") == proxied


def test_every_variable_compose_requires_is_in_the_example_env():
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "docker-compose.yml").read_text()))
    assert {"POSTGRES_PASSWORD", "REPLICATION_PASSWORD"} <= required
    example = (ROOT / ".env.example").read_text()
    assert all(re.search(rf"^{name}=\S", example, re.MULTILINE) for name in required)


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


def test_the_pages_are_prebuilt_once_after_the_migrations_for_the_sites_origin():
    prebuild = compose()["services"]["prebuild"]
    assert prebuild["command"][:3] == ["python", "manage.py", "prebuild_pages"]
    assert prebuild["command"][-1] == "${SITE_ORIGIN:?set SITE_ORIGIN in .env}"
    assert prebuild["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert prebuild["restart"] == "no"
