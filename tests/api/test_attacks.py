import datetime

import pytest

from groups.models import AttackType, AttributionKind
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from tests.factories import AttackFactory, AttributionFactory, CitationFactory, GroupFactory

pytestmark = pytest.mark.django_db
QUOTE = "It was also claimed by the Islamic State group"


@pytest.fixture
def quetta():
    attack = AttackFactory(
        title="Attack on the Balochistan Police College",
        slug="quetta-2016",
        date=datetime.date(2016, 10, 1),
        date_precision=DatePrecision.MONTH,
        attack_type=AttackType.ARMED_ASSAULT,
        killed=60,
        killed_qualifier="more_than",
    )
    state = GroupFactory(name="Islamic State", slug="islamic-state")
    lej = GroupFactory(name="Lashkar-e-Jhangvi Al-Alami", slug="lej-aa")
    claim = AttributionFactory(attack=attack, group=state, kind=AttributionKind.CLAIMED)
    CitationFactory(attribution=claim, group=None, quote=QUOTE)
    AttributionFactory(attack=attack, group=lej, kind=AttributionKind.ATTRIBUTED, attributed_by="Pakistani authorities")
    CitationFactory(attack=attack, group=None, quote=QUOTE, field="killed")
    return attack


def slugs(body):
    return [attack["slug"] for attack in body["results"]]


def test_detail_embeds_attributions_and_citations(get_json, quetta):
    status, body = get_json("/api/v1/attacks/quetta-2016/")
    assert status == 200
    assert body["date"] == {"date": "2016-10-01", "precision": "month", "display": "Oct 2016"}
    assert (body["killed"], body["killed_qualifier"]) == (60, "more_than")
    attributions = {a["group"]["slug"]: a for a in body["attributions"]}
    assert attributions["islamic-state"]["kind"] == "claimed" and attributions["islamic-state"]["citations"][0]["quote"] == QUOTE
    assert attributions["lej-aa"]["statement"] == "Attributed by Pakistani authorities to"
    assert body["citations"][0]["supports"] == "killed"


def test_list_embeds_brief_attributions(get_json, quetta):
    body = get_json("/api/v1/attacks/")[1]
    [attack] = body["results"]
    assert {a["group"]["slug"] for a in attack["attributions"]} == {"islamic-state", "lej-aa"}
    assert "citations" not in attack and "citations" not in attack["attributions"][0]


def test_filters(get_json, quetta):
    AttackFactory(
        slug="colombo-2019",
        title="Easter Sunday bombings",
        country="LK",
        date=datetime.date(2019, 4, 21),
        date_precision=DatePrecision.DAY,
        attack_type=AttackType.BOMBING_EXPLOSION,
    )
    AttackFactory(slug="undated", title="Undated attack")
    assert slugs(get_json("/api/v1/attacks/", {"group": "islamic-state"})[1]) == ["quetta-2016"]
    assert slugs(get_json("/api/v1/attacks/", {"group": "islamic-state", "attribution_kind": "claimed"})[1]) == ["quetta-2016"]
    assert slugs(get_json("/api/v1/attacks/", {"group": "islamic-state", "attribution_kind": "attributed"})[1]) == []
    assert slugs(get_json("/api/v1/attacks/", {"attribution_kind": "attributed"})[1]) == ["quetta-2016"]
    assert slugs(get_json("/api/v1/attacks/", {"date_after": "2017-01-01"})[1]) == ["colombo-2019"]
    assert slugs(get_json("/api/v1/attacks/", {"date_after": "2016-01-01", "date_before": "2016-12-31"})[1]) == ["quetta-2016"]
    assert slugs(get_json("/api/v1/attacks/", {"year": 2019})[1]) == ["colombo-2019"]
    assert slugs(get_json("/api/v1/attacks/", {"attack_type": "bombing_explosion"})[1]) == ["colombo-2019"]
    assert slugs(get_json("/api/v1/attacks/", {"country": "LK"})[1]) == ["colombo-2019"]
    assert slugs(get_json("/api/v1/attacks/", {"q": "balochistan police"})[1]) == ["quetta-2016"]
    assert slugs(get_json("/api/v1/attacks/")[1]) == ["colombo-2019", "quetta-2016", "undated"]  # newest first, undated last
    assert slugs(get_json("/api/v1/attacks/", {"ordering": "date"})[1]) == ["undated", "quetta-2016", "colombo-2019"]


def test_the_group_filter_lists_an_attack_once_and_reads_only_published_roles(client, get_json, quetta):
    """The group's attacks are read as an array of ids: an attack it is named in twice is listed once, a role still
    in draft names none, and the site's list, its CSV and the API agree."""
    state = quetta.attributions.get(kind=AttributionKind.CLAIMED).group
    AttributionFactory(attack=quetta, group=state, kind=AttributionKind.SUSPECTED, attributed_by="Officials")
    AttributionFactory(attack=AttackFactory(slug="under-review"), group=state, publication_status=PublicationStatus.DRAFT)
    AttributionFactory(attack=AttackFactory(slug="draft-attack", publication_status=PublicationStatus.DRAFT), group=state)
    assert slugs(get_json("/api/v1/attacks/", {"group": "islamic-state"})[1]) == ["quetta-2016"]
    assert slugs(get_json("/api/v1/attacks/", {"group": "islamic-state", "attribution_kind": "suspected"})[1]) == ["quetta-2016"]
    page = client.get("/attacks/", {"group": "islamic-state"}).content.decode()
    assert page.count('href="/attacks/quetta-2016/"') == 1 and "under-review" not in page and "draft-attack" not in page
    rows = client.get("/api/v1/attacks.csv", {"group": "islamic-state"}).getvalue().decode().splitlines()
    assert len(rows) == 2 and "quetta-2016" in rows[1]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"date_after": "last week"}, "date_after"),
        ({"attribution_kind": "blamed"}, "attribution_kind"),
        ({"ordering": "killed"}, "ordering"),
    ],
)
def test_invalid_filters_are_400_naming_the_parameter(get_json, query, parameter):
    status, body = get_json("/api/v1/attacks/", query)
    assert status == 400 and parameter in body


@pytest.mark.parametrize("ordering", ["-date", "date", "-updated", "id"])
def test_the_cursor_visits_every_attack_once_in_order(client, ordering):
    for i in range(23):
        AttackFactory(
            date=datetime.date(2000 + i % 5, 1, 1) if i % 4 else None, date_precision=DatePrecision.YEAR if i % 4 else DatePrecision.UNKNOWN
        )
    seen, url = [], f"/api/v1/attacks/?ordering={ordering}&page_size=5"
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 5 and "count" not in body  # no COUNT(*) over hundreds of thousands of rows
        seen += [attack["id"] for attack in body["results"]]
        url = body["next"]
    assert len(seen) == 23 and len(set(seen)) == 23


def test_the_cursor_stays_correct_when_rows_are_added_meanwhile(client):
    AttackFactory.create_batch(6)
    first = client.get("/api/v1/attacks/?ordering=id&page_size=3").json()
    AttackFactory.create_batch(2)  # new rows land at the end: the next page neither repeats nor skips
    second = client.get(first["next"]).json()
    assert [a["id"] for a in second["results"]] == sorted(a["id"] for a in second["results"])
    assert second["results"][0]["id"] > first["results"][-1]["id"]


def test_an_unknown_group_matches_nothing(get_json, quetta):
    assert get_json("/api/v1/attacks/", {"group": "nobody"}) == (200, {"next": None, "previous": None, "results": []})


def test_drafts_are_invisible(get_json, quetta):
    AttackFactory(slug="unverified", publication_status=PublicationStatus.DRAFT)
    AttributionFactory(attack=quetta, group=GroupFactory(name="Hidden Front", publication_status=PublicationStatus.DRAFT))
    assert get_json("/api/v1/attacks/unverified/")[0] == 404
    assert slugs(get_json("/api/v1/attacks/")[1]) == ["quetta-2016"]
    assert "Hidden Front" not in str(get_json("/api/v1/attacks/quetta-2016/")[1])


@pytest.mark.parametrize("extra", [0, 20])
def test_query_counts_do_not_grow(client, quetta, django_assert_num_queries, extra):
    for _ in range(extra):
        attack = AttackFactory(date=datetime.date(2016, 1, 1), date_precision=DatePrecision.YEAR)
        CitationFactory(attribution=AttributionFactory(attack=attack), group=None, quote=QUOTE)
        CitationFactory(attribution=AttributionFactory(attack=quetta), group=None, quote=QUOTE)
    with django_assert_num_queries(3):  # data version, page, attributions with groups
        assert client.get("/api/v1/attacks/").status_code == 200
    with django_assert_num_queries(5):  # data version, attack, its citations, attributions, their citations
        assert client.get("/api/v1/attacks/quetta-2016/").status_code == 200
