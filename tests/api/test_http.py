"""What any HTTP client notices: conditional GET, CORS, throttling, errors in JSON whatever the format."""

import pytest
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle

from tests.factories import AliasFactory, GroupFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/groups/", "/api/v1/groups/islamic-state/"])
def test_etag_and_304_until_something_changes(client, path):
    group = GroupFactory(slug="islamic-state")
    first = client.get(path)
    etag = first["ETag"]
    assert first.status_code == 200 and etag
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    AliasFactory(group=group, name="Daesh")
    changed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_cors_lets_browser_tools_read(client):
    GroupFactory()
    response = client.get("/api/v1/groups/", HTTP_ORIGIN="https://tool.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/groups/", HTTP_ORIGIN="https://tool.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight.status_code == 200 and "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/", HTTP_ORIGIN="https://tool.example")  # the site itself is not shared


def test_too_many_anonymous_requests_get_a_clear_429(client, monkeypatch):
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [client.get("/api/v1/groups/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/groups/")
    assert int(response["Retry-After"]) > 0 and "throttled" in response.json()["detail"]
    cache.clear()


def test_errors_answer_in_json_even_when_csv_was_asked_for(client):
    response = client.get("/api/v1/groups/", {"format": "csv", "status": "bogus"})
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "status" in response.json()


def test_an_unknown_format_is_a_404_in_json(client):
    response = client.get("/api/v1/groups/", {"format": "xml"})
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_csv_only_for_lists(client):
    GroupFactory(slug="islamic-state")
    assert client.get("/api/v1/groups/islamic-state/", {"format": "csv"}).status_code == 404


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
@pytest.mark.parametrize(
    "path",
    ["/api/v1/aliases/0.5/", "/api/v1/no-such-endpoint/", "/api/v1/groups/islamic-state/extra/parts/", "/api/v1/groups/no-such-group/"],
)
def test_a_404_under_the_api_is_json_in_every_setting(client, settings, debug, path):
    """Under DEBUG, Django answers an unmatched URL with its HTML debug page unless the API routes it itself."""
    settings.DEBUG = debug
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json", response.content[:200]
    assert response.json()["detail"]


def test_the_api_still_adds_a_missing_slash(client):
    response = client.get("/api/v1/groups")
    assert response.status_code == 301 and response["Location"] == "/api/v1/groups/"
