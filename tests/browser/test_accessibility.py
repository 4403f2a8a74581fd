"""Every kind of public page, at a desktop's width and a phone's, checked by axe-core against WCAG 2.2 AA, with a
screenshot of each in artifacts/screenshots/.

axe-core is the npm package (`make axe`, from package-lock.json), injected by Playwright into the page: the site's
own Content-Security-Policy runs no script, so the checking context bypasses it; the pages themselves are unchanged.
"""

import json
import re
from pathlib import Path

import pytest

from groups.models import Attack, Group
from sampledata.demo_data import load_demo_data
from tests.browser.conftest import SCREENSHOTS

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " — " + n.failureSummary.split("\\n").slice(1).join(" ")),
  }));
}"""


@pytest.fixture
def pages():
    """One address of each kind of public page, over the demo data."""
    load_demo_data()
    group = Group.objects.public().get(slug="islamic-state-khorasan-province")
    attack = Attack.objects.public().order_by("-date").first()
    return {
        "home": "/",
        "groups": "/groups/",
        "groups-filtered": "/groups/?kind=branch",
        "profile": group.get_absolute_url(),
        "profile-two-steps": f"{group.get_absolute_url()}?hops=2",
        "profile-changes": f"{group.get_absolute_url()}changes/",
        "profile-sections": Group.objects.public().get(slug="lashkar-e-jhangvi-al-alami").get_absolute_url(),  # prose, footnoted
        "attacks": "/attacks/",
        "attack": attack.get_absolute_url(),
        "sources": "/sources/",
        "search": "/search/?q=daesh",
        "search-nothing": "/search/?q=nothing-matches-this",
        "releases": "/releases/",
        "maps": "/maps/",
        "map": "/maps/afghanistan-and-pakistan/",
        "not-found": "/groups/no-such-group/",
    }


@pytest.fixture(params=list(WIDTHS))
def width(request) -> str:
    return request.param


def test_every_public_page_has_no_wcag_22_aa_violations(browser, live_server, pages, width):
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make axe` (make test does).", pytrace=False)
    context = browser.new_context(base_url=live_server.url, viewport=WIDTHS[width], bypass_csp=True)
    page = context.new_page()
    # The pages the site links to from these: a source's page and a version of the profile.
    page.goto(pages["sources"])
    pages["source"] = page.locator("main a[href^='/sources/']").first.get_attribute("href")
    page.goto(pages["profile-changes"])
    pages["profile-version"] = page.locator("main a[href*='/as-of/']").first.get_attribute("href")

    found = {}
    for name, path in pages.items():
        response = page.goto(path)
        assert response.status == (404 if name == "not-found" else 200), f"{path} answered {response.status}"
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE, WCAG_22_AA)
        if violations:
            found[f"{name} ({path})"] = violations
        page.screenshot(path=SCREENSHOTS / f"page-{name}-{WIDTHS[width]['width']}.png", full_page=True)
    context.close()

    assert not found, "WCAG 2.2 AA violations:\n" + json.dumps(found, indent=1, ensure_ascii=False)
    assert re.search(r"/as-of/\w+/$", pages["profile-version"]) and pages["source"].startswith("/sources/")
