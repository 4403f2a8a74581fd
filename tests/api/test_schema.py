"""The OpenAPI schema: committed, in step with the code, and honoured by every endpoint (schemathesis)."""

import os
from pathlib import Path

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import negative_data_rejection

from groups.exports import CSV_EXPORTS
from sampledata.demo_data import load_demo_data

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"
# The suite runs the same examples every time, so CI is repeatable; SCHEMATHESIS_EXPLORE=1 draws new ones (and more).
EXPLORE = os.environ.get("SCHEMATHESIS_EXPLORE") == "1"
SCHEMATHESIS_EXAMPLES = 300 if EXPLORE else 40
DERANDOMIZE = not EXPLORE

schema = schemathesis.openapi.from_path(SCHEMA_FILE)
schema.app = get_wsgi_application()


def test_the_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert yaml.safe_load(generated.read_text()) == yaml.safe_load(SCHEMA_FILE.read_text()), (
        "The API changed but docs/api/openapi.yaml did not: run `make schema` and commit the result."
    )


@pytest.mark.django_db
def test_the_schema_is_served_and_the_docs_load_from_our_own_static_files(client):
    served = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert served.status_code == 200 and served.json()["info"]["title"] == "Militant groups knowledge base API"
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs and "cdn" not in docs.lower()
    described = served.json()["paths"]["/api/v1/groups/"]["get"]
    parameters = {parameter["name"] for parameter in described["parameters"]}
    assert {"alias", "q", "status", "country", "related_to", "updated_since", "ordering", "page", "page_size"} <= parameters
    assert "/api/v1/groups.csv" in served.json()["paths"]
    assert "cursor" in {p["name"] for p in served.json()["paths"]["/api/v1/attacks/"]["get"]["parameters"]}


@pytest.fixture
def demo_data():
    load_demo_data()


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(max_examples=SCHEMATHESIS_EXAMPLES, derandomize=DERANDOMIZE, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_honours_the_schema(case, demo_data, wsgi_keeps_the_test_connection):
    excluded = []
    if case.query and "cursor" in case.query:
        # A cursor is opaque: only one the API wrote is valid (tests/api/test_pagination.py sends forged ones). Without
        # it, a request drawn to be invalid in its cursor alone is a valid one, which the API rightly answers.
        case.query.pop("cursor")
        excluded.append(negative_data_rejection)
    case.call_and_validate(excluded_checks=excluded)


def test_a_csv_answer_is_an_operation_of_its_own_declared_as_text():
    """A generated client picks one parser per operation: a list that declared JSON and CSV had its CSV parsed as JSON."""
    described = yaml.safe_load(SCHEMA_FILE.read_text())["paths"]
    answers = {path: item["get"]["responses"].get("200", {}).get("content", {}) for path, item in described.items() if "get" in item}
    csv_paths = {path for path, content in answers.items() if "text/csv" in content}
    assert csv_paths == {f"/api/v1/{name}.csv" for name in CSV_EXPORTS}
    for path in csv_paths:
        assert answers[path] == {"text/csv": {"schema": answers[path]["text/csv"]["schema"]}}
        assert answers[path]["text/csv"]["schema"]["type"] == "string"
        list_path = path.removesuffix(".csv") + "/"
        assert set(answers[list_path]) == {"application/json"}
        filters = {p["name"] for p in described[list_path]["get"]["parameters"]} - {"page", "page_size", "cursor"}
        assert {p["name"] for p in described[path]["get"]["parameters"]} == filters
