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
    graph = page.locator("figure.relationship-graph > svg")
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
    page.locator("figure.relationship-graph a", has_text="Tehrik-e-Taliban Pakistan").click()
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
    source_title = reference.locator(".reference-source a").first.inner_text()
    reference.locator(".reference-source a").first.click()
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
    expect(page.locator("figure.relationship-graph > svg")).to_be_visible()
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
    context.close()
