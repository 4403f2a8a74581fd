"""Reads of groups and attacks for the public faces: public records only, with everything they render fetched up front.

Every page here runs a fixed number of queries, however many aliases, relationships,
attacks or citations a group has: related rows come in by `Prefetch`, never row by row.
"""

from __future__ import annotations

import bisect
import datetime
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchRank, TrigramSimilarity
from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Lower
from django.db.models.query import ModelIterable
from django.template.defaultfilters import pluralize
from django_countries import countries

from kb.cache import (
    depends_on_lists,
    depends_on_records,
    parts_of_loaded_records,
    reading_parts_of_loaded_records,
    showing_rows_of,
)
from kb.history import history_rows
from kb.lookups import any_of, written_once_for_ids
from kb.models import PublicationStatus
from kb.search import KeyProbe, SnippetPart, matching, query_words, snippet, words_query
from sources.markers import Run, marker_ids, paragraphs, without_markers
from sources.models import Citation
from sources.references import Note, Reference, References, SourceReferences, by_source
from sources.selectors import prefetch_public_citations, public_citations_of_public_records

from .figures.charts import AttackTimeline, attack_timeline
from .figures.graphs import EDGE_FAMILIES, FAMILY_OF_KIND, EdgeFamily, GraphOptions, RelationshipGraph, neighbourhood, relationship_graph
from .figures.maps import AttackMap, MapPoint, attack_map, locator_map
from .models import (
    ATTACK_DATE_SORT,
    ATTRIBUTION_ORDER_WITHIN_ATTACK,
    Affiliation,
    Alias,
    AliasKind,
    Attack,
    Attribution,
    Designation,
    Group,
    GroupRole,
    GroupSection,
    RoleKind,
    SearchKey,
    SizeEstimate,
)
from .normalization import COMPOUND_CANDIDATES, name_keys, normalize_name, read_compound

# --- Groups -----------------------------------------------------------------


def _newest(queryset: QuerySet, link: str, moment: str) -> Subquery:
    # The newest row first rather than Max(): an index on (link, moment) answers it in one probe per group.
    return Subquery(queryset.filter(**{link: OuterRef("pk")}).order_by(f"-{moment}").values(moment)[:1], output_field=DateTimeField())


def _profile_parts() -> list[tuple[type[Model], str]]:
    """What a group's profile shows besides the group, each with the field that links it to the group."""
    return [
        (Alias, "group"),
        (Designation, "group"),
        (Affiliation, "from_group"),
        (Affiliation, "to_group"),
        (Attribution, "group"),
        (GroupRole, "group"),
        (SizeEstimate, "group"),
        (GroupSection, "group"),
    ]


def _ever_published(model: type[Model]) -> Exists:
    """A history row of the same record with the record published: in a query of the model's rows or of its history."""
    return Exists(history_rows(model).filter(id=OuterRef("id"), publication_status=PublicationStatus.PUBLISHED))


def _shown_changes(model: type[Model]) -> tuple[QuerySet, QuerySet]:
    """The rows of a part of profiles whose `updated_at` is a change to what a profile shows (saved while public, or
    withdrawn since it was published; a draft that never was published is none), and its history's deletions of rows
    that were published once (`history_date`): an alias withdrawn or deleted changes the profile."""
    withdrawn = Q(publication_status=PublicationStatus.DRAFT) & _ever_published(model)
    saved = model.objects.filter(model.public_q() | withdrawn)
    deleted = history_rows(model).filter(_ever_published(model), history_type="-")
    return saved, deleted


def _last_updated() -> Greatest:
    """The newest change to a group or to anything its profile shows, as the change log counts them: a part
    published, changed while public, withdrawn or deleted."""
    newest = []
    for model, link in _profile_parts():
        saved, deleted = _shown_changes(model)
        newest += [_newest(saved, link, "updated_at"), _newest(deleted, f"{link}_id", "history_date")]
    return Greatest("updated_at", *newest)


def public_groups() -> QuerySet[Group]:
    """Published groups, each with `last_updated` (the newest change to the group or to anything its profile shows)
    in the query: to sort or filter by it, or to read it for every group (exports)."""
    return Group.objects.public().annotate(last_updated=_last_updated())


def groups_for_detail() -> QuerySet[Group]:
    """Published groups, each given `last_updated` once read: one query more for all of them (`last_updated_of`)."""
    groups = Group.objects.public()
    groups._iterable_class = _WithLastUpdated
    return groups


@functools.cache
def _last_updated_statement() -> tuple[str, tuple, int]:
    """`last_updated_of`'s statement, built by the ORM once: building it (sixteen subqueries) takes 15 ms, running it
    for a page of groups half a millisecond. With the position of the ids among its parameters."""
    ids: list[int] = []  # stands for the ids, found again by identity
    query = Group.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids])).annotate(last_updated=_last_updated())
    sql, params = query.values_list("pk", "last_updated").query.sql_with_params()
    return sql, params, next(number for number, param in enumerate(params) if param is ids)


def last_updated_of(group_ids: Iterable[int]) -> dict[int, datetime.datetime]:
    """`last_updated` of each group by its id, in one query."""
    sql, params, at = _last_updated_statement()
    return dict(_run(sql, (*params[:at], list(group_ids), *params[at + 1 :])))


class _WithLastUpdated(ModelIterable):
    """Groups as `groups_for_detail` and `groups_for_list` read them: `last_updated` read for the rows chosen, after
    they are."""

    def __iter__(self):
        groups = list(super().__iter__())
        if groups:
            with reading_parts_of_loaded_records():
                newest = last_updated_of(group.pk for group in groups)
            for group in groups:
                group.last_updated = newest.get(group.pk)  # (None for a group removed meanwhile)
        yield from groups


def load_group_facts(group: Group) -> Group:
    """Give `group` its public aliases (`public_aliases`), relationships both ways (`public_affiliations_from`,
    `public_affiliations_to`, each with the group at its other end) and designations (`public_designations`), and
    each of them and the group its `public_citations`: five queries with the group's, however many there are.

    The citations of all of them are one query: a citation supports exactly one record, and the conditions on the
    four columns that name them are answered together from their indexes."""
    group.public_aliases = list(Alias.objects.public().filter(group=group))
    affiliations = Affiliation.objects.public().filter(Q(from_group=group) | Q(to_group=group))
    with related_groups_shown():
        affiliations = list(affiliations.select_related("from_group", "to_group"))
    group.public_affiliations_from = [a for a in affiliations if a.from_group_id == group.pk]
    group.public_affiliations_to = [a for a in affiliations if a.to_group_id == group.pk]
    group.public_designations = list(Designation.objects.public().filter(group=group))
    for record in (*group.public_aliases, *group.public_designations):
        record.group = group
    for affiliation in group.public_affiliations_from:
        affiliation.from_group = group
    for affiliation in group.public_affiliations_to:
        affiliation.to_group = group
    cited: dict[tuple[str, int], Model] = {("group", group.pk): group}
    cited.update((("alias", alias.pk), alias) for alias in group.public_aliases)
    cited.update((("affiliation", affiliation.pk), affiliation) for affiliation in affiliations)
    cited.update((("designation", designation.pk), designation) for designation in group.public_designations)
    for record in cited.values():
        record.public_citations = []
    supports = Q(group=group)
    for name in ("alias", "affiliation", "designation"):
        if ids := [pk for kind, pk in cited if kind == name]:
            supports |= Q(**{f"{name}__in": ids})
    for citation in public_citations_of_public_records().filter(supports):
        name = next(name for name in ("group", "alias", "affiliation", "designation") if getattr(citation, f"{name}_id"))
        record = cited[(name, getattr(citation, f"{name}_id"))]
        setattr(citation, name, record)
        record.public_citations.append(citation)
    return group


def related_groups_shown():
    """Around a read of groups a page shows by their rows and relationships with each other only (names, links, dates:
    those at the other end of a profile's relationships, a theatre's map), not their aliases, attacks or citations,
    whose edits then leave the page as it is."""
    return showing_rows_of(Group, with_parts=[Affiliation])


def _fact_citation_ids(group_ids: list[int]) -> QuerySet[Citation]:
    """The ids of the citations of these groups' public roles, size estimates and sections, as one subquery.

    A union of three lookups, each answered by the index on its own column; the same three as one OR over the
    citations table would read all of it (500,000 rows at GTD scale: 60 ms a profile)."""
    citations = Citation.objects.order_by()  # ids alone: no join to their sources for an order no one reads
    roles = citations.filter(group_role__in=GroupRole.objects.public().filter(group__in=group_ids))
    estimates = citations.filter(size_estimate__in=SizeEstimate.objects.public().filter(group__in=group_ids))
    sections = citations.filter(section__in=GroupSection.objects.public().filter(group__in=group_ids))
    return roles.values("pk").union(estimates.values("pk"), sections.values("pk"), all=True)


def load_roles_size_estimates_and_sections(groups: Iterable[Group]) -> None:
    """Give each of `groups` its public roles (`public_roles`, each with its person), size estimates
    (`public_size_estimates`) and profile sections (`public_sections`), each with its `public_citations`, in one query
    however many there are.

    They are read through their citations: each is public only with a public citation (the citation rule,
    `kb.services.publishing`), so the public ones that have one are all the public ones there are."""
    by_id = {group.pk: group for group in groups}
    facts: dict[tuple[str, int], GroupRole | SizeEstimate | GroupSection] = {}
    citations = public_citations_of_public_records().filter(pk__in=_fact_citation_ids(list(by_id)))
    citations = citations.select_related("group_role__person", "size_estimate", "section")
    for citation in citations:
        name = "group_role" if citation.group_role_id else "size_estimate" if citation.size_estimate_id else "section"
        fact = facts.setdefault((name, getattr(citation, f"{name}_id")), getattr(citation, name))
        fact.__dict__.setdefault("public_citations", []).append(citation)
    for group in by_id.values():
        group.public_roles = [fact for (name, _), fact in facts.items() if name == "group_role" and fact.group_id == group.pk]
        group.public_size_estimates = [fact for (name, _), fact in facts.items() if name == "size_estimate" and fact.group_id == group.pk]
        group.public_sections = [fact for (name, _), fact in facts.items() if name == "section" and fact.group_id == group.pk]
    for fact in facts.values():
        fact.group = by_id[fact.group_id]


def groups_for_list() -> QuerySet[Group]:
    """Published groups with their public aliases (`public_aliases`) and `last_updated`, as lists show them.

    Both are read for the rows a page shows, once they are chosen (`kb.cache.reading_parts_of_loaded_records`), unless
    the list filters or sorts by `last_updated`: then it is part of the query that chooses them. So a list depends on
    the aliases and other parts of the groups it shows, and an alias edit makes stale only the lists showing its group."""
    groups = Group.objects.public().alias(last_updated=_last_updated()).prefetch_related(_prefetch_public_aliases())
    groups._iterable_class = _WithLastUpdated
    return groups


def _prefetch_public_aliases() -> Prefetch:
    return Prefetch("aliases", queryset=parts_of_loaded_records(Alias.objects.public()), to_attr="public_aliases")


def aliases_for_list() -> QuerySet[Alias]:
    """Public aliases with their group and citations."""
    return Alias.objects.public().select_related("group").prefetch_related(prefetch_public_citations())


def affiliations_for_list() -> QuerySet[Affiliation]:
    """Public relationships with the groups at both ends and their citations."""
    return Affiliation.objects.public().select_related("from_group", "to_group").prefetch_related(prefetch_public_citations())


def roles_for_list() -> QuerySet[GroupRole]:
    """Public roles with their person, group and citations."""
    return GroupRole.objects.public().select_related("person", "group").prefetch_related(prefetch_public_citations())


def size_estimates_for_list() -> QuerySet[SizeEstimate]:
    """Public size estimates with their group and citations."""
    return SizeEstimate.objects.public().select_related("group").prefetch_related(prefetch_public_citations())


def sections_for_list() -> QuerySet[GroupSection]:
    """Public profile sections with their group and own citations; `public_markers` says which markers readers may follow."""
    return GroupSection.objects.public().select_related("group").prefetch_related(prefetch_public_citations())


def public_markers(sections: Iterable[GroupSection]) -> dict[int, set[int]]:
    """For each section (by id), the citation ids its markers name that readers may follow: public, and citations of
    the section's group. One query for them all."""
    sections = list(sections)
    named = {citation_id for section in sections for citation_id in marker_ids(section.text)}
    cited = Citation.groups_cited(Citation.objects.public().filter(pk__in=named)) if named else {}
    return {section.pk: {cid for cid in marker_ids(section.text) if section.group_id in cited.get(cid, ())} for section in sections}


RECENT_CANDIDATE_ROWS = 60  # newest rows read from each part of the profiles, for `recently_updated_groups`


def recently_updated_groups(limit: int = 6) -> list[Group]:
    """The `limit` public groups whose profiles changed last (`last_updated`), newest first.

    Ordering every group by `last_updated` computes it for all of them (100 ms at GTD scale). Instead the newest rows
    of the groups and of each part of their profiles name the candidates, in one query: once a part's newest rows name
    `limit` groups, a group named only further down changed before those did, so cannot come first. Only a part whose
    newest rows name fewer groups (one group's many aliases, just imported) leaves the question open; then every
    group is ordered as before."""
    named: dict[int, set[int]] = defaultdict(set)
    read: Counter[int] = Counter()
    for part, group_id in _run(*_recent_rows_statement(RECENT_CANDIDATE_ROWS)):
        named[part].add(group_id)
        read[part] += 1
    if any(read[part] == RECENT_CANDIDATE_ROWS and len(named[part]) < limit for part in named):
        return list(public_groups().prefetch_related(_prefetch_public_aliases()).order_by("-last_updated", "-id")[:limit])
    newest = {pk: moment for pk, moment in last_updated_of(set().union(*named.values())).items() if moment is not None}
    chosen = sorted(newest, key=lambda pk: (newest[pk], pk), reverse=True)[:limit]
    found = Group.objects.public().prefetch_related(_prefetch_public_aliases()).in_bulk(chosen)
    for group in found.values():
        group.last_updated = newest[group.pk]
    return [found[pk] for pk in chosen if pk in found]


@functools.cache
def _recent_rows_statement(rows: int) -> tuple[str, tuple]:
    """(part, group id) of the `rows` newest rows of the public groups and of each part of their profiles, built
    by the ORM once: seventeen parts take it 20 ms to build, and the database a few to answer."""
    public = Group.objects.public()
    parts = [public.annotate(link=F("pk"), moment=F("updated_at"))]
    for model, link in _profile_parts():
        saved, deleted = _shown_changes(model)
        parts.append(saved.filter(**{f"{link}__in": public}).annotate(link=F(f"{link}_id"), moment=F("updated_at")))
        parts.append(deleted.filter(**{f"{link}_id__in": public}).annotate(link=F(f"{link}_id"), moment=F("history_date")))
    newest = [  # ties broken as the page breaks them, the newer group first: the order of the indexes on (moment, link)
        part.annotate(part=Value(number)).values_list("part", "link").order_by("-moment", "-link")[:rows]
        for number, part in enumerate(parts)
    ]
    return newest[0].union(*newest[1:], all=True).query.sql_with_params()


def _run(sql: str, params) -> list[tuple]:
    """Rows of a statement built once (`_last_updated_statement`, `_recent_rows_statement`), read where the ORM
    would read groups."""
    with connections[router.db_for_read(Group)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class AliasEntry:
    alias: Alias
    notes: list[Note]


@dataclass(frozen=True)
class AliasSection:
    kind_label: str
    entries: list[AliasEntry]


@dataclass
class RelationshipEntry:
    """An affiliation as it reads from one of its two groups."""

    affiliation: Affiliation
    label: str  # "branch or province of", "has as faction"
    other: Group
    direction: str  # "outgoing" when the group is the affiliation's from_group
    notes: list[Note] = field(default_factory=list)

    @property
    def family(self) -> EdgeFamily:
        """Structure, allegiance, cooperation or rivalry: the graph's colours and the profile's headings."""
        return FAMILY_OF_KIND[self.affiliation.kind]


@dataclass(frozen=True)
class AttackRole:
    attribution: Attribution
    notes: list[Note]


@dataclass(frozen=True)
class AttackEntry:
    attack: Attack
    roles: list[AttackRole]
    notes: list[Note]


@dataclass(frozen=True)
class DesignationEntry:
    designation: Designation
    notes: list[Note]


@dataclass(frozen=True)
class RoleEntry:
    role: GroupRole
    notes: list[Note]


@dataclass(frozen=True)
class SizeEntry:
    estimate: SizeEstimate
    notes: list[Note]


@dataclass(frozen=True)
class SectionEntry:
    """A profile section as readers see it: its paragraphs, each a list of runs of words and footnote markers."""

    section: GroupSection
    paragraphs: list[list[Run]]

    @property
    def anchor(self) -> str:
        return f"section-{self.section.topic}"


@dataclass
class GroupProfile:
    group: Group
    notes: dict[str, list[Note]]  # by cited field; "record" for the group as a whole
    alias_sections: list[AliasSection]
    relationships: list[RelationshipEntry]
    designations: list[DesignationEntry]
    roles: list[RoleEntry]  # leaders, founders, spokesmen…: the kinds in RoleKind's order, oldest first
    size_estimates: list[SizeEntry]  # newest first
    sections: list[SectionEntry]  # in the order of `SectionTopic`
    attacks: list[AttackEntry]  # the table's page of them
    attack_page: Page
    attack_sort: str  # a key of ATTACK_SORTS
    first_attack: Attack | None
    last_attack: Attack | None
    graph: RelationshipGraph | None
    timeline: AttackTimeline | None  # over all of the group's attacks
    attack_map: AttackMap | None  # the places of the page's attacks where known, and the countries they were in shaded
    locator_map: AttackMap | None = None  # the group's countries of operation, shaded, for the infobox
    references: list[Reference] = field(default_factory=list)

    @property
    def reference_sources(self) -> list[SourceReferences]:
        return by_source(self.references)

    INFOBOX_NAMES = 5

    @property
    def infobox_names(self) -> list[AliasEntry]:
        """The first few names, in the order of the Names section (its kinds in their order)."""
        return [entry for section in self.alias_sections for entry in section.entries][: self.INFOBOX_NAMES]

    @property
    def relationship_families(self) -> list[tuple[EdgeFamily, list[RelationshipEntry]]]:
        """The relationships under their families, in the graph legend's order (they are footnoted in this order)."""
        return [(family, entries) for family in EDGE_FAMILIES if (entries := [e for e in self.relationships if e.family == family])]

    @property
    def name_count(self) -> int:
        return sum(len(section.entries) for section in self.alias_sections)


def group_profile(
    slug: str, *, attack_page: int | str | None = 1, attack_sort: str | None = None, graph: GraphOptions | None = None
) -> GroupProfile:
    """Everything a group's public profile shows, footnoted in reading order. Raises Group.DoesNotExist.

    The attack table and its map show one page (`attack_page`) of the group's attacks; the chart by year
    covers all of them from an aggregate, so a group with 10,000 attacks costs the queries one with ten does.
    The relationship graph shows what `graph` asks for: with the groups two steps away, one query more."""
    group = load_group_facts(groups_for_detail().get(slug=slug))
    load_roles_size_estimates_and_sections([group])

    def among(group_ids: set[int]) -> list[Affiliation]:
        public = Affiliation.objects.public().filter(from_group__in=group_ids, to_group__in=group_ids)
        with related_groups_shown():
            return list(public.select_related("from_group", "to_group"))

    def touching(group_ids: set[int]) -> list[Affiliation]:
        public = Affiliation.objects.public().filter(Q(from_group__in=group_ids) | Q(to_group__in=group_ids))
        with related_groups_shown():
            return list(public.exclude(from_group=group).exclude(to_group=group).select_related("from_group", "to_group"))

    def cited_elsewhere(citation_ids: set[int]) -> list[Citation]:
        public = Citation.objects.public().filter(Citation.of_group_q(group), pk__in=citation_ids)
        return list(public.select_related("source").order_by("id"))

    attacks = group_attacks(group, attack_page, attack_sort)
    return build_profile(
        group, among_neighbours=among, touching_neighbours=touching, attacks=attacks, graph=graph, cited_elsewhere=cited_elsewhere
    )


PROFILE_ATTACKS_PER_PAGE = 25


@dataclass(frozen=True)
class AttackSort:
    """An order of a profile's attack table (`?sort=`), in SQL and for attacks already in memory (past versions)."""

    label: str
    order_by: tuple
    key: Callable[[Attack], tuple]


ATTACK_SORTS = {
    "-date": AttackSort("newest first", (F("date").desc(nulls_last=True), F("pk").desc()), lambda a: (a.date is None, -_day(a), -a.pk)),
    "date": AttackSort("oldest first", (F("date").asc(nulls_last=True), F("pk").asc()), lambda a: (a.date is None, _day(a), a.pk)),
    "title": AttackSort("by title", (Lower("title"), F("pk").asc()), lambda a: (a.title.lower(), a.pk)),
    "-killed": AttackSort(
        "most killed first", (F("killed").desc(nulls_last=True), F("pk").desc()), lambda a: (a.killed is None, -(a.killed or 0), -a.pk)
    ),
}
DEFAULT_ATTACK_SORT = "-date"


def _day(attack: Attack) -> int:
    return attack.date.toordinal() if attack.date else 0


def attack_sort(value: str | None) -> tuple[str, str]:
    """The sort a profile's `?sort=` asks for, and a message when it names none (the table is then newest first)."""
    if not value or value in ATTACK_SORTS:
        return value or DEFAULT_ATTACK_SORT, ""
    names = ", ".join(ATTACK_SORTS)
    return DEFAULT_ATTACK_SORT, f"The table cannot be sorted by “{value[:40]}”: it is sorted newest first (sorts: {names})."


@dataclass(frozen=True)
class GroupAttacks:
    """A group's attacks as its profile shows them: one page of the table, and the chart by year over them all."""

    page: Page  # of attacks, in `sort` order, each with `profile_roles` (the group's roles in it) and `public_citations`
    timeline: AttackTimeline | None
    sort: str = DEFAULT_ATTACK_SORT
    first: Attack | None = None  # the earliest and latest dated attacks, for the infobox
    last: Attack | None = None


def group_attacks(group: Group, page_number: int | str | None, sort: str | None = None) -> GroupAttacks:
    """The public attacks naming `group`: all of them read once as (id, date) in the table's order, for the chart by
    year, the page and the first and last; then the page's attacks whole. Five queries whatever their number.

    One read of every attack, not an aggregate by year and then a sorted page: for a group with 10,000 attacks each
    of those joins its attributions to 10,000 attacks (30 ms each at GTD scale), where 10,000 pairs cost a few ms."""
    # The group is public and so is every attack here: the attributions need only be published themselves.
    attacks = public_attacks().filter(any_of("pk", Attribution.objects.published().filter(group=group).values("attack_id")))
    # Newest first, undated last, as `date_sort` orders them, but in terms no index serves: walking every attack
    # by date to find this group's is slow for a group whose attacks are old; sorting its own few is not.
    sort = sort or DEFAULT_ATTACK_SORT
    ordered = list(attacks.order_by(*ATTACK_SORTS[sort].order_by).values_list("pk", "date"))
    page = Paginator([pk for pk, _ in ordered], PROFILE_ATTACKS_PER_PAGE).get_page(page_number)
    ends = _earliest_and_latest(ordered, sort)
    roles = Attribution.objects.published().filter(group=group).prefetch_related(prefetch_public_citations()).order_by("kind", "id")
    listed = public_attacks().prefetch_related(
        prefetch_public_citations(), Prefetch("attributions", queryset=roles, to_attr="profile_roles")
    )
    found = listed.in_bulk([*page.object_list, *ends])
    page.object_list = [found[pk] for pk in page.object_list]
    for attack in page:
        for attribution in attack.profile_roles:
            attribution.group = group
    first, last = (found[ends[0]], found[ends[1]]) if ends else (None, None)
    return GroupAttacks(page=page, timeline=attack_timeline(date for _, date in ordered), sort=sort, first=first, last=last)


def _earliest_and_latest(ordered: list[tuple[int, datetime.date | None]], sort: str) -> list[int]:
    """The ids of the earliest and the latest dated attacks of `ordered` ((id, date) pairs in `sort`'s order): first
    day, then lowest id; last day, then highest id. [] when none is dated. In a sort by date (either way, undated
    last, then by id the same way) these are the ends of the dated run; in any other they are looked for among all."""
    first = ATTACK_SORTS[sort].order_by[0]
    if getattr(first, "expression", None) == F("date"):
        dated = bisect.bisect_left(ordered, True, key=lambda row: row[1] is None)  # how many are dated
        ends = [ordered[0][0], ordered[dated - 1][0]] if dated else []
        return ends[::-1] if first.descending else ends
    dated = [(date, pk) for pk, date in ordered if date is not None]
    return [min(dated)[1], max(dated)[1]] if dated else []


def attacks_of_attributions(attributions: list[Attribution], page_number: int | str | None, sort: str | None = None) -> GroupAttacks:
    """The same from a group's attributions already in memory, each with its `attack` (a past version of a profile)."""
    by_attack: dict[int, list[Attribution]] = defaultdict(list)
    for attribution in sorted(attributions, key=lambda a: (a.kind, a.pk)):
        by_attack[attribution.attack_id].append(attribution)
    sort = sort or DEFAULT_ATTACK_SORT
    attacks = sorted((roles[0].attack for roles in by_attack.values()), key=ATTACK_SORTS[sort].key)
    by_date = sorted((attack for attack in attacks if attack.date), key=lambda a: (a.date, a.pk))
    for attack in attacks:
        attack.profile_roles = by_attack[attack.pk]
    return GroupAttacks(
        page=Paginator(attacks, PROFILE_ATTACKS_PER_PAGE).get_page(page_number),
        timeline=attack_timeline(attack.date for attack in attacks),
        sort=sort,
        first=by_date[0] if by_date else None,
        last=by_date[-1] if by_date else None,
    )


def build_profile(
    group: Group,
    *,
    among_neighbours: Callable[[set[int]], list[Affiliation]],
    attacks: GroupAttacks,
    touching_neighbours: Callable[[set[int]], list[Affiliation]] | None = None,
    graph: GraphOptions | None = None,
    cited_elsewhere: Callable[[set[int]], list[Citation]] | None = None,
) -> GroupProfile:
    """The profile of a group loaded as `group_profile` loads it (or as `groups.revisions` loads a past version).

    For the graph, `among_neighbours` gives the relationships among the groups whose ids it is given;
    `touching_neighbours` those of the related groups with others than `group` (for the groups two steps away,
    which `graph` may ask for; without it the graph shows one step). The sections' markers name citations of the
    group's facts, which are loaded already, or else `cited_elsewhere` reads them (an attack beyond the table's page:
    one query more, only then); without it such a marker is not drawn."""
    references = References()
    notes = references.notes_by_field(group, group.public_citations)

    alias_sections = _alias_sections(group, references)
    sections = section_entries(
        group.public_sections, references, loaded=_profile_citations(group, attacks.page), cited_elsewhere=cited_elsewhere
    )
    family_order = {family: index for index, family in enumerate(EDGE_FAMILIES)}
    relationships = sorted(relationships_of(group), key=lambda entry: family_order[entry.family])  # read by family, oldest first
    for entry in relationships:
        entry.notes = references.notes_for(entry.affiliation.public_citations, supports=str(entry.affiliation))
    designations = [
        DesignationEntry(d, references.notes_for(d.public_citations, supports=f"{d.listing} ({d.authority})"))
        for d in sorted(group.public_designations, key=lambda d: (d.designated is None, d.designated, d.authority))
    ]
    roles = [
        RoleEntry(role, references.notes_for(role.public_citations, supports=f"{role.person.name}: {role.role_display.lower()}"))
        for role in sorted(group.public_roles, key=_role_order)
    ]
    size_estimates = [
        SizeEntry(estimate, references.notes_for(estimate.public_citations, supports=f"size: {estimate.figure_display}"))
        for estimate in sorted(
            group.public_size_estimates, key=lambda e: (e.as_of is None, -(e.as_of.toordinal() if e.as_of else 0), e.low, e.pk)
        )
    ]
    attack_entries = _attack_entries(attacks.page, references)

    graph_options = graph or GraphOptions()
    direct = [entry.affiliation for entry in relationships]
    neighbour_ids = {entry.other.pk for entry in relationships}
    if not neighbour_ids:
        around = []
    elif graph_options.hops == 2 and touching_neighbours is not None:
        around = touching_neighbours(neighbour_ids)
        far_ids = {g.pk for g in neighbourhood(group, direct + around, graph_options).second}
        around += among_neighbours(far_ids) if len(far_ids) > 1 else []
    else:
        graph_options = GraphOptions(hops=1, year=graph_options.year, problems=graph_options.problems)
        around = among_neighbours(neighbour_ids)
    figure = relationship_graph(group, direct + around, url_for=Group.get_absolute_url, options=graph_options)
    return GroupProfile(
        group=group,
        notes=notes,
        alias_sections=alias_sections,
        relationships=relationships,
        designations=designations,
        roles=roles,
        size_estimates=size_estimates,
        sections=sections,
        attacks=attack_entries,
        attack_page=attacks.page,
        attack_sort=attacks.sort,
        first_attack=attacks.first,
        last_attack=attacks.last,
        graph=figure,
        timeline=attacks.timeline,
        attack_map=_attacks_map(attacks.page),
        locator_map=locator_map(country.code for country in group.countries),
        references=references.entries,
    )


def section_entries(
    sections: Iterable[GroupSection],
    references: References,
    *,
    loaded: dict[int, Citation],
    cited_elsewhere: Callable[[set[int]], list[Citation]] | None = None,
) -> list[SectionEntry]:
    """The sections in topic order, each marker of their texts a footnote of `references`: for a citation of the
    section's own, or of `loaded` (the group's other citations by id, as the page has them), or else read by
    `cited_elsewhere`. A marker of none of them (a citation not public, or not of the group) is not drawn."""
    sections = sorted(sections, key=lambda section: (section.topic_order, section.pk))
    citations = dict(loaded)
    for section in sections:
        citations.update((citation.pk, citation) for citation in getattr(section, "public_citations", ()))
    missing = {cid for section in sections for cid in marker_ids(section.text)} - set(citations)
    if missing and cited_elsewhere is not None:
        citations.update((citation.pk, citation) for citation in cited_elsewhere(missing))
    entries = []
    for section in sections:

        def notes_for(citation_id: int, section=section) -> list[Note]:
            citation = citations.get(citation_id)
            return references.notes_for([citation], supports=section.heading_display) if citation is not None else []

        entries.append(SectionEntry(section, paragraphs(section.text, notes_for)))
    return entries


def _profile_citations(group: Group, attack_page: Iterable[Attack]) -> dict[int, Citation]:
    """The public citations of the group's facts that its profile has loaded, by id (attacks' own are not the group's)."""
    facts = [
        group,
        *group.public_aliases,
        *group.public_affiliations_from,
        *group.public_affiliations_to,
        *group.public_designations,
        *group.public_roles,
        *group.public_size_estimates,
        *(attribution for attack in attack_page for attribution in attack.profile_roles),
    ]
    return {citation.pk: citation for fact in facts for citation in fact.public_citations}


def _role_order(role: GroupRole) -> tuple:
    kinds = list(RoleKind.values)
    kind = kinds.index(role.kind) if role.kind in kinds else len(kinds)
    start = role.started or role.as_of
    return (kind, start is None, start, role.person.name.casefold(), role.pk)


def _attacks_map(attacks: Iterable[Attack]) -> AttackMap | None:
    """The places of these attacks where known, over the countries they were in, shaded with how many each."""
    attacks = list(attacks)
    per_country = Counter(attack.country.code for attack in attacks if attack.country)
    shaded = {code: f"{count} attack{pluralize(count)}" for code, count in per_country.most_common()}
    return attack_map([_map_point(attack) for attack in attacks if attack.latitude is not None], shaded=shaded)


def _map_point(attack: Attack, *, link: bool = True, name: str = "") -> MapPoint:
    label = f"{attack.date_display} — {attack.place}: {attack.title}"
    return MapPoint(attack.latitude, attack.longitude, label, attack.get_absolute_url() if link else "", name=name)


def attack_place_map(attack: Attack) -> AttackMap | None:
    """Where an attack happened: its place marked and named where its coordinates are known, else its country shaded."""
    if attack.latitude is not None:
        return attack_map([_map_point(attack, link=False, name=place_name(attack))])
    return attack_map([], shaded={attack.country.code: ""} if attack.country else None)


def place_name(attack: Attack) -> str:
    """The most precise name of an attack's place: its locality, else its district, province or country."""
    return attack.locality or attack.district or attack.province or (attack.country.name if attack.country else "")


def _alias_sections(group: Group, references: References) -> list[AliasSection]:
    by_kind: dict[str, list[AliasEntry]] = defaultdict(list)
    for alias in group.public_aliases:
        by_kind[alias.kind].append(AliasEntry(alias, references.notes_for(alias.public_citations, supports=f"the name “{alias.name}”")))
    return [AliasSection(kind.label, by_kind[kind]) for kind in AliasKind if by_kind.get(kind)]


def relationships_of(group: Group) -> list[RelationshipEntry]:
    """A group's public relationships in both directions (loaded by `load_group_facts`), oldest first."""
    affiliations = sorted(
        group.public_affiliations_from + group.public_affiliations_to,
        key=lambda a: (a.started is None, a.started, a.other_group(group).name.casefold(), a.pk),
    )
    return [
        RelationshipEntry(
            affiliation=affiliation,
            label=affiliation.label_from(group),
            other=affiliation.other_group(group),
            direction="outgoing" if affiliation.from_group_id == group.pk else "incoming",
        )
        for affiliation in affiliations
    ]


def _attack_entries(attacks: Iterable[Attack], references: References) -> list[AttackEntry]:
    """One row per attack, in the order given, with every role the group is given in it (`profile_roles`)."""
    entries = []
    for attack in attacks:
        attack_notes = references.notes_for(attack.public_citations, supports=attack.title)
        roles = [
            AttackRole(attribution, references.notes_for(attribution.public_citations, supports=f"{attribution.role}: {attack.title}"))
            for attribution in attack.profile_roles
        ]
        entries.append(AttackEntry(attack=attack, roles=roles, notes=attack_notes))
    return entries


# --- Attacks ----------------------------------------------------------------


def public_attacks() -> QuerySet[Attack]:
    return Attack.objects.public().annotate(date_sort=ATTACK_DATE_SORT)


def attacks_for_list() -> QuerySet[Attack]:
    attributions = parts_of_loaded_records(Attribution.objects.public().select_related("group"))
    return public_attacks().prefetch_related(Prefetch("attributions", queryset=attributions, to_attr="public_attributions"))


# What a list of attacks shows of each (`groups.api.serializers.AttackRowsSerializer`), read as rows: at GTD scale a page
# of model instances, their prefetched attributions and groups cost more than the query that reads them.
ATTACK_ROW_FIELDS = (
    "id", "slug", "title", "date", "date_precision", "end_date", "date_earliest", "date_latest", "locality", "district",
    "province", "country", "latitude", "longitude", "attack_type", "target_type", "weapon_type", "suicide", "killed",
    "killed_qualifier", "wounded", "wounded_qualifier", "perpetrator_description", "updated_at", "date_sort",
)  # fmt: skip
ATTRIBUTION_ROW_FIELDS = ("id", "kind", "attributed_by", "group_id", "group__slug", "group__name")


def attack_rows(attacks: QuerySet[Attack]) -> QuerySet:
    """`attacks` (of `public_attacks()`, filtered) as dicts of `ATTACK_ROW_FIELDS`. A page of them goes through `shown`
    before it is shown, which gives each its attributions."""
    return attacks.values(*ATTACK_ROW_FIELDS)


def public_attack_rows() -> QuerySet:
    """`attack_rows(public_attacks())`, to filter and page: its query built once a process (the ORM took 0.13 ms to
    set up its 25 columns), copied for each use."""
    return _public_attack_rows().all()


@functools.cache
def _public_attack_rows() -> QuerySet:  # never evaluated itself: its copies are
    return attack_rows(public_attacks())


def shown(rows: list[dict]) -> list[dict]:
    """A page of `attack_rows`, each given `roles`: the attack's public attributions, as dicts of
    `ATTRIBUTION_ROW_FIELDS` in their order on the attack's page, read for the whole page by one query, as parts of the
    attacks listed (`reading_parts_of_loaded_records`). (Read in the page's query, as a JSON subquery a row, they
    cost 0.3 ms more at GTD scale.) The response being built shows these attacks and their attributions' groups as
    much as if it had loaded them (`depends_on_records`), and depends on the attributions through the attacks they
    point to."""
    by_attack = {row["id"]: row for row in rows}
    for row in rows:
        row["roles"] = []
    if by_attack:
        with reading_parts_of_loaded_records(), connections[router.db_for_read(Attribution)].cursor() as cursor:
            cursor.execute(*_attributions_of_attacks(list(by_attack)))
            for attack_id, *values in cursor.fetchall():
                by_attack[attack_id]["roles"].append(dict(zip(ATTRIBUTION_ROW_FIELDS, values, strict=True)))
    depends_on_records([*((Attack, row["id"]) for row in rows), *((Group, role["group_id"]) for row in rows for role in row["roles"])])
    return rows


_attributions_of_attacks = written_once_for_ids(
    lambda ids: (
        Attribution.objects.public(within="attack")  # of attacks listed: public
        .filter(any_of("attack_id", ids))
        .order_by("attack_id", *ATTRIBUTION_ORDER_WITHIN_ATTACK)
        .values_list("attack_id", *ATTRIBUTION_ROW_FIELDS)
    )
)


def attacks_with_facts() -> QuerySet[Attack]:
    """Public attacks with their own citations and their public attributions, each with its group and citations."""
    attributions = Attribution.objects.public().select_related("group").prefetch_related(prefetch_public_citations())
    return public_attacks().prefetch_related(
        prefetch_public_citations(),
        Prefetch("attributions", queryset=parts_of_loaded_records(attributions), to_attr="public_attributions"),
    )


def recent_attacks(limit: int = 6) -> list[Attack]:
    return list(attacks_for_list()[:limit])


@dataclass(frozen=True)
class AttackPage:
    attack: Attack
    notes: dict[str, list[Note]]
    attributions: list[AttackRole]
    references: list[Reference]
    map: AttackMap | None = None  # where it happened

    @property
    def place_name(self) -> str:
        return place_name(self.attack)

    @property
    def reference_sources(self) -> list[SourceReferences]:
        return by_source(self.references)


def attack_page(key: str) -> AttackPage:
    """A published attack by slug (or by id, for short links) with every attribution side by side. Raises Attack.DoesNotExist."""
    attack = (
        Attack.objects.public()
        .prefetch_related(
            prefetch_public_citations(),
            Prefetch(
                "attributions",
                queryset=Attribution.objects.public().select_related("group").prefetch_related(prefetch_public_citations()),
                to_attr="public_attributions",
            ),
        )
        .get_by_slug_or_id(key)
    )
    references = References()
    notes = references.notes_by_field(attack, attack.public_citations)
    attributions = [
        AttackRole(attribution, references.notes_for(attribution.public_citations, supports=f"{attribution.phrase} {attribution.group}"))
        for attribution in attack.public_attributions
    ]
    return AttackPage(attack=attack, notes=notes, attributions=attributions, references=references.entries, map=attack_place_map(attack))


# --- Search -----------------------------------------------------------------


@dataclass(frozen=True)
class GroupMatch:
    group: Group
    matched_name: str  # the name or alias that matched, when it is not the group's own name
    exact: bool
    approximate: bool  # found by a similar spelling only
    other_names: list[str]  # the group's first aliases in alphabetical order, one more than are shown

    @property
    def aliases(self) -> list[str]:
        """The group's other names to list with it: the first few."""
        return self.other_names[:SEARCH_ALIASES_SHOWN]

    @property
    def more_aliases(self) -> bool:
        return len(self.other_names) > SEARCH_ALIASES_SHOWN


SEARCH_CANDIDATE_NAMES = 500  # the best-ranked names read to find the best `limit` groups
SEARCH_ALIASES_SHOWN = 8  # other names listed with each group found
SEARCH_SHORT_KEY = 8  # characters of a search key below which many keys hold it
TRIGRAM_LENGTH = 3  # characters of a key below which no trigram index finds the keys that hold it


def search_groups(query: str, *, limit: int = 50) -> list[GroupMatch]:
    """Groups known by a name like `query`, exact name or alias matches first.

    Names and queries meet on their search key (`normalize_name`): case, accents, hyphens,
    spacing and common transliteration variants are folded, so "tehreek e taliban" finds
    "Tehrik-e-Taliban Pakistan" and "IS-K" and "isk" are one name. After exact matches come
    names that start with the query, then names that contain it, then near spellings (trigram similarity).

    Names are ranked, not groups, and names by their search keys: the distinct keys of all names (`SearchKey`,
    a sixth as many as the names at GTD scale) that the trigram index finds (LIKE '%key%', then pg_trgm's %
    operator for those of a similar spelling only) are ranked, then the public names with the first keys are
    read in that order, and each group takes the rank of its best name. No per-group subquery, at any number of
    aliases; the similar spellings are read only when the names that hold the key leave room for them.

    A query of several words that no name is exactly is read as the mention detector reads the same spelling in an
    article (`read_compound`, up to five more queries): "ISIS-K" is ISKP, as another name of the Islamic State
    with the same "K" ("IS-K") says, and the one group it names comes first.
    """
    parts = name_keys(query)
    key = "".join(parts)
    if not key:
        return []
    rank = {
        "tier": _tier((Q(key=key), 0), (Q(key__startswith=key), 1), (Q(key__contains=key), 2), default=3),
        "similarity": TrigramSimilarity("key", key),
    }
    containing, similar = Q(key__contains=key), Q(key__trigram_similar=key)
    # The keys are no curated table: a search whose key matched none read no name, yet depends on every name.
    depends_on_lists(Group, Alias)
    # The keys that hold the query rank before those of a similar spelling only: a short query ("jau") is held by
    # enough keys that similar ones, thousands of candidates to rank, are read only if they are not. A longer query
    # is held by few keys: both are ranked at once, one statement rather than two.
    if len(key) < TRIGRAM_LENGTH:  # no trigram in it to find the keys that hold it: those that start with it first, from their index
        starting = Q(key__startswith=key)
        passes = (starting, containing & ~starting, similar & ~containing)
    elif len(key) < SEARCH_SHORT_KEY:
        passes = (containing, similar & ~containing)
    else:
        passes = (containing | similar,)
    ordered_keys = SearchKey.objects.annotate(**rank).order_by("tier", "-similarity", "key")
    ranked_keys = [ordered_keys.filter(found_by_key) for found_by_key in passes]  # querysets: read only when asked
    best: dict[int, tuple[str, int]] = {}  # group id → its best name and that name's tier
    for group_id, name, tier in _public_names_in_rank_order(ranked_keys, SEARCH_CANDIDATE_NAMES):
        best.setdefault(group_id, (name, tier))
        if len(best) == limit:  # no more names are read
            break
    if len(parts) > 1 and not any(tier == 0 for _, tier in best.values()):
        # No name is the whole query ("ISIS-K", "Tehrik-i-Taliban"): read it as the mention detector reads it in an article.
        read = read_compound(parts, _PublicNames())
        if len(read) == 1:
            (group_id,) = read
            name, tier = best.pop(group_id, ("", 1))
            best = {group_id: (name, min(tier, 1)), **best}
    # With each group, a few of its other names, not all: a group may go by hundreds. Each group's first few are read
    # from `alias_group_name_idx` in order and no further, as names: no alias is built to be shown by its name alone.
    first_names = Alias.objects.published().filter(group=OuterRef("pk")).order_by(Lower("name"), "id").values("name")
    found = (
        Group.objects.public()
        .only("name", "slug", "kind")  # kind: the badge beside the name
        .annotate(other_names=ArraySubquery(first_names[: SEARCH_ALIASES_SHOWN + 1]))
        .in_bulk(best)
    )
    return [
        GroupMatch(
            found[group_id],
            "" if name == found[group_id].name else name,
            exact=tier == 0,
            approximate=tier == 3,
            other_names=found[group_id].other_names,
        )
        for group_id, (name, tier) in best.items()
    ]


def _public_names_in_rank_order(ranked_keys: Iterable[QuerySet], count: int) -> Iterator[tuple[int, str, int]]:
    """(group id, name, its key's tier) of the first `count` public names, by the rank of their keys (`ranked_keys`,
    querysets of `SearchKey` read one after the other), then by their group's name; read as they are asked for.

    Keys come `SEARCH_CANDIDATE_NAMES` at a time, for keys of drafts or of names since renamed find no public name;
    their names a few keys first (`_first_few_then_more`)."""
    for ranked in ranked_keys:
        offset = 0
        while True:
            keys = dict(ranked.values_list("key", "tier")[offset : offset + SEARCH_CANDIDATE_NAMES])
            for batch in _first_few_then_more(list(keys)):
                for group_id, name, normalized_name in _public_names_by_rank(batch, count):
                    yield group_id, name, keys[normalized_name]
                    count -= 1
                    if not count:
                        return
            if len(keys) < SEARCH_CANDIDATE_NAMES:
                break
            offset += len(keys)


def _first_few_then_more(keys: list[str], first: int = 25) -> Iterator[list[str]]:
    """The keys in their order, 25 first, then four times as many each time: a short query's first keys ("jamat")
    have enough names between them, where reading the names of all 500 of its keys took 150 ms at GTD scale."""
    start, size = 0, first
    while start < len(keys):
        yield keys[start : start + size]
        start, size = start + size, size * 4


def _public_names_by_rank(keys: list[str], count: int) -> list[tuple[int, str, str]]:
    """(group id, name, its key) of the first `count` public group names and aliases with these keys, in the keys'
    order, then by the group's name, then by name (a group's spellings of one key, "Harkat-e Abbas" and
    "Harrkat-e-Abbas", always in the same order)."""
    return [row[:3] for row in _names_in_rank_order(keys, limit=count)]


def _names_to_rank() -> tuple[QuerySet, QuerySet]:
    """(group id, name, search key, group's name in lower case) of the public group names and of the public aliases."""
    group_names = Group.objects.public().annotate(group_id=F("pk"), sort_name=Lower("name"))
    alias_names = Alias.objects.public().annotate(sort_name=Lower("group__name"))
    columns = ("group_id", "name", "normalized_name", "sort_name")
    return tuple(queryset.order_by().values_list(*columns) for queryset in (group_names, alias_names))


_names_in_rank_order = KeyProbe(_names_to_rank, "normalized_name", then=("sort_name", "group_id", "name"))


class _PublicNames:
    """Public group names and aliases by search key, as `read_compound` looks them up (one query a lookup, one index
    probe a key: a compound may be tried after each of the thousands of names of a group)."""

    def groups_named(self, keys: Iterable[str]) -> dict[str, set[int]]:
        found: dict[str, set[int]] = {}
        for key, group_id in _names_with_keys(keys):
            found.setdefault(key, set()).add(group_id)
        return found

    def compounds(self, group_ids: Iterable[int], rest: str) -> set[str]:
        """`key + rest` for the keys of the groups' names. Groups of hundreds of names each give thousands, each then
        looked up (35 ms for "Ansar al-Furqan in …" at a million aliases); a rest of three characters or more is held
        by few search keys, which the trigram index finds, and only the names they begin with are kept. Every key a
        name has is a search key, so no compound that names something is left out."""
        group_ids = list(group_ids)
        group_names, alias_names = self._names()
        keys = {key for key, _ in group_names.filter(pk__in=group_ids).union(alias_names.filter(group__in=group_ids))}
        if len(keys) > COMPOUND_PROBES and len(rest) >= TRIGRAM_LENGTH:
            holding = list(SearchKey.objects.filter(key__contains=rest).values_list("key", flat=True)[: COMPOUND_KEYS_READ + 1])
            if len(holding) <= COMPOUND_KEYS_READ:
                keys &= {key[:at] for key in holding for at in _occurrences(key, rest)}
        return {key + rest for key in keys}

    def names_starting_with(self, prefixes: Iterable[str]) -> list[tuple[str, int]]:
        return _names_starting_with(prefixes)

    @staticmethod
    def _names() -> tuple[QuerySet, QuerySet]:
        """(search key, group id) of the public group names and of the public aliases."""
        return (
            Group.objects.public().order_by().values_list("normalized_name", "pk"),
            Alias.objects.public().order_by().values_list("normalized_name", "group_id"),
        )


_names_with_keys = KeyProbe(_PublicNames._names, "normalized_name")
_names_starting_with = KeyProbe(_PublicNames._names, "normalized_name", starting=True, limit=COMPOUND_CANDIDATES + 1)


COMPOUND_PROBES = 200  # compounds of a group's names looked up as they are: more, and those no search key holds are left out
COMPOUND_KEYS_READ = 1000  # search keys read that hold the rest of a compound: more, and every compound is looked up


def _occurrences(text: str, part: str) -> Iterator[int]:
    """Where `part` begins in `text`, overlapping occurrences included."""
    at = text.find(part)
    while at != -1:
        yield at
        at = text.find(part, at + 1)


def _tier(*tiers: tuple[Q, int], default: int) -> Case:
    return Case(*(When(condition, then=Value(rank)) for condition, rank in tiers), default=Value(default), output_field=IntegerField())


def search_people(query: str, *, limit: int = 20) -> list[GroupRole]:
    """The public roles of the people whose name holds `query`, spelling folded as for groups: a leader's name finds the
    groups they had roles in. One query."""
    key = normalize_name(query)
    if not key:
        return []
    roles = GroupRole.objects.public().filter(person__normalized_name__contains=key).select_related("person", "group")
    return list(roles.order_by(Lower("person__name"), "person_id", Lower("group__name"), "kind", "id")[:limit])


@dataclass(frozen=True)
class SectionMatch:
    """A profile section whose words a search found: where it is (`section.get_absolute_url`, its anchor on the
    profile) and a few lines of its text with the words found marked."""

    section: GroupSection
    snippet: list[SnippetPart]


def search_sections(query: str, *, limit: int = 20) -> list[SectionMatch]:
    """The public profile sections with every word of `query` (or the beginning of it) in their heading or text, the
    best ranked first (`ts_rank`), each with its group. One query, through the GIN index of its `search_document`.

    Only what readers see is searched: published sections of public groups, as published (an edit awaiting review is
    a `PendingChange`, not the row), and their words without the citation markers."""
    words = query_words(query)
    ranked_by = words_query(words)
    if ranked_by is None:
        return []
    sections = GroupSection.objects.public().select_related("group").only("topic", "heading", "text", "group__name", "group__slug")
    found = matching(sections, words).annotate(rank=SearchRank(F("search_document"), ranked_by))
    return [
        SectionMatch(section, snippet(without_markers(section.text, keeping=set()), words))
        for section in found.order_by("-rank", Lower("group__name"), "id")[:limit]
    ]


def search_attacks(query: str, *, limit: int = 20) -> list[Attack]:
    """Attacks with every word of `query` in their title, place or description; a country's name finds the attacks in it."""
    words = query_words(query)
    if not words:
        return []

    def in_country(text: str) -> Q:
        code = countries.by_name(text)
        return Q(country=code) if code else Q(pk__in=[])

    return list(matching(attacks_for_list(), words, also=in_country, or_=in_country(query.strip()))[:limit])


# --- Editors' preview (the admin; drafts included) ---------------------------------------------------------------

SECTION_PREVIEW_CITATIONS = 200  # of a group's citations listed beside a section for its markers


@dataclass(frozen=True)
class PreviewFootnote:
    reference: Reference
    public: bool  # whether readers would see it now: the citation, its source and what it supports published


@dataclass(frozen=True)
class SectionPreview:
    """A section as readers will see it, drafts included: its paragraphs with numbered footnotes, the quotes they lead
    to (each saying whether readers would see it now), and the group's citations its markers may name."""

    entry: SectionEntry
    footnotes: list[PreviewFootnote]
    group_citations: list[Citation]  # the first SECTION_PREVIEW_CITATIONS, by id
    more_citations: bool


def section_preview(section: GroupSection) -> SectionPreview:
    """`section` as it stands (for an editor, the version awaiting review) drawn with every citation of its group its
    markers name, published or not. Four queries."""
    of_group = Citation.objects.filter(any_of("pk", Citation.ids_of_group(section.group_id))).select_related("source")
    ids = marker_ids(section.text)
    cited = {citation.pk: citation for citation in of_group.filter(pk__in=ids)}
    public = set(Citation.objects.public().filter(pk__in=list(cited)).values_list("pk", flat=True)) if cited else set()
    references = References()
    (entry,) = section_entries([section], references, loaded=cited)
    listed = list(of_group.order_by("id")[: SECTION_PREVIEW_CITATIONS + 1])
    return SectionPreview(
        entry=entry,
        footnotes=[PreviewFootnote(reference, reference.citation.pk in public) for reference in references.entries],
        group_citations=listed[:SECTION_PREVIEW_CITATIONS],
        more_citations=len(listed) > SECTION_PREVIEW_CITATIONS,
    )
