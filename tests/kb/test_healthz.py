import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_ok_when_the_database_answers(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_503_with_a_reason_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused')

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reason"].startswith("database unreachable: connection to server")


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
