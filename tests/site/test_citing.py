"""Citations a researcher takes away from a profile: the "Cite this page" box, BibTeX, RIS and CSL-JSON for the current
and every as-of version, the Highwire tags Zotero reads, the JSON-LD, and the links to the page's data."""

import csv
import datetime
import html
import io
import json
import re

import bibtexparser
import pytest
import rispy
from django.utils import timezone
from pyld import jsonld

from groups.models import VersionDecision
from groups.revisions import profile_version_decision
from kb.dates import DatePrecision, moment_key
from kb.models import PublicationStatus
from tests.dated import change_on, create_on, day
from tests.factories import AliasFactory, AttackFactory, AttributionFactory, CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db

# The properties schema.org gives each type we write (https://schema.org/Organization, /NewsArticle, /Person).
SCHEMA_ORG = {
    "Organization": {
        *("@context", "@type", "@id", "url", "name", "alternateName"),
        *("foundingDate", "dissolutionDate", "description", "sameAs", "subjectOf"),
    },
    "NewsArticle": {"@type", "headline", "url", "publisher", "datePublished", "author", "archivedAt"},
    "Person": {"@type", "name"},
}


@pytest.fixture
def front():
    group = GroupFactory(
        name="Front for Testing",
        slug="front",
        founded=datetime.date(2015, 1, 1),
        founded_precision=DatePrecision.YEAR,
        wikidata_id="Q42",
    )
    source = SourceFactory(
        title="Front claims attack",
        outlet="Example News",
        url="https://news.example.org/front",
        published=datetime.date(2016, 10, 26),
        published_precision=DatePrecision.DAY,
        authors=["A. Writer"],
    )
    CitationFactory(source=source, group=group)
    AliasFactory(group=group, name="The Front")
    AliasFactory(group=group, name="Hidden Front", publication_status=PublicationStatus.DRAFT)
    return group


ONE_SECOND = datetime.timedelta(seconds=1)


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.content.decode()


def cite_box(page: str) -> str:
    return page.split('id="cite-heading"', 1)[1].split("</section>", 1)[0]


def version_address(page: str) -> str:
    return re.search(r'<a href="(http://testserver/groups/front/as-of/\w+/)">', cite_box(page)).group(1)


def test_cite_this_page_links_a_permanent_version_with_the_access_date(client, front):
    page = page_of(client, "/groups/front/")
    box = cite_box(page)
    today = timezone.now().date()

    address = version_address(page)
    assert f"(accessed {today:%-d %B %Y})" in box
    assert re.fullmatch(r"http://testserver/groups/front/as-of/\d{8}T\d{6}Z/", address)  # a whole second, no 000000
    assert "Front for Testing" in page_of(client, address.removeprefix("http://testserver"))
    downloads = [href for href in re.findall(r'href="([^"]+)"', box) if "cite." in href]
    assert downloads == ["/groups/front/cite.bib", "/groups/front/cite.ris", "/groups/front/cite.json"]


def test_the_access_date_is_the_day_of_reading_even_from_the_cache(client, front, monkeypatch):
    first = cite_box(page_of(client, "/groups/front/"))
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)

    later = cite_box(page_of(client, "/groups/front/"))

    assert f"(accessed {tomorrow:%-d %B %Y})" in later and later != first


def test_bibtex_parses_back_with_the_version_and_access_date(client, front):
    page = page_of(client, "/groups/front/")
    response = client.get("/groups/front/cite.bib")
    assert response["Content-Type"].startswith("application/x-bibtex")

    library = bibtexparser.parse_string(response.content.decode())

    assert library.failed_blocks == [] and len(library.entries) == 1
    entry = library.entries[0]
    fields = {name: field.value for name, field in entry.fields_dict.items()}
    assert entry.entry_type == "online" and entry.key.startswith("mgkb-front-")
    assert fields["title"] == "{Front for Testing: group profile}"
    assert fields["author"] == "{Militant groups knowledge base}"
    assert fields["url"] == version_address(page)
    assert fields["urldate"] == timezone.now().date().isoformat()
    assert response["Content-Disposition"] == f'inline; filename="{entry.key}.bib"'


def test_ris_parses_back(client, front):
    page = page_of(client, "/groups/front/")

    (reference,) = rispy.loads(client.get("/groups/front/cite.ris").content.decode())

    assert reference["type_of_reference"] == "ELEC"
    assert reference["title"] == "Front for Testing: group profile"
    assert reference["urls"] == [version_address(page)]
    assert reference["access_date"] == f"{timezone.now().date():%Y/%m/%d}"
    assert reference["authors"] == ["Militant groups knowledge base"]


def test_csl_json_is_one_webpage_item(client, front):
    page = page_of(client, "/groups/front/")
    response = client.get("/groups/front/cite.json")
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")

    (item,) = json.loads(response.content)

    assert item["type"] == "webpage" and item["URL"] == version_address(page)
    today = timezone.now().date()
    assert item["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}
    assert item["author"] == [{"literal": "Militant groups knowledge base"}]


def test_each_as_of_version_has_its_own_citation_files(client):
    group = create_on(0, GroupFactory, slug="front", name="Front for Testing", summary="First.")
    CitationFactory(group=group)
    change_on(2, group, summary="Second.")
    # A moment within the first version leads to that version's address: the whole second after its change.
    assert client.get(f"/groups/front/as-of/{moment_key(day(1))}/")["Location"] == f"/groups/front/as-of/{moment_key(day(0) + ONE_SECOND)}/"
    key = moment_key(day(0) + ONE_SECOND)

    page = page_of(client, f"/groups/front/as-of/{key}/")
    box = cite_box(page)
    (reference,) = rispy.loads(client.get(f"/groups/front/as-of/{key}/cite.ris").content.decode())
    (item,) = json.loads(client.get(f"/groups/front/as-of/{key}/cite.json").content)

    assert f"http://testserver/groups/front/as-of/{key}/" in box
    assert f'href="/groups/front/as-of/{key}/cite.bib"' in box
    assert reference["urls"] == [item["URL"]] == [f"http://testserver/groups/front/as-of/{key}/"]
    assert item["issued"] == {"date-parts": [[2026, 1, 1]]}  # the version of 1 January, shown until the change of the 3rd
    assert f'<link rel="canonical" href="http://testserver/groups/front/as-of/{key}/">' in page


def test_a_withdrawn_version_has_no_citation_and_other_addresses_are_404(client, reviewer):
    group = create_on(0, GroupFactory, slug="front", summary="First.")
    CitationFactory(group=group)
    change_on(2, group, summary="Second.")
    profile_version_decision(
        group="front", version=moment_key(day(1)), decision=VersionDecision.WITHDRAW_VERSION, reason="Withdrawn.", user=reviewer
    ).save()

    assert client.get(f"/groups/front/as-of/{moment_key(day(1))}/cite.bib", follow=True).status_code == 410
    assert client.get("/groups/front/cite.pdf").status_code == 404
    assert client.get("/groups/front/as-of/yesterday/cite.bib").status_code == 404
    assert client.get("/groups/no-such-group/cite.bib").status_code == 404
    GroupFactory(slug="draft-front", publication_status=PublicationStatus.DRAFT)
    assert client.get("/groups/draft-front/cite.ris").status_code == 404


def test_highwire_tags_are_what_zotero_reads(client, front):
    page = page_of(client, "/groups/front/")

    tags = dict(re.findall(r'<meta name="(citation_\w+)" content="([^"]*)">', page))

    assert tags["citation_title"] == "Front for Testing: group profile"
    assert tags["citation_author"] == "Militant groups knowledge base"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}", tags["citation_date"])
    assert html.unescape(tags["citation_public_url"]) == version_address(page)


def test_json_ld_is_a_schema_org_organization_with_its_public_names_and_sources(client, front):
    page = page_of(client, "/groups/front/")

    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))

    assert data["@type"] == "Organization" and data["name"] == "Front for Testing"
    assert data["alternateName"] == ["The Front"]  # the draft alias stays out
    assert data["foundingDate"] == "2015"  # a year known, not 1 January
    assert data["sameAs"] == ["https://www.wikidata.org/wiki/Q42"]
    (article,) = data["subjectOf"]
    assert article == {
        "@type": "NewsArticle",
        "headline": "Front claims attack",
        "url": "https://news.example.org/front",
        "publisher": {"@type": "Organization", "name": "Example News"},
        "datePublished": "2016-10-26",
        "author": [{"@type": "Person", "name": "A. Writer"}],
    }
    for node in (data, article, article["publisher"], *article["author"]):
        assert set(node) <= SCHEMA_ORG[node["@type"]], set(node) - SCHEMA_ORG[node["@type"]]


def test_json_ld_expands_to_schema_org_terms_a_processor_keeps(client, front):
    """Expanded by a JSON-LD processor (schema.org's context served from here: the tests make no outside request), every
    property becomes a schema.org term: none is dropped as unknown, and the values survive."""
    page = page_of(client, "/groups/front/")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))

    def schema_org_context(url, options=None):
        assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": {"@context": {"@vocab": "https://schema.org/"}}}  # fmt: skip

    [organization] = jsonld.expand(data, {"documentLoader": schema_org_context})

    def terms(node: dict) -> set[str]:
        return {key for key in node if not key.startswith("@")}

    assert organization["@type"] == ["https://schema.org/Organization"]
    assert terms(organization) == {f"https://schema.org/{key}" for key in terms(data)}
    assert [name["@value"] for name in organization["https://schema.org/alternateName"]] == ["The Front"]
    [article] = organization["https://schema.org/subjectOf"]
    assert article["@type"] == ["https://schema.org/NewsArticle"]
    assert terms(article) == {f"https://schema.org/{key}" for key in terms(data["subjectOf"][0])}
    assert article["https://schema.org/headline"] == [{"@value": "Front claims attack"}]


def test_json_ld_cannot_close_its_script_element(client):
    group = GroupFactory(slug="front", summary="A summary with </script><p>in it.")
    CitationFactory(group=group)

    page = page_of(client, "/groups/front/")

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(block)["description"] == "A summary with </script><p>in it."


def test_data_links_give_the_profile_and_lists_as_data(client, front):
    attack = AttackFactory(title="Front attack")
    AttributionFactory(attack=attack, group=front)
    links = dict(
        (label, html.unescape(href))
        for href, label in re.findall(r'<a href="([^"]+)" type="[^"]+">(JSON|CSV|STIX)</a>', page_of(client, "/groups/front/"))
    )

    assert json.loads(client.get(links["JSON"]).content)["slug"] == "front"
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get(links["CSV"]).streaming_content).decode())))
    assert [row["Title"] for row in rows] == ["Front attack"]
    stix = json.loads(b"".join(client.get(links["STIX"]).streaming_content))
    assert any(o.get("name") == "Front for Testing" for o in stix["objects"])

    listing = page_of(client, "/groups/?q=front")
    json_link = html.unescape(re.search(r'<a href="([^"]+)" type="application/json">JSON</a>', listing).group(1))
    assert json_link == "/api/v1/groups/?q=front"
    assert [g["slug"] for g in json.loads(client.get(json_link).content)["results"]] == ["front"]


def test_citation_files_cost_three_queries(client, front, django_assert_num_queries):
    with django_assert_num_queries(3):  # the data version read before the build, the group, its last change
        client.get("/groups/front/cite.bib")
