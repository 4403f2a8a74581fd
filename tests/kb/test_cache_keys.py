"""Cache keys that a client cannot multiply: a page is one entry whatever parameters it does not read are added and
whatever order its parameters come in; the API refuses a parameter it does not read."""

import pytest
from django.core.cache import caches

from tests.factories import AliasFactory, AttackFactory, GroupFactory, TheatreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def state():
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=group, name="Daesh")
    return group


def entries() -> int:
    return len(caches["public"]._cache)  # the suite's local-memory cache: its entries


@pytest.mark.parametrize(
    "path", ["/", "/groups/", "/groups/islamic-state/", "/search/?q=daesh", "/groups/islamic-state/changes/", "/maps/", "/maps/levant/"]
)
def test_parameters_a_page_does_not_read_make_no_new_entry(client, state, django_assert_num_queries, path):
    TheatreFactory(name="Levant", slug="levant", countries=["SY"])
    first = client.get(path)
    assert first.status_code == 200 and entries() == 1
    joiner = "&" if "?" in path else "?"
    for junk in ("x=1", "x=2", "utm_source=feed&x=3"):
        with django_assert_num_queries(1):  # the data version: served from the first entry
            again = client.get(f"{path}{joiner}{junk}")
        assert again.status_code == 200 and again.content == first.content
    assert entries() == 1


def test_a_dropped_parameter_is_never_echoed_in_the_page(client, state):
    page = client.get("/groups/", {"kind": "organisation", "evil": "injected-marker"}).content.decode()
    assert "injected-marker" not in page and "evil" not in page


def test_the_order_of_the_parameters_is_one_entry(client, state, django_assert_num_queries):
    AttackFactory.create_batch(3)
    first = client.get("/attacks/?ordering=date&page=1&country=IQ")
    assert first.status_code == 200
    with django_assert_num_queries(1):
        again = client.get("/attacks/?country=IQ&page=1&ordering=date")
    assert again.status_code == 200 and entries() == 1


@pytest.mark.parametrize(
    "path, parameters",
    [
        ("/groups/", {"q": "daesh", "kind": "organisation", "page": "1", "ordering": "name"}),
        ("/groups/islamic-state/", {"sort": "date", "page": "1", "hops": "2", "year": "2014"}),
        ("/search/", {"q": "daesh"}),
        ("/maps/", {"country": "SY", "updated_since": "2020-01-01", "page": "1"}),
    ],
)
def test_the_parameters_a_page_reads_are_kept_apart(client, state, path, parameters):
    """Each reaches the view and is an entry of its own: none of them is taken for junk."""
    client.get(path)
    for count, (name, value) in enumerate(parameters.items(), start=2):
        response = client.get(path, {name: value})
        assert response.status_code == 200 and entries() == count, name
        assert response.wsgi_request.GET.get(name) == value, name


def test_the_api_refuses_a_parameter_it_does_not_read_and_says_what_it_reads(client, state):
    response = client.get("/api/v1/groups/", {"x": "1"})
    assert response.status_code == 400
    message = response.json()["x"][0]
    assert "Not a parameter" in message and "page_size" in message and "kind" in message and "format" in message
    assert client.get("/api/v1/groups/islamic-state/", {"page": "2"}).json()["page"][0].endswith("it reads format.")
    assert entries() == 0


@pytest.mark.parametrize(
    "path, reads",
    [("/api/v1/theatres/", ["country", "updated_since", "page"]), ("/api/v1/sections/", ["group", "topic", "ordering", "page"])],
)
def test_the_theatre_and_section_lists_refuse_what_they_do_not_read(client, state, path, reads):
    TheatreFactory(name="Levant", slug="levant", countries=["SY"])
    response = client.get(path, {"hops": "2"})
    assert response.status_code == 400 and all(name in response.json()["hops"][0] for name in reads)
    assert client.get(path, {"page": "1"}).status_code == 200
    assert client.get("/api/v1/theatres/levant/", {"country": "SY"}).status_code == 400  # a record reads none of them


def test_the_api_takes_its_filters_paging_and_format_in_any_order(client, state, django_assert_num_queries):
    first = client.get("/api/v1/groups/?kind=organisation&page_size=10&page=1&format=json")
    assert first.status_code == 200
    with django_assert_num_queries(1):
        again = client.get("/api/v1/groups/?format=json&page=1&page_size=10&kind=organisation")
    assert again.content == first.content
    assert client.get("/api/v1/attacks/", {"ordering": "date", "page_size": "5"}).status_code == 200
    assert client.get("/api/v1/groups/", {"format": "csv", "kind": "organisation"}).status_code == 200
