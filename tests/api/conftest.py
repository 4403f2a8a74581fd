import pytest


@pytest.fixture
def get_json(client):
    """GET an API path and return (status, parsed JSON)."""

    def get(path, data=None, **headers):
        response = client.get(path, data, **headers)
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        return response.status_code, response.json()

    return get
