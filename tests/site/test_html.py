"""Every public page, reached by following links from the home page over the demo data, is well-formed,
accessible HTML whose internal links all resolve."""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import html5lib
import pytest

from sampledata.demo_data import load_demo_data

pytestmark = pytest.mark.django_db

MAX_PAGES = 400
EXTRA_PAGES = ["/search/?q=daesh", "/search/?q=nothing-matches-this", "/groups/no-such-group/", "/groups/?status=bogus"]


class PageStructure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.headings: list[int] = []
        self.labelled_inputs: list[tuple[str, str]] = []
        self.labels: set[str] = set()
        self.html_lang = ""
        self.images_without_name = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "html":
            self.html_lang = attrs.get("lang", "")
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.labelled_inputs.append((attrs.get("id", ""), attrs.get("name", "")))
        if tag == "label" and "for" in attrs:
            self.labels.add(attrs["for"])
        if tag == "svg" and attrs.get("role") in ("img", "group") and not attrs.get("aria-labelledby"):
            self.images_without_name += 1


def check_page(url: str, html: str) -> PageStructure:
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)  # raises on any parse error
    page = PageStructure()
    page.feed(html)
    assert page.html_lang == "en", url
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, f"{url}: duplicate ids {duplicates}"
    for link in page.links:
        if link.startswith("#"):
            assert link[1:] in page.ids, f"{url}: {link} points nowhere"
    assert page.headings.count(1) == 1, f"{url}: one <h1> per page"
    for previous, current in zip(page.headings, page.headings[1:], strict=False):
        assert current <= previous + 1, f"{url}: heading h{previous} is followed by h{current}"
    for input_id, name in page.labelled_inputs:
        assert input_id in page.labels, f"{url}: the {name!r} field has no label"
    assert page.images_without_name == 0, f"{url}: a figure without a title"
    return page


def test_every_public_page_is_valid_and_every_internal_link_resolves(client):
    load_demo_data()
    queue, seen = deque(["/", *EXTRA_PAGES]), set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        expected = 404 if "no-such" in url else 400 if "bogus" in url else 200
        assert response.status_code == expected, f"{url} answered {response.status_code}"
        if not response["Content-Type"].startswith("text/html"):
            continue  # the data and citation files the pages link to: they answer, and are tested on their own
        page = check_page(url, response.content.decode())
        for link in page.links:
            target = urldefrag(link.replace("&amp;", "&"))[0]
            parts = urlsplit(target)
            if not target or parts.scheme or parts.netloc or target.startswith("/admin/"):
                continue
            if target.startswith("?"):
                target = urlsplit(url).path + target
            queue.append(target)
    assert len(seen) > 40  # the profiles, attacks and sources of the demo data were all reached
    assert {
        "/groups/islamic-state/",
        "/attacks/2016-10-quetta-police-college-attack/",
        "/sources/pak-militant-group-worked-with-isis-on-police-attack-spokesman/",
    } <= seen
    assert {"/groups/islamic-state/cite.bib", "/api/v1/groups/islamic-state/", "/api/v1/attacks.csv"} <= seen
