import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.dates import DatePrecision
from kb.models import PublicationStatus
from tests.factories import ARTICLE_TEXT, AliasFactory, AttackFactory, AttributionFactory, CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db

QUOTE_FIRST = "A major Pakistani militant group worked with the Islamic State"
QUOTE_LATER = "It was also claimed by the Islamic State group"


@pytest.fixture
def article():
    return SourceFactory(
        slug="afp-2016",
        title="Pak militant group worked with ISIS",
        outlet="AFP",
        url="https://example.org/afp",
        published=datetime.date(2016, 10, 26),
        published_precision=DatePrecision.DAY,
    )


def test_source_page_shows_metadata_link_and_quotes_in_article_order_not_the_text(client, article):
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    CitationFactory(group=group, source=article, quote=QUOTE_LATER, field="summary")
    alias = AliasFactory(group=group, name="Daesh")
    CitationFactory(alias=alias, group=None, source=article, quote=QUOTE_FIRST)
    attribution = AttributionFactory(group=group, attack=AttackFactory(title="Quetta attack", slug="quetta"))
    CitationFactory(attribution=attribution, group=None, source=article, quote=QUOTE_LATER)
    page = client.get("/sources/afp-2016/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "AFP" in text and "26 Oct 2016" in text and 'href="https://example.org/afp"' in page
    assert page.index(QUOTE_FIRST) < page.index(QUOTE_LATER)
    assert page.count(QUOTE_LATER) == 1  # one passage, two facts
    assert "“Daesh”, a name of Islamic State" in text and "Claimed by Islamic State: Quetta attack" in text
    assert "(summary)" in text
    assert 'href="/attacks/quetta/"' in page and 'href="/groups/islamic-state/"' in page
    assert "2 passages" in text and "3 facts" in text
    assert "Pakistani authorities said the attack was carried out" not in page  # uncited text stays with editors
    assert ARTICLE_TEXT not in page


def test_facts_of_draft_records_are_not_listed(client, article):
    hidden = GroupFactory(name="Hidden Front", publication_status=PublicationStatus.DRAFT)
    CitationFactory(group=hidden, source=article, quote=QUOTE_FIRST)
    CitationFactory(alias=AliasFactory(group=hidden, name="Hidden Alias"), group=None, source=article, quote=QUOTE_LATER)
    CitationFactory(group=GroupFactory(name="Shown Front"), source=article, quote=QUOTE_LATER, publication_status=PublicationStatus.DRAFT)
    page = client.get("/sources/afp-2016/").content.decode()
    assert "Hidden" not in page and "Shown Front" not in page and QUOTE_FIRST not in page
    assert "No published fact cites this source yet." in page


def test_draft_and_unknown_sources_are_404(client):
    SourceFactory(slug="unvetted", publication_status=PublicationStatus.DRAFT)
    assert client.get("/sources/unvetted/").status_code == 404
    assert client.get("/sources/no-such-source/").status_code == 404


def test_source_by_id_redirects_to_its_slug(client, article):
    response = client.get(f"/sources/{article.pk}/")
    assert response.status_code == 301 and response["Location"] == "/sources/afp-2016/"


def test_an_untitled_article_is_named_by_its_opening_words(client):
    SourceFactory(slug="untitled", title="")
    page = client.get("/sources/untitled/").content.decode()
    assert "Untitled article beginning “Islamabad: A major Pakistani militant group worked with…”" in page


def test_list_filters_by_outlet_and_year_and_counts_public_quotes(client, article):
    SourceFactory(title="Other", outlet="Pakistan Today", published=datetime.date(2015, 1, 1), published_precision=DatePrecision.YEAR)
    CitationFactory(source=article, quote=QUOTE_FIRST)
    CitationFactory(source=article, quote=QUOTE_LATER, publication_status=PublicationStatus.DRAFT)
    listing = client.get("/sources/?outlet=afp").context["listing"]
    assert [s.title for s in listing.page.object_list] == ["Pak militant group worked with ISIS"]
    assert listing.page.object_list[0].public_citation_count == 1
    assert [s.title for s in client.get("/sources/?year=2015").context["listing"].page.object_list] == ["Other"]
    assert client.get("/sources/?year=twenty").status_code == 400


@pytest.mark.parametrize("more", [0, 15])
def test_detail_query_count_does_not_grow(client, article, django_assert_num_queries, more):
    for _ in range(more):
        CitationFactory(source=article, quote=QUOTE_FIRST)
        CitationFactory(attribution=AttributionFactory(), group=None, source=article, quote=QUOTE_LATER)
    with django_assert_num_queries(3):  # data version, the source, its citations with what they support
        assert client.get("/sources/afp-2016/").status_code == 200


@pytest.mark.parametrize("sources", [1, 20])
def test_list_query_count_does_not_grow(client, django_assert_num_queries, sources):
    for _ in range(sources):
        CitationFactory(source=SourceFactory())
    with django_assert_num_queries(3):  # data version, count, page with citation counts
        assert client.get("/sources/").status_code == 200


@pytest.mark.parametrize("path", ["/sources/", "/api/v1/sources/"])
def test_the_lists_of_sources_read_a_page_in_order_from_an_index_not_every_source_sorted(client, path):
    """Newest first, undated last, over 100,000 sources at GTD scale: sorted for each page, 50 ms; read in order from
    `source_published_order_idx`, under 1. With sorting priced out, the page's query must still have a plan in order."""
    SourceFactory.create_batch(3)
    plan = plan_of_page(client, path, {}, '"sources_source"."title"')
    assert "source_published_order_idx" in plan and "Sort" not in plan, plan


def test_the_sync_order_of_citations_reads_a_page_from_an_index_not_every_citation_sorted(client):
    """`?ordering=-updated` over 500,000 citations at GTD scale: sorted for each page, 177 ms; from
    `citation_updated_idx`, 22."""
    CitationFactory.create_batch(3)
    plan = plan_of_page(client, "/api/v1/citations/", {"ordering": "-updated"}, "sources_citation")
    assert "citation_updated_idx" in plan and "Sort" not in plan, plan


def plan_of_page(client, path, params, marker):
    """The plan of the query reading the page (the one with LIMIT that names `marker`), with sorting and
    sequential scans priced out, so that an index in the page's order is used if one exists."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params).status_code == 200
    (page,) = (sql for sql in (query["sql"] for query in captured.captured_queries) if "LIMIT" in sql and marker in sql)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {page}")
        return "\n".join(row[0] for row in cursor.fetchall())
