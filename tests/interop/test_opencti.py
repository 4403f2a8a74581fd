"""An OpenCTI import of our bundles, by OpenCTI's own rules for recognising an object twice (tests/interop/opencti_ids.py)."""

import json
from collections import Counter

import pytest

from groups.models import Affiliation, AffiliationKind, AttributionKind
from interop.opencti import for_opencti, opencti_body
from interop.stix import affiliation_relationship_type, stix_bundle_chunks
from sampledata.demo_data import load_demo_data
from sampledata.synthetic.write import generate_dataset
from tests.factories import AliasFactory, AttackFactory, AttributionFactory, CitationFactory, GroupFactory, SourceFactory
from tests.interop.opencti_ids import opencti_import
from tests.interop.test_taxii import COLLECTION, OPENCTI_COLLECTION, get, objects_of, pages, taxii

pytestmark = pytest.mark.django_db

BASE_URL = "https://kb.example.org"


def taxii_objects(client, path: str) -> list[dict]:
    return taxii(get(client, path))["objects"]


def bundle_objects(group=None) -> list[dict]:
    return json.loads("".join(stix_bundle_chunks(base_url=BASE_URL, group=group)))["objects"]


def test_nothing_in_the_demo_export_merges_and_only_affiliations_are_refused(db):
    load_demo_data()
    objects = bundle_objects()

    result = opencti_import(objects)

    assert result.merged == []
    # OpenCTI's schema has no relationship between two intrusion sets but related-to: our typed affiliations wait for it.
    assert len(result.refused) == Affiliation.objects.public().count()
    assert result.kept == sum(1 for o in objects if o["type"] not in ("extension-definition", "marking-definition")) - len(result.refused)


def test_nothing_in_a_synthetic_data_set_merges(db, settings):
    settings.DEBUG = True  # the generator runs only in development
    generate_dataset(seed=7, scale=0.002)  # GTD-like titles and places, names and aliases that repeat
    objects = bundle_objects()

    result = opencti_import(objects)

    assert result.merged == [], result.merged_by_type
    assert Counter(o["type"] for o in objects)["incident"] > 400


def test_attacks_with_the_same_title_and_date_still_have_different_names(db):
    group = GroupFactory()
    first, second = (
        AttackFactory(slug=slug, title="Bombing/explosion in New York City, United States", locality="New York City", country="US")
        for slug in ("gtd-197005290001", "gtd-197005290002")
    )
    for attack in (first, second):
        AttributionFactory(attack=attack, group=group, kind=AttributionKind.CLAIMED)

    incidents = [o for o in bundle_objects() if o["type"] == "incident"]

    names = sorted(o["name"] for o in incidents)
    date = names[0].rsplit(", ", 1)[1]
    assert names == [
        f"Bombing/explosion in New York City, United States, {date}",
        f"Bombing/explosion in New York City, United States, {date} (gtd-197005290002)",
    ]
    assert opencti_import(bundle_objects()).merged == []


def test_the_rules_see_a_merge_where_openCTI_would_make_one():
    """The module itself: two groups that share an alias, two incidents with one name and created."""
    group = {"type": "intrusion-set", "name": "Front A", "aliases": ["Front A", "The Front"]}
    other = {"type": "intrusion-set", "name": "Front B", "aliases": ["Front B", "the front "]}
    incident = {"type": "incident", "name": "Bombing", "created": "2020-01-01T00:00:00.000Z"}
    objects = [{**group, "id": "intrusion-set--1"}, {**other, "id": "intrusion-set--2"}]
    objects += [{**incident, "id": "incident--1"}, {**incident, "id": "incident--2"}]
    result = opencti_import(objects)
    assert result.merged == [("intrusion-set--2", "intrusion-set--1"), ("incident--2", "incident--1")]


def test_an_alias_two_groups_share_stays_out_of_aliases(db):
    first, second = GroupFactory(name="First Front"), GroupFactory(name="Second Front")
    AliasFactory(group=first, name="The Front")
    AliasFactory(group=second, name="the front")
    AliasFactory(group=second, name="Second")
    CitationFactory(source=SourceFactory(), group=first)

    sets = {o["name"]: o for o in bundle_objects() if o["type"] == "intrusion-set"}

    assert sets["First Front"]["aliases"] == ["First Front"] and sets["First Front"]["x_kb_shared_aliases"] == ["The Front"]
    assert sets["Second Front"]["aliases"] == ["Second Front", "Second"]
    assert sets["Second Front"]["x_kb_shared_aliases"] == ["the front"]
    assert opencti_import(bundle_objects()).merged == []


# --- the TAXII collection for OpenCTI


def test_openCTI_keeps_everything_in_its_collection_and_merges_only_kinds_of_one_pair_keeping_each(client, two_releases):
    standard = objects_of(pages(client, f"{COLLECTION}objects/", limit=1000))
    for_opencti = objects_of(pages(client, f"{OPENCTI_COLLECTION}objects/", limit=1000))
    assert [o["id"] for o in for_opencti] == [o["id"] for o in standard]  # the same objects and versions
    affiliations = [o for o in standard if "x_kb_relationship" in o]
    assert len(opencti_import(standard).refused) == len(affiliations) == 20  # what it would drop otherwise: every one

    result = opencti_import(for_opencti)

    assert result.refused == []
    # Only affiliations of two kinds between the same two groups become one relationship there (the demo has 5 such
    # pairs); OpenCTI's upsert adds up labels and references, so the one it keeps names both kinds and cites both.
    by_id = {o["id"]: o for o in for_opencti}
    pairs = Counter((o["source_ref"], o["target_ref"]) for o in affiliations)
    assert len(result.merged) == sum(count - 1 for count in pairs.values()) == 5
    for merged, kept in result.merged:
        assert (by_id[merged]["source_ref"], by_id[merged]["target_ref"]) == (by_id[kept]["source_ref"], by_id[kept]["target_ref"])
        assert by_id[merged]["labels"] != by_id[kept]["labels"]
        assert by_id[merged]["external_references"] and by_id[kept]["external_references"]
    kinds_kept = {label for o in for_opencti if o["type"] == "relationship" for label in o.get("labels", [])}
    assert kinds_kept == {o["relationship_type"] for o in affiliations}


def test_the_openCTI_collection_serves_theatres_as_the_groupings_it_keeps_as_containers(client, two_releases):
    standard = [o for o in objects_of(pages(client, f"{COLLECTION}objects/", limit=1000)) if o["type"] == "grouping"]
    for_opencti = [o for o in objects_of(pages(client, f"{OPENCTI_COLLECTION}objects/", limit=1000)) if o["type"] == "grouping"]
    assert standard and for_opencti == standard  # unchanged: OpenCTI imports a grouping with its object_refs
    assert all(o["object_refs"] and o["context"] == "unspecified" for o in for_opencti)
    result = opencti_import(for_opencti)
    assert result.merged == [] and result.kept == len(for_opencti)  # known by name and context: none merges


def test_the_openCTI_collection_serves_typed_affiliations_as_related_to_and_keeps_their_kind(client, two_releases):
    standard = {o["id"]: o for o in objects_of(pages(client, f"{COLLECTION}objects/", limit=1000))}
    for_opencti = {o["id"]: o for o in objects_of(pages(client, f"{OPENCTI_COLLECTION}objects/", limit=1000))}

    rewritten = {stix_id for stix_id, o in for_opencti.items() if o != standard[stix_id]}

    typed = {
        stix_id
        for stix_id, o in standard.items()
        if o["type"] == "relationship" and o["relationship_type"] not in ("attributed-to", "related-to")
    }
    assert rewritten == typed
    for stix_id in typed:
        original, served = standard[stix_id], for_opencti[stix_id]
        kind = AffiliationKind(original["x_kb_relationship"])
        assert affiliation_relationship_type(kind) == original["relationship_type"]
        assert served["relationship_type"] == "related-to" and served["x_kb_relationship"] == kind
        assert served["labels"] == [original["relationship_type"]]
        assert served["description"].startswith(f"{kind.label[0].upper()}{kind.label[1:]}.")
        assert served["description"].endswith(original.get("description", ""))
        served_rest = {k: v for k, v in served.items() if k not in ("relationship_type", "description", "labels")}
        assert served_rest == {k: v for k, v in original.items() if k not in ("relationship_type", "description")}


def test_one_object_of_the_openCTI_collection_is_rendered_likewise(client, two_releases):
    relationships = taxii_objects(client, f"{COLLECTION}objects/?match[type]=relationship&limit=1000")
    stix_id = next(o["id"] for o in relationships if "x_kb_relationship" in o)

    (standard,) = taxii_objects(client, f"{COLLECTION}objects/{stix_id}/")
    (served,) = taxii_objects(client, f"{OPENCTI_COLLECTION}objects/{stix_id}/")

    assert standard["relationship_type"] == affiliation_relationship_type(standard["x_kb_relationship"]) != "related-to"
    assert served["relationship_type"] == "related-to" and served["x_kb_relationship"] == standard["x_kb_relationship"]


@pytest.mark.parametrize(
    ("relationship_type", "source", "target", "kept"),
    [
        ("attributed-to", "incident", "intrusion-set", True),
        ("related-to", "incident", "intrusion-set", True),
        ("related-to", "intrusion-set", "intrusion-set", True),
        ("branch-of", "intrusion-set", "intrusion-set", False),
        ("attributed-to", "intrusion-set", "intrusion-set", False),
        ("branch-of", "report", "malware", True),  # a pair its schema we do not model: left as it is
    ],
)
def test_only_relationships_openCTI_refuses_are_rewritten(relationship_type, source, target, kept):
    relationship = {
        "type": "relationship",
        "id": "relationship--00000000-0000-4000-8000-000000000001",
        "relationship_type": relationship_type,
        "source_ref": f"{source}--00000000-0000-4000-8000-000000000002",
        "target_ref": f"{target}--00000000-0000-4000-8000-000000000003",
    }
    assert (for_opencti(relationship) is relationship) == kept
    assert opencti_body("relationship", json.dumps(relationship)) == json.dumps(relationship) or not kept
    if not kept:
        assert for_opencti(relationship)["relationship_type"] == "related-to"
        assert opencti_import([for_opencti(relationship)]).refused == []
