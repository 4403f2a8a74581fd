"""The API's JSON is written by orjson (kb/api/renderers.py) and reads byte for byte as DRF's own renderer wrote it."""

import datetime
import decimal
import math
import uuid
from collections import OrderedDict

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from groups.models import AttributionKind, DatePrecision
from kb.api.renderers import JSONRenderer
from tests.factories import AttackFactory, AttributionFactory, GroupFactory

PAYLOAD = ReturnDict(
    {
        "count": 2,
        "next": None,
        "results": ReturnList(
            [
                OrderedDict(
                    id=1,
                    name="Ḥarakat al-Shabāb al-Mujāhidīn",
                    quote='a line\u2028and a paragraph\u2029apart, “quoted”, "escaped" \\ and a tab\t',
                    updated_at=datetime.datetime(2026, 11, 30, 8, 5, 1, 123456, tzinfo=datetime.UTC),
                    moment=datetime.datetime(2026, 11, 30, 8, 5, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=5))),
                    day=datetime.date(2015, 3, 4),
                    time=datetime.time(12, 30),
                    span=datetime.timedelta(days=1, seconds=5),
                    latitude=decimal.Decimal("33.123400"),
                    key=uuid.UUID("12345678-1234-5678-1234-567812345678"),
                    label=gettext_lazy("Claimed by"),
                    kind=AttributionKind.CLAIMED,
                    precision=DatePrecision.MONTH,
                    pair=(1, "two"),
                    tags={"only"},
                    share=0.1,
                    big=2**63 - 1,
                    flags=[True, False, None],
                ),
                {1: "a key that is a number", "empty": {}, "none": []},
            ],
            serializer=None,
        ),
    },
    serializer=None,
)


def test_the_same_bytes_as_drf_writes():
    assert JSONRenderer().render(PAYLOAD) == renderers.JSONRenderer().render(PAYLOAD)


@pytest.mark.parametrize(
    ("data", "written"),
    [({"big": 2**64}, b'{"big":18446744073709551616}'), ({"low": -(2**63) - 1}, b'{"low":-9223372036854775809}')],
    ids=["integer past 64 bits", "below 64 bits"],
)
def test_what_orjson_cannot_write_goes_through_drf(data, written):
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data) == written


def test_an_indented_answer_is_drfs():
    media_type = "application/json; indent=2"
    assert JSONRenderer().render(PAYLOAD, media_type) == renderers.JSONRenderer().render(PAYLOAD, media_type)
    assert b'\n  "count": 2' in JSONRenderer().render(PAYLOAD, media_type)


def test_a_float_that_is_not_a_number_is_null_rather_than_a_failure():
    with pytest.raises(ValueError):
        renderers.JSONRenderer().render({"share": math.nan})
    assert JSONRenderer().render({"share": math.nan, "far": math.inf}) == b'{"share":null,"far":null}'


def test_nothing_is_no_body():
    assert JSONRenderer().render(None) == b""


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/attacks/", "/api/v1/groups/", "/api/v1/groups/al-shabaab/", "/api/v1/"])
def test_the_api_answers_in_it(client, path):
    group = GroupFactory(slug="al-shabaab", name="Ḥarakat al-Shabāb al-Mujāhidīn")
    AttributionFactory(attack=AttackFactory(title="Attack\u2028on a line of its own"), group=group, kind=AttributionKind.CLAIMED)
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "\u2028".encode() not in response.content
    assert response.content == renderers.JSONRenderer().render(response.data)
