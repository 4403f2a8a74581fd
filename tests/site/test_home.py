import datetime

import pytest

from kb.dates import DatePrecision
from kb.models import PublicationStatus
from tests.factories import AliasFactory, AttackFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_home_has_search_counts_recent_profiles_and_recent_attacks(client):
    group = GroupFactory(name="Islamic State")
    AliasFactory(group=group, name="Daesh")
    AliasFactory(group=group, name="Hidden Alias", publication_status=PublicationStatus.DRAFT)
    GroupFactory(name="Unreviewed Front", publication_status=PublicationStatus.DRAFT)
    AttackFactory(title="Attack on the Balochistan Police College", date=datetime.date(2016, 10, 1), date_precision=DatePrecision.MONTH)
    AttackFactory(title="Unverified attack", publication_status=PublicationStatus.DRAFT)
    SourceFactory.create_batch(2)
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page and 'name="q"' in page
    assert "<strong>1</strong> group" in page and "<strong>1</strong> attack" in page and "<strong>2</strong> sources" in page
    assert 'href="/groups/' + group.slug + '/"' in page and "Daesh" in page
    assert "Attack on the Balochistan Police College" in page and "Oct 2016" in page
    for hidden in ("Unreviewed Front", "Hidden Alias", "Unverified attack"):
        assert hidden not in page


def test_recent_profiles_are_the_most_recently_updated(client):
    older, newer = GroupFactory(name="Older Front"), GroupFactory(name="Newer Front")
    AliasFactory(group=older)  # the alias makes the older group's profile the most recent change
    page = client.get("/").content.decode()
    assert page.index("Older Front") < page.index("Newer Front")
    assert newer


def test_home_says_so_when_nothing_is_published(client):
    page = client.get("/").content.decode()
    assert "No groups have been published yet." in page and "No attacks have been published yet." in page


@pytest.mark.parametrize("records", [1, 25])
def test_home_query_count_does_not_grow_with_the_data(client, django_assert_num_queries, records):
    for _ in range(records):
        AliasFactory.create_batch(3, group=GroupFactory())
        AttackFactory()
    # four counts (groups, attacks, sources, maps), recent groups and their aliases, recent attacks and their attributions
    with django_assert_num_queries(9):  # and the data version
        assert client.get("/").status_code == 200


def test_names_render_as_text(client):
    GroupFactory(name="<script>alert(1)</script>")
    page = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
