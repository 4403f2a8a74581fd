"""The native MISP export (`interop.misp`) loaded back with PyMISP: every public group, affiliation, attack,
attribution and quote is there, nothing unpublished is, and every uuid stays the same from one build to the next."""

import datetime
import hashlib
import io
import json
import uuid
from collections import Counter

import pytest
from django.core.management import call_command
from pymisp import MISPEvent, MISPGalaxy, MISPGalaxyCluster

from groups.models import Affiliation, Attack, Attribution, Group
from interop.misp import (
    GALAXY_TYPE,
    cluster_collection,
    cluster_tag,
    cluster_values,
    galaxy,
    misp_cluster,
    misp_event_count,
    misp_events,
    misp_uuid,
    uuid_of,
)
from interop.models import Release
from interop.releases import MISP_CLUSTERS_NAME, MISP_FEED_DIRECTORY, MISP_GALAXY_NAME
from interop.stix import ID_NAMESPACE, stix_bundle_chunks, stix_id
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from sampledata.demo_data import load_demo_data
from sampledata.synthetic.write import generate_dataset
from sources.selectors import public_citations
from tests.factories import AliasFactory, AttackFactory, AttributionFactory, CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db

BASE_URL = "https://kb.example.org"
# Events: the cluster values, then attacks, attributions and citations, each read once for the whole data set.
EVENT_QUERIES = 4
# Clusters: the cluster values, the affiliations, the groups and their citations, aliases (and theirs), designations (and theirs).
CLUSTER_QUERIES = 8


def group_uuid(slug: str) -> str:
    return uuid_of(stix_id("intrusion-set", f"group:{slug}"))


def attack_uuid(slug: str) -> str:
    return uuid_of(stix_id("incident", f"attack:{slug}"))


def loaded_clusters() -> dict[str, MISPGalaxyCluster]:
    """The clusters file, each cluster read by PyMISP, by uuid."""
    collection = json.loads(json.dumps(cluster_collection(base_url=BASE_URL)))
    loaded = {}
    for value in collection["values"]:
        cluster = MISPGalaxyCluster()
        cluster.from_dict(**misp_cluster(value))
        loaded[cluster.uuid] = cluster
    return loaded


def loaded_events() -> dict[str, MISPEvent]:
    """Each event as its JSON text, read by PyMISP, by uuid."""
    events = {}
    for event_dict in misp_events(base_url=BASE_URL):
        event = MISPEvent()
        event.load(json.dumps(event_dict))
        events[event.uuid] = event
    return events


def attribution_objects(event: MISPEvent) -> list:
    return [obj for obj in event.objects if obj.name == "militant-groups-kb-attribution"]


def quotes(event: MISPEvent) -> Counter:
    """(quote, article address, source's name) of each citation the event holds."""
    kept = Counter()
    for obj in event.objects:
        if obj.name == "annotation":
            text, ref = obj.get_attributes_by_relation("text")[0], obj.get_attributes_by_relation("ref")[0]
            assert text.comment == ref.comment == obj.comment
            kept[(text.value, ref.value, text.comment)] += 1
    return kept


def assert_nothing_dropped() -> None:
    """Every public group a cluster with its aliases, every public affiliation a typed relation, every public attack an
    event with its attributions, each citation with its own quote, and nothing else."""
    clusters = loaded_clusters()
    groups = Group.objects.public().prefetch_related("aliases")
    assert set(clusters) == {group_uuid(group.slug) for group in groups}
    values = cluster_values()
    for group in groups:
        cluster = clusters[group_uuid(group.slug)]
        assert cluster.value == values[group.slug] and cluster.description == group.summary
        aliases = {alias.name for alias in group.aliases.public() if alias.name.casefold() != group.name.casefold()}
        assert set(cluster.meta.get("synonyms", [])) == aliases
        assert cluster.meta["refs"][0] == BASE_URL + group.get_absolute_url()
    relations = Counter(
        (cluster.uuid, relation.referenced_galaxy_cluster_uuid, relation.referenced_galaxy_cluster_type)
        for cluster in clusters.values()
        for relation in cluster.cluster_relations
    )
    assert relations == Counter(
        (group_uuid(a.from_group.slug), group_uuid(a.to_group.slug), a.kind.replace("_", "-"))
        for a in Affiliation.objects.public().select_related("from_group", "to_group")
    )

    events = loaded_events()
    stix = json.loads("".join(stix_bundle_chunks(base_url=BASE_URL)))["objects"]
    incident_names = {uuid_of(o["id"]): o["name"] for o in stix if o["type"] == "incident"}
    assert {event_uuid: event.info for event_uuid, event in events.items()} == incident_names  # the same names as the STIX export
    attacks = list(Attack.objects.public())
    assert set(events) == {attack_uuid(attack.slug) for attack in attacks} and len(events) == misp_event_count()
    citations = public_citations().select_related("attribution__attack")
    for attack in attacks:
        event = events[attack_uuid(attack.slug)]
        assert "tlp:clear" in {tag.name for tag in event.tags}
        attributions = Attribution.objects.public().filter(attack=attack).select_related("group")
        kept = Counter(
            (obj.get_attributes_by_relation("threat-actor")[0].value, obj.get_attributes_by_relation("kind")[0].value)
            for obj in attribution_objects(event)
        )
        assert kept == Counter((values[a.group.slug], a.kind) for a in attributions)
        for obj in attribution_objects(event):
            actor = obj.get_attributes_by_relation("threat-actor")[0]
            assert cluster_tag(actor.value) in {tag.name for tag in actor.tags}
        named = {cluster.uuid for galaxy_block in event.galaxies for cluster in galaxy_block.clusters}
        assert named == {group_uuid(a.group.slug) for a in attributions}
        assert {cluster_tag(values[a.group.slug]) for a in attributions} <= {tag.name for tag in event.tags}
        cited = [c for c in citations if c.attack_id == attack.pk or (c.attribution_id and c.attribution.attack_id == attack.pk)]
        assert sum(quotes(event).values()) == len(cited)
        assert Counter(text for text, _, _ in quotes(event).elements()) == Counter(c.quote for c in cited)


@pytest.fixture
def demo(db):
    load_demo_data()


def test_the_demo_data_loads_into_misp_whole(demo):
    assert_nothing_dropped()


def test_a_synthetic_data_set_loads_into_misp_whole(db, settings):
    settings.DEBUG = True  # the generator runs only in development
    generate_dataset(seed=7, scale=0.002)  # GTD-like titles that repeat, names and aliases that repeat
    assert Attack.objects.public().count() > 100
    assert_nothing_dropped()


def test_the_galaxy_is_one_misp_galaxy_with_every_group(demo):
    loaded = MISPGalaxy()
    loaded.from_dict(**galaxy())
    collection = cluster_collection(base_url=BASE_URL)

    assert loaded.type == collection["type"] == GALAXY_TYPE and loaded.uuid == collection["uuid"]
    state = next(value for value in collection["values"] if value["value"] == "Islamic State")
    assert {"Daesh", "ISIL"} <= set(state["meta"]["synonyms"]) and "Islamic State" not in state["meta"]["synonyms"]
    # the cited articles, each pointing at its quoted words
    assert any(":~:text=" in ref for ref in state["meta"]["refs"])
    assert all({"dest-uuid", "type", "tags"} <= set(relation) for value in collection["values"] for relation in value.get("related", []))


def test_an_attribution_says_who_attributed_it_and_its_quotes_support_it(demo):
    attribution = Attribution.objects.public().exclude(attributed_by="").select_related("attack", "group").first()
    event = loaded_events()[attack_uuid(attribution.attack.slug)]
    obj = next(o for o in attribution_objects(event) if o.uuid == uuid_of(stix_id("relationship", f"attribution:{attribution.pk}")))

    assert obj.get_attributes_by_relation("attributed-by")[0].value == attribution.attributed_by
    actor = obj.get_attributes_by_relation("threat-actor")[0]
    assert f'militant-groups-kb:attribution="{attribution.kind}"' in {tag.name for tag in actor.tags}
    supporting = {ref.object_uuid for o in event.objects for ref in o.references if ref.referenced_uuid == obj.uuid}
    assert len(supporting) == Attribution.objects.get(pk=attribution.pk).citations.public().count() > 0


def test_a_citation_keeps_its_article_its_quote_and_its_grades(demo):
    source = SourceFactory(url="https://news.example.org/story", title="A story", reliability="B")
    attack = AttackFactory()
    first = CitationFactory(source=source, attack=attack, group=None, credibility="2")
    second = CitationFactory(source=source, attack=attack, group=None, quote=first.quote)  # the same words twice

    event = loaded_events()[attack_uuid(attack.slug)]

    kept = quotes(event)
    assert [(text, ref) for text, ref, _ in kept.elements()] == [(first.quote, "https://news.example.org/story")] * 2
    texts = {o.uuid: o.get_attributes_by_relation("text")[0] for o in event.objects if o.name == "annotation"}
    assert len(texts) == 2
    grades = [{tag.name for tag in text.tags} for text in texts.values()]
    assert {'admiralty-scale:source-reliability="b"', 'admiralty-scale:information-credibility="2"'} in grades
    assert second.pk != first.pk


def test_a_date_known_to_the_month_is_not_given_a_day(demo):
    attack = AttackFactory(date=datetime.date(1994, 5, 1), date_precision=DatePrecision.MONTH)
    CitationFactory(attack=attack, group=None)

    event = loaded_events()[attack_uuid(attack.slug)]

    assert event.date == datetime.date(1994, 5, 1)
    assert 'militant-groups-kb:date-precision="month"' in {tag.name for tag in event.tags}
    assert "May 1994" in {attribute.value for attribute in event.attributes}


def test_nothing_unpublished_is_exported(demo):
    draft_group = GroupFactory(name="Draft Brigade", publication_status=PublicationStatus.DRAFT)
    AliasFactory(group=draft_group, name="Draft Alias")
    draft_attack = AttackFactory(title="A draft attack", publication_status=PublicationStatus.DRAFT)
    CitationFactory(attack=draft_attack, group=None)
    public_attack = AttackFactory(title="A public attack")
    CitationFactory(attack=public_attack, group=None)
    AttributionFactory(attack=public_attack, group=draft_group)

    text = json.dumps(cluster_collection(base_url=BASE_URL)) + "".join(json.dumps(e) for e in misp_events(base_url=BASE_URL))

    assert group_uuid(draft_group.slug) not in text and "Draft Brigade" not in text and "Draft Alias" not in text
    assert attack_uuid(draft_attack.slug) not in text and "A draft attack" not in text
    assert attribution_objects(loaded_events()[attack_uuid(public_attack.slug)]) == []


def test_every_uuid_is_the_same_in_the_next_build(demo):
    first = (cluster_collection(base_url=BASE_URL), list(misp_events(base_url=BASE_URL)))
    second = (cluster_collection(base_url=BASE_URL), list(misp_events(base_url=BASE_URL)))

    assert json.dumps(first) == json.dumps(second)
    uuids = [e["Event"]["uuid"] for e in first[1]] + [o["uuid"] for e in first[1] for o in e["Event"]["Object"]]
    assert len(uuids) == len(set(uuids))


def add_connected(count: int) -> None:
    for _ in range(count):
        group = GroupFactory()
        AliasFactory(group=group)
        attribution = AttributionFactory(group=group)
        CitationFactory(attack=attribution.attack, group=None)
        CitationFactory(attribution=attribution, group=None)
        CitationFactory(group=group)


@pytest.mark.parametrize("extra", [0, 8])
def test_query_counts_do_not_grow_with_the_data(demo, django_assert_num_queries, extra):
    add_connected(extra)
    with django_assert_num_queries(EVENT_QUERIES):
        events = list(misp_events(base_url=BASE_URL))
    with django_assert_num_queries(CLUSTER_QUERIES):
        collection = cluster_collection(base_url=BASE_URL)
    assert len(events) == Attack.objects.public().count() and len(collection["values"]) == Group.objects.public().count()


# --- In a release: the galaxy files and a MISP feed ---------------------------------------------


@pytest.fixture
def root(settings, tmp_path):
    settings.RELEASES_ROOT = tmp_path / "releases"
    return settings.RELEASES_ROOT


def build_release() -> Release:
    call_command("build_release", base_url=BASE_URL, no_progress=True, stdout=io.StringIO())
    return Release.objects.order_by("-built_at").first()


def test_a_release_is_a_misp_feed_whose_manifest_names_every_event(demo, root):
    release = build_release()
    directory = root / release.version
    feed = directory / MISP_FEED_DIRECTORY

    manifest = json.loads((feed / "manifest.json").read_text())
    event_files = {path.name for path in feed.iterdir()} - {"manifest.json", "SHA256SUMS"}
    assert {f"{event_uuid}.json" for event_uuid in manifest} == event_files
    assert set(manifest) == {attack_uuid(attack.slug) for attack in Attack.objects.public()}
    assert release.manifest["counts"]["misp"] == {
        "clusters": Group.objects.public().count(),
        "cluster_relations": Affiliation.objects.public().count(),
        "events": len(manifest),
    }
    checksums = dict(reversed(line.split("  ", 1)) for line in (feed / "SHA256SUMS").read_text().splitlines())
    assert set(checksums) == event_files
    for event_uuid, entry in manifest.items():
        body = (feed / f"{event_uuid}.json").read_bytes()
        assert hashlib.sha256(body).hexdigest() == checksums[f"{event_uuid}.json"]
        event = MISPEvent()
        event.load(body.decode())
        expected = event.manifest[event_uuid]  # what PyMISP's feed generator writes of it
        assert {**entry, "Tag": [tag["name"] for tag in entry["Tag"]]} == {**expected, "Tag": [tag["name"] for tag in expected["Tag"]]}
        event.to_feed(with_meta=True)  # every field a feed event needs
    # The galaxy files: listed in the release's manifest with their checksums, and what the export gives.
    listed = {file["name"]: file for file in release.manifest["files"]}
    for name in (MISP_GALAXY_NAME, MISP_CLUSTERS_NAME, f"{MISP_FEED_DIRECTORY}/manifest.json", f"{MISP_FEED_DIRECTORY}/SHA256SUMS"):
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == listed[name]["sha256"]
    assert json.loads((directory / MISP_GALAXY_NAME).read_text()) == galaxy()
    assert json.loads((directory / MISP_CLUSTERS_NAME).read_text()) == cluster_collection(base_url=BASE_URL)
    assert f"{BASE_URL}/releases/{release.version}/misp-feed" in (directory / "README.md").read_text()


def test_the_feed_is_served_where_misp_looks_for_it(demo, root, client):
    release = build_release()
    feed = f"/releases/{release.version}/{MISP_FEED_DIRECTORY}"
    manifest = json.loads(b"".join(client.get(f"{feed}/manifest.json").streaming_content))
    event_uuid = next(iter(manifest))

    response = client.get(f"{feed}/{event_uuid}.json")

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert json.loads(b"".join(response.streaming_content))["Event"]["uuid"] == event_uuid
    assert client.get(f"/releases/latest/{MISP_FEED_DIRECTORY}/manifest.json")["Location"] == f"{feed}/manifest.json"
    missing = "00000000-0000-4000-8000-000000000000"
    for path in [f"{feed}/{missing}.json", f"{feed}/../SHA256SUMS", f"{feed}/{event_uuid}.json/x", f"{feed}/notes.json", f"{feed}/"]:
        assert client.get(path).status_code == 404, path


def test_renaming_a_group_moves_the_timestamp_of_the_events_it_is_named_in(demo):
    attribution = Attribution.objects.public().select_related("attack", "group").first()
    before = loaded_events()[attack_uuid(attribution.attack.slug)]
    group = attribution.group
    group.name += " (renamed)"
    group.updated_at = before.timestamp + datetime.timedelta(seconds=5)
    Group.objects.filter(pk=group.pk).update(name=group.name, updated_at=group.updated_at)

    after = loaded_events()[attack_uuid(attribution.attack.slug)]

    assert after.timestamp > before.timestamp and cluster_tag(group.name) in {tag.name for tag in after.tags}


def test_a_misp_uuid_is_the_uuid5_of_its_key():
    for key in ("misp:galaxy", "misp:citation:12:text", "misp:attack:été-1970:place"):
        assert misp_uuid(key) == str(uuid.uuid5(ID_NAMESPACE, key))
