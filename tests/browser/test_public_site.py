"""What a researcher does on the public site, in a real browser over the demo data."""

import re

import pytest
from playwright.sync_api import expect

from sampledata.demo_data import load_demo_data
from tests.browser.conftest import SCREENSHOTS

PROFILE = "/groups/islamic-state-khorasan-province/"


@pytest.fixture(autouse=True)
def demo_data():
    load_demo_data()


def test_a_profile_renders_with_its_graph_and_is_saved_as_an_artifact(page, save_screenshot):
    page.goto(PROFILE)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Islamic State Khorasan Province"))
    graph = page.locator("figure.relationship-graph svg[role=group]")
    expect(graph).to_be_visible()
    box = graph.bounding_box()
    assert box["width"] > 200 and box["height"] > 150
    nodes = graph.locator("circle.graph-node")
    assert nodes.count() >= 4
    for index in range(nodes.count()):  # every node is drawn inside the figure, not off the canvas
        node_box = nodes.nth(index).bounding_box()
        assert box["x"] <= node_box["x"] and node_box["x"] + node_box["width"] <= box["x"] + box["width"] + 1
    assert graph.locator("path.graph-edge").count() >= 4
    expect(page.locator(".graph-legend")).to_contain_text("Structure")
    expect(page.locator("table.data-table tbody tr").first).to_be_visible()
    save_screenshot("profile")


def test_a_graph_node_leads_to_the_related_groups_profile(page):
    page.goto(PROFILE)
    page.locator("figure.relationship-graph svg a", has_text="Tehrik-e-Taliban Pakistan").click()
    expect(page).to_have_url(re.compile(r"/groups/tehrik-e-taliban-pakistan/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Tehrik-e-Taliban Pakistan"))


def test_a_footnote_leads_to_its_reference_and_on_to_the_source(page):
    page.goto(PROFILE)
    summary = page.locator("section", has=page.get_by_role("heading", name="Summary"))
    marker = summary.locator("sup.fn a").first
    anchor = marker.get_attribute("href")
    marker.click()
    expect(page).to_have_url(re.compile(re.escape(anchor) + "$"))
    reference = page.locator(f"li{anchor}")
    expect(reference).to_be_in_viewport()
    quote = reference.locator("blockquote").inner_text().strip("“”")
    # The reference links back to the marker the reader came from ...
    back = reference.locator(f'a[href="#{marker.evaluate("a => a.parentElement.id")}"]')
    back.click()
    expect(marker).to_be_in_viewport()
    marker.click()
    # ... and its source, named once above its quotes, leads on to the source's page.
    source_link = page.locator("li.reference-source", has=reference).locator(".reference-source-title a").first
    source_title = source_link.inner_text()
    source_link.click()
    expect(page).to_have_url(re.compile(r"/sources/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(source_title)
    expect(page.locator("ol.passages")).to_contain_text(quote)


@pytest.mark.parametrize(
    ("alias", "slug"), [("IS-K", "islamic-state-khorasan-province"), ("tehreek e taliban", "tehrik-e-taliban-pakistan")]
)
def test_searching_by_an_alias_lands_on_the_right_profile(page, alias, slug):
    page.goto("/")
    page.get_by_role("searchbox").fill(alias)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    page.locator("ol.search-results > li a").first.click()
    expect(page).to_have_url(re.compile(f"/groups/{slug}/$"))


def test_the_site_works_without_javascript_and_on_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(PROFILE)
    expect(page.locator("figure.relationship-graph .graph-as-list")).to_be_visible()  # the graph gives way to a list
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    page.screenshot(path=SCREENSHOTS / "profile-phone.png", full_page=True)
    page.get_by_role("searchbox").fill("daesh")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("ol.search-results")).to_contain_text("Islamic State")
    context.close()


def test_the_keyboard_reaches_the_skip_link_first(page):
    page.goto(PROFILE)
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#content$"))


def test_a_profile_prints_as_a_paper(page, save_screenshot):
    page.goto(PROFILE)
    page.emulate_media(media="print")

    for hidden in (".site-header", ".header-search", ".page-contents", ".data-links", ".site-footer"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("#references-heading")).to_be_visible()
    # A link's address is printed beside it (the demo's articles have no address: a link to one is added here) ...
    after = page.evaluate(
        """() => {
            const link = Object.assign(document.createElement("a"), {href: "https://news.example.org/article", textContent: "Original"});
            document.querySelector(".references").append(link);
            return getComputedStyle(link, "::after").content;
        }"""
    )
    assert "https://news.example.org/article" in after
    # ... except the citation's, whose text is its address.
    assert page.locator(".citation-text a").evaluate("link => getComputedStyle(link, '::after').content") in ("none", '""')
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Georgia")
    (SCREENSHOTS / "profile-print.pdf").write_bytes(page.pdf(format="A4"))
    save_screenshot("profile-print")


def test_on_a_phone_attack_rows_are_cards_with_every_field_visible(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/attacks/")
    row = page.locator("table.data-table tbody tr").first
    for label in ("Date", "Attack", "Place", "Killed", "Wounded", "Who, according to whom"):
        cell = row.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # on the screen, not in a scroll box
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=SCREENSHOTS / "attacks-phone.png", full_page=True)
    row.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "attacks-phone-cards.png")


TTP = "/groups/tehrik-e-taliban-pakistan/"
# The size in pixels at which each of the graph's names is drawn, and the boxes of its nodes and edges.
GRAPH_READING = """() => {
  const svg = document.querySelector('figure.relationship-graph svg[role=group]');
  const labels = [...svg.querySelectorAll('text.graph-label')];
  const scale = svg.getScreenCTM().a;
  return {
    visible: svg.getBoundingClientRect().width > 0,
    sizes: labels.map(t => scale * parseFloat(getComputedStyle(t).fontSize)),
    names: labels.map(t => t.textContent),
  };
}"""


def test_the_graph_reads_at_its_own_size_with_names_of_at_least_12_px(page, save_screenshot):
    page.goto(TTP)
    reading = page.evaluate(GRAPH_READING)
    assert reading["visible"] and min(reading["sizes"]) >= 12
    assert {"Tehrik-e-Taliban Pakistan", "Islamic State Khorasan Province", "Afghan Taliban", "al-Qaeda"} <= set(reading["names"])
    # The rivalry of two neighbours is drawn clear of the group in the middle, whose name no edge crosses.
    rivalry = page.locator("path.graph-edge", has=page.locator("title", has_text="Islamic State Khorasan Province rival of Afghan Taliban"))
    expect(rivalry).to_have_count(1)
    assert not page.evaluate(
        """(title) => {
          const b = document.querySelector('rect.graph-centre').getBBox();
          const path = [...document.querySelectorAll('path.graph-edge')].find(p => p.textContent.includes(title));
          for (let i = 0; i <= 200; i++) {
            const p = path.getPointAtLength(path.getTotalLength() * i / 200);
            if (p.x >= b.x && p.x <= b.x + b.width && p.y >= b.y && p.y <= b.y + b.height) return true;
          }
          return false;
        }""",
        "Islamic State Khorasan Province rival of Afghan Taliban",
    )
    page.locator("figure.relationship-graph").screenshot(path=SCREENSHOTS / "relationship-graph-1280.png")
    save_screenshot("profile-ttp")


# The size in pixels at which each name on each map of the page is drawn, with the map's title.
MAP_READING = """() => [...document.querySelectorAll('figure.attack-map svg[role=group]')].map(svg => ({
  title: svg.querySelector('title').textContent,
  width: svg.getBoundingClientRect().width,
  sizes: [...svg.querySelectorAll('text.map-label')].map(t => svg.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize)),
  names: [...svg.querySelectorAll('text.map-label')].map(t => t.textContent),
}))"""


@pytest.mark.parametrize("width", [375, 1280])
def test_maps_name_their_places_at_12_px_or_more_on_a_phone_and_on_a_desktop(browser, live_server, width):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport={"width": width, "height": 740})
    page = context.new_page()
    page.goto(PROFILE)  # its infobox's map of its countries, and its attacks' map
    maps = {reading["title"]: reading for reading in page.evaluate(MAP_READING)}
    assert set(maps) == {"Countries of operation of Islamic State Khorasan Province", "Map of attack places"}
    assert {"Afghanistan", "Pakistan"} <= set(maps["Countries of operation of Islamic State Khorasan Province"]["names"])
    page.goto("/attacks/quetta-marketplace-suicide-bombing/")
    (attack,) = page.evaluate(MAP_READING)
    assert "Pakistan" in attack["names"]
    for reading in [*maps.values(), attack]:
        assert reading["width"] > 0 and reading["sizes"] and min(reading["sizes"]) >= 12, reading
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_two_steps_and_a_year_are_links_away(page):
    page.goto(TTP)
    page.get_by_role("link", name="Show groups two steps away").click()
    expect(page).to_have_url(re.compile(r"\?hops=2#relationship-graph$"))
    expect(page.locator("circle.graph-far").first).to_be_visible()
    expect(page.locator("figure.relationship-graph")).to_contain_text("Two steps away")
    page.locator("figure.relationship-graph").screenshot(path=SCREENSHOTS / "relationship-graph-two-steps-1280.png")
    page.get_by_role("link", name="Show only the groups directly related").click()
    expect(page.locator("circle.graph-far")).to_have_count(0)
    page.goto(TTP + "?year=2014")  # the demo's relationships carry no dates: none is known to be active in a year
    expect(page.locator("figure.relationship-graph")).to_contain_text("8 relationships with no known date are left out")


def test_the_graph_nodes_are_reached_by_keyboard(page):
    page.goto(TTP)
    page.locator("figure.relationship-graph .graph-controls a").first.focus()
    names = []
    for _ in range(8):
        page.keyboard.press("Tab")
        names.append(page.evaluate("document.activeElement.querySelector('text')?.textContent"))
    assert "al-Qaeda" in names and "Afghan Taliban" in names


def test_on_a_phone_the_graph_gives_way_to_a_list(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(TTP)
    figure = page.locator("figure.relationship-graph")
    expect(figure.locator("svg[role=group]")).to_be_hidden()
    listing = figure.locator(".graph-as-list")
    expect(listing).to_be_visible()
    expect(listing).to_contain_text("Islamic State Khorasan Province rival of Afghan Taliban")
    assert (
        min(float(size[:-2]) for size in listing.locator("li").evaluate_all("items => items.map(i => getComputedStyle(i).fontSize)")) >= 12
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    figure.screenshot(path=SCREENSHOTS / "relationship-graph-375.png")
    page.screenshot(path=SCREENSHOTS / "profile-ttp-phone.png", full_page=True)
    context.close()
