import copy
import datetime
import json
from decimal import Decimal

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.utils.encoders import JSONEncoder

from groups.api.serializers import AttackListSerializer
from groups.models import Attack, AttackType, AttributionKind
from groups.selectors import attacks_for_list
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
        ({"country": "XX"}, "country"),
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
    with django_assert_num_queries(3):  # data version, the page, its attributions with their groups
        assert client.get("/api/v1/attacks/").status_code == 200
    with django_assert_num_queries(2):  # an empty page: no attributions to read
        response = client.get("/api/v1/attacks/?country=FR")
        assert response.status_code == 200 and response.json()["results"] == []
    with django_assert_num_queries(5):  # data version, attack, its citations, attributions, their citations
        assert client.get("/api/v1/attacks/quetta-2016/").status_code == 200


def test_a_page_of_rows_reads_as_each_of_its_attacks_does(get_json, quetta):
    """The list serialises rows (`AttackRowsSerializer`), not attacks: every field of every attack, and their order,
    must be what `AttackListSerializer` gives the attack itself, whatever it holds."""
    AttackFactory(
        title="Attaque à Mastung — « jour 1 »",
        date=datetime.date(2017, 5, 12),
        date_precision=DatePrecision.DAY,
        end_date=datetime.date(2017, 5, 14),
        locality="Mastung",
        district="Mastung",  # named once in its place
        province="Balochistan",
        latitude=Decimal("-0.500000"),
        longitude=Decimal("66.811230"),
        suicide=True,
        wounded=12,
        wounded_qualifier="about",
        perpetrator_description="Gunmen",
    )
    AttackFactory(country="", date=None, date_precision=DatePrecision.UNKNOWN, suicide=False, killed=0, killed_qualifier="exact")
    ranged = AttackFactory(
        country="AF",
        date=datetime.date(1970, 1, 1),
        date_precision=DatePrecision.YEAR,
        date_earliest=datetime.date(1970, 5, 27),
        date_latest=datetime.date(1970, 6, 5),
    )
    Attack.objects.filter(pk=ranged.pk).update(updated_at=datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))  # no microseconds
    state = GroupFactory(name="Tehrik-e-Taliban Pakistan (TTP)", slug="ttp")
    for kind, by in [("suspected", "police"), ("disputed", ""), ("denied", "")]:
        AttributionFactory(attack=ranged, group=state, kind=kind, attributed_by=by)
    AttributionFactory(attack=ranged, kind=AttributionKind.CLAIMED, publication_status=PublicationStatus.DRAFT)
    AttributionFactory(attack=ranged, group=GroupFactory(publication_status=PublicationStatus.DRAFT))

    status, body = get_json("/api/v1/attacks/", {"page_size": 500})
    request = Request(APIRequestFactory().get("/api/v1/attacks/"))
    one_by_one = [AttackListSerializer(attack, context={"request": request}).data for attack in attacks_for_list()]
    assert status == 200 and len(body["results"]) == 4
    assert json.dumps(body["results"]) == json.dumps(json.loads(json.dumps(one_by_one, cls=JSONEncoder)))  # keys in order too
    mastung, _quetta, ranged, undated = body["results"]
    assert (mastung["place"], mastung["latitude"], mastung["end_date"]) == ("Mastung, Balochistan, Pakistan", "-0.500000", "2017-05-14")
    assert (undated["country"], undated["place"], undated["date"], undated["suicide"]) == ("", "", None, False)
    assert (ranged["date_earliest"], ranged["updated_at"]) == ("1970-05-27", "2020-01-02T03:04:05Z")
    assert [a["statement"] for a in ranged["attributions"]] == ["Denied by", "Disputed:", "Suspected by police:"]  # no draft


def as_the_serializer_writes_them() -> list[dict]:
    request = Request(APIRequestFactory().get("/api/v1/attacks/"))
    one_by_one = [AttackListSerializer(attack, context={"request": request}).data for attack in attacks_for_list()]
    return json.loads(json.dumps(one_by_one, cls=JSONEncoder))


@pytest.mark.parametrize("precision", [value for value in DatePrecision if value != DatePrecision.UNKNOWN])
def test_every_precision_of_a_date_reads_as_the_serializer_writes_it(get_json, precision):
    day, month = {DatePrecision.DAY: (4, 3), DatePrecision.MONTH: (1, 3)}.get(precision, (1, 1))
    AttackFactory(date=datetime.date(2016, month, day), date_precision=precision)
    AttackFactory(date=datetime.date(1999, month, day), date_precision=precision, date_earliest=datetime.date(1999, 1, 1))
    status, body = get_json("/api/v1/attacks/")
    assert status == 200 and body["results"] == as_the_serializer_writes_them()
    assert body["results"][0]["date"]["display"] in {"4 Mar 2016", "Mar 2016", "early 2016", "mid-2016", "late 2016", "2016"}


def test_what_the_database_writes_is_what_the_serializer_writes_whatever_the_text(get_json):
    """The list's JSON comes from PostgreSQL (`groups.api.documents`): quotes, backslashes, control characters,
    scripts, keys that must be percent-encoded, every kind of attribution, a country the code list does not know,
    microseconds or none, each read as `AttackListSerializer` writes it."""
    odd = GroupFactory(slug="front café/1", name='The "Front" \\ of\nthe\tEast — جبهة')
    for number, (kind, by) in enumerate([(kind, by) for kind in AttributionKind for by in ("", "the ministry's {spokesman}")]):
        attack = AttackFactory(
            slug=f"attaque-{number}" if number % 3 else f"attaque à {number}",
            title=f'Title with "quotes", \\ a backslash, a bell \x07 and \u2028 — {number}',
            locality=["Quetta", "", "Mastung"][number % 3],
            district=["Quetta", "Mastung", ""][number % 3],
            province="" if number % 2 else "Balochistan",
            country=["PK", "", "XK", "ZZ"][number % 4],
            latitude=None if number % 2 else Decimal("0.000000") if number == 0 else Decimal(f"-{number}.012345"),
            longitude=None if number % 2 else Decimal("179.999999"),
            suicide=[None, True, False][number % 3],
            killed=None if number % 2 else number,
            killed_qualifier="" if number % 2 else "exact",
            wounded=number if number % 2 else None,
            wounded_qualifier="about" if number % 2 else "",
        )
        AttributionFactory(attack=attack, group=odd, kind=kind, attributed_by=by)
        if number % 4 == 0:
            AttributionFactory(attack=attack, kind=AttributionKind.CLAIMED)
        if number % 2:
            Attack.objects.filter(pk=attack.pk).update(updated_at=datetime.datetime(2021, 5, 6, 7, 8, 9, tzinfo=datetime.UTC))
    status, body = get_json("/api/v1/attacks/", {"page_size": 50})
    assert status == 200 and len(body["results"]) == 2 * len(AttributionKind)
    assert json.dumps(body["results"]) == json.dumps(as_the_serializer_writes_them())  # keys in their order too
    assert {attack["url"].rsplit("/", 2)[1] for attack in body["results"]} >= {"attaque%20%C3%A0%200", "attaque-1"}
    group_urls = {attribution["group"]["url"] for attack in body["results"] for attribution in attack["attributions"]}
    assert "http://testserver/api/v1/groups/front%20caf%C3%A9%2F1/" in group_urls


def test_an_attack_with_no_country_reads_with_an_empty_code(get_json):
    """DRF's own choice field handed the empty Country to the JSON encoder: the attack's page in the API answered 500."""
    AttackFactory(slug="somewhere", country="")
    status, body = get_json("/api/v1/attacks/somewhere/")
    assert status == 200 and (body["country"], body["place"]) == ("", "")


def test_the_country_filters_choices_are_shared_by_each_requests_form_not_copied(get_json):
    """A form deep-copies its fields' choices: 250 countries, pair by pair, each request. They never change, so each
    request's form shares them, and still offers, checks and names every country."""
    from groups.filtersets import COUNTRY_CHOICES, AttackFilterSet

    assert copy.deepcopy(COUNTRY_CHOICES) is COUNTRY_CHOICES
    field = AttackFilterSet(data={"country": "LK"}).form.fields["country"]
    assert list(copy.deepcopy(field).choices) == list(field.choices)
    assert ("LK", "Sri Lanka") in list(field.choices) and len(list(field.choices)) == len(COUNTRY_CHOICES.choices) + 1  # "Any country"
    assert AttackFilterSet(data={"country": "LK"}).is_valid() and not AttackFilterSet(data={"country": "XX"}).is_valid()
