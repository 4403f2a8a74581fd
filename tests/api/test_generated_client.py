"""A client generated from docs/api/openapi.yaml by openapi-python-client, as a data engineer would make one, reads
every answer: JSON lists as models, the CSV operations as text."""

import csv
import importlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.wsgi import get_wsgi_application

from tests.factories import AliasFactory, GroupFactory

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def kbclient(tmp_path_factory):
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "openapi-python-client is a test dependency (pyproject.toml)"
    target = tmp_path_factory.mktemp("generated")
    result = subprocess.run(
        [generator, "generate", "--path", str(SCHEMA_FILE), "--meta", "none", "--output-path", str(target / "kbclient")],
        capture_output=True,
        text=True,
    )
    assert (target / "kbclient" / "client.py").exists(), result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # every operation and model was understood
    sys.path.insert(0, str(target))
    try:
        yield importlib.import_module("kbclient")
    finally:
        sys.path.remove(str(target))
        for name in [name for name in sys.modules if name == "kbclient" or name.startswith("kbclient.")]:
            del sys.modules[name]


@pytest.fixture
def api(kbclient, wsgi_keeps_the_test_connection):
    client = kbclient.Client(base_url="http://testserver")
    client.set_httpx_client(httpx.Client(base_url="http://testserver", transport=httpx.WSGITransport(app=get_wsgi_application())))
    return client


def test_the_generated_client_reads_a_list_as_json_and_its_csv_as_text(kbclient, api):
    state = GroupFactory(name="Islamic State", slug="islamic-state", countries=["SY"])
    AliasFactory(group=state, name='=HYPERLINK("http://example.com")')
    GroupFactory(name="Other Front", countries=["PK"])
    groups_list = importlib.import_module("kbclient.api.groups.groups_list")
    groups_csv = importlib.import_module("kbclient.api.groups.groups_csv")
    aliases_csv = importlib.import_module("kbclient.api.aliases.aliases_csv")

    country = importlib.import_module("kbclient.models.groups_list_country").GroupsListCountry("SY")
    listed = groups_list.sync(client=api, country=country)
    assert [group.slug for group in listed.results] == ["islamic-state"]

    csv_country = importlib.import_module("kbclient.models.groups_csv_country").GroupsCsvCountry("SY")
    answer = groups_csv.sync_detailed(client=api, country=csv_country)
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert isinstance(answer.parsed, str)
    rows = list(csv.DictReader(io.StringIO(answer.parsed.removeprefix("\ufeff"))))
    assert [row["Name"] for row in rows] == ["Islamic State"]

    names = [row["Alias"] for row in csv.DictReader(io.StringIO(aliases_csv.sync(client=api).removeprefix("\ufeff")))]
    assert names == ['\'=HYPERLINK("http://example.com")']  # kept as text; the JSON has the raw value


def test_the_generated_client_reads_a_bad_filter_as_the_400_it_is(kbclient, api):
    groups_csv = importlib.import_module("kbclient.api.groups.groups_csv")
    sent = api.get_httpx_client().get("/api/v1/groups.csv", params={"status": "bogus"})  # the typed call refuses it
    answer = groups_csv._build_response(client=api, response=sent)
    assert answer.status_code == 400 and answer.parsed.additional_properties["status"]
