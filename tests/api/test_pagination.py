"""Paging: a cursor the API did not write is a 400 naming the parameter, whatever its forger put in it."""

import datetime
from base64 import b64encode

import pytest

from kb.dates import DatePrecision
from tests.factories import AttackFactory, CitationFactory

pytestmark = pytest.mark.django_db


def cursor(querystring: str) -> str:
    return b64encode(querystring.encode()).decode()


FORGED = {
    "not base64": "garbage!",
    "not ASCII": "é",
    "base64 of bytes": b64encode(b"\xff\xfe\x00").decode(),
    "base64 of junk": cursor("junk"),
    "an unknown token": cursor("x=1"),
    "a repeated token": cursor("p=1&p=2"),
    "an empty position": cursor("p="),
    "a word for a position": cursor("p=abc"),
    "an impossible date": cursor("p=2020-13-45"),
    "a fraction": cursor("p=1.5"),
    "a number past the sort key's range": cursor("p=99999999999999999999"),
    "a number past Python's digits limit": cursor("p=" + "9" * 5000),
    "a NUL character": cursor("p=1\x00"),
    "a time without its offset": cursor("p=2020-01-01 00:00:00"),
    "an offset PostgreSQL refuses": cursor("p=9999-12-31 23:59:59-23:00"),
    "a negative offset": cursor("o=-1"),
    "a huge offset": cursor("o=99999999999999999999&p=1"),
    "a direction that is not 0 or 1": cursor("r=2"),
}
ORDERINGS = {"/api/v1/attacks/": ["-date", "date", "-updated", "id"], "/api/v1/citations/": ["id", "-updated"]}


@pytest.mark.parametrize("path", ORDERINGS)
@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
def test_a_forged_cursor_is_a_400_naming_it(get_json, path, forged):
    CitationFactory(attack=AttackFactory(), group=None)
    for ordering in ORDERINGS[path]:
        status, body = get_json(path, {"cursor": forged, "ordering": ordering})
        assert (status, list(body)) == (400, ["cursor"]), ordering


@pytest.mark.parametrize(("path", "ordering"), [(path, ordering) for path, orderings in ORDERINGS.items() for ordering in orderings])
def test_the_cursor_pages_forward_and_back(client, path, ordering):
    """What the API writes it reads back: positions of each sort key's type, forward and reversed."""
    for day in range(1, 8):
        attack = AttackFactory(date=datetime.date(2016, 10, day), date_precision=DatePrecision.DAY)
        CitationFactory(attack=attack, group=None)
    pages, url = [], f"{path}?ordering={ordering}&page_size=3"
    while url:
        body = client.get(url).json()
        pages.append([record["id"] for record in body["results"]])
        url = body["next"]
    assert len(pages) == 3
    back = client.get(client.get(body["previous"]).json()["previous"]).json()
    assert [record["id"] for record in back["results"]] == pages[0]
