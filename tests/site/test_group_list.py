import datetime

import pytest

from groups.models import AffiliationKind, GroupKind, GroupStatus
from kb.dates import DatePrecision
from kb.listing import PAGE_SIZE
from kb.models import PublicationStatus
from tests.factories import AffiliationFactory, AliasFactory, AttackFactory, AttributionFactory, GroupFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [group.name for group in response.context["listing"].page.object_list]


def test_lists_published_groups_alphabetically_with_aliases(client):
    AliasFactory(group=GroupFactory(name="Tehrik-e-Taliban Pakistan"), name="TTP")
    GroupFactory(name="al-Qaeda")
    GroupFactory(name="Hidden Front", publication_status=PublicationStatus.DRAFT)
    response = client.get("/groups/")
    assert names(response) == ["al-Qaeda", "Tehrik-e-Taliban Pakistan"]
    page = response.content.decode()
    assert "Also known as TTP" in page and "Hidden Front" not in page and "2 groups." in page


def test_filters_by_status_kind_and_country(client):
    GroupFactory(name="Active Branch", status=GroupStatus.ACTIVE, kind=GroupKind.BRANCH, countries=["AF", "PK"])
    GroupFactory(name="Defunct Faction", status=GroupStatus.DEFUNCT, kind=GroupKind.FACTION, countries=["IN"])
    assert names(client.get("/groups/?status=active")) == ["Active Branch"]
    assert names(client.get("/groups/?kind=faction")) == ["Defunct Faction"]
    assert names(client.get("/groups/?country=PK")) == ["Active Branch"]
    assert names(client.get("/groups/?country=IN&status=active")) == []
    assert "No published group matches these filters." in client.get("/groups/?country=IN&status=active").content.decode()


def test_filters_by_relationship_to_another_group_in_either_direction(client):
    state = GroupFactory(name="Islamic State", slug="islamic-state")
    AffiliationFactory(from_group=GroupFactory(name="Khorasan Province"), to_group=state, kind=AffiliationKind.BRANCH_OF)
    AffiliationFactory(from_group=state, to_group=GroupFactory(name="al-Qaeda"), kind=AffiliationKind.RIVAL_OF)
    AffiliationFactory(from_group=GroupFactory(name="Unrelated Front"), to_group=GroupFactory(name="Other Front"))
    hidden = GroupFactory(name="Hidden Branch", publication_status=PublicationStatus.DRAFT)
    AffiliationFactory(from_group=hidden, to_group=state, kind=AffiliationKind.BRANCH_OF)
    assert names(client.get("/groups/?related_to=islamic-state")) == ["al-Qaeda", "Khorasan Province"]
    assert names(client.get("/groups/?related_to=islamic-state&relationship=branch_of")) == ["Khorasan Province"]
    assert names(client.get("/groups/?relationship=rival_of")) == ["al-Qaeda", "Islamic State"]


def test_a_draft_group_filters_like_a_name_nobody_has(client):
    hidden = GroupFactory(slug="hidden", publication_status=PublicationStatus.DRAFT)
    AffiliationFactory(from_group=GroupFactory(name="Shown Front"), to_group=hidden)
    for slug in ("hidden", "nobody"):
        response = client.get(f"/groups/?related_to={slug}")
        assert response.status_code == 200 and names(response) == []
        assert "No published group matches these filters." in response.content.decode()


def test_active_in_a_year_uses_the_lifetime_or_an_attack_that_year(client):
    GroupFactory(
        name="Old Front",
        founded=datetime.date(1990, 1, 1),
        founded_precision=DatePrecision.YEAR,
        dissolved=datetime.date(2001, 1, 1),
        dissolved_precision=DatePrecision.YEAR,
    )
    GroupFactory(name="New Front", founded=datetime.date(2015, 1, 1), founded_precision=DatePrecision.YEAR)
    undated = GroupFactory(name="Undated Front")
    AttributionFactory(group=undated, attack=AttackFactory(date=datetime.date(2000, 5, 1), date_precision=DatePrecision.MONTH))
    assert names(client.get("/groups/?active_in=2000")) == ["Old Front", "Undated Front"]
    assert names(client.get("/groups/?active_in=2016")) == ["New Front"]


def test_sorts_by_last_update(client):
    first, second = GroupFactory(name="A Front"), GroupFactory(name="B Front")
    AliasFactory(group=first)  # touches the first group's profile after the second was saved
    assert names(client.get("/groups/?ordering=-updated")) == ["A Front", "B Front"]
    second.summary = "Changed."
    second.save()
    assert names(client.get("/groups/?ordering=-updated")) == ["B Front", "A Front"]
    assert names(client.get("/groups/?ordering=name")) == ["A Front", "B Front"]


@pytest.mark.parametrize("query", ["status=bogus", "active_in=soon", "country=XX", "ordering=random", "active_in=99999"])
def test_invalid_filters_are_a_400_with_the_reason(client, query):
    response = client.get(f"/groups/?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert "These filters could not be applied" in page and 'role="alert"' in page


def test_paginates_and_keeps_the_filters_in_page_links(client):
    GroupFactory.create_batch(PAGE_SIZE + 3, status=GroupStatus.ACTIVE)
    first = client.get("/groups/?status=active")
    assert len(names(first)) == PAGE_SIZE
    assert 'href="?status=active&amp;page=2"' in first.content.decode()
    assert len(names(client.get("/groups/?status=active&page=2"))) == 3
    assert client.get("/groups/?page=999").status_code == 200  # out of range shows the last page


@pytest.mark.parametrize("groups", [1, 30])
def test_query_count_does_not_grow_with_the_data(client, django_assert_num_queries, groups):
    for _ in range(groups):
        AliasFactory.create_batch(2, group=GroupFactory(countries=["PK"]))
    with django_assert_num_queries(5):  # data version, count, page, its groups' last changes, aliases ("related to" is a text box)
        assert client.get("/groups/?country=PK&ordering=-updated").status_code == 200
