"""The demo export through MISP's STIX 2.1 importer (misp-stix, `ExternalSTIX2toMISPParser`): what MISP keeps of it.

misp-stix loads no `incident` at all: its table of loadable STIX types (misp_stix_converter/stix2misp/stix2_mapping.py,
`__stix_object_loading_mapping`) has no entry for it, so `_load_stix_object` (stix2_to_misp.py) reports "Unable to load
STIX object type: incident" for every attack, and a report citing one reports "Unknown STIX object type: incident".
It cannot join intrusion sets either: an external bundle's galaxy cluster gets a uuid derived from the STIX id and the
organisation (converters/stix2converter.py, `_create_cluster_args`), while relationships are filed under the STIX
object's own uuid (`_load_relationship`), so `_parse_galaxy_relationships` never finds them. These tests pin what it
keeps, so that a misp-stix able to read incidents shows here.

A grouping (a theatre) becomes an event of its own, named after the theatre, whose galaxy clusters are the theatre's
groups (misp-stix maps a MISP event to a report or a grouping and reads either back as an event).

MISP users get the attacks from the native export instead (`interop.misp`, a release's `misp-feed/` and galaxy files:
one event per attack with its attributions and quotes, the groups as galaxy clusters), which
tests/interop/test_misp_native.py loads back whole with PyMISP.
"""

import json
from collections import Counter

import pytest
from misp_stix_converter import ExternalSTIX2toMISPParser
from misp_stix_converter.tools import load_stix2_content

from groups.models import Attack, Group
from interop.stix import stix_bundle_chunks
from sampledata.demo_data import load_demo_data
from sources.models import Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def misp(db):
    load_demo_data()
    bundle = json.loads("".join(stix_bundle_chunks(base_url="https://kb.example.org")))
    parser = ExternalSTIX2toMISPParser()
    parser.load_stix_bundle(load_stix2_content(bundle))
    parser.parse_stix_bundle()
    events = parser.misp_events if isinstance(parser.misp_events, list) else [parser.misp_events]
    return bundle, parser, events


def test_misp_keeps_every_group_and_source_and_drops_only_the_incidents(misp):
    bundle, parser, events = misp
    errors = Counter(message for messages in parser.errors.values() for message in messages)
    incidents = Attack.objects.public().count()

    assert errors == {
        "Unable to load STIX object type: incident": incidents,
        "Unknown STIX object type: incident": sum(
            1 for o in bundle["objects"] if o["type"] == "report" for ref in o["object_refs"] if ref.startswith("incident--")
        ),
    }
    assert parser.warnings == {}
    # A report is an event, and so is a grouping (a theatre), its intrusion sets the event's galaxy clusters.
    groupings = [o for o in bundle["objects"] if o["type"] == "grouping"]
    assert len(events) == Source.objects.public().filter(citations__isnull=False).distinct().count() + len(groupings)
    names = {o["id"]: o["name"] for o in bundle["objects"] if o["type"] == "intrusion-set"}
    for grouping in groupings:
        (event,) = [event for event in events if event.info == grouping["name"]]
        drawn = {cluster.value for galaxy in event.galaxies for cluster in galaxy.clusters}
        assert drawn == {names[ref] for ref in grouping["object_refs"]}
    clusters = {cluster.value: cluster for event in events for galaxy in event.galaxies for cluster in galaxy.clusters}
    cited_groups = {o["name"] for o in bundle["objects"] if o["type"] == "intrusion-set"}
    assert set(clusters) == cited_groups and len(cited_groups) == Group.objects.public().count()
    state = clusters["Islamic State"]
    assert {"Daesh", "ISIL"} <= set(state.meta["synonyms"])


def test_misp_reads_the_tlp_marking_and_the_producer(misp):
    _, _, events = misp
    for event in events:
        assert {"tlp:clear", 'misp-galaxy:producer="Militant groups knowledge base"'} <= {tag.name for tag in event.tags}
