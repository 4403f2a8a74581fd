"""The public data set as STIX 2.1, in the shape that OpenCTI and MISP keep, streamed as JSON.

What becomes what:

- A group is an `intrusion-set`. STIX keeps `threat-actor` for the people or organisation behind
  an activity and `intrusion-set` for the activity, resources and names an organisation is known
  by; MITRE ATT&CK files groups like ours (its G-numbers, which we link) as intrusion sets, so
  consumers already expect them there. Its `aliases` are, as in ATT&CK, its name first and then
  its public aliases; its summary the `description`, its founding date `first_seen` and its
  dissolution `last_seen`. An alias that another public group also bears (by name or alias,
  compared by search key) is left out of `aliases` and listed in `x_kb_shared_aliases`:
  OpenCTI identifies an intrusion set by its name and every alias, so a shared alias would merge
  two groups into one.
- An attack is an `incident`. OpenCTI identifies an incident by its name and `created`, and GTD
  titles repeat ("Bombing/explosion in New York City, United States"), so the name is the title,
  the place when the title does not name it, and the date: "Bombing/explosion in New York City,
  United States, 29 May 1970". When an earlier public attack has the same title and date, the
  slug follows in brackets ("… 29 May 1970 (gtd-197005290002)"), so no two public attacks share a
  name. The STIX 2.1 incident is a stub (name and description), and the OASIS Incident Core
  Extension is for security incidents (it requires `determination` and `investigation_status`),
  so the dates go where OpenCTI reads and writes them on an incident, `first_seen` and
  `last_seen` (the first instant of the date, the last instant of its end date or period),
  declared by our extension so that the OASIS validator accepts them. The date as recorded,
  place, casualties and GTD types are `x_kb_*` properties.
- An attribution is a relationship from the incident to the intrusion set, with
  `x_kb_attribution_kind` and `x_kb_attributed_by`. A claim, an attribution or a suspicion is
  `attributed-to`, the one type OpenCTI's relationship schema allows from an incident to an
  intrusion set; a disputed claim or a denial is not an attribution, so it is `related-to`
  (which every consumer accepts) with its kind saying which. OpenCTI holds one relationship per
  type, source, target and dates, so when a group both claimed an attack and was named by the
  police, the first recorded is `attributed-to` and the next `related-to`, each with its kind,
  its author and its quotes, rather than two that OpenCTI would fold into one.
- An affiliation is a relationship between two intrusion sets whose type is our kind in
  lower-case with hyphens (`branch-of`, `faction-of`, `splinter-from`, `merged-into`,
  `allied-with`, `rival-of`…: STIX 2.1 allows custom relationship types, and ATT&CK uses its
  own), its kind also in `x_kb_relationship` and its period as `start_time`/`stop_time`.
  OpenCTI's relationship schema has no type between two intrusion sets but `related-to`, which
  says none of this and would merge a group's alliance with its rivalry; we keep the meaning in
  the type, and an OpenCTI import keeps these only once its schema accepts them.
- A source is a `report` (`report_types` "threat-report": a news article or a GTD record about
  an attack or a group) whose `object_refs` are the objects it is cited for. Every cited object
  has one external reference per citation: `source_name` is the outlet, the title and the
  citation's number, so no two are alike; `description` is the quoted words; `url` is the
  article's (or its archived copy's, or our page of the source) with a text fragment of the quote
  (`#:~:text=`), so that a browser shows the passage and OpenCTI, which identifies an external
  reference by its URL, keeps each quote apart.
- A theatre (the region and period one of our maps draws) is a `grouping`: STIX's object for objects that share a
  context without being an intelligence product (a report). Its `context` is "unspecified", the open vocabulary's
  fallback (the others, "suspicious-activity" and "malware-analysis", say nothing of a region); its name and
  description are the theatre's; its `object_refs` are the intrusion sets of the public groups its map draws
  (`groups.theatres.on_map`), sorted; its countries and years are `x_kb_countries`, `x_kb_start_year` and
  `x_kb_end_year`. The mapping has no `location` objects (a group's countries are codes on the intrusion set), so
  none is referred to. A grouping must refer to something: a theatre with no public group is left out until it has
  one. Its key is its slug (`theatre:af-pk`); `modified` is the newest change to the theatre, to the groups listed
  for it or to the groups it draws. OpenCTI imports a grouping as a container (Analyses → Groupings) known by its
  name and context; theatres' names are unique. Only the whole export holds theatres, not a group's neighbourhood.
- The knowledge base is an `identity`, the `created_by_ref` of everything else. The `x_kb_*`
  properties (and an incident's `first_seen`/`last_seen`) are declared by an
  `extension-definition` (a STIX 2.1 top-level property extension) that every object using them
  names in `extensions`.
- Every object is marked TLP:CLEAR, the TLP 2.0 marking definition published by OASIS with the
  TLP 2.0 extension (its fixed id and content), which every bundle carries.

Confidence: `confidence` follows the STIX 2.1 Admiralty Credibility scale (Appendix A): a
citation graded 1 (confirmed by other sources) is 90, 2 (probably true) 70, 3 (possibly true)
50, 4 (doubtful) 30, 5 (improbable) 10, and 6 (truth cannot be judged) gives none. A citation
not graded takes its source's reliability on the same bands (A 90, B 70, C 50, D 30, E 10, F
none). An object takes the highest of its citations (a fact one source confirms is confirmed),
a report its source's reliability; with nothing graded, `confidence` is left out.

Partial dates: a STIX timestamp is an instant, ours may be "2015" or "Oct 2016". A period's
start stands for the date (`first_seen`, `start_time`: its first instant, 00:00 UTC on the first
day) and `last_seen`/`stop_time` is the period's last instant, so the span covers every reading
of the dates; the precision goes alongside (`x_kb_first_seen_precision`: "year"). An unknown
date is left out. A report must have `published`: for an article whose date the sources do not
give, it is the day we accessed the article or else the day it was recorded, with
`x_kb_published_precision` "unknown" and `x_kb_published_basis` saying which.

Ids are the same in every export: `<type>--<uuid>`, the uuid derived from a fixed namespace of
ours and the record's stable key (RFC 4122 name-based, SHA-1, like uuid5) but stamped version 4,
because STIX 2.1 asks domain objects and relationships for UUIDv4 and validators check the
version. The key of a group, attack or source is its slug (`group:islamic-state`), the public
identifier its URL also uses; a relationship has no slug, so its key is the row's id
(`affiliation:12`), which survives corrections to its kind, dates or wording.

Every object reads the same in every export it appears in: a group's export holds its related
groups in full (not a brief copy with the same id and version), and a report lists every public
object the source is cited for, some of which only the whole export contains. `created` and
`modified` come from the record, to the millisecond; `modified` is the newest change to the
record or to anything the object shows (aliases, citations, their sources, another group taking
one of its aliases); a removal (an alias deleted or unpublished) leaves no date behind, so it
does not advance it.

Only public records (`CuratedQuerySet.public()`) are read. The whole data set streams: each kind
of record is read in chunks with `.iterator(chunk_size=...)`, its related rows prefetched per
chunk, and each object is built as a dict and serialized as soon as it is built. `stix_objects`
hands out the same objects as `stix2` instances, for callers that want the library's types.
"""

from __future__ import annotations

import calendar
import datetime
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import quote

import stix2
from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import caches
from django.db.models import Case, Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Greatest, Left, Upper
from stix2.v21 import ExtensionDefinition, Grouping, Identity, Incident, IntrusionSet, MarkingDefinition, Relationship, Report

from groups.models import Affiliation, Alias, Attack, Attribution, AttributionKind, Designation, Group, Theatre, TheatreGroup
from groups.theatres import groups_of_outer_theatre, public_theatres
from kb.cache import CACHE_ALIAS, data_version
from kb.dates import DatePrecision, format_partial_date
from kb.lookups import any_of
from kb.models import PublicationStatus
from sources.models import Citation, Source, untitled_article_title
from sources.selectors import public_citations

StixObject = Identity | MarkingDefinition | ExtensionDefinition | IntrusionSet | Incident | Relationship | Report | Grouping
StixDict = dict[str, Any]

# Never change: every id in every export derives from it.
ID_NAMESPACE = uuid.UUID("c3bc1340-9b78-48a3-9827-2d9e4d5a2892")

# How many records are read (and their related rows prefetched) at a time.
EXPORT_CHUNK_SIZE = 500

# An untitled article is named by its first words; this much of its text holds them, and the rest is never read.
_OPENING_CHARS = 300

KB_NAME = "Militant groups knowledge base"
KB_SOURCE_NAME = "militant-groups-kb"  # `source_name` of the references to our own pages; `external_id` is the slug

# TLP:CLEAR as OASIS publishes it with the TLP 2.0 marking extension (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0): a fixed id and content that every consumer recognises.
TLP_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_CLEAR_ID = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
TLP_CLEAR: StixDict = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": TLP_CLEAR_ID,
    "created": "2022-10-01T00:00:00.000Z",
    "name": "TLP:CLEAR",
    "extensions": {TLP_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": "clear"}},
}
_MARKINGS = [TLP_CLEAR_ID]

# The identity and the extension definition are not records; their dates are when they were defined.
# Add a property to EXTENSION_PROPERTIES → bump EXTENSION_VERSION and EXTENSION_MODIFIED; reword the identity → bump IDENTITY_MODIFIED.
IDENTITY_CREATED = datetime.datetime(2026, 11, 21, tzinfo=datetime.UTC)
IDENTITY_MODIFIED = datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)  # facts from the GTD import cite its records
EXTENSION_VERSION = "1.2.0"
EXTENSION_MODIFIED = datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC)  # theatres (groupings): their countries and years

EXTENSION_PROPERTIES = {
    # intrusion-set
    "x_kb_kind": "Kind of group: organisation, branch, faction, network, movement or other.",
    "x_kb_status": "Status: active, inactive, defunct, merged or unknown.",
    "x_kb_first_seen_precision": "How much of first_seen (the founding date) the sources give: day, month, early, mid, late or year.",
    "x_kb_dissolved": "Dissolution date, YYYY-MM-DD, the first day of the period x_kb_dissolved_precision names "
    "(last_seen is the period's last instant).",
    "x_kb_dissolved_precision": "Precision of x_kb_dissolved: day, month, early, mid, late or year.",
    "x_kb_ideology": "Ideology, in the sources' words.",
    "x_kb_countries": "On an intrusion set, its countries of operation; on a grouping (a theatre), the countries it covers: "
    "ISO 3166-1 alpha-2 codes.",
    "x_kb_areas": "Areas of operation, as the sources describe them.",
    "x_kb_gtd_name": "The group's name in the Global Terrorism Database.",
    "x_kb_designations": "Listings by authorities: objects with authority, listing, and when known date (YYYY-MM-DD), "
    "date_precision and description.",
    "x_kb_shared_aliases": "Public aliases of the group that another group in the knowledge base also bears; left out of aliases, "
    "which consumers take as identifying a single group.",
    # incident
    "first_seen": "On an incident: the first instant of its date (as OpenCTI reads an incident's start).",
    "last_seen": "On an incident: the last instant of its end date, or of the period its date names.",
    "x_kb_date": "Date of the attack, YYYY-MM-DD, the first day of the period x_kb_date_precision names.",
    "x_kb_date_precision": "Precision of x_kb_date: day, month, early, mid, late or year.",
    "x_kb_end_date": "Last day, YYYY-MM-DD, of an attack that spans days.",
    "x_kb_place": "Where, as one line: locality, district, province, country.",
    "x_kb_locality": "City or locality.",
    "x_kb_district": "District.",
    "x_kb_province": "Province or state.",
    "x_kb_country": "Country, ISO 3166-1 alpha-2 code.",
    "x_kb_latitude": "Latitude, WGS 84 decimal degrees.",
    "x_kb_longitude": "Longitude, WGS 84 decimal degrees.",
    "x_kb_attack_type": "GTD attack type (attacktype1), e.g. bombing_explosion.",
    "x_kb_target_type": "GTD target type (targtype1), e.g. police.",
    "x_kb_weapon_type": "GTD weapon type (weaptype1), e.g. explosives.",
    "x_kb_suicide": "Whether it was a suicide attack; absent when the sources do not say.",
    "x_kb_killed": "Number killed, as reported; read with x_kb_killed_qualifier.",
    "x_kb_killed_qualifier": "How the source words the number killed: exact, at_least, more_than, nearly, about or fewer_than.",
    "x_kb_wounded": "Number wounded, as reported; read with x_kb_wounded_qualifier.",
    "x_kb_wounded_qualifier": "How the source words the number wounded: exact, at_least, more_than, nearly, about or fewer_than.",
    # relationship
    "x_kb_attribution_kind": "On an incident → intrusion-set relationship: claimed, attributed, suspected (attributed-to), "
    "disputed or denied (related-to).",
    "x_kb_attributed_by": "Who made the attribution; for a claim, the channel it came through.",
    "x_kb_relationship": "On an intrusion-set → intrusion-set relationship, how the source group stands to the target: "
    "branch_of, faction_of, splinter_from, formerly_part_of, merged_into, pledged_allegiance_to, supported_by, inspired_by, "
    "formed_by_former_members_of, allied_with, cooperated_with, affiliated_with or rival_of (the relationship_type, with hyphens).",
    "x_kb_confidence": "How the relationship is reported: reported, confirmed, alleged or disputed.",
    "x_kb_start_time_precision": "Precision of start_time (the first instant of the period): day, month, early, mid, late or year.",
    "x_kb_stop_time_precision": "Precision of stop_time (the last instant of the period): day, month, early, mid, late or year.",
    # grouping
    "x_kb_start_year": "On a grouping (a theatre): the first year of its period.",
    "x_kb_end_year": "On a grouping (a theatre): the last year of its period; absent for a period still open.",
    # report
    "x_kb_published_precision": "How much of published the article gives: day, month, early, mid, late, year, or unknown.",
    "x_kb_published_basis": "What published is: publication (the article's date), accessed (the day the article was read, "
    "its date being unknown) or recorded (the day it was entered, neither date being known).",
    "x_kb_outlet": "Publication or agency, as the article states it.",
    "x_kb_authors": "Authors, as the article names them.",
    "x_kb_reliability": "Admiralty grading of the source's reliability, A to F.",
}

# STIX 2.1 Appendix A, Admiralty Credibility: the middle of each band; "cannot be judged" (6, F) gives no confidence.
CREDIBILITY_CONFIDENCE = {"1": 90, "2": 70, "3": 50, "4": 30, "5": 10}
RELIABILITY_CONFIDENCE = {"A": 90, "B": 70, "C": 50, "D": 30, "E": 10}

# What a claim, an attribution or a suspicion is; a disputed claim or a denial is `related-to`.
ATTRIBUTING_KINDS = frozenset({AttributionKind.CLAIMED, AttributionKind.ATTRIBUTED, AttributionKind.SUSPECTED})


def stix_id(stix_type: str, key: str) -> str:
    """The id an object keeps in every export: from our namespace and the record's stable key."""
    return f"{stix_type}--{uuid.UUID(bytes=uuid.uuid5(ID_NAMESPACE, key).bytes, version=4)}"


IDENTITY_ID = stix_id("identity", "knowledge-base")
EXTENSION_ID = stix_id("extension-definition", "kb-properties")
_EXTENSIONS = {EXTENSION_ID: {"extension_type": "toplevel-property-extension"}}


def stix_bundle_id(group: Group | None = None) -> str:
    return stix_id("bundle", f"bundle:group:{group.slug}" if group else "bundle:all")


def stix_bundle_chunks(*, base_url: str, group: Group | None = None) -> Iterator[str]:
    """The JSON text of a bundle of the whole public data set, or of one group's neighbourhood, a piece at a time."""
    return bundle_chunks(stix_bundle_id(group), stix_dicts(base_url=base_url, group=group))


def bundle_chunks(bundle_id: str, objects: Iterable[StixDict | StixObject]) -> Iterator[str]:
    """A bundle's JSON text: the opening, then one serialized object per piece, then the closing."""
    yield f'{{"type": "bundle", "id": {json.dumps(bundle_id)}, "objects": ['
    separator = "\n"
    for stix_object in objects:
        yield separator + stix_json(stix_object)
        separator = ",\n"
    yield "\n]}\n"


def stix_json(stix_object: StixDict | StixObject) -> str:
    """One object's JSON text, whether built here as a dict or a `stix2` instance."""
    if isinstance(stix_object, dict):
        return json.dumps(stix_object, ensure_ascii=False)
    return stix_object.serialize()


def stix_objects(*, base_url: str, group: Group | None = None) -> Iterator[StixObject]:
    """`stix_dicts` as `stix2` objects (which checks each one against the library's model of STIX 2.1)."""
    for stix_dict in stix_dicts(base_url=base_url, group=group):
        yield stix2.parse(stix_dict, allow_custom=True, version="2.1")


def stix_dicts(*, base_url: str, group: Group | None = None) -> Iterator[StixDict]:
    """Every public record as a STIX object (a JSON-ready dict); with `group`, only that group's neighbourhood.

    The neighbourhood: the group, its relationships and the groups at their other end, the attacks
    attributed to it with all their public attributions (and the groups those name), and the
    sources cited for any of these. Pass a group from `Group.objects.public()`: a draft group's
    neighbourhood comes out empty.
    """
    scope = _scope(group)
    refs = _References(base_url)
    yield _identity()
    yield TLP_CLEAR
    yield _extension_definition()
    for record in _chunks(scope.groups.prefetch_related(*_group_prefetches())):
        yield _intrusion_set(record, refs)
    for affiliation in _chunks(
        scope.affiliations.select_related("from_group", "to_group").only(*_AFFILIATION_FIELDS).prefetch_related(_prefetch_citations())
    ):
        yield _affiliation_relationship(affiliation, refs)
    for attack in _chunks(_with_name_taken(scope.attacks).prefetch_related(_prefetch_citations())):
        yield _incident(attack, refs)
    for attribution in _chunks(
        _with_outranked(scope.attributions)
        .select_related("attack", "group")
        .only(*_ATTRIBUTION_FIELDS)
        .prefetch_related(_prefetch_citations())
    ):
        yield _attribution_relationship(attribution, refs)
    first_by_title = _first_source_by_title()
    sources = scope.sources.defer("text", "text_hash").annotate(text_opening=_opening())
    for source in _chunks(sources.prefetch_related(_prefetch_cited_objects())):
        yield _report(source, refs, name_taken=first_by_title.get(source.title.upper(), source.pk) != source.pk)
    if group is None:
        for theatre in _chunks(_theatres()):
            yield _grouping(theatre, refs)


def stix_object_count(*, group: Group | None = None) -> int:
    """How many objects `stix_objects` yields (for a progress bar)."""
    scope = _scope(group)
    counted = [scope.groups, scope.affiliations, scope.attacks, scope.attributions, scope.sources]
    if group is None:
        counted.append(_theatres())
    return 3 + sum(queryset.count() for queryset in counted)


def kb_identity() -> Identity:
    return stix2.parse(_identity(), version="2.1")


def kb_extension_definition() -> ExtensionDefinition:
    return stix2.parse(_extension_definition(), version="2.1")


def _identity() -> StixDict:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": IDENTITY_ID,
        "created": _timestamp_ms(IDENTITY_CREATED),
        "modified": _timestamp_ms(IDENTITY_MODIFIED),
        "name": KB_NAME,
        "description": "A public, read-only knowledge base on militant groups in which every fact cites its source, a news article "
        "or a record of the Global Terrorism Database, and quotes its words.",
        "identity_class": "organization",
        "object_marking_refs": _MARKINGS,
    }


def _extension_definition() -> StixDict:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": IDENTITY_ID,
        "created": _timestamp_ms(IDENTITY_CREATED),
        "modified": _timestamp_ms(EXTENSION_MODIFIED),
        "name": f"{KB_NAME}: properties",
        "description": "The x_kb_ properties of the groups (intrusion sets), attacks (incidents), attributions and affiliations "
        "(relationships), sources (reports) and theatres (groupings), and the dates of an incident.",
        "schema": "\n".join(f"{name}: {meaning}" for name, meaning in EXTENSION_PROPERTIES.items()),
        "version": EXTENSION_VERSION,
        "extension_types": ["toplevel-property-extension"],
        "extension_properties": list(EXTENSION_PROPERTIES),
        "object_marking_refs": _MARKINGS,
    }


# --- What is read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    groups: QuerySet[Group]
    affiliations: QuerySet[Affiliation]
    attacks: QuerySet[Attack]
    attributions: QuerySet[Attribution]
    sources: QuerySet[Source]


def _scope(group: Group | None) -> _Scope:
    cited = Citation.objects.public().filter(source=OuterRef("pk"))
    if group is None:
        return _Scope(
            groups=Group.objects.public(),
            affiliations=Affiliation.objects.public(),
            attacks=Attack.objects.public(),
            attributions=Attribution.objects.public(),
            sources=Source.objects.public().filter(Exists(cited)),
        )
    # Each part of the neighbourhood is read by the ids of the part it hangs on, as an array computed once
    # (`any_of`: `= ANY(ARRAY(...))`), looked up in an index. Written as nested IN subqueries, the plan depended on the
    # planner's estimates: with the statistics of empty tables (before autovacuum has analysed an import), it chose
    # nested loops of filters, and the bundle of a group among 43 (the demo's and 30 more) took minutes.
    affiliations = Affiliation.objects.public().filter(Q(from_group=group) | Q(to_group=group))
    attacks = Attack.objects.public().filter(any_of("pk", Attribution.objects.public().filter(group=group).values("attack")))
    attributions = Attribution.objects.public().filter(any_of("attack", attacks.values("pk")))
    groups = Group.objects.public().filter(
        Q(pk=group.pk)
        | Q(any_of("pk", affiliations.values("from_group")))
        | Q(any_of("pk", affiliations.values("to_group")))
        | Q(any_of("pk", attributions.values("group")))
    )
    # The sources cited for anything in the neighbourhood: those of each kind of fact's citations. Each part names
    # public facts, so a citation of one is public when it and its source are (what `Citation.public_q` says with six
    # joins to find out whether its fact is public).
    facts = {
        "group": groups,
        "alias": Alias.objects.public().filter(any_of("group", groups.values("pk"))),
        "designation": Designation.objects.public().filter(any_of("group", groups.values("pk"))),
        "affiliation": affiliations,
        "attack": attacks,
        "attribution": attributions,
    }
    published = Q(publication_status=PublicationStatus.PUBLISHED) & Source.public_q("source__")
    cited = (Citation.objects.filter(published, any_of(field, rows.values("pk"))).values("source") for field, rows in facts.items())
    sources = Source.objects.public().filter(reduce(or_, (Q(any_of("pk", sources_cited)) for sources_cited in cited)))
    return _Scope(
        groups=groups,
        affiliations=affiliations,
        attacks=attacks,
        attributions=attributions,
        sources=sources,
    )


# What an attribution or an affiliation object shows of the rows it joins.
_ATTRIBUTION_FIELDS = (
    "created_at", "updated_at", "kind", "attributed_by", "description", "attack__slug", "group__slug",
)  # fmt: skip
_AFFILIATION_FIELDS = (
    "created_at", "updated_at", "kind", "confidence", "description", "started", "started_precision", "ended", "ended_precision",
    "from_group__slug", "to_group__slug",
)  # fmt: skip


def _theatres() -> QuerySet[Theatre]:
    """The public theatres that draw a public group, each with its groups' slugs (`group_slugs`) and the newest change
    to them or to the groups listed for it (`groups_changed`, `listed_changed`)."""
    groups = groups_of_outer_theatre()
    listed = TheatreGroup.objects.public().filter(theatre=OuterRef("pk")).order_by("-updated_at").values("updated_at")
    return (
        public_theatres()
        .filter(Exists(groups))
        .annotate(
            group_slugs=ArraySubquery(groups.order_by("slug").values("slug")),
            groups_changed=Subquery(groups.order_by("-updated_at").values("updated_at")[:1]),
            listed_changed=Subquery(listed[:1]),
        )
        .order_by("id")
    )


def _with_name_taken(attacks: QuerySet[Attack]) -> QuerySet[Attack]:
    """Annotate `name_taken`: an earlier public attack has the same title and date, so this one's name needs its
    slug to stay unique. Titles compare case-insensitively, as OpenCTI compares names; the date uses its index."""
    earlier = Attack.objects.public().filter(title__iexact=OuterRef("title"), pk__lt=OuterRef("pk"))
    taken = Case(
        When(date__isnull=True, then=Exists(earlier.filter(date__isnull=True))),
        default=Exists(earlier.filter(date=OuterRef("date"))),
    )
    return attacks.annotate(name_taken=taken)


def _with_outranked(attributions: QuerySet[Attribution]) -> QuerySet[Attribution]:
    """Annotate `outranked`: an earlier public claim, attribution or suspicion joins the same attack and group."""
    earlier = Attribution.objects.public().filter(
        attack=OuterRef("attack"), group=OuterRef("group"), kind__in=ATTRIBUTING_KINDS, pk__lt=OuterRef("pk")
    )
    return attributions.annotate(outranked=Exists(earlier))


def _first_source_by_title() -> dict[str, int]:
    """For each title (upper-cased) that public sources share, the first of them by id: a later one's name needs
    its slug. No index serves a lookup by title, so the whole table is read once per version of the data."""
    key = f"stix:first-source-by-title:{data_version()}"
    first_by_title = caches[CACHE_ALIAS].get(key)
    if first_by_title is None:
        repeated = (
            Source.objects.public()
            .exclude(title="")
            .annotate(key=Upper("title"))
            .values("key")
            .annotate(count=Count("pk"), first=Min("pk"))
            .filter(count__gt=1)
            .values_list("key", "first")
        )
        first_by_title = dict(repeated)
        caches[CACHE_ALIAS].set(key, first_by_title)
    return first_by_title


def _prefetch_citations() -> Prefetch:
    """A record's public citations into `.public_citations`, with their sources but not the articles' text."""
    citations = (
        public_citations()
        .defer("source__text", "source__text_hash", "source__authors", "source__language", "locator", "field")
        .annotate(source_opening=_opening("source__"))
    )
    return Prefetch("citations", queryset=citations, to_attr="public_citations")


def _opening(prefix: str = "") -> Case:
    """The opening of an untitled article's text, which names it; a titled article's text is not read at all."""
    return Case(When(**{f"{prefix}title": ""}, then=Left(f"{prefix}text", _OPENING_CHARS)), default=Value(""))


def _group_prefetches() -> tuple[Prefetch, ...]:
    aliases = Alias.objects.public().annotate(shared_since=_shared_since()).prefetch_related(_prefetch_citations())
    designations = Designation.objects.public().prefetch_related(_prefetch_citations())
    return (
        _prefetch_citations(),
        Prefetch("aliases", queryset=aliases, to_attr="public_aliases"),
        Prefetch("designations", queryset=designations, to_attr="public_designations"),
    )


def _shared_since() -> Greatest:
    """When another public group came to bear the alias (its alias or name with the same search key), or None."""
    same_key = {"normalized_name": OuterRef("normalized_name")}
    other_alias = Alias.objects.public().filter(**same_key).exclude(group=OuterRef("group")).order_by("-updated_at").values("updated_at")
    other_group = Group.objects.public().filter(**same_key).exclude(pk=OuterRef("group")).order_by("-updated_at").values("updated_at")
    return Greatest(Subquery(other_alias[:1]), Subquery(other_group[:1]))


def _prefetch_cited_objects() -> Prefetch:
    """A source's public citations with just what names the objects they support."""
    citations = (
        Citation.objects.public()
        .select_related(
            "group", "alias__group", "designation__group", "attack", "group_role__group", "size_estimate__group", "section__group"
        )
        .only(
            "source",
            "updated_at",
            "affiliation",
            "attribution",
            "group__slug",
            "alias__group__slug",
            "designation__group__slug",
            "attack__slug",
            "group_role__group__slug",
            "size_estimate__group__slug",
            "section__group__slug",
        )
        .order_by("id")
    )
    return Prefetch("citations", queryset=citations, to_attr="public_citations")


def _chunks(queryset: QuerySet) -> Iterator:
    return queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)


# --- How each record reads ------------------------------------------------------------------


class _References:
    """External references: to our own pages under `base_url`, and to the sources, one per citation with its quoted words."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._source_urls: dict[int, str] = {}

    def absolute(self, path: str) -> str:
        return self.base_url + path

    def page(self, record: Group | Attack | Source | Theatre) -> StixDict:
        return {"source_name": KB_SOURCE_NAME, "external_id": record.slug, "url": self.absolute(record.get_absolute_url())}

    def citations(self, citations: Iterable[Citation]) -> list[StixDict]:
        return [self.citation(citation) for citation in citations]

    def citation(self, citation: Citation) -> StixDict:
        source = citation.source
        title = _source_title(source, citation.source_opening)
        label = f"{source.outlet}: {title}" if source.outlet and source.outlet != title else title
        return {
            "source_name": f"{label} (citation {citation.pk})",
            "description": citation.quote,
            "url": _text_fragment_url(self.source_url(source), citation.quote),
        }

    def source_url(self, source: Source) -> str:
        """The article's address: its URL, its archived copy's, or our page of the source."""
        if source.pk not in self._source_urls:
            self._source_urls[source.pk] = source.url or source.archive_url or self.absolute(source.get_absolute_url())
        return self._source_urls[source.pk]


def _text_fragment_url(url: str, text: str) -> str:
    """`url` pointing at `text` in the page (WICG/URL Fragment Text Directives), its dashes and commas escaped too."""
    directive = quote(" ".join(text.split()), safe="").replace("-", "%2D")
    return f"{url}{'' if '#' in url else '#'}:~:text={directive}"


def _group_id(slug: str) -> str:
    return stix_id("intrusion-set", f"group:{slug}")


def _attack_id(slug: str) -> str:
    return stix_id("incident", f"attack:{slug}")


def _affiliation_id(pk: int) -> str:
    return stix_id("relationship", f"affiliation:{pk}")


def _attribution_id(pk: int) -> str:
    return stix_id("relationship", f"attribution:{pk}")


def _grouping_id(slug: str) -> str:
    return stix_id("grouping", f"theatre:{slug}")


def _report_id(slug: str) -> str:
    return stix_id("report", f"source:{slug}")


def _intrusion_set(group: Group, refs: _References) -> StixDict:
    citations = [
        *group.public_citations,
        *(citation for alias in group.public_aliases for citation in alias.public_citations),
        *(citation for designation in group.public_designations for citation in designation.public_citations),
    ]
    external_references = [refs.page(group)]
    if group.wikidata_id:
        external_references.append(
            {"source_name": "wikidata", "external_id": group.wikidata_id, "url": f"https://www.wikidata.org/wiki/{group.wikidata_id}"}
        )
    if group.mitre_attack_id:
        external_references.append(
            {
                "source_name": "mitre-attack",
                "external_id": group.mitre_attack_id,
                "url": f"https://attack.mitre.org/groups/{group.mitre_attack_id}/",
            }
        )
    if group.ucdp_actor_id is not None:
        external_references.append({"source_name": "ucdp", "external_id": str(group.ucdp_actor_id)})
    names = [group.name]
    shared: list[str] = []
    for alias in group.public_aliases:
        if alias.shared_since is not None:
            shared.append(alias.name)
        elif alias.name.casefold() not in (name.casefold() for name in names):
            names.append(alias.name)
    shared_since = [alias.shared_since for alias in group.public_aliases if alias.shared_since is not None]
    return _stix_object(
        "intrusion-set",
        id=_group_id(group.slug),
        created=group.created_at,
        modified=max([_last_change(group, citations, *group.public_aliases, *group.public_designations), *shared_since]),
        name=group.name,
        description=group.summary,
        aliases=names,
        first_seen=_timestamp(_period_start(group.founded, group.founded_precision)),
        last_seen=_timestamp(_period_end(group.dissolved, group.dissolved_precision)),
        confidence=_confidence(citations),
        external_references=external_references + refs.citations(citations),
        x_kb_kind=group.kind,
        x_kb_status=group.status,
        x_kb_first_seen_precision=_known_precision(group.founded, group.founded_precision),
        x_kb_dissolved=_iso_date(group.dissolved, group.dissolved_precision),
        x_kb_dissolved_precision=_known_precision(group.dissolved, group.dissolved_precision),
        x_kb_ideology=group.ideology,
        x_kb_countries=[country.code for country in group.countries],
        x_kb_areas=group.areas,
        x_kb_gtd_name=group.gtd_name,
        x_kb_designations=[_designation(designation) for designation in group.public_designations],
        x_kb_shared_aliases=shared,
    )


def _grouping(theatre: Theatre, refs: _References) -> StixDict:
    changes = [theatre.created_at, theatre.updated_at, theatre.groups_changed, theatre.listed_changed]
    return _stix_object(
        "grouping",
        id=_grouping_id(theatre.slug),
        created=theatre.created_at,
        modified=max(change for change in changes if change is not None),
        name=theatre.name,
        description=theatre.description,
        context="unspecified",
        object_refs=sorted(_group_id(slug) for slug in theatre.group_slugs),
        external_references=[refs.page(theatre)],
        x_kb_countries=[country.code for country in theatre.countries],
        x_kb_start_year=theatre.start_year,
        x_kb_end_year=theatre.end_year,
    )


def _designation(designation: Designation) -> dict:
    return _present(
        authority=designation.authority,
        listing=designation.listing,
        date=_iso_date(designation.designated, designation.designated_precision),
        date_precision=_known_precision(designation.designated, designation.designated_precision),
        description=designation.description,
    )


def incident_name(attack: Attack, *, place: str, name_taken: bool = False) -> str:
    """Title, `place` (the attack's, when the title does not name it) and date; with `name_taken`, the slug as well."""
    parts = [attack.title]
    title = attack.title.casefold()
    if place and not any(part.casefold() in title for part in place.split(", ")):
        parts.append(place)
    parts.append(format_partial_date(attack.date, attack.date_precision))
    name = ", ".join(parts)
    return f"{name} ({attack.slug})" if name_taken else name


def _incident(attack: Attack, refs: _References) -> StixDict:
    place = attack.place
    known_date = _known_precision(attack.date, attack.date_precision)
    if attack.end_date:
        last_seen = _period_end(attack.end_date, DatePrecision.DAY)
    else:
        last_seen = _period_end(attack.date, attack.date_precision)
    return _stix_object(
        "incident",
        id=_attack_id(attack.slug),
        created=attack.created_at,
        modified=_last_change(attack, attack.public_citations),
        name=incident_name(attack, place=place, name_taken=attack.name_taken),
        description=attack.description,
        first_seen=_timestamp(_period_start(attack.date, attack.date_precision)),
        last_seen=_timestamp(last_seen),
        confidence=_confidence(attack.public_citations),
        external_references=[refs.page(attack), *refs.citations(attack.public_citations)],
        x_kb_date=attack.date.isoformat() if known_date else None,
        x_kb_date_precision=known_date,
        x_kb_end_date=attack.end_date.isoformat() if attack.end_date else None,
        x_kb_place=place,
        x_kb_locality=attack.locality,
        x_kb_district=attack.district,
        x_kb_province=attack.province,
        x_kb_country=attack.country.code if attack.country else None,
        x_kb_latitude=float(attack.latitude) if attack.latitude is not None else None,
        x_kb_longitude=float(attack.longitude) if attack.longitude is not None else None,
        x_kb_suicide=attack.suicide,
        x_kb_killed=attack.killed,
        x_kb_killed_qualifier=attack.killed_qualifier,
        x_kb_wounded=attack.wounded,
        x_kb_wounded_qualifier=attack.wounded_qualifier,
        x_kb_attack_type=attack.attack_type,
        x_kb_target_type=attack.target_type,
        x_kb_weapon_type=attack.weapon_type,
    )


_ATTRIBUTION_WORDING = {
    AttributionKind.CLAIMED: "Claimed",
    AttributionKind.ATTRIBUTED: "Attributed",
    AttributionKind.SUSPECTED: "Suspected",
    AttributionKind.DISPUTED: "Disputed",
    AttributionKind.DENIED: "Involvement denied",
}


def _attribution_relationship(attribution: Attribution, refs: _References) -> StixDict:
    by = f" by {attribution.attributed_by}" if attribution.attributed_by else ""
    wording = f"{_ATTRIBUTION_WORDING[attribution.kind]}{by}"
    return _stix_object(
        "relationship",
        id=_attribution_id(attribution.pk),
        created=attribution.created_at,
        modified=_last_change(attribution, attribution.public_citations),
        relationship_type="attributed-to" if attribution.kind in ATTRIBUTING_KINDS and not attribution.outranked else "related-to",
        description=f"{wording}: {attribution.description}" if attribution.description else wording,
        source_ref=_attack_id(attribution.attack.slug),
        target_ref=_group_id(attribution.group.slug),
        confidence=_confidence(attribution.public_citations),
        external_references=refs.citations(attribution.public_citations),
        x_kb_attribution_kind=attribution.kind,
        x_kb_attributed_by=attribution.attributed_by,
    )


def affiliation_relationship_type(kind: str) -> str:
    """Our kind as a STIX relationship type: lower-case words joined by hyphens, as STIX writes its own."""
    return kind.replace("_", "-")


def _affiliation_relationship(affiliation: Affiliation, refs: _References) -> StixDict:
    return _stix_object(
        "relationship",
        id=_affiliation_id(affiliation.pk),
        created=affiliation.created_at,
        modified=_last_change(affiliation, affiliation.public_citations),
        relationship_type=affiliation_relationship_type(affiliation.kind),
        description=affiliation.description,
        source_ref=_group_id(affiliation.from_group.slug),
        target_ref=_group_id(affiliation.to_group.slug),
        start_time=_timestamp(_period_start(affiliation.started, affiliation.started_precision)),
        stop_time=_timestamp(_period_end(affiliation.ended, affiliation.ended_precision)),
        confidence=_confidence(affiliation.public_citations),
        external_references=refs.citations(affiliation.public_citations),
        x_kb_relationship=affiliation.kind,
        x_kb_confidence=affiliation.confidence,
        x_kb_start_time_precision=_known_precision(affiliation.started, affiliation.started_precision),
        x_kb_stop_time_precision=_known_precision(affiliation.ended, affiliation.ended_precision),
    )


def _report(source: Source, refs: _References, *, name_taken: bool) -> StixDict:
    if source.published and source.published_precision != DatePrecision.UNKNOWN:
        published, basis = _period_start(source.published, source.published_precision), "publication"
    elif source.accessed:
        published, basis = _period_start(source.accessed, DatePrecision.DAY), "accessed"
    else:
        published, basis = _to_millisecond(source.created_at), "recorded"
    title = _source_title(source, source.text_opening)
    external_references = [refs.page(source)]
    if source.url:
        external_references.append({"source_name": source.outlet or title, "url": source.url})
    if source.archive_url:
        external_references.append({"source_name": "archived copy", "url": source.archive_url})
    return _stix_object(
        "report",
        id=_report_id(source.first_slug),  # its readable address may change; its STIX id may not
        created=source.created_at,
        modified=_last_change(source, source.public_citations, with_sources=False),
        name=f"{title} ({source.slug})" if name_taken else title,
        report_types=["threat-report"],
        published=_timestamp(published),
        object_refs=list(dict.fromkeys(_cited_object_id(citation) for citation in source.public_citations)),
        confidence=RELIABILITY_CONFIDENCE.get(source.reliability),
        lang=source.language,
        external_references=external_references,
        x_kb_published_precision=source.published_precision if basis == "publication" else DatePrecision.UNKNOWN.value,
        x_kb_published_basis=basis,
        x_kb_outlet=source.outlet,
        x_kb_authors=list(source.authors),
        x_kb_reliability=source.reliability,
    )


def _cited_object_id(citation: Citation) -> str:
    if citation.attack_id:
        return _attack_id(citation.attack.slug)
    if citation.affiliation_id:
        return _affiliation_id(citation.affiliation_id)
    if citation.attribution_id:
        return _attribution_id(citation.attribution_id)
    if citation.group_role_id or citation.size_estimate_id or citation.section_id:  # a role, an estimate, a profile section: of the group
        return _group_id((citation.group_role or citation.size_estimate or citation.section).group.slug)
    group = citation.group or (citation.alias.group if citation.alias_id else citation.designation.group)
    return _group_id(group.slug)


# --- Helpers --------------------------------------------------------------------------------


def _source_title(source: Source, text_opening: str) -> str:
    """`Source.display_title` from the opening of the text, which is all the export reads of it."""
    return source.title or untitled_article_title(text_opening, source.slug)


def citation_confidence(citation: Citation) -> int | None:
    """STIX `confidence` of what one citation says: its credibility, or if not graded its source's reliability."""
    if citation.credibility:
        return CREDIBILITY_CONFIDENCE.get(citation.credibility)
    return RELIABILITY_CONFIDENCE.get(citation.source.reliability)


def _confidence(citations: Iterable[Citation]) -> int | None:
    graded = [value for value in map(citation_confidence, citations) if value is not None]
    return max(graded, default=None)


def _stix_object(stix_type: str, *, id: str, created: datetime.datetime, modified: datetime.datetime, **properties) -> StixDict:
    """One of our objects: by the knowledge base, marked TLP:CLEAR, its extension properties declared by our extension.

    Properties without a value are left out, as STIX does with what is unknown.
    """
    stix_object = {
        "type": stix_type,
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": IDENTITY_ID,
        "created": _timestamp_ms(created),
        "modified": _timestamp_ms(modified),
    }
    stix_object.update(_present(**properties))
    stix_object["object_marking_refs"] = _MARKINGS
    if stix_type == "incident" or any(name.startswith("x_kb_") for name in stix_object):
        stix_object["extensions"] = _EXTENSIONS
    return stix_object


def _to_millisecond(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _timestamp_ms(moment: datetime.datetime) -> str:
    """STIX's precision for `created` and `modified`: whole milliseconds, always three digits, so that the
    timestamps also compare rightly as text (".43484Z" would sort before ".434846Z")."""
    moment = moment.astimezone(datetime.UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _timestamp(moment: datetime.datetime | None) -> str | None:
    """Any other timestamp, written as `stix2` writes it: the fraction of a second only when there is one."""
    if moment is None:
        return None
    moment = moment.astimezone(datetime.UTC)
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return f"{moment:%Y-%m-%dT%H:%M:%S}{'.' + fraction if fraction else ''}Z"


def _present(**properties) -> dict:
    return {name: value for name, value in properties.items() if value is not None and value != "" and value != []}


def _last_change(record, citations: Iterable[Citation], *shown, with_sources: bool = True) -> datetime.datetime:
    """The newest change to the record or to what its object shows: its citations (and their sources) and `shown` rows."""
    citations = list(citations)
    stamps = [record.created_at, record.updated_at, *(row.updated_at for row in shown), *(citation.updated_at for citation in citations)]
    if with_sources:
        stamps += [citation.source.updated_at for citation in citations]
    return max(stamps)


def _known_precision(value: datetime.date | None, precision: str) -> str | None:
    return None if value is None or precision == DatePrecision.UNKNOWN else precision


def _iso_date(value: datetime.date | None, precision: str) -> str | None:
    return value.isoformat() if _known_precision(value, precision) else None


def _period_start(value: datetime.date | None, precision: str) -> datetime.datetime | None:
    """The first instant of the day, month or year a partial date names (stored as its first day)."""
    if not _known_precision(value, precision):
        return None
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=datetime.UTC)


_LAST_MILLISECOND = datetime.time(23, 59, 59, 999000)


def _period_end(value: datetime.date | None, precision: str) -> datetime.datetime | None:
    """The last instant of the day, month or year a partial date names; a part of a year counts as the whole year."""
    if not _known_precision(value, precision):
        return None
    if precision == DatePrecision.DAY:
        last_day = value
    elif precision == DatePrecision.MONTH:
        last_day = value.replace(day=calendar.monthrange(value.year, value.month)[1])
    else:
        last_day = value.replace(month=12, day=31)
    return datetime.datetime.combine(last_day, _LAST_MILLISECOND, tzinfo=datetime.UTC)
