import datetime
import re

import pytest

from groups.models import AttackType, AttributionKind, Group
from kb.dates import DatePrecision
from kb.listing import PAGE_SIZE
from kb.models import PublicationStatus
from tests.factories import AliasFactory, AttackFactory, AttributionFactory, CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db

QUOTE_LEJ = "Pakistani authorities said the attack was carried out by the Al-Alami faction"
QUOTE_CLAIM = "It was also claimed by the Islamic State group"


def titles(response) -> list[str]:
    return [attack.title for attack in response.context["listing"].page.object_list]


@pytest.fixture
def quetta():
    attack = AttackFactory(
        title="Attack on the Balochistan Police College",
        slug="quetta-2016",
        date=datetime.date(2016, 10, 1),
        date_precision=DatePrecision.MONTH,
        locality="Quetta",
        province="Balochistan",
        attack_type=AttackType.ARMED_ASSAULT,
    )
    source = SourceFactory(title="Pak militant group worked with ISIS", outlet="AFP")
    lej = GroupFactory(name="Lashkar-e-Jhangvi Al-Alami", slug="lej-aa")
    state = GroupFactory(name="Islamic State", slug="islamic-state")
    attributed = AttributionFactory(attack=attack, group=lej, kind=AttributionKind.ATTRIBUTED, attributed_by="Pakistani authorities")
    CitationFactory(attribution=attributed, group=None, source=source, quote=QUOTE_LEJ)
    claimed = AttributionFactory(attack=attack, group=state, kind=AttributionKind.CLAIMED, attributed_by="Amaq")
    CitationFactory(attribution=claimed, group=None, source=source, quote=QUOTE_CLAIM)
    return attack


def test_attack_page_shows_competing_attributions_side_by_side_each_cited(client, quetta):
    page = client.get("/attacks/quetta-2016/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "Attributed by Pakistani authorities to Lashkar-e-Jhangvi Al-Alami[1]" in text
    assert "Claimed by Islamic State[2]" in text
    assert "The sources name 2 claims or attributions" in text
    references = page.split('id="references-heading"', 1)[1]
    assert QUOTE_LEJ in references and QUOTE_CLAIM in references and "AFP" in references
    assert "Oct 2016" in text and "1 Oct 2016" not in text


def test_attack_by_id_redirects_to_its_stable_address(client, quetta):
    response = client.get(f"/attacks/{quetta.pk}/")
    assert response.status_code == 301 and response["Location"] == "/attacks/quetta-2016/"


def test_a_numeric_slug_wins_over_an_id(client, quetta):
    numbered = AttackFactory(slug=str(quetta.pk), title="Attack known by its number")
    response = client.get(f"/attacks/{quetta.pk}/")
    assert response.status_code == 200 and response.context["attack"] == numbered


def test_draft_attacks_attributions_and_groups_stay_hidden(client, quetta):
    AttributionFactory(attack=quetta, group=GroupFactory(name="Hidden Front", publication_status=PublicationStatus.DRAFT))
    AttributionFactory(attack=quetta, group=GroupFactory(name="Shown Front"), publication_status=PublicationStatus.DRAFT)
    draft = AttackFactory(slug="draft-attack", publication_status=PublicationStatus.DRAFT)
    page = client.get("/attacks/quetta-2016/").content.decode()
    assert "Hidden Front" not in page and "Shown Front" not in page
    assert client.get("/attacks/draft-attack/").status_code == 404
    assert client.get(f"/attacks/{draft.pk}/").status_code == 404
    assert client.get("/attacks/").context["listing"].page.paginator.count == 1


def test_list_filters_by_group_country_year_and_type(client, quetta):
    AttackFactory(
        title="Easter Sunday bombings",
        country="LK",
        date=datetime.date(2019, 4, 21),
        date_precision=DatePrecision.DAY,
        attack_type=AttackType.BOMBING_EXPLOSION,
    )
    assert titles(client.get("/attacks/?group=lej-aa")) == [quetta.title]
    assert titles(client.get("/attacks/?country=LK")) == ["Easter Sunday bombings"]
    assert titles(client.get("/attacks/?year=2016")) == [quetta.title]
    assert titles(client.get("/attacks/?attack_type=bombing_explosion")) == ["Easter Sunday bombings"]
    assert titles(client.get("/attacks/?year=2016&country=LK")) == []
    assert "No published attack matches these filters." in client.get("/attacks/?year=1999").content.decode()


def test_list_names_who_according_to_whom(client, quetta):
    page = re.sub(r"<[^>]+>", "", client.get("/attacks/").content.decode())
    assert "Attributed by Pakistani authorities to Lashkar-e-Jhangvi Al-Alami" in page and "Claimed by Islamic State" in page


@pytest.mark.parametrize("query", ["year=last", "attack_type=drone", "country=ZZ"])
def test_invalid_filters_are_a_400(client, query):
    response = client.get(f"/attacks/?{query}")
    assert response.status_code == 400 and "These filters could not be applied" in response.content.decode()


def test_list_paginates(client):
    AttackFactory.create_batch(PAGE_SIZE + 1)
    assert len(titles(client.get("/attacks/"))) == PAGE_SIZE
    assert len(titles(client.get("/attacks/?page=2"))) == 1


def attack_figure(page: str) -> str:
    return page.split('<figure class="attack-map"', 1)[1].split("</figure>", 1)[0]


def test_an_attack_with_coordinates_has_its_place_marked_and_named_on_a_map(client, quetta):
    quetta.latitude, quetta.longitude = 30.18, 66.99
    quetta.save()
    figure = attack_figure(client.get("/attacks/quetta-2016/").content.decode())
    assert '<title id="attack-map-title">Where the attack took place</title>' in figure
    assert "the place of the attack, Quetta, marked and named" in figure
    assert ">Quetta</text>" in figure and ">Pakistan</text>" in figure and figure.count('class="map-point"') == 1
    assert "<a href" not in figure  # the marker is this page's own place: nothing to follow
    assert "map-shaded" not in figure
    assert "Where the attack took place: Quetta, marked with a dot." in figure


@pytest.mark.parametrize(
    "field, name", [("locality", "Quetta"), ("district", "Mastung"), ("province", "Balochistan"), ("country", "Pakistan")]
)
def test_the_place_named_is_the_most_precise_known(client, quetta, field, name):
    quetta.locality, quetta.district, quetta.province = "", "Mastung", "Balochistan"
    if field == "locality":
        quetta.locality = "Quetta"
    if field in ("province", "country"):
        quetta.district = ""
    if field == "country":
        quetta.province = ""
    quetta.latitude, quetta.longitude = 30.18, 66.99
    quetta.save()
    assert f">{name}</text>" in attack_figure(client.get("/attacks/quetta-2016/").content.decode())


def test_an_attack_without_coordinates_has_its_country_shaded(client, quetta):
    page = client.get("/attacks/quetta-2016/").content.decode()
    figure = attack_figure(page)
    assert figure.count('class="map-country map-shaded"') == 1 and "<title>Pakistan</title>" in figure
    assert ">Pakistan</text>" in figure and 'class="map-point"' not in figure
    assert "The country where the attack took place, Pakistan, shaded; its exact place has no recorded coordinates." in figure


@pytest.mark.parametrize("country", ["", "SG"])  # not known, or too small to draw at this scale
def test_an_attack_with_no_place_to_draw_has_no_map(client, quetta, country):
    quetta.country = country
    quetta.save()
    page = client.get("/attacks/quetta-2016/").content.decode()
    assert "attack-map" not in page and "<svg" not in page and "Balochistan" in page


@pytest.mark.parametrize("more", [0, 15])
def test_detail_query_count_does_not_grow(client, quetta, django_assert_num_queries, more):
    for _ in range(more):
        attribution = AttributionFactory(attack=quetta)
        CitationFactory(attribution=attribution, group=None, quote=QUOTE_CLAIM)
        CitationFactory(attack=quetta, group=None, quote=QUOTE_LEJ)
    quetta.latitude, quetta.longitude = 30.18, 66.99  # its map costs no query
    quetta.save()
    with django_assert_num_queries(5):  # data version, attack, its citations, attributions with groups, their citations
        assert client.get("/attacks/quetta-2016/").status_code == 200


@pytest.mark.parametrize("attacks", [1, 20])
def test_list_query_count_does_not_grow(client, django_assert_num_queries, attacks):
    for _ in range(attacks):
        AttributionFactory.create_batch(2, attack=AttackFactory())
    with django_assert_num_queries(4):  # data version, count, page, attributions with groups (the group filter is a text box)
        assert client.get("/attacks/").status_code == 200


def test_the_group_filter_is_a_text_box_that_takes_a_name_or_alias(client, quetta):
    AliasFactory(group=Group.objects.get(slug="islamic-state"), name="Daesh")
    GroupFactory(name="Another Daesh")  # "daesh" alone still names one group: its own name is "Another Daesh"
    page = client.get("/attacks/").content.decode()
    assert re.search(r'<input type="text" name="group"[^>]*placeholder="A name or alias"', page) and '<select name="group"' not in page
    for value in ("islamic-state", "Islamic State", "DAESH", "daish"):
        assert titles(client.get("/attacks/", {"group": value})) == ["Attack on the Balochistan Police College"], value
    GroupFactory(name="Daesh")  # now two groups go by it: the name picks neither
    assert titles(client.get("/attacks/", {"group": "daesh"})) == []
