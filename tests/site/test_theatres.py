"""The maps: /maps/ lists the theatres, /maps/<slug>/ draws one as a timeline with its text equivalent and references."""

import datetime
import re

import pytest

from groups.models import AffiliationKind, GroupStatus
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from tests.factories import (
    AffiliationFactory,
    CitationFactory,
    GroupFactory,
    SourceFactory,
    TheatreFactory,
    TheatreGroupFactory,
)

pytestmark = pytest.mark.django_db

DRAFT = PublicationStatus.DRAFT
QUOTE = "worked with the Islamic State to carry out a huge raid"


@pytest.fixture
def region():
    theatre = TheatreFactory(name="Afghanistan and Pakistan", slug="af-pk", countries=["AF", "PK"], start_year=2010, end_year=2019)
    ttp = GroupFactory(
        name="Tehrik-e-Taliban Pakistan", countries=["PK"], founded=datetime.date(2007, 12, 1), founded_precision=DatePrecision.MONTH
    )
    iskp = GroupFactory(
        name="Islamic State Khorasan Province",
        countries=["AF"],
        founded=datetime.date(2015, 1, 1),
        founded_precision=DatePrecision.MONTH,
        status=GroupStatus.ACTIVE,
    )
    hind = GroupFactory(name="Islamic State Hind Province", countries=["IN"])  # on the map by hand
    TheatreGroupFactory(theatre=theatre, group=hind)
    elsewhere = GroupFactory(name="Yemeni Front", countries=["YE"])
    split = AffiliationFactory(from_group=iskp, to_group=ttp, kind=AffiliationKind.FORMED_BY_FORMER_MEMBERS_OF)
    CitationFactory(affiliation=split, group=None, source=SourceFactory(outlet="Dawn", title="IS-K's origins"), quote=QUOTE)
    undated = AffiliationFactory(from_group=hind, to_group=iskp, kind=AffiliationKind.FORMERLY_PART_OF)
    CitationFactory(affiliation=undated, group=None, quote=QUOTE)
    return {"theatre": theatre, "ttp": ttp, "iskp": iskp, "hind": hind, "elsewhere": elsewhere, "split": split}


def test_the_list_shows_published_theatres_with_their_period_and_countries(client, region):
    TheatreFactory(name="Hidden Theatre", publication_status=DRAFT)
    TheatreFactory(name="Sahel", countries=["ML"], start_year=2012, end_year=None)
    page = client.get("/maps/").content.decode()
    assert "Hidden Theatre" not in page and "2 maps." in page
    assert '<a href="/maps/af-pk/">Afghanistan and Pakistan</a>' in page and "2010–2019 · Afghanistan, Pakistan" in page
    assert "Since 2012 · Mali" in page
    assert '<a href="/api/v1/theatres/" type="application/json">JSON</a>' in page


def test_the_list_filters_by_country_and_refuses_an_unknown_one_with_a_400(client, region):
    TheatreFactory(name="Sahel", countries=["ML"])
    assert [t.name for t in client.get("/maps/?country=ML").context["listing"].page.object_list] == ["Sahel"]
    assert client.get("/maps/?country=XX").status_code == 400


def test_the_site_navigation_and_the_home_page_lead_to_the_maps(client, region):
    assert '<a href="/maps/">Maps</a>' in client.get("/groups/").content.decode()
    home = client.get("/").content.decode()
    assert '<a href="/maps/"><strong>1</strong> map</a>' in home
    assert '<a href="/maps/" aria-current="page">Maps</a>' in client.get("/maps/").content.decode()


def test_a_map_draws_the_groups_of_its_countries_and_those_listed_each_once_linked(client, region):
    response = client.get("/maps/af-pk/")
    assert response.status_code == 200
    page = response.content.decode()
    timeline = response.context["page"].timeline
    assert [row.name for row in timeline.rows] == [
        "Tehrik-e-Taliban Pakistan",  # before the period; then the group formed by its former members
        "Islamic State Khorasan Province",
        "Islamic State Hind Province",  # formerly part of ISKP; listed by hand (it operates in India)
    ]
    assert "Yemeni Front" not in page
    for group in (region["ttp"], region["iskp"], region["hind"]):
        assert page.count(f'<a href="{group.get_absolute_url()}" aria-label="{group.name}: ') == 1
    assert 'role="region" aria-label="Timeline of Afghanistan and Pakistan, 2010–2019 (scrolls sideways)" tabindex="0"' in page


def test_a_relationship_link_cites_its_source_and_undated_ones_are_listed_not_drawn(client, region):
    response = client.get("/maps/af-pk/")
    page = response.content.decode()
    (link,) = response.context["page"].timeline.links
    title = "Islamic State Khorasan Province formed by former members of Tehrik-e-Taliban Pakistan, Jan 2015 (when Islamic State"
    assert f'<a href="#ref-1" aria-label="{title}' in page and "; reference 1" in link.title
    assert '<li id="ref-1" value="1">' in page and "Dawn" in page  # the references list under the figure
    undrawn = page.split('id="undrawn-heading"')[1].split("</ul>")[0]
    assert "Islamic State Hind Province</a> formerly part of" in undrawn and "(no known date)" in undrawn
    assert re.search(r'href="#ref-2"[^>]*>\[2\]', undrawn)  # cited in the list, though not drawn


def test_the_text_equivalent_gives_every_group_with_its_dates(client, region):
    page = client.get("/maps/af-pk/").content.decode()
    table = page.split('id="groups-table-heading"')[1].split("</table>")[0]
    assert "<td>Dec 2007</td>" in table and "<td>Jan 2015</td>" in table and table.count("<td>still active</td>") == 1  # ISKP
    assert table.count("<tr>") == 4  # the heading and three groups


def test_drafts_never_show(client, region):
    theatre = region["theatre"]
    GroupFactory(name="Draft Front", countries=["PK"], publication_status=DRAFT)
    TheatreGroupFactory(theatre=theatre, group=GroupFactory(name="Unlisted Front", countries=["YE"]), publication_status=DRAFT)
    AffiliationFactory(from_group=region["ttp"], to_group=region["iskp"], kind=AffiliationKind.RIVAL_OF, publication_status=DRAFT)
    page = client.get("/maps/af-pk/").content.decode()
    assert "Draft Front" not in page and "Unlisted Front" not in page and "rival of" not in page


@pytest.mark.parametrize("slug", ["nowhere", "hidden"])
def test_an_unknown_or_unpublished_theatre_is_a_404(client, slug):
    TheatreFactory(slug="hidden", publication_status=DRAFT)
    assert client.get(f"/maps/{slug}/").status_code == 404


def test_a_map_with_no_published_group_says_so(client):
    TheatreFactory(slug="empty", countries=["NZ"])
    page = client.get("/maps/empty/").content.decode()
    assert "No published group is on this map yet." in page


def test_a_profile_links_to_the_maps_it_is_on(client, region):
    TheatreFactory(name="Hidden Theatre", countries=["PK"], publication_status=DRAFT)
    ttp = client.get(region["ttp"].get_absolute_url()).content.decode()
    assert 'the map of <a href="/maps/af-pk/">Afghanistan and Pakistan</a>.' in ttp and "Hidden Theatre" not in ttp
    assert "/maps/af-pk/" in client.get(region["hind"].get_absolute_url()).content.decode()  # listed by hand
    assert "/maps/" not in client.get(region["elsewhere"].get_absolute_url()).content.decode().replace('href="/maps/">Maps', "")


@pytest.mark.parametrize("more", [0, 15])
def test_the_map_query_count_does_not_grow(client, region, django_assert_num_queries, more):
    for index in range(more):
        group = GroupFactory(countries=["PK"], founded=datetime.date(2011 + index % 8, 1, 1), founded_precision=DatePrecision.YEAR)
        affiliation = AffiliationFactory(
            from_group=group, to_group=region["ttp"], kind=AffiliationKind.SPLINTER_FROM, started=group.founded, started_precision="year"
        )
        CitationFactory(affiliation=affiliation, group=None, quote=QUOTE)
    # the data version, the theatre, its groups, the relationships among them, their citations
    with django_assert_num_queries(5):
        response = client.get("/maps/af-pk/")
    assert response.status_code == 200 and len(response.context["page"].timeline.rows) == 3 + more


@pytest.mark.parametrize("more", [0, 15])
def test_the_list_query_count_does_not_grow(client, django_assert_num_queries, more):
    TheatreFactory.create_batch(1 + more)
    with django_assert_num_queries(3):  # the data version, the count, the page
        assert client.get("/maps/").status_code == 200


def _dated_group(name: str, *, founded=None, founded_precision=DatePrecision.UNKNOWN, dissolved=None, dissolved_precision=None):
    return GroupFactory(
        name=name,
        countries=["PK"],
        founded=founded,
        founded_precision=founded_precision,
        dissolved=dissolved,
        dissolved_precision=dissolved_precision or (DatePrecision.UNKNOWN if dissolved is None else DatePrecision.DAY),
        status=GroupStatus.DEFUNCT if dissolved else GroupStatus.ACTIVE,
    )


def test_a_maps_groups_of_its_countries_are_those_active_within_its_period_by_precision(client, region):
    # The period is 2010–2019.
    year = DatePrecision.YEAR
    inside = {
        _dated_group("Founded in its last year", founded=datetime.date(2019, 1, 1), founded_precision=year),
        _dated_group("Founded in its last month", founded=datetime.date(2019, 12, 1), founded_precision=DatePrecision.MONTH),
        _dated_group("Dissolved in its first year", dissolved=datetime.date(2010, 1, 1), dissolved_precision=year),
        _dated_group("Dissolved late in its first year", dissolved=datetime.date(2010, 1, 1), dissolved_precision=DatePrecision.LATE),
        _dated_group("Dissolved on its first day", dissolved=datetime.date(2010, 1, 1)),
        _dated_group("Spanning it", founded=datetime.date(1990, 1, 1), founded_precision=year, dissolved=datetime.date(2030, 5, 4)),
        _dated_group("Never dated"),
    }
    outside = {
        _dated_group("Founded after it", founded=datetime.date(2020, 1, 1), founded_precision=year),
        _dated_group(
            "Dissolved the day before it", founded=datetime.date(2001, 1, 1), founded_precision=year, dissolved=datetime.date(2009, 12, 31)
        ),
        _dated_group("Dissolved the year before it", dissolved=datetime.date(2009, 1, 1), dissolved_precision=year),
    }
    listed_outside = _dated_group("Listed though dissolved before", dissolved=datetime.date(2001, 1, 1), dissolved_precision=year)
    TheatreGroupFactory(theatre=region["theatre"], group=listed_outside)
    drawn = {group.name for group in client.get("/maps/af-pk/").context["page"].groups}
    assert {group.name for group in inside} | {listed_outside.name} <= drawn
    assert not drawn & {group.name for group in outside}
    # A profile lists the maps it is drawn on alike.
    for group in inside | {listed_outside}:
        assert "/maps/af-pk/" in client.get(group.get_absolute_url()).content.decode(), group.name
    for group in outside:
        assert 'href="/maps/af-pk/"' not in client.get(group.get_absolute_url()).content.decode(), group.name


def test_an_open_period_draws_every_group_not_dissolved_before_it_starts(client):
    TheatreFactory(slug="open", countries=["PK"], start_year=2015, end_year=None)
    later = _dated_group("Founded long after", founded=datetime.date(2090, 1, 1), founded_precision=DatePrecision.YEAR)
    gone = _dated_group("Gone before", dissolved=datetime.date(2014, 12, 1), dissolved_precision=DatePrecision.MONTH)
    drawn = {group.name for group in client.get("/maps/open/").context["page"].groups}
    assert later.name in drawn and gone.name not in drawn
