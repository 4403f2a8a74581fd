import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture
def get_json(client):
    """GET an API path and return (status, parsed JSON)."""

    def get(path, data=None, **headers):
        response = client.get(path, data, **headers)
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        return response.status_code, response.json()

    return get


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Calls through the WSGI app end with request_finished, which closes a connection that is inside a transaction,
    as the test's is; Django's own test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
