import datetime
import json
import re
import socket
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stix2validator import ValidationOptions, validate_string

from groups.models import (
    Affiliation,
    AffiliationKind,
    Alias,
    Attack,
    Attribution,
    AttributionKind,
    CountQualifier,
    Group,
    GroupStatus,
    Theatre,
)
from groups.theatres import theatre_groups
from interop.stix import EXTENSION_PROPERTIES, stix_bundle_chunks, stix_json, stix_objects
from interop.stix import stix_id as theatre_stix_id
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from sampledata.demo_data import load_demo_data
from sources.models import Citation, Source
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    DesignationFactory,
    GroupFactory,
    SourceFactory,
    TheatreFactory,
    TheatreGroupFactory,
)

pytestmark = pytest.mark.django_db

BASE_URL = "https://kb.example.org"
DRAFT = PublicationStatus.DRAFT
QUOTE_LEJ = "Pakistani authorities said the attack was carried out by the Al-Alami faction"
QUOTE_CLAIM = "It was also claimed by the Islamic State group"
QUOTE_RAID = "a huge raid on a police academy this week that left more than 60 dead"

# The OASIS validator runs strict (its recommendations count as errors) with two checks off, by design:
# - extref-hashes (302), "an external reference with a URL should have a hash": a hash of a web page that changes
#   (ours change with every edit) would tell a reader nothing;
# - relationship-types (202), "a relationship type from the specification's table of suggested ones": that
#   table has no entry for the incident, a stub in STIX 2.1, so `attributed-to` from an incident (what OpenCTI
#   reads as an attribution) is outside it, and so is any custom type (`branch-of`), which STIX 2.1 allows and
#   the validator says "is permitted".
DISABLED_CHECKS = ["extref-hashes", "relationship-types"]

# The whole export: groups with their citations, aliases (with the groups sharing them), the aliases' citations,
# designations and theirs (6), then affiliations, attacks, attributions and sources, each with its citations (2 each),
# the data version and, not cached yet for it, the titles that sources share (2), and the theatres with their groups (1).
FULL_EXPORT_QUERIES = 17


@pytest.fixture
def demo(db):
    load_demo_data()


@pytest.fixture
def no_network(monkeypatch):
    """The validator must work offline: any attempt to reach the network fails the test."""

    def refuse(self, address):
        raise AssertionError(f"the STIX export or validator tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def export_text(group: Group | None = None) -> str:
    return "".join(stix_bundle_chunks(base_url=BASE_URL, group=group))


def export(group: Group | None = None) -> dict:
    return json.loads(export_text(group))


def by_type(bundle: dict, stix_type: str) -> list[dict]:
    return [o for o in bundle["objects"] if o["type"] == stix_type]


def by_id(bundle: dict) -> dict[str, dict]:
    return {o["id"]: o for o in bundle["objects"]}


def intrusion_set(bundle: dict, name: str) -> dict:
    return next(o for o in by_type(bundle, "intrusion-set") if o["name"] == name)


def incident(bundle: dict, title: str) -> dict:
    """The incident of the attack with this title (its name begins with it)."""
    return next(o for o in by_type(bundle, "incident") if o["name"].startswith(title))


def report(bundle: dict, slug: str) -> dict:
    return next(o for o in by_type(bundle, "report") if any(r.get("external_id") == slug for r in o["external_references"]))


def instant(timestamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(timestamp)


def assert_valid_stix(text: str, *, enforce_refs: bool) -> None:
    options = ValidationOptions(version="2.1", strict=True, enforce_refs=enforce_refs, disabled=DISABLED_CHECKS)
    results = validate_string(text, options)
    report = "\n".join(["errors:", *map(str, results.errors), "warnings:", *results.warnings])
    assert results.is_valid and not results.errors and not results.warnings, report


# --- The whole data set --------------------------------------------------------------------------


def test_demo_bundle_is_valid_stix_2_1_with_every_reference_resolved(demo, no_network):
    text = export_text()
    assert_valid_stix(text, enforce_refs=True)

    bundle = json.loads(text)
    counts = Counter(o["type"] for o in bundle["objects"])
    assert counts == {
        "identity": 1,
        "marking-definition": 1,
        "extension-definition": 1,
        "intrusion-set": Group.objects.public().count(),
        "incident": Attack.objects.public().count(),
        "relationship": Affiliation.objects.public().count() + Attribution.objects.public().count(),
        "report": Source.objects.public().filter(citations__isnull=False).distinct().count(),
        "grouping": sum(1 for theatre in Theatre.objects.public() if theatre_groups(theatre).exists()),
    }
    assert counts["grouping"] > 0
    identity = by_type(bundle, "identity")[0]
    assert all(o["created_by_ref"] == identity["id"] for o in bundle["objects"] if o["type"] not in ("identity", "marking-definition"))
    stamps = [o[name] for o in bundle["objects"] if o["type"] != "marking-definition" for name in ("created", "modified")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp) for stamp in stamps), "to the millisecond, always 3 digits"


def test_a_group_reads_as_an_intrusion_set(demo):
    iskp = intrusion_set(export(), "Islamic State Khorasan Province")
    group = Group.objects.get(slug="islamic-state-khorasan-province")

    assert iskp["aliases"][0] == group.name, "the name first, as ATT&CK writes it"
    assert set(iskp["aliases"][1:]) == set(Alias.objects.public().filter(group=group).values_list("name", flat=True))
    assert iskp["description"] == group.summary
    assert (iskp["first_seen"], iskp["x_kb_first_seen_precision"]) == ("2015-01-01T00:00:00Z", "month")
    assert iskp["x_kb_kind"] == "branch" and iskp["x_kb_countries"] == ["AF", "PK"]
    page = iskp["external_references"][0]
    assert page == {
        "source_name": "militant-groups-kb",
        "external_id": "islamic-state-khorasan-province",
        "url": "https://kb.example.org/groups/islamic-state-khorasan-province/",
    }
    quotes = {reference.get("description") for reference in iskp["external_references"]}
    assert "noting the group was formed in January 2015 by former members of the Tehrik-e-Taliban Pakistan (TTP)" in quotes
    assert "The Islamic State-Khorasan (IS-K) is now shifting its war" in quotes  # cited for the alias IS-K


def test_external_ids_and_designations_are_carried(db):
    group = GroupFactory(wikidata_id="Q2429253", mitre_attack_id="G0001", ucdp_actor_id=1234, gtd_name="Test Front (GTD)")
    DesignationFactory(
        group=group,
        authority="United States",
        listing="foreign terrorist organization",
        designated=datetime.date(2016, 1, 1),
        designated_precision=DatePrecision.YEAR,
    )
    DesignationFactory(group=group, authority="Hidden", listing="draft listing", publication_status=DRAFT)

    stix = intrusion_set(export(), group.name)

    references = {r["source_name"]: r for r in stix["external_references"]}
    assert references["wikidata"] == {"source_name": "wikidata", "external_id": "Q2429253", "url": "https://www.wikidata.org/wiki/Q2429253"}
    assert references["mitre-attack"]["external_id"] == "G0001"
    assert references["mitre-attack"]["url"] == "https://attack.mitre.org/groups/G0001/"
    assert references["ucdp"]["external_id"] == "1234"
    assert stix["x_kb_gtd_name"] == "Test Front (GTD)"
    assert stix["x_kb_designations"] == [
        {"authority": "United States", "listing": "foreign terrorist organization", "date": "2016-01-01", "date_precision": "year"}
    ]


def test_attack_attribution_affiliation_and_source_mapping(db):
    source = SourceFactory(
        slug="afp-quetta",
        title="Pak militant group worked with ISIS",
        outlet="Agence France-Presse",
        url="https://example.org/a",
        published=datetime.date(2016, 10, 26),
        published_precision=DatePrecision.DAY,
        authors=["A. Reporter"],
    )
    lej, islamic_state = GroupFactory(name="Lashkar-e-Jhangvi"), GroupFactory(name="Islamic State")
    attack = AttackFactory(
        title="Quetta police college attack",
        date=datetime.date(2016, 10, 24),
        date_precision=DatePrecision.DAY,
        locality="Quetta",
        province="Balochistan",
        latitude="30.179700",
        longitude="66.975000",
        attack_type="armed_assault",
        target_type="police",
        weapon_type="firearms",
        suicide=True,
        killed=60,
        killed_qualifier=CountQualifier.MORE_THAN,
        description="Gunmen stormed a police college.",
    )
    blamed = AttributionFactory(attack=attack, group=lej, kind=AttributionKind.ATTRIBUTED, attributed_by="Pakistani authorities")
    AttributionFactory(attack=attack, group=islamic_state, kind=AttributionKind.DENIED)
    faction = AffiliationFactory(from_group=lej, to_group=islamic_state, kind=AffiliationKind.COOPERATED_WITH)
    CitationFactory(source=source, quote=QUOTE_RAID, group=None, attack=attack)
    CitationFactory(source=source, quote=QUOTE_LEJ, group=None, attribution=blamed)
    CitationFactory(source=source, quote=QUOTE_CLAIM, group=None, affiliation=faction)

    bundle = export()
    objects = by_id(bundle)
    event = incident(bundle, "Quetta police college attack")
    lej_id, is_id = intrusion_set(bundle, "Lashkar-e-Jhangvi")["id"], intrusion_set(bundle, "Islamic State")["id"]

    assert event["description"] == "Gunmen stormed a police college."
    assert {k: v for k, v in event.items() if k.startswith("x_kb_")} == {
        "x_kb_date": "2016-10-24",
        "x_kb_date_precision": "day",
        "x_kb_place": "Quetta, Balochistan, Pakistan",
        "x_kb_locality": "Quetta",
        "x_kb_province": "Balochistan",
        "x_kb_country": "PK",
        "x_kb_latitude": 30.1797,
        "x_kb_longitude": 66.975,
        "x_kb_attack_type": "armed_assault",
        "x_kb_target_type": "police",
        "x_kb_weapon_type": "firearms",
        "x_kb_suicide": True,
        "x_kb_killed": 60,
        "x_kb_killed_qualifier": "more_than",
    }
    raid_citation = Citation.objects.get(quote=QUOTE_RAID)
    assert event["external_references"][1:] == [
        {
            "source_name": f"Agence France-Presse: Pak militant group worked with ISIS (citation {raid_citation.pk})",
            "description": QUOTE_RAID,
            "url": "https://example.org/a#:~:text=a%20huge%20raid%20on%20a%20police%20academy%20this%20week%20that%20left%20more%20than%2060%20dead",
        }
    ]
    assert event["name"] == "Quetta police college attack, 24 Oct 2016"
    assert (event["first_seen"], event["last_seen"]) == ("2016-10-24T00:00:00Z", "2016-10-24T23:59:59.999Z")

    relationships = [o for o in by_type(bundle, "relationship") if o["source_ref"] == event["id"]]
    assert {(r["relationship_type"], r["target_ref"], r["x_kb_attribution_kind"]) for r in relationships} == {
        ("attributed-to", lej_id, "attributed"),
        ("related-to", is_id, "denied"),  # a denial is no attribution
    }
    blamed_stix = next(r for r in relationships if r["target_ref"] == lej_id)
    assert blamed_stix["x_kb_attributed_by"] == "Pakistani authorities"
    assert blamed_stix["description"] == "Attributed by Pakistani authorities"
    assert blamed_stix["external_references"][0]["description"] == QUOTE_LEJ

    cooperation = next(o for o in by_type(bundle, "relationship") if o.get("x_kb_relationship"))
    assert (cooperation["source_ref"], cooperation["target_ref"], cooperation["x_kb_relationship"]) == (lej_id, is_id, "cooperated_with")
    assert cooperation["relationship_type"] == "cooperated-with"

    article = report(bundle, "afp-quetta")
    assert article["name"] == "Pak militant group worked with ISIS" and article["report_types"] == ["threat-report"]
    assert (article["published"], article["x_kb_published_precision"], article["x_kb_published_basis"]) == (
        "2016-10-26T00:00:00Z",
        "day",
        "publication",
    )
    assert article["x_kb_outlet"] == "Agence France-Presse" and article["x_kb_authors"] == ["A. Reporter"]
    assert {"source_name": "Agence France-Presse", "url": "https://example.org/a"} in article["external_references"]
    cited = {objects[ref]["type"] for ref in article["object_refs"]}
    assert set(article["object_refs"]) == {event["id"], blamed_stix["id"], cooperation["id"]} and cited == {"incident", "relationship"}
    denial = next(r for r in relationships if r["target_ref"] == is_id)
    assert denial["description"] == "Involvement denied" and "external_references" not in denial


def test_every_custom_property_is_declared_by_the_extension(demo, db):
    group = GroupFactory(dissolved=datetime.date(2019, 1, 1), dissolved_precision=DatePrecision.YEAR, ideology="Salafi jihadism")
    DesignationFactory(group=group, designated=datetime.date(2016, 3, 1), designated_precision=DatePrecision.MONTH)
    AffiliationFactory(from_group=group, started=datetime.date(2014, 1, 1), started_precision=DatePrecision.YEAR)
    AttackFactory(
        date=datetime.date(2016, 1, 1),
        date_precision=DatePrecision.DAY,
        end_date=datetime.date(2016, 1, 3),
        wounded=3,
        wounded_qualifier=CountQualifier.ABOUT,
    )

    bundle = export()
    used = {name for o in bundle["objects"] for name in o if name.startswith("x_kb_")}
    extension = by_type(bundle, "extension-definition")[0]
    assert used <= set(extension["extension_properties"]) == set(EXTENSION_PROPERTIES)
    assert all(
        o["extensions"] == {extension["id"]: {"extension_type": "toplevel-property-extension"}}
        for o in bundle["objects"]
        if any(name.startswith("x_kb_") for name in o)
    )


# --- Ids ----------------------------------------------------------------------------------------


def test_ids_are_the_same_in_every_export_and_differ_between_records(demo):
    first, second = export(), export()

    assert first == second
    ids = [o["id"] for o in first["objects"]]
    assert len(ids) == len(set(ids))

    group = Group.objects.get(slug="lashkar-e-jhangvi-al-alami")
    assert export(group)["id"] == export(group)["id"] != first["id"]


def test_ids_survive_edits_to_the_records(demo):
    before = by_id(export())
    group = Group.objects.get(slug="lashkar-e-jhangvi")
    group.name, group.summary = "Lashkar-e-Jhangvi (renamed)", "Edited summary."
    group.save()
    affiliation = Affiliation.objects.filter(from_group=group).first()
    affiliation.started, affiliation.started_precision = datetime.date(1996, 1, 1), DatePrecision.YEAR
    affiliation.save()

    after = by_id(export())

    assert after.keys() == before.keys()
    renamed = next(o for o in after.values() if o.get("name") == "Lashkar-e-Jhangvi (renamed)")
    assert before[renamed["id"]]["name"] == "Lashkar-e-Jhangvi"
    assert instant(renamed["modified"]) > instant(before[renamed["id"]]["modified"])
    redated = next(o for o in after.values() if o.get("start_time") == "1996-01-01T00:00:00Z")
    assert "start_time" not in before[redated["id"]]


def test_modified_advances_when_what_an_object_shows_changes(db):
    group = GroupFactory()
    before = intrusion_set(export(), group.name)

    AliasFactory(group=group, name="The Front")

    after = intrusion_set(export(), group.name)
    assert after["aliases"] == [group.name, "The Front"] and instant(after["modified"]) > instant(before["modified"])


# --- One group's neighbourhood ------------------------------------------------------------------


def test_group_export_holds_the_group_its_relationships_attacks_and_sources(demo, no_network):
    group = Group.objects.get(slug="lashkar-e-jhangvi-al-alami")
    text = export_text(group)
    assert_valid_stix(text, enforce_refs=False)  # a report names every object its source is cited for, some outside this group's bundle

    bundle, whole = json.loads(text), export()
    assert {o["name"] for o in by_type(bundle, "intrusion-set")} == {"Lashkar-e-Jhangvi Al-Alami", "Lashkar-e-Jhangvi", "Islamic State"}
    assert set(intrusion_set(bundle, "Lashkar-e-Jhangvi Al-Alami")["aliases"]) == {
        group.name,
        *Alias.objects.public().filter(group=group).values_list("name", flat=True),
    }
    kinds = sorted(r["x_kb_relationship"] for r in by_type(bundle, "relationship") if "x_kb_relationship" in r)
    assert kinds == ["cooperated_with", "faction_of"]
    assert [o["name"] for o in by_type(bundle, "incident")] == ["Attack on the Balochistan Police College, Quetta, Oct 2016"]
    attributions = [r for r in by_type(bundle, "relationship") if "x_kb_attribution_kind" in r]
    assert len(attributions) == Attribution.objects.public().filter(attack__slug="2016-10-quetta-police-college-attack").count() == 3

    objects, everything = by_id(bundle), by_id(whole)
    for relationship in by_type(bundle, "relationship"):
        assert relationship["source_ref"] in objects and relationship["target_ref"] in objects
    for stix_id, stix_object in objects.items():
        assert everything[stix_id] == stix_object, "an object reads the same in every export"
    for article in by_type(bundle, "report"):
        assert set(article["object_refs"]) & objects.keys()


# --- Drafts -------------------------------------------------------------------------------------


def test_drafts_and_what_is_shown_through_them_stay_out(db):
    source = SourceFactory(slug="public-article", outlet="Agence France-Presse")
    hidden_source = SourceFactory(slug="draft-article", publication_status=DRAFT)
    only_drafts_source = SourceFactory(slug="cited-only-for-drafts")

    group = GroupFactory(name="Published Front")
    draft_group = GroupFactory(name="Draft Front", publication_status=DRAFT)
    AliasFactory(group=draft_group, name="Alias Of A Draft Group")  # itself published
    AliasFactory(group=group, name="Draft Alias", publication_status=DRAFT)
    attack = AttackFactory(title="Public attack")
    AttackFactory(title="Draft attack", publication_status=DRAFT)
    AttributionFactory(attack=attack, group=group)
    AttributionFactory(attack=attack, group=draft_group, kind=AttributionKind.SUSPECTED, attributed_by="Draft Police")
    AffiliationFactory(from_group=group, to_group=draft_group, kind=AffiliationKind.BRANCH_OF)
    CitationFactory(source=source, quote=QUOTE_RAID, group=group)
    CitationFactory(source=source, quote=QUOTE_LEJ, group=group, publication_status=DRAFT)
    CitationFactory(source=hidden_source, quote=QUOTE_CLAIM, group=None, attack=attack)
    CitationFactory(source=only_drafts_source, quote=QUOTE_CLAIM, group=draft_group)

    for bundle_text in (export_text(), export_text(group)):
        for hidden in ("Draft Front", "Alias Of A Draft Group", "Draft Alias", "Draft attack", "Draft Police", QUOTE_LEJ):
            assert hidden not in bundle_text
        bundle = json.loads(bundle_text)
        assert [o["name"] for o in by_type(bundle, "intrusion-set")] == ["Published Front"]
        assert [o["name"] for o in by_type(bundle, "incident")] == [incident(bundle, "Public attack")["name"]]
        assert len(by_type(bundle, "incident")) == 1
        assert len(by_type(bundle, "relationship")) == 1  # the claim by the published group
        assert [r["external_references"][0]["external_id"] for r in by_type(bundle, "report")] == ["public-article"]
        assert QUOTE_CLAIM not in bundle_text  # cited only from a draft source or for a draft group

    assert [o["name"] for o in by_type(export(draft_group), "intrusion-set")] == []


# --- Partial dates ------------------------------------------------------------------------------


def test_partial_dates_keep_their_precision(db):
    by_year = GroupFactory(name="Founded In A Year", founded=datetime.date(2015, 1, 1), founded_precision=DatePrecision.YEAR)
    by_month = GroupFactory(name="Founded In A Month", founded=datetime.date(2015, 3, 1), founded_precision=DatePrecision.MONTH)
    late = GroupFactory(name="Founded Late", founded=datetime.date(2016, 1, 1), founded_precision=DatePrecision.LATE)
    GroupFactory(name="Founding Unknown")
    AffiliationFactory(
        from_group=by_year,
        to_group=by_month,
        started=datetime.date(2015, 1, 1),
        started_precision=DatePrecision.YEAR,
        ended=datetime.date(2015, 1, 1),
        ended_precision=DatePrecision.YEAR,
    )
    AffiliationFactory(
        from_group=late,
        to_group=by_month,
        started=datetime.date(2016, 2, 1),
        started_precision=DatePrecision.MONTH,
        ended=datetime.date(2016, 2, 1),
        ended_precision=DatePrecision.MONTH,
    )
    AttackFactory(title="Some time late in 2016", date=datetime.date(2016, 1, 1), date_precision=DatePrecision.LATE)
    AttackFactory(title="Date unknown")

    text = export_text()
    bundle = json.loads(text)

    def first_seen(name):
        stix = intrusion_set(bundle, name)
        return stix.get("first_seen"), stix.get("x_kb_first_seen_precision")

    assert first_seen("Founded In A Year") == ("2015-01-01T00:00:00Z", "year")
    assert first_seen("Founded In A Month") == ("2015-03-01T00:00:00Z", "month")
    assert first_seen("Founded Late") == ("2016-01-01T00:00:00Z", "late")
    assert first_seen("Founding Unknown") == (None, None)

    spans = {
        (r["start_time"], r["x_kb_start_time_precision"], r["stop_time"], r["x_kb_stop_time_precision"])
        for r in by_type(bundle, "relationship")
    }
    assert spans == {
        ("2015-01-01T00:00:00Z", "year", "2015-12-31T23:59:59.999Z", "year"),  # "2015 to 2015": the whole year
        ("2016-02-01T00:00:00Z", "month", "2016-02-29T23:59:59.999Z", "month"),
    }
    assert (incident(bundle, "Some time late in 2016")["x_kb_date"], incident(bundle, "Some time late in 2016")["x_kb_date_precision"]) == (
        "2016-01-01",
        "late",
    )
    assert "x_kb_date" not in incident(bundle, "Date unknown")
    assert_valid_stix(text, enforce_refs=True)


def test_a_source_without_a_date_is_published_at_a_date_we_know_and_says_so(db):
    accessed = SourceFactory(slug="accessed", accessed=datetime.date(2020, 5, 17))
    recorded = SourceFactory(slug="recorded", title="")
    CitationFactory(source=accessed)
    CitationFactory(source=recorded)

    bundle = export()

    assert (report(bundle, "accessed")["published"], report(bundle, "accessed")["x_kb_published_basis"]) == (
        "2020-05-17T00:00:00Z",
        "accessed",
    )
    undated = report(bundle, "recorded")
    # The same instant: stix2 writes `created` with three decimals and `published` without trailing zeros (".58Z").
    instant = datetime.datetime.fromisoformat
    assert instant(undated["published"]) == instant(undated["created"]) and undated["x_kb_published_basis"] == "recorded"
    assert {report(bundle, slug)["x_kb_published_precision"] for slug in ("accessed", "recorded")} == {"unknown"}
    assert undated["name"] == "Untitled article beginning “Islamabad: A major Pakistani militant group worked with…”"


# --- Streaming and queries ----------------------------------------------------------------------


def test_the_bundle_streams_one_object_at_a_time(demo, django_assert_num_queries):
    with django_assert_num_queries(0):
        chunks = stix_bundle_chunks(base_url=BASE_URL)  # nothing is read until the first piece is asked for

    pieces = list(chunks)

    bundle = json.loads("".join(pieces))
    assert pieces[0] == f'{{"type": "bundle", "id": "{bundle["id"]}", "objects": ['
    assert [json.loads(piece.lstrip(",\n"))["id"] for piece in pieces[1:-1]] == [o["id"] for o in bundle["objects"]]
    assert pieces[-1].strip() == "]}"


def add_connected_groups(count: int) -> None:
    """Groups with everything an export reads: aliases, designations, a relationship, an attack, citations."""
    for _ in range(count):
        source = SourceFactory()
        group = GroupFactory()
        alias = AliasFactory(group=group)
        designation = DesignationFactory(group=group)
        affiliation = AffiliationFactory(from_group=group)
        attribution = AttributionFactory(group=group)
        for target in ("group", "alias", "designation", "affiliation", "attack", "attribution"):
            fact = {
                "group": group,
                "alias": alias,
                "designation": designation,
                "affiliation": affiliation,
                "attack": attribution.attack,
                "attribution": attribution,
            }[target]
            CitationFactory(source=source, quote=QUOTE_CLAIM, **{"group": None, target: fact})
        TheatreGroupFactory(theatre=TheatreFactory(countries=["PK"]), group=group)


def count_queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


@pytest.mark.parametrize("extra", [0, 8])
def test_query_count_does_not_grow_with_the_data(demo, django_assert_num_queries, extra):
    add_connected_groups(extra)
    with django_assert_num_queries(FULL_EXPORT_QUERIES):
        bundle = export()
    assert len(by_type(bundle, "intrusion-set")) == 13 + 2 * extra


def test_group_export_query_count_does_not_grow(demo):
    group = Group.objects.get(slug="islamic-state")
    export(group)  # the titles that sources share are cached for this version of the data from then on
    before = count_queries(lambda: export(group))
    for other in GroupFactory.create_batch(8):
        AliasFactory(group=other)
        DesignationFactory(group=other)
        AffiliationFactory(from_group=other, to_group=group)
        CitationFactory(group=other)
        AttributionFactory(group=group, attack=AttackFactory())

    bundle = export(group)

    export(group)
    assert count_queries(lambda: export(group)) == before <= FULL_EXPORT_QUERIES - 1
    assert len(by_type(bundle, "intrusion-set")) > 8


# --- The command --------------------------------------------------------------------------------


def test_command_writes_the_bundle_to_a_file(demo, tmp_path, capsys, no_network):
    output = tmp_path / "kb.stix.json"

    call_command("export_stix", base_url=BASE_URL, output=str(output))

    text = output.read_text(encoding="utf-8")
    assert json.loads(text)["objects"] == export()["objects"]
    assert_valid_stix(text, enforce_refs=True)
    printed = capsys.readouterr()
    assert f"Wrote {len(json.loads(text)['objects'])} STIX objects to {output}" in printed.out
    assert printed.err == "", "no progress bar when stderr is not a terminal"
    assert list(tmp_path.iterdir()) == [output], "no temporary file is left behind"


def test_command_exports_one_group_to_standard_output(demo, capsys):
    call_command("export_stix", "--group", "lashkar-e-jhangvi-al-alami", "--base-url", BASE_URL, "--output", "-", "--no-progress")

    bundle = json.loads(capsys.readouterr().out)
    assert bundle == export(Group.objects.get(slug="lashkar-e-jhangvi-al-alami"))


def test_command_refuses_an_unknown_or_draft_group(db):
    GroupFactory(slug="draft-front", publication_status=DRAFT)
    for slug in ("no-such-group", "draft-front"):
        with pytest.raises(CommandError, match=f"No published group has the slug '{slug}'"):
            call_command("export_stix", group=slug, base_url=BASE_URL)


def test_command_reports_an_unwritable_output(db, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot write .*missing/kb\.json: No such file or directory"):
        call_command("export_stix", base_url=BASE_URL, output=str(tmp_path / "missing" / "kb.json"))
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_stix", base_url=BASE_URL, output=str(tmp_path))  # a directory


def test_command_needs_an_absolute_base_url(db):
    with pytest.raises(CommandError, match="--base-url must be an absolute http"):
        call_command("export_stix", base_url="kb.example.org")


def test_stix_objects_are_stix2_objects(demo):
    objects = list(stix_objects(base_url=BASE_URL))
    assert {type(o).__name__ for o in objects} == {
        "Identity",
        "MarkingDefinition",
        "ExtensionDefinition",
        "IntrusionSet",
        "Incident",
        "Relationship",
        "Report",
        "Grouping",
    }
    assert [json.loads(stix_json(o)) for o in objects] == export()["objects"], "the same objects as the bundle's"


# --- What consumers read ------------------------------------------------------------------------


TLP_CLEAR_ID = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"


def test_every_object_is_marked_tlp_clear_and_every_bundle_holds_the_marking(demo):
    for bundle in (export(), export(Group.objects.get(slug="islamic-state"))):
        [marking] = by_type(bundle, "marking-definition")
        assert marking == {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": TLP_CLEAR_ID,
            "created": "2022-10-01T00:00:00.000Z",
            "name": "TLP:CLEAR",
            "extensions": {
                "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"extension_type": "property-extension", "tlp_2_0": "clear"}
            },
        }
        assert all(o["object_marking_refs"] == [TLP_CLEAR_ID] for o in bundle["objects"] if o is not marking)


def test_confidence_follows_the_admiralty_grading(db):
    graded_a, graded_e, ungraded = SourceFactory(reliability="A"), SourceFactory(reliability="E"), SourceFactory(reliability="")
    titles = ("Confirmed", "Doubtful", "Unjudged", "By source", "Nothing")
    confirmed, doubtful, unjudged, by_source, nothing = (AttackFactory(title=title) for title in titles)
    CitationFactory(source=graded_e, group=None, attack=confirmed, credibility="1")  # confirmed by other sources: 90
    CitationFactory(source=graded_e, group=None, attack=confirmed, credibility="4")  # the best-supported reading counts
    CitationFactory(source=graded_a, group=None, attack=doubtful, credibility="4")  # the citation's grade, not the source's
    CitationFactory(source=graded_a, group=None, attack=unjudged, credibility="6")  # truth cannot be judged: none
    CitationFactory(source=graded_e, group=None, attack=by_source)  # not graded: the source's reliability, E
    CitationFactory(source=ungraded, group=None, attack=nothing)

    bundle = export()

    confidence = {title: incident(bundle, title).get("confidence") for title in titles}
    assert confidence == {"Confirmed": 90, "Doubtful": 30, "Unjudged": None, "By source": 10, "Nothing": None}
    assert {report(bundle, source.slug).get("confidence") for source in (graded_a, graded_e, ungraded)} == {90, 10, None}


def test_each_citation_is_its_own_external_reference_pointing_at_its_quote(db):
    source = SourceFactory(outlet="Dawn", title="Police college attack", url="https://example.org/dawn", archive_url="")
    undated = SourceFactory(outlet="", title="No address", url="", archive_url="")
    attack = AttackFactory(title="Quetta police college attack")
    first = CitationFactory(source=source, group=None, attack=attack, quote=QUOTE_RAID)
    second = CitationFactory(source=source, group=None, attack=attack, quote=QUOTE_LEJ)
    third = CitationFactory(source=undated, group=None, attack=attack, quote="It was also claimed")

    references = incident(export(), "Quetta police college attack")["external_references"][1:]

    assert [r["source_name"] for r in references] == [
        f"Dawn: Police college attack (citation {first.pk})",
        f"Dawn: Police college attack (citation {second.pk})",
        f"No address (citation {third.pk})",
    ]
    assert [r["description"] for r in references] == [QUOTE_RAID, QUOTE_LEJ, "It was also claimed"]
    assert len({r["url"] for r in references}) == 3, "OpenCTI tells external references apart by their URL"
    assert references[0]["url"].startswith("https://example.org/dawn#:~:text=a%20huge%20raid")
    assert references[2]["url"] == f"{BASE_URL}/sources/{undated.slug}/#:~:text=It%20was%20also%20claimed"


def test_a_second_attribution_of_an_attack_to_a_group_is_related_to(db):
    """OpenCTI holds one attributed-to per incident and group: the first recorded is, the next is related-to."""
    group, attack = GroupFactory(), AttackFactory()
    claim = AttributionFactory(attack=attack, group=group, kind=AttributionKind.CLAIMED, attributed_by="a spokesman")
    police = AttributionFactory(attack=attack, group=group, kind=AttributionKind.ATTRIBUTED, attributed_by="the police")
    AttributionFactory(attack=attack, group=GroupFactory(), kind=AttributionKind.SUSPECTED)

    relationships = {r["x_kb_attributed_by"]: r for r in by_type(export(), "relationship") if r.get("x_kb_attributed_by")}

    assert relationships[claim.attributed_by]["relationship_type"] == "attributed-to"
    assert (relationships[police.attributed_by]["relationship_type"], relationships[police.attributed_by]["x_kb_attribution_kind"]) == (
        "related-to",
        "attributed",
    )
    assert [r["relationship_type"] for r in by_type(export(), "relationship")].count("attributed-to") == 2


@pytest.mark.parametrize("kind", list(AffiliationKind))
def test_an_affiliation_is_typed_by_its_kind(db, kind):
    AffiliationFactory(kind=kind)
    [relationship] = by_type(export(), "relationship")
    assert relationship["relationship_type"] == kind.value.replace("_", "-") and relationship["x_kb_relationship"] == kind.value
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", relationship["relationship_type"])


def test_an_incident_spanning_days_is_seen_until_its_end_date_and_a_group_until_its_dissolution(db):
    AttackFactory(title="Siege", date=datetime.date(2016, 1, 1), date_precision=DatePrecision.DAY, end_date=datetime.date(2016, 1, 3))
    GroupFactory(name="Dissolved Front", dissolved=datetime.date(2019, 3, 1), dissolved_precision=DatePrecision.MONTH)

    bundle = export()

    siege = incident(bundle, "Siege")
    assert siege["name"] == "Siege, Pakistan, 1 Jan 2016"  # the place, which the title does not name, and the date
    assert (siege["first_seen"], siege["last_seen"]) == ("2016-01-01T00:00:00Z", "2016-01-03T23:59:59.999Z")
    assert intrusion_set(bundle, "Dissolved Front")["last_seen"] == "2019-03-31T23:59:59.999Z"


# --- The per-group bundle over the API ----------------------------------------------------------

# A request: the group (1); on a miss, the data version for the cache key (1), the bundle's queries and the data
# version again for the shared titles (FULL_EXPORT_QUERIES); on a hit, the group and the data version.
GROUP_BUNDLE_QUERIES = 2 + FULL_EXPORT_QUERIES


@pytest.mark.parametrize("extra", [0, 8])
def test_a_group_bundle_is_built_once_per_version_of_the_data(demo, client, django_assert_max_num_queries, extra):
    add_connected_groups(extra)
    url = "/api/v1/groups/islamic-state/stix/"

    with django_assert_max_num_queries(GROUP_BUNDLE_QUERIES):
        built = b"".join(client.get(url).streaming_content)
    with django_assert_max_num_queries(2):
        cached = b"".join(client.get(url).streaming_content)

    assert cached == built
    assert [o["id"] for o in json.loads(built)["objects"]] == [o["id"] for o in export(Group.objects.get(slug="islamic-state"))["objects"]]
    AliasFactory(group=Group.objects.get(slug="islamic-state"), name="New alias")  # a change moves the data version on
    assert b"New alias" in b"".join(client.get(url).streaming_content)


def test_a_group_bundle_does_not_wait_for_the_statistics_of_an_import(db):
    """After an import, until autovacuum has analysed the tables, PostgreSQL plans from the statistics of empty
    tables. The bundle's queries used to nest their parts as IN subqueries, and one then ran for minutes (nested
    loops of filters) for a group among the demo's and 30 more; now each part is read by an array of ids. The
    timeout only stops a runaway statement: each takes milliseconds."""

    def analyse():  # in the test's transaction, which is all the server's statistics then know of
        with connection.cursor() as cursor:
            cursor.execute("SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables WHERE schemaname = 'public'")
            cursor.execute(f"ANALYZE {cursor.fetchone()[0]}")

    analyse()  # the tables still empty
    load_demo_data()
    add_connected_groups(30)
    group = Group.objects.get(slug="islamic-state")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '10s'")
    planned_blind = export(group)
    analyse()
    assert planned_blind == export(group)
    assert intrusion_set(planned_blind, "Islamic State") and by_type(planned_blind, "report")


def test_a_source_keeps_its_report_id_when_its_address_changes(db):
    source = SourceFactory(slug="first-address", title="An article")
    CitationFactory(source=source, group=GroupFactory())
    before = {o["id"] for o in by_type(export(), "report")}

    source.slug = "a-better-address"
    source.save()
    after = by_type(export(), "report")

    assert source.previous_slugs == ["first-address"]
    assert {o["id"] for o in after} == before  # the same report: no revoked copy and no new one in the next release


# --- Theatres ---------------------------------------------------------------------------------------------------


def _group(name: str, **fields) -> Group:
    return GroupFactory(name=name, countries=fields.pop("countries", ["PK"]), **fields)


def test_a_theatre_reads_as_a_grouping_of_its_public_groups_intrusion_sets(db, no_network):
    theatre = TheatreFactory(
        name="Afghanistan and Pakistan",
        slug="af-pk",
        description="Groups of the Af-Pak theatre.",
        countries=["PK", "AF"],
        start_year=2010,
        end_year=2019,
    )
    active = _group("Tehrik-e-Taliban Pakistan", founded=datetime.date(2007, 12, 1), founded_precision=DatePrecision.MONTH)
    undated = _group("Undated Front", countries=["AF"])
    _group("Gone Front", dissolved=datetime.date(2005, 1, 1), dissolved_precision=DatePrecision.YEAR, status=GroupStatus.DEFUNCT)
    _group("Draft Front", publication_status=DRAFT)
    listed = _group("Islamic State Hind Province", countries=["IN"])
    TheatreGroupFactory(theatre=theatre, group=listed)
    TheatreGroupFactory(theatre=theatre, group=_group("Drafted on the map", countries=["IN"]), publication_status=DRAFT)
    TheatreFactory(name="Hidden", countries=["PK"], publication_status=DRAFT)
    TheatreFactory(name="Nobody's", countries=["NZ"])  # a grouping must refer to something: none until it has a group

    text = export_text()
    assert_valid_stix(text, enforce_refs=True)
    bundle = json.loads(text)
    (grouping,) = by_type(bundle, "grouping")
    assert grouping["id"] == theatre_stix_id("grouping", "theatre:af-pk")
    assert (grouping["name"], grouping["description"], grouping["context"]) == (
        "Afghanistan and Pakistan",
        "Groups of the Af-Pak theatre.",
        "unspecified",
    )
    assert grouping["object_refs"] == sorted(intrusion_set(bundle, group.name)["id"] for group in (active, undated, listed))
    assert (grouping["x_kb_countries"], grouping["x_kb_start_year"], grouping["x_kb_end_year"]) == (["AF", "PK"], 2010, 2019)
    assert grouping["external_references"] == [
        {"source_name": "militant-groups-kb", "external_id": "af-pk", "url": f"{BASE_URL}/maps/af-pk/"}
    ]
    assert grouping["object_marking_refs"] and grouping["created_by_ref"] == by_type(bundle, "identity")[0]["id"]
    assert export(active)["objects"] and not by_type(export(active), "grouping")  # a group's neighbourhood holds no theatre

    # Its id stays when it is renamed; modified moves on when a group joins its map.
    theatre.name, theatre.end_year = "Af-Pak", None
    theatre.save()
    renamed = by_type(export(), "grouping")[0]
    assert renamed["id"] == grouping["id"] and "x_kb_end_year" not in renamed
    later = _group("Founded later", founded=datetime.date(2024, 1, 1), founded_precision=DatePrecision.YEAR)
    grown = by_type(export(), "grouping")[0]
    assert intrusion_set(export(), later.name)["id"] in grown["object_refs"] and instant(grown["modified"]) > instant(renamed["modified"])
