"""The public data set in MISP's own formats: a galaxy of the groups, and one event per attack, as JSON-ready dicts.

MISP's STIX 2.1 importer (misp-stix) loads no STIX `incident`, so the STIX export loses every attack there; these files
keep everything. The mapping follows the STIX export's (`interop.stix`), whose ids, names and quotes they share:

- **The galaxy** "Militant groups (knowledge base)", type `militant-groups-kb`, written as MISP's galaxy repository
  (misp-galaxy) writes its own: `galaxy()` is `galaxies/militant-groups-kb.json`, `cluster_collection()` is
  `clusters/militant-groups-kb.json`. Each public group is a cluster: its `uuid` is its intrusion set's, its `value`
  its name (followed by its slug when an earlier public group bears the same name, as a cluster's tag names it), its
  `description` the summary; `meta` holds, as MISP's threat-actor galaxy does, `synonyms` (every public alias but the
  name), `refs` (its page, Wikidata, ATT&CK, and the article of every citation, pointing at the quoted words),
  `country` (when it operates in one country) and `since` (its founding year), and more of ours (`countries`,
  `ideology`, `kind`, `status`). Each public affiliation is a typed relation (`related`: `dest-uuid`, `type` the STIX
  relationship type, `branch-of`, `rival-of`…), tagged with how it is reported (`militant-groups-kb:confidence`).
  `misp_cluster` gives a cluster in the shape MISP's API and PyMISP use (`GalaxyClusterRelation` for `related`).
- **An event per public attack** (`misp_events`), as MISP's feeds write one (`{"Event": {...}}`): its `uuid` the
  incident's, `info` the incident's name (unique, with its date), `date` the attack's date — a date known only to the
  month or year is the first day of it, tagged `militant-groups-kb:date-precision` and given as the sources give it
  in a `text` attribute. Published, distribution "all communities", analysis "completed", threat level "undefined"
  (the knowledge base grades sources, not threats), tagged `tlp:clear` and with the GTD attack, target and weapon types.
  The groups named by its attributions are its galaxy clusters (event tags `misp-galaxy:militant-groups-kb="…"` and a
  `Galaxy` block). Each attribution is an object `militant-groups-kb-attribution`: a `threat-actor` attribute (the
  cluster's value, tagged with the cluster and `militant-groups-kb:attribution="claimed"`, "attributed", "suspected",
  "disputed" or "denied"), who made it, and its description. The place is a `geolocation` object; casualties, the
  description and our page are attributes.
- **Each citation** is an `annotation` object (type "Quote") holding a `link` attribute (the article's address, so
  MISP correlates the events that cite one article) and a `text` attribute (the quoted words), each with the source's
  name as comment and the Admiralty grades MISP's `admiralty-scale` taxonomy names (the source's reliability and,
  when graded, the citation's credibility). A citation of an attribution references its object ("supports").
  Quotes and attributions are objects because MISP refuses an event's second attribute of the same type and value
  outside an object, and two citations may quote the same words.

Every uuid derives from the record, so a new build updates the events MISP holds instead of adding others. Events are
read in four queries over the whole data set (the groups' cluster values; attacks, attributions and citations, each in
attack order, merged as they stream), built as dicts; nothing here holds more than one attack's rows, and a release
writes each event to its own file as it comes.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django_countries import countries

from groups.models import Affiliation, Attack, Attribution, Group, attribution_phrase
from kb.dates import DatePrecision, format_partial_date
from sources.models import Citation
from sources.selectors import public_citations

from .stix import (
    EXPORT_CHUNK_SIZE,
    ID_NAMESPACE,
    KB_NAME,
    _attack_id,
    _attribution_id,
    _group_id,
    _group_prefetches,
    _opening,
    _References,
    _with_name_taken,
    affiliation_relationship_type,
    incident_name,
)

MispDict = dict[str, Any]

GALAXY_TYPE = "militant-groups-kb"
GALAXY_NAME = "Militant groups (knowledge base)"
# Bump when a cluster's shape changes: MISP updates the clusters of a galaxy whose version moved on.
GALAXY_VERSION = 1
TAG_NAMESPACE = "militant-groups-kb"
ATTRIBUTION_OBJECT = "militant-groups-kb-attribution"
# The object templates: MISP's own (misp-objects, objects/<name>/definition.json: uuid and version), and ours.
ANNOTATION_TEMPLATE = ("5d8dc046-15a1-4ca3-a09f-ed4ede7c4487", "3")
GEOLOCATION_TEMPLATE = ("cd6f2238-ba55-4888-82c4-104e6e1acf21", "8")
TLP_CLEAR_TAG = "tlp:clear"

# MISP's codes: distribution 3 = all communities, 5 = as the event; analysis 2 = completed; threat level 4 = undefined.
ALL_COMMUNITIES, AS_EVENT = "3", "5"
ANALYSIS_COMPLETED = "2"
THREAT_LEVEL_UNDEFINED = "4"


def misp_uuid(key: str) -> str:
    """A uuid that never changes, from our namespace and a key (`misp:` keys, apart from the STIX ids'): `uuid.uuid5`'s,
    computed without building a `UUID` (an event has dozens, and this is most of the cost of each)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + key.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_NAMESPACE_BYTES = ID_NAMESPACE.bytes


def uuid_of(stix_id: str) -> str:
    """The uuid of one of our STIX ids: a cluster or an event has its STIX object's, so the two exports agree."""
    return stix_id.partition("--")[2]


GALAXY_UUID = misp_uuid("misp:galaxy")
ATTRIBUTION_TEMPLATE = (misp_uuid("misp:object-template:attribution"), "1")
ORGANISATION: MispDict = {"name": KB_NAME, "uuid": misp_uuid("misp:organisation")}


def cluster_tag(value: str) -> str:
    """The tag by which MISP attaches a cluster of our galaxy to an event or attribute."""
    return f'misp-galaxy:{GALAXY_TYPE}="{_tag_value(value)}"'


def kb_tag(predicate: str, value: str) -> str:
    return f'{TAG_NAMESPACE}:{predicate}="{_tag_value(value)}"'


def _tag_value(value: str) -> str:
    return value.replace('"', "'")


# --- The galaxy -----------------------------------------------------------------------------


def galaxy() -> MispDict:
    """The galaxy as misp-galaxy's `galaxies/<type>.json`."""
    return {
        "description": f"Militant groups of the {KB_NAME}: every fact cites its source and quotes its words.",
        "icon": "user-secret",
        "name": GALAXY_NAME,
        "namespace": TAG_NAMESPACE,
        "type": GALAXY_TYPE,
        "uuid": GALAXY_UUID,
        "version": GALAXY_VERSION,
    }


def cluster_collection(*, base_url: str) -> MispDict:
    """The clusters as misp-galaxy's `clusters/<type>.json`: every public group, its affiliations as relations."""
    return {
        "authors": [KB_NAME],
        "category": "actor",
        "description": galaxy()["description"],
        "name": GALAXY_NAME,
        "source": base_url.rstrip("/") + "/",
        "type": GALAXY_TYPE,
        "uuid": GALAXY_UUID,
        "values": list(clusters(base_url=base_url)),
        "version": GALAXY_VERSION,
    }


def cluster_values() -> dict[str, str]:
    """Each public group's cluster value by slug: its name, or when an earlier public group bears it, "name (slug)"."""
    values: dict[str, str] = {}
    taken: set[str] = set()
    for slug, name in Group.objects.public().order_by("pk").values_list("slug", "name").iterator(chunk_size=EXPORT_CHUNK_SIZE):
        key = name.casefold()
        values[slug] = f"{name} ({slug})" if key in taken else name
        taken.add(key)
    return values


def clusters(*, base_url: str) -> Iterator[MispDict]:
    """Every public group as a cluster, in misp-galaxy's shape (relations in `related`)."""
    refs = _References(base_url)
    values = cluster_values()
    related: dict[str, list[MispDict]] = defaultdict(list)
    affiliations = Affiliation.objects.public().order_by("pk").values_list("from_group__slug", "to_group__slug", "kind", "confidence")
    for from_slug, to_slug, kind, confidence in affiliations.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        related[from_slug].append(
            {
                "dest-uuid": uuid_of(_group_id(to_slug)),
                "tags": [kb_tag("confidence", confidence)],
                "type": affiliation_relationship_type(kind),
            }
        )
    groups = Group.objects.public().order_by("pk").prefetch_related(*_group_prefetches())
    for group in groups.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield _cluster(group, values[group.slug], related.get(group.slug, []), refs)


def _cluster(group: Group, value: str, related: list[MispDict], refs: _References) -> MispDict:
    synonyms = list(dict.fromkeys(alias.name for alias in group.public_aliases if alias.name.casefold() != group.name.casefold()))
    citations = [
        *group.public_citations,
        *(citation for alias in group.public_aliases for citation in alias.public_citations),
        *(citation for designation in group.public_designations for citation in designation.public_citations),
    ]
    links = [refs.page(group)["url"]]
    if group.wikidata_id:
        links.append(f"https://www.wikidata.org/wiki/{group.wikidata_id}")
    if group.mitre_attack_id:
        links.append(f"https://attack.mitre.org/groups/{group.mitre_attack_id}/")
    links += [refs.citation(citation)["url"] for citation in citations]
    countries = [country.code for country in group.countries]
    known_founding = group.founded is not None and group.founded_precision != DatePrecision.UNKNOWN
    meta = _present(
        synonyms=synonyms,
        refs=list(dict.fromkeys(links)),
        country=countries[0] if len(countries) == 1 else None,
        countries=countries,
        since=str(group.founded.year) if known_founding else None,
        ideology=group.ideology,
        kind=group.kind,
        status=group.status,
    )
    cluster = {"description": group.summary, "meta": meta, "uuid": uuid_of(_group_id(group.slug)), "value": value}
    if related:
        cluster["related"] = related
    return cluster


def misp_cluster(cluster: MispDict) -> MispDict:
    """A cluster of `cluster_collection` as MISP's API (and PyMISP's `MISPGalaxyCluster`) writes one."""
    return {
        "uuid": cluster["uuid"],
        "type": GALAXY_TYPE,
        "value": cluster["value"],
        "tag_name": cluster_tag(cluster["value"]),
        "description": cluster["description"],
        "source": KB_NAME,
        "authors": [KB_NAME],
        "distribution": ALL_COMMUNITIES,
        "meta": cluster["meta"],
        "GalaxyClusterRelation": [
            {
                "galaxy_cluster_uuid": cluster["uuid"],
                "referenced_galaxy_cluster_uuid": relation["dest-uuid"],
                "referenced_galaxy_cluster_type": relation["type"],
                "distribution": ALL_COMMUNITIES,
                "Tag": [{"name": tag} for tag in relation["tags"]],
            }
            for relation in cluster.get("related", [])
        ],
    }


def _galaxy_block(clusters: list[MispDict]) -> MispDict:
    """The galaxy with some of its clusters, as MISP writes the `Galaxy` of an event."""
    return {
        "uuid": GALAXY_UUID,
        "name": GALAXY_NAME,
        "type": GALAXY_TYPE,
        "namespace": TAG_NAMESPACE,
        "description": galaxy()["description"],
        "version": str(GALAXY_VERSION),
        "icon": "user-secret",
        "GalaxyCluster": clusters,
    }


# --- The events -----------------------------------------------------------------------------

_ATTACK_FIELDS = (
    "title", "slug", "date", "date_precision", "end_date", "locality", "district", "province", "country", "latitude", "longitude",
    "attack_type", "target_type", "weapon_type", "suicide", "killed", "killed_qualifier", "wounded", "wounded_qualifier",
    "description", "created_at", "updated_at",
)  # fmt: skip
# A group's `updated_at` too: renaming it renames its cluster, and MISP updates an event only when its timestamp moved on.
_ATTRIBUTION_FIELDS = ("pk", "attack_id", "group__slug", "group__updated_at", "kind", "attributed_by", "description", "updated_at")


def misp_events(*, base_url: str) -> Iterator[MispDict]:
    """Every public attack as a MISP event (`{"Event": {...}}`), oldest record first, streamed."""
    refs = _References(base_url)
    values = cluster_values()
    attacks = _with_name_taken(Attack.objects.public()).only(*_ATTACK_FIELDS).order_by("pk").iterator(chunk_size=EXPORT_CHUNK_SIZE)
    attributions = (
        Attribution.objects.public().order_by("attack_id", "pk").values(*_ATTRIBUTION_FIELDS).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    citations = (
        public_citations()
        .filter(Q(attack__isnull=False) | Q(attribution__isnull=False))
        .defer("source__text", "source__text_hash", "source__authors", "source__language", "locator", "field")
        .annotate(source_opening=_opening("source__"), event_attack=Coalesce("attack_id", "attribution__attack_id"))
        .order_by(F("event_attack"), "pk")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    attributions_of = _by_attack(attributions, lambda row: row["attack_id"])
    citations_of = _by_attack(citations, lambda citation: citation.event_attack)
    places: dict[tuple, str] = {}  # GTD's places repeat: each is put into words once
    for attack in attacks:
        where = (attack.locality, attack.district, attack.province, attack.country.code)
        if where not in places:
            places[where] = attack.place
        event = _event(attack, places[where], attributions_of(attack.pk), citations_of(attack.pk), values, refs)
        yield {"Event": event}


def misp_event_count() -> int:
    return Attack.objects.public().count()


def _by_attack(rows: Iterable, key) -> Any:
    """A function giving the rows of one attack, for attacks asked in ascending order; `rows` come in that order."""
    groups = itertools.groupby(rows, key=key)
    pending: list = [None, []]  # the attack id of the next group read ahead, and its rows

    def rows_of(attack_id: int) -> list:
        while pending[0] is None or pending[0] < attack_id:
            try:
                pending[0], found = next(groups)
            except StopIteration:
                return []
            pending[1] = list(found)
        return pending[1] if pending[0] == attack_id else []

    return rows_of


def _event(
    attack: Attack, place: str, attributions: list[dict], citations: list[Citation], values: dict[str, str], refs: _References
) -> MispDict:
    changes = (row[field] for row in attributions for field in ("updated_at", "group__updated_at"))
    updated = max([attack.updated_at, *changes, *_citation_times(citations)])
    timestamp = _timestamp(updated)
    tags = [TLP_CLEAR_TAG]
    attributes = [
        _attribute(f"attack:{attack.slug}:page", "link", "External analysis", refs.page(attack)["url"], attack.updated_at,
                   comment=f"The attack in the {KB_NAME}"),
    ]  # fmt: skip
    if attack.description:
        attributes.append(_attribute(f"attack:{attack.slug}:description", "text", "Other", attack.description, attack.updated_at,
                                     comment="Description"))  # fmt: skip
    known_date = attack.date is not None and attack.date_precision != DatePrecision.UNKNOWN
    if not known_date:
        tags.append(kb_tag("date-precision", DatePrecision.UNKNOWN))
    elif attack.date_precision != DatePrecision.DAY:
        tags.append(kb_tag("date-precision", attack.date_precision))
        as_given = format_partial_date(attack.date, attack.date_precision)
        note = f"Date as the sources give it ({attack.date_precision}); the event's date is its first day"
        attributes.append(_attribute(f"attack:{attack.slug}:date", "text", "Other", as_given, attack.updated_at, comment=note))
    for field, word in (("killed", "killed"), ("wounded", "wounded")):
        if getattr(attack, field) is not None:
            display = getattr(attack, f"{field}_display")
            attributes.append(_attribute(f"attack:{attack.slug}:{field}", "text", "Other", f"{display} {word}", attack.updated_at,
                                         comment=f"Number {word}, as reported"))  # fmt: skip
    if attack.suicide is not None:
        tags.append(kb_tag("suicide-attack", "yes" if attack.suicide else "no"))
    for predicate, value in (("attack-type", attack.attack_type), ("target-type", attack.target_type), ("weapon-type", attack.weapon_type)):
        if value and value != "unknown":
            tags.append(kb_tag(predicate, value))
    objects = []
    if place or attack.latitude is not None:
        objects.append(_geolocation(attack, place))
    named = list(dict.fromkeys(values[row["group__slug"]] for row in attributions))
    tags += [cluster_tag(value) for value in named]
    attribution_objects = {row["pk"]: _attribution_object(row, values[row["group__slug"]]) for row in attributions}
    objects += attribution_objects.values()
    objects += [_citation_object(citation, refs, attribution_objects.get(citation.attribution_id)) for citation in citations]
    event = {
        "uuid": uuid_of(_attack_id(attack.slug)),
        "info": incident_name(attack, place=place, name_taken=attack.name_taken),
        "date": (attack.date if known_date else attack.created_at.date()).isoformat(),
        "threat_level_id": THREAT_LEVEL_UNDEFINED,
        "analysis": ANALYSIS_COMPLETED,
        "distribution": ALL_COMMUNITIES,
        "published": True,
        "timestamp": timestamp,
        "publish_timestamp": timestamp,
        "Orgc": ORGANISATION,
        "Tag": [{"name": tag} for tag in tags],
        "Attribute": attributes,
        "Object": objects,
    }
    if named:
        event["Galaxy"] = [_galaxy_block([_event_cluster(value, slug) for slug, value in _named_slugs(attributions, values)])]
    return event


def _named_slugs(attributions: list[dict], values: dict[str, str]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((row["group__slug"], values[row["group__slug"]]) for row in attributions))


def _event_cluster(value: str, slug: str) -> MispDict:
    return {"uuid": uuid_of(_group_id(slug)), "type": GALAXY_TYPE, "value": value, "tag_name": cluster_tag(value)}


def _geolocation(attack: Attack, place: str) -> MispDict:
    key = f"attack:{attack.slug}:place"
    code = attack.country.code
    parts = [
        ("text", "text", place),
        ("city", "text", attack.locality),
        ("region", "text", attack.province),
        ("country", "text", _country_name(code) if code else ""),
        ("countrycode", "text", code),
        ("latitude", "float", attack.latitude),
        ("longitude", "float", attack.longitude),
    ]
    if attack.district:
        parts.append(("address", "text", attack.district))
    attributes = [
        _attribute(f"{key}:{relation}", kind, "Other", str(value), attack.updated_at, object_relation=relation)
        for relation, kind, value in parts
        if value not in (None, "")
    ]
    return _object(key, "geolocation", GEOLOCATION_TEMPLATE, attack.updated_at, attributes, comment="Where the attack took place")


@functools.lru_cache(maxsize=512)
def _country_name(code: str) -> str:
    return str(countries.name(code))


def _attribution_object(row: dict, value: str) -> MispDict:
    kind, by = row["kind"], row["attributed_by"]
    key = f"attribution:{row['pk']}"
    phrase = attribution_phrase(kind, by)
    wording = f"{phrase} {value}"
    attributes = [
        _attribute(f"{key}:threat-actor", "threat-actor", "Attribution", value, row["updated_at"], object_relation="threat-actor",
                   comment=wording, tags=[cluster_tag(value), kb_tag("attribution", kind)]),
        _attribute(f"{key}:kind", "text", "Attribution", kind, row["updated_at"], object_relation="kind"),
    ]  # fmt: skip
    if by:
        attributes.append(_attribute(f"{key}:by", "text", "Attribution", by, row["updated_at"], object_relation="attributed-by"))
    if row["description"]:
        attributes.append(
            _attribute(f"{key}:description", "text", "Attribution", row["description"], row["updated_at"], object_relation="description")
        )
    obj = _object(key, ATTRIBUTION_OBJECT, ATTRIBUTION_TEMPLATE, row["updated_at"], attributes, comment=wording)
    obj["uuid"] = uuid_of(_attribution_id(row["pk"]))
    return obj


def _citation_object(citation: Citation, refs: _References, supports: MispDict | None) -> MispDict:
    key = f"citation:{citation.pk}"
    name = refs.citation(citation)["source_name"]
    changed = max(citation.updated_at, citation.source.updated_at)
    grades = [f'admiralty-scale:source-reliability="{citation.source.reliability.lower()}"'] if citation.source.reliability else []
    if citation.credibility:
        grades.append(f'admiralty-scale:information-credibility="{citation.credibility}"')
    attributes = [
        _attribute(f"{key}:text", "text", "External analysis", citation.quote, changed, object_relation="text", comment=name, tags=grades),
        _attribute(f"{key}:ref", "link", "External analysis", refs.source_url(citation.source), changed, object_relation="ref",
                   comment=name, tags=grades),
        _attribute(f"{key}:type", "text", "Other", "Quote", changed, object_relation="type"),
    ]  # fmt: skip
    obj = _object(key, "annotation", ANNOTATION_TEMPLATE, changed, attributes, comment=name)
    if supports is not None:
        obj["ObjectReference"] = [
            {
                "uuid": misp_uuid(f"misp:{key}:supports"),
                "object_uuid": obj["uuid"],
                "referenced_uuid": supports["uuid"],
                "relationship_type": "supports",
                "timestamp": obj["timestamp"],
            }
        ]
    return obj


def _object(
    key: str, name: str, template: tuple[str, str], changed: datetime.datetime, attributes: list[MispDict], *, comment: str
) -> MispDict:
    return {
        "uuid": misp_uuid(f"misp:{key}"),
        "name": name,
        "meta-category": "misc",
        "template_uuid": template[0],
        "template_version": template[1],
        "comment": comment,
        "distribution": AS_EVENT,
        "timestamp": _timestamp(changed),
        "Attribute": attributes,
    }


def _attribute(
    key: str,
    attribute_type: str,
    category: str,
    value: str,
    changed: datetime.datetime,
    *,
    comment: str = "",
    object_relation: str | None = None,
    tags: list[str] | None = None,
) -> MispDict:
    attribute = {
        "uuid": misp_uuid(f"misp:{key}"),
        "type": attribute_type,
        "category": category,
        "value": value,
        "distribution": AS_EVENT,
        "timestamp": _timestamp(changed),
    }  # `to_ids` left to the type's default, which is false for all of ours: none is an indicator to detect
    if comment:
        attribute["comment"] = comment
    if attribute_type != "link":  # only an article's address says that two events have something in common
        attribute["disable_correlation"] = True
    if object_relation:
        attribute["object_relation"] = object_relation
    if tags:
        attribute["Tag"] = [{"name": tag} for tag in tags]
    return attribute


def _citation_times(citations: list[Citation]) -> Iterator[datetime.datetime]:
    for citation in citations:
        yield citation.updated_at
        yield citation.source.updated_at


def _timestamp(moment: datetime.datetime) -> str:
    return str(int(moment.timestamp()))


def _present(**properties) -> dict:
    return {name: value for name, value in properties.items() if value not in (None, "", [])}


def feed_manifest_entry(event: MispDict) -> MispDict:
    """What a MISP feed's `manifest.json` says of one event (`{"Event": {...}}`), as MISP's feed generator writes it."""
    body = event["Event"]
    return {
        "Orgc": body["Orgc"],
        "Tag": [{"name": tag["name"]} for tag in body["Tag"]],
        "info": body["info"],
        "date": body["date"],
        "analysis": int(body["analysis"]),
        "threat_level_id": int(body["threat_level_id"]),
        "timestamp": int(body["timestamp"]),
    }
