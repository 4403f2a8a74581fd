import datetime

import pytest

from groups.models import AffiliationKind, AliasKind, GroupStatus
from kb.api.pagination import MAX_PAGE_SIZE
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from tests.factories import AffiliationFactory, AliasFactory, CitationFactory, DesignationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db
DRAFT = PublicationStatus.DRAFT
QUOTE = "It was also claimed by the Islamic State group"


@pytest.fixture
def state():
    group = GroupFactory(
        name="Islamic State",
        slug="islamic-state",
        status=GroupStatus.ACTIVE,
        countries=["IQ", "SY"],
        founded=datetime.date(2014, 1, 1),
        founded_precision=DatePrecision.YEAR,
    )
    source = SourceFactory(slug="afp", title="AFP report", outlet="AFP")
    CitationFactory(group=group, source=source, quote=QUOTE, field="summary")
    daesh = AliasFactory(group=group, name="Daesh", kind=AliasKind.EXONYM, language="ar")
    CitationFactory(alias=daesh, group=None, source=source, quote=QUOTE)
    khorasan = GroupFactory(name="Islamic State Khorasan Province", slug="iskp")
    branch = AffiliationFactory(
        from_group=khorasan,
        to_group=group,
        kind=AffiliationKind.BRANCH_OF,
        started=datetime.date(2015, 1, 1),
        started_precision=DatePrecision.MONTH,
    )
    CitationFactory(affiliation=branch, group=None, source=source, quote=QUOTE)
    AffiliationFactory(from_group=group, to_group=GroupFactory(name="al-Qaeda", slug="al-qaeda"), kind=AffiliationKind.RIVAL_OF)
    DesignationFactory(group=group, authority="United Nations", listing="terrorist group")
    return group


def test_detail_by_slug_embeds_aliases_relationships_designations_and_citations(get_json, state):
    status, body = get_json("/api/v1/groups/islamic-state/")
    assert status == 200
    assert body["name"] == "Islamic State" and body["url"] == "http://testserver/api/v1/groups/islamic-state/"
    assert body["html_url"] == "http://testserver/groups/islamic-state/"
    assert body["founded"] == {"date": "2014-01-01", "precision": "year", "display": "2014"} and body["dissolved"] is None
    assert body["countries"] == ["IQ", "SY"]
    [alias] = body["aliases"]
    assert (alias["name"], alias["kind"], alias["language"]) == ("Daesh", "exonym", "ar")
    assert alias["citations"][0]["quote"] == QUOTE and alias["citations"][0]["source"]["slug"] == "afp"
    relationships = {r["other_group"]["slug"]: r for r in body["relationships"]}
    assert relationships["iskp"]["direction"] == "incoming" and relationships["iskp"]["label"] == "has as branch or province"
    assert relationships["iskp"]["started"]["display"] == "Jan 2015" and relationships["iskp"]["citations"][0]["quote"] == QUOTE
    assert relationships["al-qaeda"]["direction"] == "outgoing" and relationships["al-qaeda"]["kind"] == "rival_of"
    assert body["designations"][0]["authority"] == "United Nations"
    assert body["citations"][0]["supports"] == "summary"
    assert "text" not in body["citations"][0]["source"]


def test_list_uses_brief_records(get_json, state):
    status, body = get_json("/api/v1/groups/")
    assert status == 200 and body["count"] == 3
    first = next(g for g in body["results"] if g["slug"] == "islamic-state")
    assert first["aliases"] == ["Daesh"] and "relationships" not in first and "summary" not in first


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"alias": "daesh"}, ["islamic-state"]),
        ({"alias": "DAISH"}, ["islamic-state"]),
        ({"alias": "Islamic State"}, ["islamic-state"]),
        ({"q": "khorasan"}, ["iskp"]),
        ({"q": "islamic state"}, ["islamic-state", "iskp"]),
        ({"status": "active"}, ["islamic-state"]),
        ({"country": "SY"}, ["islamic-state"]),
        ({"related_to": "islamic-state"}, ["al-qaeda", "iskp"]),
        ({"related_to": "islamic-state", "relationship": "branch_of"}, ["iskp"]),
        ({"relationship": "rival_of"}, ["al-qaeda", "islamic-state"]),
    ],
)
def test_filters(get_json, state, query, expected):
    status, body = get_json("/api/v1/groups/", query)
    assert status == 200
    assert sorted(g["slug"] for g in body["results"]) == sorted(expected)


def test_related_groups_are_named_by_slug_or_id(get_json, state):
    by_slug = get_json("/api/v1/groups/", {"related_to": "islamic-state"})[1]
    by_id = get_json("/api/v1/groups/", {"related_to": state.pk})[1]
    assert by_slug == by_id and by_slug["count"] == 2


def test_updated_since(get_json, state):
    cutoff = datetime.datetime.now(datetime.UTC)
    assert get_json("/api/v1/groups/", {"updated_since": cutoff.isoformat()})[1]["count"] == 0
    alias = state.aliases.first()
    alias.name = "Daish"
    alias.save()  # a change to what the group's record shows counts as a change to the group
    assert [g["slug"] for g in get_json("/api/v1/groups/", {"updated_since": cutoff.isoformat()})[1]["results"]] == ["islamic-state"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"status": "bogus"}, "status"),
        ({"country": "XX"}, "country"),
        ({"active_in": "soon"}, "active_in"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"ordering": "size"}, "ordering"),
    ],
)
def test_invalid_filters_are_400_naming_the_parameter(get_json, state, query, parameter):
    status, body = get_json("/api/v1/groups/", query)
    assert status == 400 and list(body) == [parameter] and body[parameter][0]


def test_ordering(get_json, state):
    names = [g["name"] for g in get_json("/api/v1/groups/", {"ordering": "-name"})[1]["results"]]
    assert names == ["Islamic State Khorasan Province", "Islamic State", "al-Qaeda"]
    names = [g["name"] for g in get_json("/api/v1/groups/", {"ordering": "name"})[1]["results"]]
    assert names == ["al-Qaeda", "Islamic State", "Islamic State Khorasan Province"]


def test_page_size_is_capped(get_json):
    GroupFactory.create_batch(MAX_PAGE_SIZE + 1)
    body = get_json("/api/v1/groups/", {"page_size": 10_000})[1]
    assert len(body["results"]) == MAX_PAGE_SIZE and body["next"]


def test_drafts_are_invisible_in_lists_details_embeds_filters_and_counts(get_json, state):
    hidden = GroupFactory(name="Hidden Front", slug="hidden", publication_status=DRAFT)
    AliasFactory(group=hidden, name="Secret Name")
    AliasFactory(group=state, name="Unreviewed Name", publication_status=DRAFT)
    AffiliationFactory(from_group=hidden, to_group=state, kind=AffiliationKind.FACTION_OF)
    CitationFactory(group=state, source=SourceFactory(slug="unvetted", publication_status=DRAFT), quote=QUOTE)
    assert get_json("/api/v1/groups/")[1]["count"] == 3
    assert get_json("/api/v1/groups/hidden/")[0] == 404
    body = get_json("/api/v1/groups/islamic-state/")[1]
    text = str(body)
    assert "Hidden Front" not in text and "Unreviewed Name" not in text and "unvetted" not in text
    assert get_json("/api/v1/groups/", {"alias": "Secret Name"})[1]["count"] == 0
    assert get_json("/api/v1/groups/", {"related_to": "hidden"})[1]["count"] == 0  # as for a name nobody has
    assert get_json("/api/v1/groups/", {"related_to": "nobody"})[1]["count"] == 0


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_405(client, state, method):
    for path in ("/api/v1/groups/", "/api/v1/groups/islamic-state/"):
        response = getattr(client, method)(path, {}, content_type="application/json")
        assert response.status_code == 405 and "detail" in response.json()


@pytest.mark.parametrize("extra", [0, 15])
def test_query_counts_do_not_grow(client, state, django_assert_num_queries, extra):
    for i in range(extra):
        group = GroupFactory()
        AliasFactory.create_batch(2, group=group)
        CitationFactory(alias=AliasFactory(group=state), group=None, quote=QUOTE)
        AffiliationFactory(from_group=group, to_group=state, kind=AffiliationKind.ALLIED_WITH)
        DesignationFactory(group=state, authority=f"Authority {i}")
    with django_assert_num_queries(5):  # data version, count, page, the page's groups' last changes, aliases
        assert client.get("/api/v1/groups/").status_code == 200
    # group; its last change; aliases; affiliations both ways; designations; the citations of them all (`load_group_facts`)
    with django_assert_num_queries(7):  # and the data version
        assert client.get("/api/v1/groups/islamic-state/").status_code == 200
