"""An OpenCTI import of our bundles, by OpenCTI's own rules for recognising an object twice (tests/interop/opencti_ids.py)."""

import json
from collections import Counter

import pytest

from groups.models import Affiliation, AttributionKind
from interop.stix import stix_bundle_chunks
from sampledata.demo_data import load_demo_data
from sampledata.synthetic.write import generate_dataset
from tests.factories import AliasFactory, AttackFactory, AttributionFactory, CitationFactory, GroupFactory, SourceFactory
from tests.interop.opencti_ids import opencti_import

pytestmark = pytest.mark.django_db

BASE_URL = "https://kb.example.org"


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
