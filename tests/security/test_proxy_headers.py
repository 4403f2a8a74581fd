"""Production believes the X-Forwarded-* headers only from the proxies `TRUSTED_PROXY_COUNT` vouches for: without
any, a client's `X-Forwarded-Proto: https` must not pass a plain-HTTP request off as HTTPS (and so skip the redirect
to HTTPS), and `X-Forwarded-Host` must not change the host the site's links are made with."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run under the production settings in a process of its own, and ask SecurityMiddleware alone (the first of the
# chain): whether it redirects to HTTPS, and what scheme and host the request is taken to have.
ASK = """
import json, sys, django
django.setup()
from django.middleware.security import SecurityMiddleware
from django.test.client import RequestFactory
answers = {}
for name, headers in json.loads(sys.argv[1]).items():
    request = RequestFactory().get("/groups/", **headers)
    redirect = SecurityMiddleware(lambda request: None).process_request(request)
    answers[name] = {"status": redirect.status_code if redirect else None, "location": redirect and redirect["Location"],
                     "secure": request.is_secure(), "host": request.get_host()}
print(json.dumps(answers))
"""

FORGED = {
    "plain": {"HTTP_HOST": "kb.example.org"},
    "forged_proto": {"HTTP_HOST": "kb.example.org", "HTTP_X_FORWARDED_PROTO": "https"},
    "forged_host": {"HTTP_HOST": "kb.example.org", "HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_X_FORWARDED_PROTO": "https"},
}


def ask_production(proxies: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="kb.settings.production",
        SECRET_KEY="k" * 30 + "-Zq8#pL2@vX9!mR4$tY7",
        ALLOWED_HOSTS="kb.example.org",
        DATABASE_URL="postgres://u:p@db:5432/kb",
        TRUSTED_PROXY_COUNT=proxies,
    )
    result = subprocess.run([sys.executable, "-c", ASK, json.dumps(FORGED)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_trusted_proxies_a_forged_x_forwarded_proto_still_gets_the_https_redirect():
    answers = ask_production("0")
    for name in FORGED:
        assert answers[name]["status"] == 301, name
        assert answers[name]["location"] == "https://kb.example.org/groups/", name
        assert answers[name]["secure"] is False, name
    assert answers["forged_host"]["host"] == "kb.example.org"


@pytest.mark.parametrize("proxies", ["1", "2"])
def test_behind_trusted_proxies_their_x_forwarded_proto_is_believed_but_never_their_host(proxies):
    answers = ask_production(proxies)
    assert answers["plain"]["status"] == 301 and answers["plain"]["secure"] is False
    assert answers["forged_proto"]["secure"] is True and answers["forged_proto"]["status"] is None
    assert answers["forged_host"]["host"] == "kb.example.org"
