import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups.models import Affiliation, AffiliationKind, AliasKind, AttributionKind, CountQualifier, RoleKind, SectionTopic
from groups.revisions import profile_revisions
from groups.selectors import ATTACK_SORTS, load_roles_size_estimates_and_sections
from kb.dates import DatePrecision, moment_key
from kb.models import PublicationStatus
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    DesignationFactory,
    GroupFactory,
    GroupRoleFactory,
    GroupSectionFactory,
    PersonFactory,
    SizeEstimateFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

DRAFT = PublicationStatus.DRAFT
QUOTE_LEJ = "Pakistani authorities said the attack was carried out by the Al-Alami faction"
QUOTE_CLAIM = "It was also claimed by the Islamic State group"
QUOTE_RAID = "a huge raid on a police academy this week that left more than 60 dead"
QUOTE_SPOKESMAN = "a spokesman said Wednesday"
SIZE_TEXT = "Officials say the faction has between 300 and 500 fighters in Balochistan."
QUOTE_SIZE = "the faction has between 300 and 500 fighters"


def profile_url(group):
    return reverse("groups:group_detail", kwargs={"slug": group.slug})


def references(page: str) -> dict[str, str]:
    """The references list: anchor → the text of its entry, its source's heading first (each source is named once,
    above its quotes)."""
    section = page.split('id="references-heading"', 1)[1]
    entries = {}
    for source_block in section.split('<li class="reference-source">')[1:]:
        heading = plain_text(source_block.split("</p>", 1)[0])
        for anchor, body in re.findall(r'<li id="(ref-\d+)"[^>]*>(.*?)</li>', source_block, re.S):
            entries[anchor] = f"{heading} {plain_text(body)}"
    return entries


def plain_text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def table_row(page: str, text: str) -> str:
    body = page.split("<tbody>", 1)[1]
    return body.split(text, 1)[1].split("</tr>", 1)[0]


def footnote_targets(html: str) -> list[str]:
    return re.findall(r'<sup class="fn"(?: id="cite-\d+-\d+")?><a href="#(ref-\d+)"', html)


@pytest.fixture
def world():
    """A group with every kind of profile content, cited from one article."""
    source = SourceFactory(
        title="Pak militant group worked with ISIS",
        outlet="Agence France-Presse",
        url="https://example.org/a",
        published=datetime.date(2016, 10, 26),
        published_precision=DatePrecision.DAY,
    )
    group = GroupFactory(
        name="Lashkar-e-Jhangvi Al-Alami",
        slug="lej-al-alami",
        summary="A faction of Lashkar-e-Jhangvi.",
        founded=datetime.date(2017, 1, 1),
        founded_precision=DatePrecision.EARLY,
        countries=["PK"],
    )
    CitationFactory(group=group, source=source, quote=QUOTE_LEJ, field="summary")
    parent = GroupFactory(name="Lashkar-e-Jhangvi", slug="lej")
    state = GroupFactory(name="Islamic State", slug="islamic-state")
    acronym = AliasFactory(group=group, name="LeJ-AA", kind=AliasKind.ACRONYM, language="en")
    CitationFactory(alias=acronym, group=None, source=source, quote=QUOTE_LEJ)
    AliasFactory(
        group=group,
        name="العالمي",
        kind=AliasKind.SELF_DESIGNATION,
        language="ar",
        valid_from=datetime.date(2016, 10, 1),
        valid_from_precision=DatePrecision.MONTH,
    )
    faction = AffiliationFactory(from_group=group, to_group=parent, kind=AffiliationKind.FACTION_OF)
    CitationFactory(affiliation=faction, group=None, source=source, quote=QUOTE_LEJ)
    AffiliationFactory(
        from_group=state,
        to_group=group,
        kind=AffiliationKind.COOPERATED_WITH,
        started=datetime.date(2016, 10, 1),
        started_precision=DatePrecision.MONTH,
    )
    AffiliationFactory(from_group=state, to_group=parent, kind=AffiliationKind.RIVAL_OF)  # among the neighbours
    attack = AttackFactory(
        title="Attack on the Balochistan Police College",
        slug="quetta-2016",
        date=datetime.date(2016, 10, 1),
        date_precision=DatePrecision.MONTH,
        locality="Quetta",
        province="Balochistan",
        killed=60,
        killed_qualifier=CountQualifier.MORE_THAN,
        latitude=30.18,
        longitude=66.99,
    )
    CitationFactory(attack=attack, group=None, source=source, quote=QUOTE_RAID, field="killed")
    attributed = AttributionFactory(attack=attack, group=group, kind=AttributionKind.ATTRIBUTED, attributed_by="Pakistani authorities")
    CitationFactory(attribution=attributed, group=None, source=source, quote=QUOTE_LEJ)
    claim = AttributionFactory(attack=attack, group=state, kind=AttributionKind.CLAIMED, attributed_by="Islamic State")
    CitationFactory(attribution=claim, group=None, source=source, quote=QUOTE_CLAIM)
    DesignationFactory(
        group=group,
        authority="United States",
        listing="foreign terrorist organization",
        designated=datetime.date(2018, 1, 1),
        designated_precision=DatePrecision.YEAR,
    )
    spokesman = GroupRoleFactory(
        group=group,
        person=PersonFactory(name="Ali bin Sufyan", slug="ali-bin-sufyan"),
        kind=RoleKind.SPOKESMAN,
        as_of=datetime.date(2016, 10, 1),
        as_of_precision=DatePrecision.MONTH,
    )
    CitationFactory(group_role=spokesman, group=None, source=source, quote=QUOTE_SPOKESMAN)
    size = SizeEstimateFactory(
        group=group,
        low=300,
        high=500,
        as_of=datetime.date(2016, 1, 1),
        as_of_precision=DatePrecision.YEAR,
        estimated_by="Pakistani officials",
    )
    CitationFactory(size_estimate=size, group=None, source=SourceFactory(outlet="Dawn", text=SIZE_TEXT), quote=QUOTE_SIZE)
    return {
        "group": group, "parent": parent, "state": state, "source": source, "attack": attack, "spokesman": spokesman,
        "size": size,
    }  # fmt: skip


def test_profile_shows_names_grouped_by_kind_with_language_and_dates(client, world):
    page = client.get(profile_url(world["group"])).content.decode().split('id="names"', 1)[1]  # the head and infobox name them too
    assert page.index("<h3>Acronym</h3>") < page.index("LeJ-AA") < page.index("<h3>Self-designation</h3>")
    assert '<span class="alias-name" lang="ar">العالمي</span>' in page
    assert "(Arabic, since Oct 2016)" in page


def test_dates_keep_their_honest_precision(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    assert "<dt>Formed</dt><dd>early 2017" in page
    assert "Oct 2016" in page and "1 Oct 2016" not in page  # month precision never becomes a day
    assert "Foreign terrorist organization — United States, 2018" in page


def test_relationships_read_from_this_group_in_both_directions(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "Faction of Lashkar-e-Jhangvi" in text
    assert "Cooperated with Islamic State, since Oct 2016" in text
    parent_page = re.sub(r"<[^>]+>", "", client.get(profile_url(world["parent"])).content.decode())
    assert "Has as faction Lashkar-e-Jhangvi Al-Alami" in parent_page


def test_attack_timeline_table_gives_casualties_with_qualifier_and_the_groups_role(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    row = table_row(page, "Attack on the Balochistan Police College")
    assert "More than 60 killed" in row
    assert "Attributed by Pakistani authorities" in row
    state_page = client.get(profile_url(world["state"])).content.decode()
    assert "Claimed" in table_row(state_page, "Attack on the Balochistan Police College")


def test_every_footnote_resolves_to_its_source_and_quoted_words(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    notes = footnote_targets(page)
    entries = references(page)
    assert notes and set(notes) == set(entries)
    for anchor in notes:
        entry = entries[anchor]
        if QUOTE_SIZE in entry:  # the size estimate is cited from another article (test_size_gives_…)
            continue
        assert "Agence France-Presse" in entry and "Pak militant group worked with ISIS" in entry and "26 Oct 2016" in entry
    assert any(QUOTE_LEJ in entry for entry in entries.values())
    assert any(QUOTE_RAID in entry for entry in entries.values())
    assert reverse("sources:source_detail", kwargs={"key": world["source"].slug}) in page
    assert 'href="https://example.org/a"' in page


def test_the_same_quote_keeps_one_number(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    entries = references(page)
    assert sum(QUOTE_LEJ in entry for entry in entries.values()) == 1
    numbered = [anchor for anchor, entry in entries.items() if QUOTE_LEJ in entry]
    assert footnote_targets(page).count(numbered[0]) >= 4  # summary, alias, relationship, attribution


def test_the_relationship_graph_is_svg_with_typed_edges_links_and_a_legend(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    graph = page.split('<figure class="relationship-graph"', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in graph and "<script" not in page.replace('<script type="application/ld+json">', "")
    for group in ("lej", "islamic-state", "lej-al-alami"):
        assert f'href="/groups/{group}/"' in graph
    assert "edge-structure" in graph and "edge-cooperation" in graph and "edge-rivalry" in graph  # rivalry among the neighbours
    assert "Rivalry" in graph and "Structure: branch, faction, splinter, merger" in graph


def test_the_timeline_and_map_show_the_attacks(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    assert 'class="attack-timeline"' in page and "2016: 1 attack" in page
    attack_map = page.split('class="attack-map"', 1)[1].split("</figure>", 1)[0]
    assert 'href="/attacks/quetta-2016/"' in attack_map and "Pakistan" in attack_map


def test_without_coordinates_the_map_shades_the_attacks_countries_with_their_counts(client, world):
    world["attack"].latitude = world["attack"].longitude = None
    world["attack"].save()
    AttributionFactory(attack=AttackFactory(slug="kabul", country="AF"), group=world["group"])
    AttributionFactory(attack=AttackFactory(slug="mastung", country="PK"), group=world["group"])
    page = client.get(profile_url(world["group"])).content.decode()
    attack_map = page.split('class="attack-map"', 1)[1].split("</figure>", 1)[0]
    assert "<title>Pakistan (2 attacks)</title>" in attack_map and "<title>Afghanistan (1 attack)</title>" in attack_map
    assert attack_map.count('class="map-country map-shaded"') == 2 and "<a href" not in attack_map
    assert ">Pakistan</text>" in attack_map and ">Afghanistan</text>" in attack_map
    caption = plain_text(attack_map.split("<figcaption>", 1)[1])
    assert "Countries of the attacks, shaded (none has recorded coordinates)" in caption
    assert "Shaded: Pakistan (2 attacks); Afghanistan (1 attack)." in caption


def test_without_coordinates_or_countries_there_is_no_map(client, world):
    world["attack"].latitude = world["attack"].longitude = None
    world["attack"].country = ""
    world["attack"].save()
    page = client.get(profile_url(world["group"])).content.decode()
    assert 'class="attack-map"' not in page and "Attack on the Balochistan Police College" in page


def infobox(page: str) -> str:
    return page.split('<aside class="infobox', 1)[1].split("</aside>", 1)[0]


def test_the_infobox_has_a_locator_map_of_the_countries_of_operation(client, world):
    world["group"].countries = ["SY", "IQ"]
    world["group"].save()
    CitationFactory(group=world["group"], source=world["source"], quote=QUOTE_LEJ, field="countries")
    page = client.get(profile_url(world["group"])).content.decode()
    box = infobox(page)
    locator = box.split('<figure class="attack-map locator-map"', 1)[1].split("</figure>", 1)[0]
    assert 'aria-labelledby="locator-map-title locator-map-desc"' in locator
    assert '<title id="locator-map-title">Countries of operation of Lashkar-e-Jhangvi Al-Alami</title>' in locator
    assert "Shaded: Iraq; Syria." in locator.split("<desc", 1)[1]
    assert "<title>Syria</title>" in locator and ">Syria</text>" in locator and ">Iraq</text>" in locator
    assert locator.count("map-shaded") == 2
    figcaption = locator.split("<figcaption>", 1)[1]
    assert "Countries of operation, shaded" in figcaption
    (countries_ref,) = set(footnote_targets(figcaption))
    assert QUOTE_LEJ in references(page)[countries_ref]
    assert len(re.findall(r'id="([^"]+)"', page)) == len(set(re.findall(r'id="([^"]+)"', page)))  # two maps, no id twice


def test_relationships_read_under_their_families_in_the_legends_order_footnoted_in_that_order(client, world):
    faction = Affiliation.objects.get(from_group=world["group"], to_group=world["parent"])
    CitationFactory(affiliation=faction, group=None, source=world["source"], quote=QUOTE_SPOKESMAN)  # new numbers
    cooperation = Affiliation.objects.get(from_group=world["state"], to_group=world["group"])
    CitationFactory(affiliation=cooperation, group=None, source=world["source"], quote=QUOTE_CLAIM)
    page = client.get(profile_url(world["group"])).content.decode()
    relationships = section(page, "relationships").split('<figure class="relationship-graph"', 1)[0]
    headings = re.findall(r'<h3 class="family-heading family-(\w+)">', relationships)
    assert headings == ["structure", "cooperation"]  # the world's faction of LeJ, then its cooperation with IS
    structure, cooperation = relationships.split('<h3 class="family-heading', 3)[1:3]
    assert "Faction of" in structure and "/groups/lej/" in structure and "/groups/islamic-state/" not in structure
    assert "/groups/islamic-state/" in cooperation and "/groups/lej/" not in cooperation
    numbers = [int(n) for n in re.findall(r'<sup class="fn"[^>]*><a href="#ref-\d+"[^>]*>\[(\d+)\]', relationships)]
    assert len(set(numbers)) >= 3 and numbers == sorted(numbers)  # footnoted in the order they are read


def test_the_infobox_and_the_kind_badge_take_the_kind_of_group(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    assert f'<aside class="infobox kind-{world["group"].kind}"' in page
    assert f'<span class="badge badge-kind kind-{world["group"].kind}">{world["group"].get_kind_display()}</span>' in infobox(page)


def test_no_countries_no_locator_map(client, world):
    world["group"].countries = []
    world["group"].save()
    assert "locator-map" not in client.get(profile_url(world["group"])).content.decode()


def test_cite_this_page_gives_the_address_and_last_update(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    block = page.split('id="cite-heading"', 1)[1]
    assert "http://testserver/groups/lej-al-alami/as-of/" in block and "Lashkar-e-Jhangvi Al-Alami" in block
    assert "Last updated" in block and "version of" in block and "/groups/lej-al-alami/as-of/" in block


def test_last_updated_follows_changes_to_what_the_profile_shows(client, world):
    group = world["group"]
    alias = group.aliases.first()
    alias.name = "LeJ-A"
    alias.save()
    from groups.selectors import group_profile

    assert group_profile(group.slug).group.last_updated == alias.updated_at


def test_drafts_never_appear_on_a_profile(client, world):
    group = world["group"]
    hidden = GroupFactory(name="Hidden Front", slug="hidden", publication_status=DRAFT)
    AffiliationFactory(from_group=group, to_group=hidden, kind=AffiliationKind.ALLIED_WITH)
    AliasFactory(group=group, name="Draft Name", publication_status=DRAFT)
    AffiliationFactory(from_group=group, to_group=world["state"], kind=AffiliationKind.RIVAL_OF, publication_status=DRAFT)
    secret_attack = AttackFactory(title="Unverified attack", publication_status=DRAFT)
    AttributionFactory(attack=secret_attack, group=group)
    AttributionFactory(attack=AttackFactory(title="Unconfirmed claim"), group=group, publication_status=DRAFT)
    CitationFactory(group=group, source=SourceFactory(title="Unvetted article", publication_status=DRAFT), quote=QUOTE_CLAIM)
    CitationFactory(group=group, source=world["source"], quote=QUOTE_CLAIM, field="status", publication_status=DRAFT)
    page = client.get(profile_url(group)).content.decode()
    for hidden_text in (
        "Hidden Front",
        "/groups/hidden/",
        "Draft Name",
        "Rival of",
        "Unverified attack",
        "Unconfirmed claim",
        "Unvetted article",
        QUOTE_CLAIM,
    ):
        assert hidden_text not in page, hidden_text


def section(page: str, anchor: str) -> str:
    return re.sub(r"\s+", " ", page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0])


def test_leadership_names_the_person_the_role_and_its_date_as_precisely_as_known_with_a_footnote(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    leadership = section(page, "leadership")
    assert 'Ali bin Sufyan</span> — Spokesman, <span class="meta">as of Oct 2016</span>' in leadership
    (anchor,) = footnote_targets(leadership)
    assert QUOTE_SPOKESMAN in references(page)[anchor] and "Ali bin Sufyan: spokesman" in references(page)[anchor]
    assert page.index('id="relationships"') < page.index('id="leadership"') < page.index('id="size"') < page.index('id="attacks"')


def test_one_person_appears_under_each_group_they_had_roles_in(client, world):
    role = GroupRoleFactory(group=world["state"], person=world["spokesman"].person, kind=RoleKind.OTHER, title="emir of Quetta")
    CitationFactory(group_role=role, group=None, source=world["source"], quote=QUOTE_CLAIM)
    state = section(client.get(profile_url(world["state"])).content.decode(), "leadership")
    assert 'Ali bin Sufyan</span> — emir of Quetta, <span class="meta">dates unknown</span>' in state
    assert "Spokesman" in section(client.get(profile_url(world["group"])).content.decode(), "leadership")


def test_size_gives_the_range_as_of_when_and_whose_estimate_with_a_footnote(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    size = section(page, "size")
    assert "300–500 fighters as of 2016, according to Pakistani officials" in size
    (anchor,) = footnote_targets(size)
    assert QUOTE_SIZE in references(page)[anchor] and "Dawn" in references(page)[anchor]


def test_a_single_figure_reads_as_the_source_words_it(client, world):
    world["size"].low = world["size"].high = 400
    world["size"].qualifier = CountQualifier.ABOUT
    world["size"].as_of, world["size"].as_of_precision = None, DatePrecision.UNKNOWN
    world["size"].save()
    assert "About 400 fighters (undated), according to Pakistani officials" in section(
        client.get(profile_url(world["group"])).content.decode(), "size"
    )


def test_uncited_draft_or_hidden_roles_and_estimates_stay_off_the_profile(client, world):
    group = world["group"]
    GroupRoleFactory(group=group, person=PersonFactory(name="Uncited Person"), kind=RoleKind.LEADER)  # no citation
    draft = GroupRoleFactory(group=group, person=PersonFactory(name="Draft Role Person"), publication_status=DRAFT)
    CitationFactory(group_role=draft, group=None, source=world["source"], quote=QUOTE_CLAIM)
    hidden_person = GroupRoleFactory(group=group, person=PersonFactory(name="Draft Person", publication_status=DRAFT))
    CitationFactory(group_role=hidden_person, group=None, source=world["source"], quote=QUOTE_CLAIM)
    draft_quote = GroupRoleFactory(group=group, person=PersonFactory(name="Draft Quote Person"))
    CitationFactory(group_role=draft_quote, group=None, source=world["source"], quote=QUOTE_CLAIM, publication_status=DRAFT)
    estimate = SizeEstimateFactory(group=group, low=9000, high=9000, publication_status=DRAFT)
    CitationFactory(size_estimate=estimate, group=None, source=world["source"], quote=QUOTE_CLAIM)
    page = client.get(profile_url(group)).content.decode()
    for hidden_text in ("Uncited Person", "Draft Role Person", "Draft Person", "Draft Quote Person", "9,000", QUOTE_CLAIM):
        assert hidden_text not in page, hidden_text
    assert "Ali bin Sufyan" in page


def test_a_group_without_people_or_estimates_has_neither_section(client, world):
    page = client.get(profile_url(world["parent"])).content.decode()
    assert 'id="leadership"' not in page and 'id="size"' not in page and "#leadership" not in page


@pytest.mark.parametrize("slug", ["no-such-group", "hidden"])
def test_unknown_and_draft_groups_are_404(client, slug):
    GroupFactory(slug="hidden", publication_status=DRAFT)
    response = client.get(f"/groups/{slug}/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def write_section(group, topic, text, *, source=None, quote=QUOTE_CLAIM, **values):
    """A published section of `group` with a published citation of its own, which `[cite:own]` in `text` names."""
    section = GroupSectionFactory(group=group, topic=topic, text="Placeholder.", **values)
    own = CitationFactory(section=section, group=None, source=source or SourceFactory(), quote=quote)
    section.text = text.replace("[cite:own]", f"[cite:{own.pk}]")
    section.save()
    return section, own


def grow(world, n):
    """n more of everything the profile shows, each cited."""
    group, source = world["group"], world["source"]
    for i in range(n):
        alias = AliasFactory(group=group)
        CitationFactory(alias=alias, group=None, source=source, quote=QUOTE_CLAIM)
        other = GroupFactory()
        affiliation = AffiliationFactory(from_group=group, to_group=other, kind=AffiliationKind.ALLIED_WITH)
        CitationFactory(affiliation=affiliation, group=None, source=source, quote=QUOTE_CLAIM)
        AffiliationFactory(from_group=other, to_group=world["parent"], kind=AffiliationKind.FACTION_OF)
        attack = AttackFactory(date=datetime.date(2010 + i, 1, 1), date_precision=DatePrecision.YEAR, latitude=33 + i / 10, longitude=70)
        CitationFactory(attack=attack, group=None, source=SourceFactory(), quote=QUOTE_RAID)
        attribution = AttributionFactory(attack=attack, group=group)
        CitationFactory(attribution=attribution, group=None, source=source, quote=QUOTE_CLAIM)
        designation = DesignationFactory(group=group, authority=f"Authority {i}")
        CitationFactory(designation=designation, group=None, source=source, quote=QUOTE_CLAIM)
        CitationFactory(group=group, source=SourceFactory(), quote=QUOTE_LEJ, field="founded")
        role = GroupRoleFactory(group=group, kind=RoleKind.COMMANDER)
        CitationFactory(group_role=role, group=None, source=source, quote=QUOTE_CLAIM)
        estimate = SizeEstimateFactory(group=group, low=100 + i, high=200 + i)
        CitationFactory(size_estimate=estimate, group=None, source=SourceFactory(), quote=QUOTE_CLAIM)
        topic = list(SectionTopic)[i % len(SectionTopic)]
        if not group.sections.filter(topic=topic).exists():
            write_section(group, topic, f"Claimed, officials said [cite:own]; also named {alias.name} [cite:{alias.citations.get().pk}].")


# 14, and the data version the cache is keyed by: six read the group, its last change, its names, relationships and
# designations and all their citations; five the attacks (every one's id and date, then the page and the first and last with their
# citations and the group's roles and theirs); one the people in roles, the size estimates and the profile sections
# with their citations; one the maps the group is on
PROFILE_QUERIES = 15


@pytest.mark.parametrize("more", [0, 12])
def test_profile_query_count_does_not_grow_with_the_data(client, world, django_assert_num_queries, more):
    grow(world, more)
    with django_assert_num_queries(PROFILE_QUERIES):
        response = client.get(profile_url(world["group"]))
    assert response.status_code == 200


def _scans_of(plan: dict, table: str) -> list[dict]:
    """The nodes of a JSON query plan that read `table`."""
    found = [plan] if plan.get("Relation Name") == table else []
    return found + [scan for child in plan.get("Plans", []) for scan in _scans_of(child, table)]


def test_the_citations_of_roles_estimates_and_sections_are_found_through_their_own_indexes(world):
    """Read as one OR over the citations table, they cost a test of every citation (60 ms a profile at GTD scale):
    no reading of the table may test the three columns row by row, so each is free to be found through its index.
    (Which index the planner takes on a test's tiny tables is its own affair; the GTD-scale benchmark times it.)"""
    grow(world, 3)
    with CaptureQueriesContext(connection) as captured:
        load_roles_size_estimates_and_sections([world["group"]])
    (query,) = captured.captured_queries
    assert query["sql"].count(" UNION ALL ") == 2  # one lookup of each column
    with connection.cursor() as cursor:
        for method in ("seqscan", "hashjoin", "mergejoin"):  # tiny tables: plan them as the planner plans large ones
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
        plan = cursor.fetchone()[0][0]["Plan"]
    scans = _scans_of(plan, "sources_citation")
    facts = ("group_role_id", "size_estimate_id", "section_id")
    filtered = [scan["Filter"] for scan in scans if any(column in scan.get("Filter", "") for column in facts)]
    assert scans and not filtered, filtered


def table_links(page: str) -> list[str]:
    """The attack slugs in the profile's attack table, in order."""
    table = page.split('id="attacks-heading"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td data-label="Attack"><a href="/attacks/([^/"]+)/">', table)


@pytest.fixture
def busy_group(world, monkeypatch):
    """The world's group named in 23 attacks, 22 more than the world's one: 2000–2021 and one undated; pages of 10."""
    monkeypatch.setattr("groups.selectors.PROFILE_ATTACKS_PER_PAGE", 10)
    group = world["group"]
    for year in range(2000, 2021):
        attack = AttackFactory(
            slug=f"attack-{year}",
            date=datetime.date(year, 3, 1),
            date_precision=DatePrecision.DAY,
            latitude=30 + (year - 2000) / 10,
            longitude=67,
        )
        AttributionFactory(attack=attack, group=group)
    AttributionFactory(attack=AttackFactory(slug="undated", date=None, latitude=None, longitude=None), group=group)
    AttributionFactory(
        attack=AttackFactory(
            slug="draft-attack", date=datetime.date(2021, 1, 1), date_precision=DatePrecision.DAY, publication_status=DRAFT
        ),
        group=group,
    )
    return group


def test_a_long_attack_list_is_read_a_page_at_a_time_newest_first(client, busy_group):
    first = client.get(profile_url(busy_group)).content.decode()
    assert "23 attacks name Lashkar-e-Jhangvi Al-Alami; the table shows 1–10." in first
    newest = ["attack-2020", "attack-2019", "attack-2018", "attack-2017", "quetta-2016", "attack-2016", "attack-2015", "attack-2014"]
    assert table_links(first) == newest + ["attack-2013", "attack-2012"]
    assert 'href="?page=2#attacks"' in first and "Page 1 of 3" in first

    later = [table_links(client.get(profile_url(busy_group), {"page": number}).content.decode()) for number in (2, 3)]
    assert later[0] == [f"attack-{year}" for year in range(2011, 2001, -1)]
    assert later[1] == ["attack-2001", "attack-2000", "undated"]  # the undated attack comes last
    assert "draft-attack" not in first + "".join(sum(later, []))


def test_the_infobox_names_the_first_and_latest_attacks_recorded(client, busy_group):
    """Read from the first and last dates among all the group's attacks, not the page shown; of two on one day, the
    first recorded comes first and the last recorded last."""
    for year in (2000, 2020):
        attack = AttackFactory(slug=f"same-day-{year}", date=datetime.date(year, 3, 1), date_precision=DatePrecision.DAY)
        AttributionFactory(attack=attack, group=busy_group)
    box = infobox(client.get(profile_url(busy_group), {"page": 2}).content.decode())
    first = box.split("First attack recorded", 1)[1].split("</dd>", 1)[0]
    latest = box.split("Latest attack recorded", 1)[1].split("</dd>", 1)[0]
    assert 'href="/attacks/attack-2000/"' in first and "2000" in first
    assert 'href="/attacks/same-day-2020/"' in latest  # not the draft of 2021, which is not public


@pytest.mark.parametrize("sort", list(ATTACK_SORTS))
def test_the_first_and_latest_attacks_do_not_depend_on_the_tables_sort(client, busy_group, sort):
    """In date order they are read off the ends of the dated attacks, in any other order looked for among all."""
    for year in (2000, 2020):
        attack = AttackFactory(slug=f"same-day-{year}", date=datetime.date(year, 3, 1), date_precision=DatePrecision.DAY)
        AttributionFactory(attack=attack, group=busy_group)
    box = infobox(client.get(profile_url(busy_group), {"sort": sort}).content.decode())
    first = box.split("First attack recorded", 1)[1].split("</dd>", 1)[0]
    latest = box.split("Latest attack recorded", 1)[1].split("</dd>", 1)[0]
    assert 'href="/attacks/attack-2000/"' in first and 'href="/attacks/same-day-2020/"' in latest


def test_the_chart_covers_every_attack_and_the_map_the_page(client, busy_group):
    page = client.get(profile_url(busy_group), {"page": 3}).content.decode()
    assert "2016: 2 attacks" in page and "2000: 1 attack<" in page and "(23 in all, 1 with no known date)" in page
    attack_map = page.split('class="attack-map"', 1)[1].split("</figure>", 1)[0]
    assert "Places of the attacks in the table below with known coordinates (2)" in attack_map
    assert sorted(re.findall(r'href="/attacks/([^/"]+)/"', attack_map)) == ["attack-2000", "attack-2001"]  # "undated" has no place


def test_the_cited_version_is_the_profile_not_its_page(client, busy_group):
    block = client.get(profile_url(busy_group), {"page": 2}).content.decode().split('id="cite-heading"', 1)[1]
    assert re.search(r"http://testserver/groups/lej-al-alami/as-of/\w+/</a> \(accessed", block) and "?page=" not in block


def test_a_past_version_pages_its_attacks_the_same_way(client, busy_group):
    live = client.get(profile_url(busy_group), {"page": 2}).content.decode()
    version = re.search(r"/groups/lej-al-alami/as-of/\w+/", live).group(0)
    past = client.get(version, {"page": 2}).content.decode()
    assert table_links(past) == table_links(live)
    assert "23 attacks name" in past and "Page 2 of 3" in past


@pytest.mark.parametrize("attacks", [1, 60])
def test_profile_queries_do_not_grow_with_the_attacks(client, world, django_assert_num_queries, attacks):
    for number in range(attacks - 1):
        attack = AttackFactory(date=datetime.date(1990 + number % 30, 1, 1), date_precision=DatePrecision.DAY, latitude=30, longitude=67)
        CitationFactory(attack=attack, group=None, source=world["source"], quote=QUOTE_RAID)
        AttributionFactory(attack=attack, group=world["group"])
    with django_assert_num_queries(PROFILE_QUERIES):
        response = client.get(profile_url(world["group"]))
    assert f"{attacks} attack" in response.content.decode()


# --- references grouped by source, with links back


def reference_sources(page: str) -> list[str]:
    section = page.split('id="references-heading"', 1)[1]
    return [plain_text(block.split("</p>", 1)[0]) for block in section.split('<li class="reference-source">')[1:]]


def test_each_source_is_named_once_above_its_quotes_with_links_to_the_original_and_archive(client, world):
    world["source"].archive_url = "https://web.archive.org/web/2016/https://example.org/a"
    world["source"].save()
    before = len(reference_sources(client.get(profile_url(world["group"])).content.decode()))
    other = SourceFactory(title="Another article", outlet="Other Outlet")
    CitationFactory(source=other, group=world["group"], field="summary")

    page = client.get(profile_url(world["group"])).content.decode()

    headings = reference_sources(page)
    assert len(headings) == before + 1 and len(references(page)) > len(headings)  # several quotes, each source once
    assert sum("Pak militant group worked with ISIS" in heading for heading in headings) == 1
    assert any("Other Outlet" in heading and "Another article" in heading for heading in headings)
    section = page.split('id="references-heading"', 1)[1]
    assert 'href="https://example.org/a"' in section and 'href="https://web.archive.org/web/2016/https://example.org/a"' in section
    assert "Archived copy" in section


def test_a_reference_links_back_to_every_place_it_is_cited(client, world):
    page = client.get(profile_url(world["group"])).content.decode()
    entries = references(page)
    (anchor,) = [anchor for anchor, entry in entries.items() if QUOTE_LEJ in entry]
    entry_html = re.search(rf'<li id="{anchor}"[^>]*>(.*?)</li>', page, re.S).group(1)

    backlinks = re.findall(r'<a href="#(cite-\d+-\d+)" aria-label="Back to citation (\d+) of (\d+)">([a-z]+)</a>', entry_html)

    markers = re.findall(rf'<sup class="fn" id="(cite-\d+-\d+)"><a href="#{anchor}"', page)
    assert [place for place, *_ in backlinks] == markers and len(markers) >= 4
    assert [letter for *_, letter in backlinks][:4] == ["a", "b", "c", "d"]
    assert {total for _, _, total, _ in backlinks} == {str(len(markers))}


def test_every_backlink_leads_to_a_marker_on_the_page(client, world):
    """A citation of a field the page does not show (the group's Wikidata id) gives no dead link back."""
    CitationFactory(source=world["source"], group=world["group"], field="ucdp_actor_id", quote=QUOTE_RAID)

    page = client.get(profile_url(world["group"])).content.decode()

    ids = set(re.findall(r'id="([^"]+)"', page))
    targets = re.findall(r'<a (?:class="backlink" )?href="#(cite-[^"]+)"', page)
    assert targets and set(targets) <= ids


# --- sorting the attack table without JavaScript, and cards on a phone


def all_pages(client, path: str, params: dict) -> list[str]:
    slugs, number = [], 1
    while True:
        page = client.get(path, {**params, "page": number}).content.decode()
        slugs += table_links(page)
        if 'rel="next"' not in page:
            return slugs
        number += 1


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("date", ["attack-2000", "attack-2001"]),  # oldest first, the undated attack last
        ("-date", ["attack-2020", "attack-2019"]),
    ],
)
def test_the_attack_table_sorts_by_date_across_pages(client, busy_group, sort, expected):
    slugs = all_pages(client, profile_url(busy_group), {"sort": sort})
    assert slugs[:2] == expected and slugs[-1] == "undated" and len(slugs) == len(set(slugs)) == 23


def test_the_attack_table_sorts_by_title_and_by_the_killed(client, busy_group):
    exact = CountQualifier.EXACT
    AttributionFactory(attack=AttackFactory(slug="aardvark", title="Aardvark attack", killed=500, killed_qualifier=exact), group=busy_group)
    AttributionFactory(attack=AttackFactory(slug="zebra", title="Zebra attack", killed=90, killed_qualifier=exact), group=busy_group)

    by_title = all_pages(client, profile_url(busy_group), {"sort": "title"})
    by_killed = all_pages(client, profile_url(busy_group), {"sort": "-killed"})

    assert by_title[0] == "aardvark" and by_title[-1] == "zebra" and len(by_title) == 25
    assert by_killed[:2] == ["aardvark", "zebra"]


def test_sort_links_keep_the_sort_and_mark_the_column(client, busy_group):
    page = client.get(profile_url(busy_group), {"sort": "date", "page": 2}).content.decode()

    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert 'aria-sort="ascending"><a href="?sort=-date#attacks">Date</a>' in head  # the page starts again
    assert 'href="?sort=title#attacks"' in head and 'href="?sort=-killed#attacks"' in head
    assert 'href="?sort=date&amp;page=3#attacks"' in page  # the pages keep it
    assert "oldest first" in page.split("<caption>", 1)[1].split("</caption>", 1)[0]


def test_an_unknown_sort_is_a_bad_request_that_says_so_and_sorts_newest_first(client, busy_group):
    response = client.get(profile_url(busy_group), {"sort": "<b>nonsense</b>"})
    page = response.content.decode()
    assert response.status_code == 400  # the page still answers, with the reason, as for a graph it cannot read
    assert "cannot be sorted by “&lt;b&gt;nonsense&lt;/b&gt;”" in page
    assert table_links(page)[0] == "attack-2020"


def test_a_past_version_sorts_its_attacks_the_same_way(client, busy_group):
    live = client.get(profile_url(busy_group), {"sort": "date"}).content.decode()
    version = re.search(r"/groups/lej-al-alami/as-of/\w+/", live).group(0)
    assert table_links(client.get(version, {"sort": "date"}).content.decode()) == table_links(live)


def test_every_cell_of_an_attack_row_is_labelled_for_the_phone_cards(client, busy_group):
    page = client.get(profile_url(busy_group)).content.decode()
    body = page.split('id="attacks-heading"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r"<td[^>]*>", body)
    assert cells and all('data-label="' in cell for cell in cells)
    assert 'class="data-table cards"' in page


def graph_of(page: str) -> str:
    return page.split('<figure class="relationship-graph"', 1)[1].split("</figure>", 1)[0]


def far_groups(world, count):
    """`count` groups related to the world's group's parent only: two steps away from the group."""
    for i in range(count):
        AffiliationFactory(from_group=GroupFactory(name=f"Far Front {i}"), to_group=world["parent"], kind=AffiliationKind.ALLIED_WITH)


def test_two_steps_away_on_request(client, world):
    far_groups(world, 1)
    one = graph_of(client.get(profile_url(world["group"])).content.decode())
    assert "Far Front 0" not in one and 'href="?hops=2#relationship-graph">Show groups two steps away</a>' in one
    two = graph_of(client.get(profile_url(world["group"]), {"hops": "2"}).content.decode())
    assert "Far Front 0" in two and "graph-far" in two and "Two steps away" in two
    assert 'href="?#relationship-graph">Show only the groups directly related</a>' in two


@pytest.mark.parametrize("far", [2, 12])
def test_two_steps_cost_one_query_more_however_many_groups(client, world, django_assert_num_queries, far):
    far_groups(world, far)
    with django_assert_num_queries(PROFILE_QUERIES + 1):  # the relationships among the groups two steps away
        response = client.get(profile_url(world["group"]), {"hops": "2"})
    assert response.content.decode().count("Far Front") >= far


def test_a_year_shows_the_relationships_active_then(client, world):
    # The cooperation with Islamic State began in October 2016; the faction and the rivalry have no known date.
    page = client.get(profile_url(world["group"]), {"year": "2016"}).content.decode()
    graph = graph_of(page)
    assert 'href="/groups/islamic-state/"' in graph and 'href="/groups/lej/"' not in graph
    assert "Only relationships active at some time in 2016" in graph and "2 relationships with no known date are left out" in graph
    assert '<a href="?year=2016#relationship-graph" aria-current="page">2016</a>' in graph
    assert '<a href="?#relationship-graph">any year</a>' in graph
    before = graph_of(client.get(profile_url(world["group"]), {"year": "2015"}).content.decode())
    assert "No relationship of Lashkar-e-Jhangvi Al-Alami is known to have been active in 2015." in before and "<svg" not in before


@pytest.mark.parametrize(("query", "message"), [({"year": "soon"}, "is not a year"), ({"hops": "9"}, "one or two steps")])
def test_a_graph_asked_for_in_unreadable_terms_is_drawn_whole_with_the_reason(client, world, query, message):
    response = client.get(profile_url(world["group"]), query)
    assert response.status_code == 400
    graph = graph_of(response.content.decode())
    assert message in graph and 'href="/groups/lej/"' in graph and 'href="/groups/islamic-state/"' in graph


def test_a_past_version_shows_a_year_but_offers_no_second_step(client, world):
    live = client.get(profile_url(world["group"])).content.decode()
    version = re.search(r"/groups/lej-al-alami/as-of/\w+/", live).group(0)
    graph = graph_of(client.get(version, {"year": "2016"}).content.decode())
    assert 'href="/groups/islamic-state/"' in graph and 'href="/groups/lej/"' not in graph and "two steps" not in graph


def test_no_edge_crosses_a_node_it_does_not_join_on_any_demo_profile():
    from groups.figures.graphs import GraphOptions, crossings
    from groups.models import Group
    from groups.selectors import group_profile
    from sampledata.demo_data import load_demo_data

    load_demo_data()
    drawn = 0
    for slug in Group.objects.public().values_list("slug", flat=True):
        for hops in (1, 2):
            graph = group_profile(slug, graph=GraphOptions(hops=hops)).graph
            if graph is not None:
                assert crossings(graph) == [], slug
                drawn += len(graph.edges)
    assert drawn > 50


# --- profile sections in prose


def test_sections_read_in_topic_order_with_footnotes_numbered_with_the_rest(client, world):
    group, source = world["group"], world["source"]
    alias_citation = group.aliases.get(name="LeJ-AA").citations.get()
    write_section(
        group,
        SectionTopic.IDEOLOGY_AND_AIMS,
        "Its aims are not stated [cite:own].",
        source=SourceFactory(outlet="Dawn", text=SIZE_TEXT),
        quote=QUOTE_SIZE,
        heading="Aims",
    )
    overview, own = write_section(
        group,
        SectionTopic.OVERVIEW,
        f"According to Pakistani authorities, the faction carried out the attack [cite:own].\n"
        f"It is also known as LeJ-AA [cite:{alias_citation.pk}].\n\nA spokesman spoke for it [cite:own][cite:{alias_citation.pk}].",
        source=source,
        quote=QUOTE_SPOKESMAN,
    )
    page = client.get(profile_url(group)).content.decode()

    prose = page.split('id="profile"', 1)[1].split('id="names"', 1)[0]
    headings = re.findall(r'<h3 id="section-([a-z_]+)-heading">([^<]+)</h3>', prose)
    assert headings == [("overview", "Overview"), ("ideology_and_aims", "Aims")]
    assert page.index('id="summary-heading"') < page.index('id="profile"') < page.index('id="names"')
    assert '<a href="#profile">Profile</a>' in page.split('class="page-contents"', 1)[1].split("</nav>", 1)[0]

    overview_html = prose.split('id="section-overview"', 1)[1].split("</section>", 1)[0]
    paragraphs = re.findall(r"<p>(.*?)</p>", overview_html, re.S)
    assert len(paragraphs) == 2
    assert plain_text(paragraphs[0]).startswith("According to Pakistani authorities, the faction carried out the attack. [")
    entries = references(page)
    targets = footnote_targets(overview_html)
    assert len(targets) == 4 and targets[0] == targets[2] and targets[1] == targets[3]
    assert QUOTE_SPOKESMAN in entries[targets[0]] and "Agence France-Presse" in entries[targets[0]]
    assert QUOTE_LEJ in entries[targets[1]]  # the alias's own reference, with the number it has elsewhere on the page
    assert "Supports:" in entries[targets[1]] and "Overview" in entries[targets[1]] and "LeJ-AA" in entries[targets[1]]
    # A quote cited in prose joins the source's references: one source heading, one number per quote, backlinks to each place
    assert reference_sources(page).count(reference_sources(page)[0]) == 1
    marker_places = re.findall(rf'<sup class="fn" id="(cite-\d+-\d+)"><a href="#{targets[0]}"', page)
    entry_html = re.search(rf'<li id="{targets[0]}"[^>]*>(.*?)</li>', page, re.S).group(1)
    assert len(marker_places) >= 2 and re.findall(r'href="#(cite-\d+-\d+)"', entry_html) == marker_places


def test_section_text_is_escaped_and_markers_that_readers_may_not_follow_are_not_drawn(client, world):
    group, other = world["group"], world["state"]
    section, own = write_section(group, SectionTopic.RESOURCES, "Placeholder")
    draft = CitationFactory(section=section, group=None, quote=QUOTE_CLAIM, publication_status=DRAFT)
    foreign = CitationFactory(group=other, quote=QUOTE_CLAIM)
    section.text = f'<script>alert("x")</script> & co [cite:own] drafted [cite:{draft.pk}] foreign [cite:{foreign.pk}] gone [cite:999999].'
    section.text = section.text.replace("[cite:own]", f"[cite:{own.pk}]")
    section.save()  # straight to the database: what the checks at save would have refused
    page = client.get(profile_url(group)).content.decode()

    prose = page.split('id="section-resources"', 1)[1].split("</section>", 1)[0]
    assert "<script>" not in prose and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in prose
    assert len(footnote_targets(prose)) == 1
    assert plain_text(prose).endswith("drafted foreign gone.")


def test_draft_or_uncited_sections_stay_off_the_profile(client, world):
    group = world["group"]
    write_section(group, SectionTopic.GEOGRAPHY, "Seen in Quetta [cite:own].", publication_status=DRAFT)
    uncited = GroupSectionFactory(group=group, topic=SectionTopic.ORGANISATION, text="Uncited words.")
    CitationFactory(section=uncited, group=None, quote=QUOTE_CLAIM, publication_status=DRAFT)
    page = client.get(profile_url(group)).content.decode()
    assert "Seen in Quetta" not in page and "Uncited words" not in page and 'id="profile"' not in page


def test_a_marker_of_an_attack_beyond_the_tables_page_costs_one_query(client, busy_group, django_assert_num_queries):
    group = busy_group
    oldest = AttackFactory(slug="oldest", date=datetime.date(1990, 1, 1), date_precision=DatePrecision.YEAR)
    claim = CitationFactory(attribution=AttributionFactory(attack=oldest, group=group), group=None, quote=QUOTE_CLAIM)
    write_section(group, SectionTopic.MAJOR_ATTACKS, f"It claimed the oldest attack [cite:{claim.pk}], officials said [cite:own].")
    with django_assert_num_queries(PROFILE_QUERIES + 1):
        page = client.get(profile_url(group)).content.decode()
    prose = page.split('id="section-major_attacks"', 1)[1].split("</section>", 1)[0]
    assert len(set(footnote_targets(prose))) == 2 and "oldest" not in table_links(page)


def test_a_past_version_shows_the_sections_as_they_were(client, world):
    group = world["group"]
    section, _ = write_section(group, SectionTopic.OVERVIEW, "The first account [cite:own].")
    then = timezone.now()
    section.text = section.text.replace("first", "second")
    section.save()
    version = client.get(reverse("groups:group_revision", kwargs={"slug": group.slug, "key": moment_key(then)})).content.decode()
    assert "The first account" in version and "second account" not in version
    assert footnote_targets(version.split('id="section-overview"', 1)[1].split("</section>", 1)[0])
    assert "The second account" in client.get(profile_url(group)).content.decode()
    changes = [change for revision in profile_revisions(group.pk) for change in revision.changes]
    assert "Changed the section “Overview”: text" in changes and "Published the section “Overview”" in changes
