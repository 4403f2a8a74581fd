"""The theatres endpoint: public theatres only; a theatre's detail lists its public groups, filtered like the site."""

import pytest

from kb.models import PublicationStatus
from tests.factories import GroupFactory, TheatreFactory, TheatreGroupFactory

pytestmark = pytest.mark.django_db
DRAFT = PublicationStatus.DRAFT


@pytest.fixture
def theatre():
    theatre = TheatreFactory(name="Afghanistan and Pakistan", slug="af-pk", countries=["AF", "PK"], start_year=2014, end_year=None)
    GroupFactory(name="Tehrik-e-Taliban Pakistan", slug="ttp", countries=["PK"])
    TheatreGroupFactory(theatre=theatre, group=GroupFactory(name="Hind Province", slug="hind", countries=["IN"]))
    TheatreGroupFactory(theatre=theatre, group=GroupFactory(name="Listed Draft", slug="listed-draft"), publication_status=DRAFT)
    GroupFactory(name="Draft Front", slug="draft-front", countries=["PK"], publication_status=DRAFT)
    TheatreFactory(slug="hidden", countries=["PK"], publication_status=DRAFT)
    return theatre


def test_the_list_gives_public_theatres_with_their_period_and_countries(get_json, theatre):
    status, body = get_json("/api/v1/theatres/")
    assert status == 200 and body["count"] == 1
    (entry,) = body["results"]
    assert (entry["slug"], entry["countries"], entry["start_year"], entry["end_year"]) == ("af-pk", ["AF", "PK"], 2014, None)
    assert entry["html_url"].endswith("/maps/af-pk/") and "groups" not in entry


def test_the_detail_lists_the_public_groups_on_the_map(get_json, theatre):
    status, body = get_json("/api/v1/theatres/af-pk/")
    assert status == 200
    assert [group["slug"] for group in body["groups"]] == ["hind", "ttp"]


def test_an_unpublished_theatre_is_a_404_and_filters_are_checked(get_json, theatre):
    assert get_json("/api/v1/theatres/hidden/")[0] == 404
    assert get_json("/api/v1/theatres/", {"country": "IN"})[1]["count"] == 0
    assert get_json("/api/v1/theatres/", {"country": "AF"})[1]["count"] == 1
    assert get_json("/api/v1/theatres/", {"country": "XX"})[0] == 400


@pytest.mark.parametrize("more", [0, 10])
def test_query_counts_do_not_grow(client, theatre, django_assert_num_queries, more):
    TheatreFactory.create_batch(more)
    GroupFactory.create_batch(more, countries=["AF"])
    with django_assert_num_queries(3):  # the data version, the count, the page
        assert client.get("/api/v1/theatres/").status_code == 200
    with django_assert_num_queries(3):  # the data version, the theatre, its groups
        assert client.get("/api/v1/theatres/af-pk/").status_code == 200
