"""Security headers on every kind of response, and the production settings that add HSTS and secure cookies."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import override_settings

from tests.factories import GroupFactory, UserFactory
from tests.kb.test_settings import ROOT, run_production_check

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 30 + "-Zq8#pL2@vX9!mR4$tY7",
    "ALLOWED_HOSTS": "kb.example.org",
    "DATABASE_URL": "postgres://u:p@db:5432/kb",
}
SITE_POLICY = "default-src 'none'; base-uri 'none'; style-src 'self'; frame-ancestors 'none'; img-src 'self'; form-action 'self'"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


def assert_common_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = directives(response)
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert not any("'unsafe-eval'" in values for values in policy.values())
    return policy


@pytest.mark.parametrize(
    "path, status",
    [
        ("/", 200),
        ("/groups/", 200),
        ("/groups/test-front/", 200),
        ("/groups/no-such-group/", 404),
        ("/groups/?status=bogus", 400),
        ("/search/?q=%00", 400),
        ("/healthz", 200),
    ],
)
def test_site_pages_run_no_script_and_load_only_our_own_styles_and_images(client, path, status):
    GroupFactory(slug="test-front")
    response = client.get(path)
    assert response.status_code == status
    policy = assert_common_headers(response)
    assert "script-src" not in policy, "falls back to default-src 'none': the public site runs no script"
    assert (policy["style-src"], policy["img-src"], policy["form-action"]) == (["'self'"], ["'self'"], ["'self'"])


@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/v1/groups/", "/api/v1/groups/test-front/", "/api/v1/groups/nope/", "/api/v1/export/stix/"]
)
def test_api_responses_carry_the_headers_too(client, path):
    GroupFactory(slug="test-front")
    response = client.get(path)
    assert "script-src" not in assert_common_headers(response)


def test_the_admin_runs_its_own_scripts_and_may_set_inline_styles(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    policy = assert_common_headers(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]  # the admin's templates and widgets set style attributes
    assert not any(value.startswith("'nonce-") for values in policy.values() for value in values)


def test_the_api_docs_inline_script_and_style_carry_the_nonce_the_policy_names(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    policy = assert_common_headers(response)
    nonce = policy["script-src"][-1]
    assert re.fullmatch(r"'nonce-[A-Za-z0-9+/=]{20,}'", nonce) and policy["style-src"] == ["'self'", nonce]
    assert policy["img-src"] == ["'self'", "data:"] and policy["connect-src"] == ["'self'"]
    page = response.content.decode()
    inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", page)
    assert [tag for tag, _ in inline] == ["style", "script"]
    assert all(f'nonce="{nonce[7:-1]}"' in attributes for _, attributes in inline)
    assert client.get("/api/v1/docs/")["Content-Security-Policy"] != response["Content-Security-Policy"], "a new nonce each time"


def test_no_site_template_has_inline_script_or_style():
    templates = [path for path in (ROOT / "templates").rglob("*.html") if "drf_spectacular" not in path.parts]
    assert templates
    for path in templates:
        text = path.read_text()
        # A JSON-LD block is data the browser never runs (a profile's schema.org description).
        code = re.sub(r'<script type="application/ld\+json">', "", text)
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", code), f"{path.relative_to(ROOT)} needs a nonce or a stylesheet"


def production_settings(*names: str, **env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}, default=str))"
    )
    env = {**os.environ, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "kb.settings.production", **env}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


HARDENING = (
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "DEBUG",
)  # fmt: skip


@pytest.fixture(scope="module")
def production():
    values = production_settings(*HARDENING, TRUSTED_PROXY_COUNT="1")  # behind one TLS proxy (without: test_proxy_headers)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_production_sends_hsts_for_a_year_and_secure_http_only_cookies(client, production):
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and production["DEBUG"] is False
    UserFactory(username="editor", is_staff=True)
    with override_settings(**production):
        page = client.get("/admin/login/", secure=True)
        assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert client.get("/", secure=True)["Strict-Transport-Security"].startswith("max-age=31536000")
        assert client.get("/", HTTP_X_FORWARDED_PROTO="https")["Strict-Transport-Security"]  # behind the TLS proxy
        plain = client.get("/groups/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")
        logged_in = client.post("/admin/login/", {"username": "editor", "password": "correct horse battery staple"}, secure=True)
        assert logged_in.status_code == 302
        session, csrf = logged_in.cookies["sessionid"], page.cookies["csrftoken"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
        assert csrf["secure"] and csrf["httponly"]


def test_production_refuses_a_database_that_is_not_postgresql():
    result = run_production_check(**{**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///kb.sqlite3"})
    assert result.returncode != 0 and "DATABASE_URL must point to a PostgreSQL server" in result.stderr


@pytest.mark.parametrize("count", ["two", "-1", "1.5"])
def test_production_refuses_a_trusted_proxy_count_that_is_not_a_whole_number(count):
    result = run_production_check(**PRODUCTION_ENV, TRUSTED_PROXY_COUNT=count)
    assert result.returncode != 0 and "TRUSTED_PROXY_COUNT must be a whole number" in result.stderr
