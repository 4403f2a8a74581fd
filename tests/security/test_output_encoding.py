"""Names, summaries, aliases, titles and quotes are data, never markup: a record that holds `<script>alert(1)</script>`
or `"><img src=x onerror=alert(1)>` shows those characters as text on every page (the graph's and the map's SVG
labels and titles too), in the admin, and in the JSON, CSV and STIX exports."""

from __future__ import annotations

import csv
import io
import json

import html5lib
import pytest
from django.urls import reverse

from tests.factories import (
    ARTICLE_TEXT,
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    DesignationFactory,
    GroupFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
NAME = f"Front </title>{SCRIPT}"  # </title> and </textarea> would end the element a name is shown in
ATTACK_TITLE = f"Raid {BREAKOUT}"
QUOTE = f"The group said: {SCRIPT} {BREAKOUT}"


@pytest.fixture
def records():
    group = GroupFactory(name=NAME, slug="hostile-front", summary=f"Summary {BREAKOUT} </textarea>{SCRIPT}", ideology=BREAKOUT)
    neighbour = GroupFactory(name="Neighbour Front", slug="neighbour-front")
    alias = AliasFactory(group=group, name=BREAKOUT)
    source = SourceFactory(slug="hostile-article", title=f"Article {SCRIPT}", outlet=BREAKOUT, text=f"{ARTICLE_TEXT}\n\n{QUOTE}")
    attack = AttackFactory(
        title=ATTACK_TITLE, slug="hostile-raid", locality=SCRIPT, country="PK", latitude="30.183000", longitude="66.999000"
    )
    AttributionFactory(attack=attack, group=group, attributed_by=SCRIPT)
    AffiliationFactory(from_group=group, to_group=neighbour, description=BREAKOUT)
    DesignationFactory(group=group, listing=SCRIPT)
    CitationFactory(source=source, group=group, quote=QUOTE, locator=BREAKOUT)
    CitationFactory(source=source, group=None, alias=alias, quote=QUOTE)
    CitationFactory(source=source, group=None, attack=attack, quote=QUOTE)
    return {"group": group, "neighbour": neighbour, "alias": alias, "source": source, "attack": attack}


def parse(html: str):
    return html5lib.parse(html, namespaceHTMLElements=False)


def local_name(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def assert_no_markup_was_injected(document) -> None:
    for element in document.iter():
        tag = local_name(element)
        if tag == "script" and element.get("type") == "application/ld+json":  # data: a name in it is JSON text, with no "<"
            assert "<" not in (element.text or "") and json.loads(element.text)
            continue
        assert not (tag == "script" and "alert(1)" in (element.text or "")), "an injected <script> element"
        assert not (tag == "img" and element.get("src") == "x"), "an injected <img> element"
        handlers = [name for name in element.attrib if name.lower().startswith("on")]
        assert not handlers, f"an event handler attribute {handlers} on <{tag}>"


def shown(document) -> str:
    """Everything a reader sees or a form holds: the text, and the attribute values."""
    values = [value for element in document.iter() for value in element.attrib.values()]
    return "".join(document.itertext()) + "\n".join(values)


def svg_titles(document) -> list[str]:
    return ["".join(e.itertext()) for e in document.iter() if local_name(e) == "title" and "svg" in str(e.tag)]


SITE_PAGES = [
    pytest.param(lambda r: "/", SCRIPT, id="home"),
    pytest.param(lambda r: r["group"].get_absolute_url(), SCRIPT, id="profile"),
    pytest.param(lambda r: r["neighbour"].get_absolute_url(), NAME, id="neighbour-profile-graph"),
    pytest.param(lambda r: "/groups/", NAME, id="group-list"),
    pytest.param(lambda r: "/groups/?q=front+title", NAME, id="group-list-filtered"),
    pytest.param(lambda r: "/attacks/", ATTACK_TITLE, id="attack-list"),
    pytest.param(lambda r: r["attack"].get_absolute_url(), ATTACK_TITLE, id="attack-page"),
    pytest.param(lambda r: "/sources/", SCRIPT, id="source-list"),
    pytest.param(lambda r: r["source"].get_absolute_url(), QUOTE, id="source-page"),
    pytest.param(lambda r: "/search/?q=front+script+alert", NAME, id="search-results"),
    pytest.param(lambda r: "/search/?q=" + BREAKOUT.replace(" ", "+"), BREAKOUT, id="search-echoes-the-query"),
]


@pytest.mark.parametrize("url, text", SITE_PAGES)
def test_site_pages_show_markup_as_text(client, records, url, text):
    response = client.get(url(records))
    assert response.status_code == 200
    document = parse(response.content.decode())
    assert_no_markup_was_injected(document)
    assert text in "".join(document.itertext())


def test_the_graph_and_the_map_label_nodes_and_points_as_text(client, records):
    graph = parse(client.get(records["neighbour"].get_absolute_url()).content.decode())
    assert any(NAME in title for title in svg_titles(graph)), svg_titles(graph)
    profile = parse(client.get(records["group"].get_absolute_url()).content.decode())
    titles = svg_titles(profile)
    assert any(f"Relationships of {NAME}" == title for title in titles)
    assert any(ATTACK_TITLE in title for title in titles), "the map point's title"
    labels = ["".join(e.itertext()) for e in profile.iter() if local_name(e) == "text"]
    assert "Neighbour Front" in labels


ADMIN_PAGES = [
    pytest.param(lambda r: reverse("admin:groups_group_changelist"), id="group-changelist"),
    pytest.param(lambda r: reverse("admin:groups_group_change", args=[r["group"].pk]), id="group-change-form"),
    pytest.param(lambda r: reverse("admin:groups_group_history", args=[r["group"].pk]), id="group-history"),
    pytest.param(lambda r: reverse("admin:groups_group_delete", args=[r["group"].pk]), id="group-delete-confirmation"),
    pytest.param(lambda r: reverse("admin:groups_alias_changelist"), id="alias-changelist"),
    pytest.param(lambda r: reverse("admin:groups_attack_change", args=[r["attack"].pk]), id="attack-change-form"),
    pytest.param(lambda r: reverse("admin:sources_source_change", args=[r["source"].pk]), id="source-change-form"),
    pytest.param(lambda r: reverse("admin:sources_citation_changelist"), id="citation-changelist"),
    pytest.param(lambda r: reverse("admin:groups_group_changelist") + "?q=" + SCRIPT, id="group-search-echo"),
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_show_markup_as_text(admin_client, records, url):
    response = admin_client.get(url(records))
    assert response.status_code == 200
    document = parse(response.content.decode())
    assert_no_markup_was_injected(document)
    assert SCRIPT in shown(document) or BREAKOUT in shown(document)


def test_admin_autocomplete_answers_json(admin_client, records):
    response = admin_client.get(
        reverse("admin:autocomplete"), {"term": "front", "app_label": "groups", "model_name": "affiliation", "field_name": "to_group"}
    )
    assert response["Content-Type"] == "application/json"
    assert NAME in [result["text"] for result in response.json()["results"]]


def test_api_json_carries_the_characters_as_string_values(client, records):
    response = client.get("/api/v1/groups/hostile-front/")
    assert response["Content-Type"] == "application/json" and response["X-Content-Type-Options"] == "nosniff"
    group = response.json()
    assert (group["name"], [alias["name"] for alias in group["aliases"]]) == (NAME, [BREAKOUT])
    assert QUOTE in [citation["quote"] for citation in group["citations"]]


@pytest.mark.parametrize(
    "path, column, value", [("groups", "Name", NAME), ("aliases", "Alias", BREAKOUT), ("attacks", "Title", ATTACK_TITLE)]
)
def test_csv_cells_hold_the_text_unchanged(client, records, path, column, value):
    response = client.get(f"/api/v1/{path}/", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert value in [row[column] for row in rows]


def test_stix_objects_hold_the_text_unchanged(client, records):
    response = client.get("/api/v1/groups/hostile-front/stix/")
    assert response["Content-Type"].startswith("application/stix+json")
    bundle = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    by_type = {}
    for stix_object in bundle["objects"]:
        by_type.setdefault(stix_object["type"], []).append(stix_object)
    intrusion_set = next(o for o in by_type["intrusion-set"] if o["name"] == NAME)
    assert BREAKOUT in intrusion_set["aliases"]
    assert any(o["name"].startswith(ATTACK_TITLE) for o in by_type["incident"])
    assert QUOTE in [ref.get("description") for ref in intrusion_set["external_references"]]
