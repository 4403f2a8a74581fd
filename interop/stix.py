"""The public data set as STIX 2.1, built with the OASIS `stix2` library and streamed as JSON.

What becomes what:

- A group is an `intrusion-set`. STIX keeps `threat-actor` for the people or organisation behind
  an activity and `intrusion-set` for the activity, resources and names an organisation is known
  by; MITRE ATT&CK files groups like ours (its G-numbers, which we link) as intrusion sets, so
  consumers already expect them there. Its public aliases are its `aliases`, its summary the
  `description`, its founding date `first_seen`.
- An attack is an `incident` (the STIX 2.1 core incident: name and description only), with its
  date, place, casualties and GTD types as `x_kb_*` properties.
- An attribution is a `related-to` relationship from the incident to the intrusion set, with
  `x_kb_attribution_kind` (claimed, attributed, suspected, disputed, denied) and
  `x_kb_attributed_by`. STIX defines `attributed-to` only from campaigns and intrusion sets,
  so the OASIS validator warns on it from an incident, and a denial or a disputed claim is not an
  attribution anyway.
- An affiliation is a `related-to` relationship between two intrusion sets with our kind in
  `x_kb_relationship` ("branch_of"…) and its period as `start_time`/`stop_time`.
- A source is a `report` whose `object_refs` are the objects it is cited for; every cited object
  also lists the source, with the quoted words, in its `external_references`.
- The knowledge base is an `identity`, the `created_by_ref` of everything else. The `x_kb_*`
  properties are declared by an `extension-definition` (a STIX 2.1 top-level property
  extension) that every object using them names in `extensions`.

Partial dates: a STIX timestamp is an instant, ours may be "2015" or "Oct 2016". A period's
start stands for the date (`first_seen`, `start_time`: its first instant, 00:00 UTC on the first
day) and `stop_time` is the period's last instant, so the span covers every reading of the
dates; the precision goes alongside (`x_kb_first_seen_precision`: "year"). An unknown date is
left out. A report must have `published`: for an article whose date the sources do not give,
it is the day we accessed the article or else the day it was recorded, with
`x_kb_published_precision` "unknown" and `x_kb_published_basis` saying which.

Ids are the same in every export: `<type>--<uuid>`, the uuid derived from a fixed namespace of
ours and the record's stable key (RFC 4122 name-based, SHA-1, like uuid5) but stamped version 4,
because STIX 2.1 asks domain objects and relationships for UUIDv4 and validators check the
version. The key of a group, attack or source is its slug (`group:islamic-state`), the public
identifier its URL also uses; a relationship has no slug, so its key is the row's id
(`affiliation:12`), which survives corrections to its kind, dates or wording.

Every object reads the same in every export it appears in: a group's export holds its related
groups in full (not a brief copy with the same id and version), and a report lists every public
object the source is cited for, some of which only the whole export contains. `modified` is the
newest change to the record or to anything the object shows (aliases, citations, their sources);
a removal (an alias deleted or unpublished) leaves no date behind, so it does not advance it.

Only public records (`CuratedQuerySet.public()`) are read. The whole data set streams: each kind
of record is read in chunks with `.iterator(chunk_size=...)`, its related rows prefetched per
chunk, and each object is serialized as soon as it is built.
"""

from __future__ import annotations

import calendar
import datetime
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Left
from stix2.v21 import ExtensionDefinition, ExternalReference, Identity, Incident, IntrusionSet, Relationship, Report

from groups.models import Affiliation, Alias, Attack, Attribution, AttributionKind, Designation, Group
from kb.dates import DatePrecision
from sources.models import Citation, Source, untitled_article_title
from sources.selectors import public_citations

StixObject = Identity | ExtensionDefinition | IntrusionSet | Incident | Relationship | Report

# Never change: every id in every export derives from it.
ID_NAMESPACE = uuid.UUID("c3bc1340-9b78-48a3-9827-2d9e4d5a2892")

# How many records are read (and their related rows prefetched) at a time.
EXPORT_CHUNK_SIZE = 500

# An untitled article is named by its first words; this much of its text holds them, and the rest is never read.
_OPENING_CHARS = 300

KB_NAME = "Militant groups knowledge base"
KB_SOURCE_NAME = "militant-groups-kb"  # `source_name` of the references to our own pages; `external_id` is the slug

# The identity and the extension definition are not records; their dates are when they were defined.
# Add a property to EXTENSION_PROPERTIES → bump EXTENSION_VERSION and EXTENSION_MODIFIED; reword the identity → bump IDENTITY_MODIFIED.
IDENTITY_CREATED = datetime.datetime(2026, 11, 21, tzinfo=datetime.UTC)
IDENTITY_MODIFIED = datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)  # facts from the GTD import cite its records
EXTENSION_VERSION = "1.0.0"
EXTENSION_MODIFIED = IDENTITY_CREATED

EXTENSION_PROPERTIES = {
    # intrusion-set
    "x_kb_kind": "Kind of group: organisation, branch, faction, network, movement or other.",
    "x_kb_status": "Status: active, inactive, defunct, merged or unknown.",
    "x_kb_first_seen_precision": "How much of first_seen (the founding date) the sources give: day, month, early, mid, late or year.",
    "x_kb_dissolved": "Dissolution date, YYYY-MM-DD, the first day of the period x_kb_dissolved_precision names.",
    "x_kb_dissolved_precision": "Precision of x_kb_dissolved: day, month, early, mid, late or year.",
    "x_kb_ideology": "Ideology, in the sources' words.",
    "x_kb_countries": "Countries of operation, ISO 3166-1 alpha-2 codes.",
    "x_kb_areas": "Areas of operation, as the sources describe them.",
    "x_kb_gtd_name": "The group's name in the Global Terrorism Database.",
    "x_kb_designations": "Listings by authorities: objects with authority, listing, and when known date (YYYY-MM-DD), "
    "date_precision and description.",
    # incident
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
    "x_kb_attribution_kind": "On an incident → intrusion-set relationship: claimed, attributed, suspected, disputed or denied.",
    "x_kb_attributed_by": "Who made the attribution; for a claim, the channel it came through.",
    "x_kb_relationship": "On an intrusion-set → intrusion-set relationship, how the source group stands to the target: "
    "branch_of, faction_of, splinter_from, formerly_part_of, merged_into, pledged_allegiance_to, supported_by, inspired_by, "
    "formed_by_former_members_of, allied_with, cooperated_with, affiliated_with or rival_of.",
    "x_kb_confidence": "How the relationship is reported: reported, confirmed, alleged or disputed.",
    "x_kb_start_time_precision": "Precision of start_time (the first instant of the period): day, month, early, mid, late or year.",
    "x_kb_stop_time_precision": "Precision of stop_time (the last instant of the period): day, month, early, mid, late or year.",
    # report
    "x_kb_published_precision": "How much of published the article gives: day, month, early, mid, late, year, or unknown.",
    "x_kb_published_basis": "What published is: publication (the article's date), accessed (the day the article was read, "
    "its date being unknown) or recorded (the day it was entered, neither date being known).",
    "x_kb_outlet": "Publication or agency, as the article states it.",
    "x_kb_authors": "Authors, as the article names them.",
    "x_kb_reliability": "Admiralty grading of the source's reliability, A to F.",
}


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
    return bundle_chunks(stix_bundle_id(group), stix_objects(base_url=base_url, group=group))


def bundle_chunks(bundle_id: str, objects: Iterable[StixObject]) -> Iterator[str]:
    """A bundle's JSON text: the opening, then one serialized object per piece, then the closing."""
    yield f'{{"type": "bundle", "id": {json.dumps(bundle_id)}, "objects": ['
    separator = "\n"
    for stix_object in objects:
        yield separator + stix_object.serialize()
        separator = ",\n"
    yield "\n]}\n"


def stix_objects(*, base_url: str, group: Group | None = None) -> Iterator[StixObject]:
    """Every public record as a STIX object; with `group`, only that group's neighbourhood.

    The neighbourhood: the group, its relationships and the groups at their other end, the attacks
    attributed to it with all their public attributions (and the groups those name), and the
    sources cited for any of these. Pass a group from `Group.objects.public()`: a draft group's
    neighbourhood comes out empty.
    """
    scope = _scope(group)
    refs = _References(base_url)
    yield kb_identity()
    yield kb_extension_definition()
    for record in _chunks(scope.groups.prefetch_related(*_group_prefetches())):
        yield _intrusion_set(record, refs)
    for affiliation in _chunks(scope.affiliations.select_related("from_group", "to_group").prefetch_related(_prefetch_citations())):
        yield _affiliation_relationship(affiliation, refs)
    for attack in _chunks(scope.attacks.prefetch_related(_prefetch_citations())):
        yield _incident(attack, refs)
    for attribution in _chunks(scope.attributions.select_related("attack", "group").prefetch_related(_prefetch_citations())):
        yield _attribution_relationship(attribution, refs)
    sources = scope.sources.defer("text").annotate(text_opening=Left("text", _OPENING_CHARS))
    for source in _chunks(sources.prefetch_related(_prefetch_cited_objects())):
        yield _report(source, refs)


def stix_object_count(*, group: Group | None = None) -> int:
    """How many objects `stix_objects` yields (for a progress bar)."""
    scope = _scope(group)
    return 2 + sum(queryset.count() for queryset in (scope.groups, scope.affiliations, scope.attacks, scope.attributions, scope.sources))


def kb_identity() -> Identity:
    return Identity(
        id=IDENTITY_ID,
        created=IDENTITY_CREATED,
        modified=IDENTITY_MODIFIED,
        name=KB_NAME,
        identity_class="organization",
        description="A public, read-only knowledge base on militant groups in which every fact cites its source, a news article "
        "or a record of the Global Terrorism Database, and quotes its words.",
    )


def kb_extension_definition() -> ExtensionDefinition:
    return ExtensionDefinition(
        id=EXTENSION_ID,
        created_by_ref=IDENTITY_ID,
        created=IDENTITY_CREATED,
        modified=EXTENSION_MODIFIED,
        name=f"{KB_NAME}: properties",
        description="The x_kb_ properties of the groups (intrusion sets), attacks (incidents), attributions and affiliations "
        "(relationships) and sources (reports).",
        schema="\n".join(f"{name}: {meaning}" for name, meaning in EXTENSION_PROPERTIES.items()),
        version=EXTENSION_VERSION,
        extension_types=["toplevel-property-extension"],
        extension_properties=list(EXTENSION_PROPERTIES),
    )


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
    affiliations = Affiliation.objects.public().filter(Q(from_group=group) | Q(to_group=group))
    attack_ids = Attribution.objects.public().filter(group=group).values("attack")
    attacks = Attack.objects.public().filter(pk__in=attack_ids)
    attributions = Attribution.objects.public().filter(attack__in=attack_ids)
    groups = Group.objects.public().filter(
        Q(pk=group.pk)
        | Q(pk__in=affiliations.values("from_group"))
        | Q(pk__in=affiliations.values("to_group"))
        | Q(pk__in=attributions.values("group"))
    )
    cited_here = (
        Q(group__in=groups)
        | Q(alias__group__in=groups)
        | Q(designation__group__in=groups)
        | Q(affiliation__in=affiliations)
        | Q(attack__in=attacks)
        | Q(attribution__in=attributions)
    )
    return _Scope(
        groups=groups,
        affiliations=affiliations,
        attacks=attacks,
        attributions=attributions,
        sources=Source.objects.public().filter(Exists(cited.filter(cited_here))),
    )


def _prefetch_citations() -> Prefetch:
    """A record's public citations into `.public_citations`, with their sources but not the articles' text."""
    citations = public_citations().defer("source__text").annotate(source_opening=Left("source__text", _OPENING_CHARS))
    return Prefetch("citations", queryset=citations, to_attr="public_citations")


def _group_prefetches() -> tuple[Prefetch, ...]:
    aliases = Alias.objects.public().prefetch_related(_prefetch_citations())
    designations = Designation.objects.public().prefetch_related(_prefetch_citations())
    return (
        _prefetch_citations(),
        Prefetch("aliases", queryset=aliases, to_attr="public_aliases"),
        Prefetch("designations", queryset=designations, to_attr="public_designations"),
    )


def _prefetch_cited_objects() -> Prefetch:
    """A source's public citations with just what names the objects they support."""
    citations = (
        Citation.objects.public()
        .select_related("group", "alias__group", "designation__group", "attack")
        .only(
            "source",
            "updated_at",
            "affiliation",
            "attribution",
            "group__slug",
            "alias__group__slug",
            "designation__group__slug",
            "attack__slug",
        )
        .order_by("id")
    )
    return Prefetch("citations", queryset=citations, to_attr="public_citations")


def _chunks(queryset: QuerySet) -> Iterator:
    return queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)


# --- How each record reads ------------------------------------------------------------------


class _References:
    """External references: to our own pages under `base_url`, and to the sources with their quoted words."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def absolute(self, path: str) -> str:
        return self.base_url + path

    def page(self, record: Group | Attack | Source) -> ExternalReference:
        return ExternalReference(source_name=KB_SOURCE_NAME, external_id=record.slug, url=self.absolute(record.get_absolute_url()))

    def citations(self, citations: Iterable[Citation]) -> list[ExternalReference]:
        """Each cited source with the quoted words, once per distinct quote."""
        references: dict[tuple[str, str, str], ExternalReference] = {}
        for citation in citations:
            source = citation.source
            name = source.outlet or _source_title(source, citation.source_opening)
            url = source.url or source.archive_url or self.absolute(source.get_absolute_url())
            references.setdefault((name, url, citation.quote), ExternalReference(source_name=name, url=url, description=citation.quote))
        return list(references.values())


def _group_id(slug: str) -> str:
    return stix_id("intrusion-set", f"group:{slug}")


def _attack_id(slug: str) -> str:
    return stix_id("incident", f"attack:{slug}")


def _affiliation_id(pk: int) -> str:
    return stix_id("relationship", f"affiliation:{pk}")


def _attribution_id(pk: int) -> str:
    return stix_id("relationship", f"attribution:{pk}")


def _report_id(slug: str) -> str:
    return stix_id("report", f"source:{slug}")


def _intrusion_set(group: Group, refs: _References) -> IntrusionSet:
    citations = [
        *group.public_citations,
        *(citation for alias in group.public_aliases for citation in alias.public_citations),
        *(citation for designation in group.public_designations for citation in designation.public_citations),
    ]
    external_references = [refs.page(group)]
    if group.wikidata_id:
        external_references.append(
            ExternalReference(
                source_name="wikidata", external_id=group.wikidata_id, url=f"https://www.wikidata.org/wiki/{group.wikidata_id}"
            )
        )
    if group.mitre_attack_id:
        external_references.append(
            ExternalReference(
                source_name="mitre-attack",
                external_id=group.mitre_attack_id,
                url=f"https://attack.mitre.org/groups/{group.mitre_attack_id}/",
            )
        )
    if group.ucdp_actor_id is not None:
        external_references.append(ExternalReference(source_name="ucdp", external_id=str(group.ucdp_actor_id)))
    return _stix_object(
        IntrusionSet,
        id=_group_id(group.slug),
        created=group.created_at,
        modified=_last_change(group, citations, *group.public_aliases, *group.public_designations),
        name=group.name,
        description=group.summary,
        aliases=[alias.name for alias in group.public_aliases],
        first_seen=_period_start(group.founded, group.founded_precision),
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
    )


def _designation(designation: Designation) -> dict:
    return _present(
        authority=designation.authority,
        listing=designation.listing,
        date=_iso_date(designation.designated, designation.designated_precision),
        date_precision=_known_precision(designation.designated, designation.designated_precision),
        description=designation.description,
    )


def _incident(attack: Attack, refs: _References) -> Incident:
    return _stix_object(
        Incident,
        id=_attack_id(attack.slug),
        created=attack.created_at,
        modified=_last_change(attack, attack.public_citations),
        name=attack.title,
        description=attack.description,
        external_references=[refs.page(attack), *refs.citations(attack.public_citations)],
        x_kb_date=_iso_date(attack.date, attack.date_precision),
        x_kb_date_precision=_known_precision(attack.date, attack.date_precision),
        x_kb_end_date=attack.end_date.isoformat() if attack.end_date else None,
        x_kb_place=attack.place,
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


def _attribution_relationship(attribution: Attribution, refs: _References) -> Relationship:
    by = f" by {attribution.attributed_by}" if attribution.attributed_by else ""
    wording = f"{_ATTRIBUTION_WORDING[attribution.kind]}{by}"
    return _stix_object(
        Relationship,
        id=_attribution_id(attribution.pk),
        created=attribution.created_at,
        modified=_last_change(attribution, attribution.public_citations),
        relationship_type="related-to",
        source_ref=_attack_id(attribution.attack.slug),
        target_ref=_group_id(attribution.group.slug),
        description=f"{wording}: {attribution.description}" if attribution.description else wording,
        external_references=refs.citations(attribution.public_citations),
        x_kb_attribution_kind=attribution.kind,
        x_kb_attributed_by=attribution.attributed_by,
    )


def _affiliation_relationship(affiliation: Affiliation, refs: _References) -> Relationship:
    return _stix_object(
        Relationship,
        id=_affiliation_id(affiliation.pk),
        created=affiliation.created_at,
        modified=_last_change(affiliation, affiliation.public_citations),
        relationship_type="related-to",
        source_ref=_group_id(affiliation.from_group.slug),
        target_ref=_group_id(affiliation.to_group.slug),
        description=affiliation.description,
        start_time=_period_start(affiliation.started, affiliation.started_precision),
        stop_time=_period_end(affiliation.ended, affiliation.ended_precision),
        external_references=refs.citations(affiliation.public_citations),
        x_kb_relationship=affiliation.kind,
        x_kb_confidence=affiliation.confidence,
        x_kb_start_time_precision=_known_precision(affiliation.started, affiliation.started_precision),
        x_kb_stop_time_precision=_known_precision(affiliation.ended, affiliation.ended_precision),
    )


def _report(source: Source, refs: _References) -> Report:
    if source.published and source.published_precision != DatePrecision.UNKNOWN:
        published, basis = _period_start(source.published, source.published_precision), "publication"
    elif source.accessed:
        published, basis = _period_start(source.accessed, DatePrecision.DAY), "accessed"
    else:
        published, basis = _to_millisecond(source.created_at), "recorded"
    title = _source_title(source, source.text_opening)
    external_references = [refs.page(source)]
    if source.url:
        external_references.append(ExternalReference(source_name=source.outlet or title, url=source.url))
    if source.archive_url:
        external_references.append(ExternalReference(source_name="archived copy", url=source.archive_url))
    return _stix_object(
        Report,
        id=_report_id(source.slug),
        created=source.created_at,
        modified=_last_change(source, source.public_citations, with_sources=False),
        name=title,
        published=published,
        object_refs=list(dict.fromkeys(_cited_object_id(citation) for citation in source.public_citations)),
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
    group = citation.group or (citation.alias.group if citation.alias_id else citation.designation.group)
    return _group_id(group.slug)


# --- Helpers --------------------------------------------------------------------------------


def _source_title(source: Source, text_opening: str) -> str:
    """`Source.display_title` from the opening of the text, which is all the export reads of it."""
    return source.title or untitled_article_title(text_opening, source.slug)


def _stix_object(stix_class: type[StixObject], **properties) -> StixObject:
    """One of our objects: by the knowledge base, its `x_kb_*` properties declared by our extension.

    Properties without a value are left out, as STIX does with what is unknown. The `x_kb_*` ones go
    in as `custom_properties`, which `stix2` writes in name order, so an object serializes the same
    in every process.
    """
    present = _present(**properties)
    present["created"], present["modified"] = _to_millisecond(present["created"]), _to_millisecond(present["modified"])
    ours = {name: present.pop(name) for name in [name for name in present if name.startswith("x_kb_")]}
    return stix_class(created_by_ref=IDENTITY_ID, extensions=_EXTENSIONS, custom_properties=ours, **present)


def _to_millisecond(moment: datetime.datetime) -> datetime.datetime:
    """STIX's precision for `created` and `modified`. Whole milliseconds always print as three digits,
    so the timestamps also compare rightly as text (".43484Z" would sort before ".434846Z")."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


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
