"""Reads of sources and citations for the public faces: public records only, with what they render fetched up front."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from groups.models import Affiliation, Attribution, Group
from kb.search import matching, query_words

from .mentions import AmbiguousName, GroupMentions, MentionIndex, PossibleName, detect, known_names_index, mentioned_groups
from .models import SOURCE_SEARCH_DOCUMENT, Citation, Source
from .references import field_label
from .text import canonicalize_url, fold_text, text_fingerprint

CITATION_ORDER = ("source__published", "source_id", "id")


def public_citations() -> QuerySet[Citation]:
    """Citations a reader may see, with their source."""
    return Citation.objects.public().select_related("source").order_by(*CITATION_ORDER)


def public_sources() -> QuerySet[Source]:
    return Source.objects.published()


def sources_for_list() -> QuerySet[Source]:
    """Public sources, each with how many public quotes cite it: counted for the rows of a page only, not for every source."""
    cited = Citation.objects.public().filter(source=OuterRef("pk")).order_by().values("source").annotate(count=Count("pk")).values("count")
    return public_sources().annotate(public_citation_count=Coalesce(Subquery(cited, output_field=IntegerField()), 0))


# What each kind of cited fact needs loaded to be named and linked on a source's page.
_TARGET_RELATIONS = {
    "group": ("group",),
    "alias": ("alias__group",),
    "affiliation": ("affiliation__from_group", "affiliation__to_group"),
    "designation": ("designation__group",),
    "attack": ("attack",),
    "attribution": ("attribution__attack", "attribution__group"),
}


@dataclass(frozen=True)
class CitedFact:
    """A fact a quote supports, named for a reader and linked to the page that shows it."""

    kind: str
    label: str
    url: str
    supports: str  # the field the quote supports ("founded"), or "" for the whole record


@dataclass
class QuotedPassage:
    quote: str
    locator: str
    position: int  # where the quote starts in the article, for reading order
    facts: list[CitedFact] = field(default_factory=list)


@dataclass(frozen=True)
class SourcePage:
    source: Source
    passages: list[QuotedPassage]

    @property
    def fact_count(self) -> int:
        return len({(fact.kind, fact.label) for passage in self.passages for fact in passage.facts})


def source_page(key: str) -> SourcePage:
    """A published source by slug (or by id, for short links) with its public quotes, in the article's order, and the facts they support."""
    source = public_sources().get_by_slug_or_id(key)
    citations = (
        Citation.objects.public()
        .filter(source=source)
        .select_related(*(relation for relations in _TARGET_RELATIONS.values() for relation in relations))
        .order_by("id")
    )
    folded_text = fold_text(source.text)
    passages: dict[tuple[str, str], QuotedPassage] = {}
    for citation in citations:
        folded_quote = fold_text(citation.quote)
        passage = passages.get((folded_quote, citation.locator))
        if passage is None:
            passage = QuotedPassage(quote=citation.quote, locator=citation.locator, position=folded_text.find(folded_quote))
            passages[(folded_quote, citation.locator)] = passage
        passage.facts.append(cited_fact(citation))
    return SourcePage(source=source, passages=sorted(passages.values(), key=lambda passage: passage.position))


def cited_fact(citation: Citation) -> CitedFact:
    target = citation.target
    kind = type(target)._meta.verbose_name
    if citation.group_id:
        label, url = target.name, target.get_absolute_url()
    elif citation.alias_id:
        label, url = f"“{target.name}”, a name of {target.group.name}", target.group.get_absolute_url()
    elif citation.affiliation_id:
        label, url = str(target), target.from_group.get_absolute_url()
    elif citation.designation_id:
        label, url = f"{target.group.name}: {target.listing} ({target.authority})", target.group.get_absolute_url()
    elif citation.attack_id:
        label, url = target.title, target.get_absolute_url()
    else:
        label, url = f"{target.phrase} {target.group.name}: {target.attack.title}", target.attack.get_absolute_url()
    return CitedFact(kind=kind, label=label, url=url, supports=field_label(type(target), citation.field))


def prefetch_public_citations(prefix: str = "") -> Prefetch:
    """Prefetch into `.public_citations` the public citations of records that are public themselves.

    Under a public record a citation is public when it and its source are published. Checking only
    that, rather than `Citation.public_q` (which joins every kind of record a citation can support),
    keeps each prefetch a two-table query that Postgres plans in a fraction of a millisecond.
    """
    citations = Citation.objects.published().filter(Source.public_q("source__")).select_related("source")
    return Prefetch(f"{prefix}citations", queryset=citations.order_by(*CITATION_ORDER), to_attr="public_citations")


def search_sources(query: str, *, limit: int = 20) -> list[Source]:
    """Published sources with every word of `query` in their title or outlet."""
    words = query_words(query)
    if not words:
        return []
    return list(matching(public_sources(), SOURCE_SEARCH_DOCUMENT, words)[:limit])


# --- Intake: what editors see when a source comes in (the admin; drafts included) -----------------------


@dataclass(frozen=True)
class AlreadyRecorded:
    source: Source
    same: str  # "URL" or "text"


def source_already_recorded(*, url: str, text: str, excluding_pk: int | None = None) -> AlreadyRecorded | None:
    """The source recorded with the same canonical URL, or else the same text (whitespace and quote marks aside)."""
    others = Source.objects.exclude(pk=excluding_pk) if excluding_pk else Source.objects.all()
    url = canonicalize_url(url)
    if url and (match := others.filter(url=url).order_by("id").first()):
        return AlreadyRecorded(match, "URL")
    if fold_text(text) and (match := others.filter(text_hash=text_fingerprint(text)).order_by("id").first()):
        return AlreadyRecorded(match, "text")
    return None


def groups_linked_by_citations(source_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each source, the groups a citation from it links: one citing the group itself, one of its aliases,
    relationships (either side), designations or attributions, or an attack attributed to it."""
    rows = Citation.objects.filter(source_id__in=list(source_ids)).values_list(
        "source_id",
        "group_id",
        "alias__group_id",
        "affiliation__from_group_id",
        "affiliation__to_group_id",
        "designation__group_id",
        "attribution__group_id",
        "attack__attributions__group_id",
    )
    linked: dict[int, set[int]] = {}
    for source_id, *group_ids in rows:
        linked.setdefault(source_id, set()).update(group_id for group_id in group_ids if group_id is not None)
    return linked


@dataclass(frozen=True)
class CitableFact:
    """A record a quote can be cited for, as a choice: `value` is "<kind>:<id>" (kind: a citation target field)."""

    kind: str
    id: int
    label: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.id}"


def citable_facts(group_ids: Iterable[int]) -> dict[int, tuple[Group, list[CitableFact]]]:
    """Each group with everything of it a citation can support: the group, its aliases, relationships,
    designations, attributions and the attacks attributed to it. Seven queries, however many groups."""
    groups = Group.objects.filter(pk__in=list(group_ids)).prefetch_related(
        "aliases",
        Prefetch("affiliations_from", queryset=Affiliation.objects.select_related("to_group")),
        Prefetch("affiliations_to", queryset=Affiliation.objects.select_related("from_group")),
        "designations",
        Prefetch("attributions", queryset=Attribution.objects.select_related("attack")),
    )
    facts = {}
    for group in groups:
        listed = [CitableFact("group", group.pk, f"Group: {group.name}")]
        listed += [CitableFact("alias", alias.pk, f"Alias: {alias.name}") for alias in group.aliases.all()]
        affiliations = sorted([*group.affiliations_from.all(), *group.affiliations_to.all()], key=lambda a: a.pk)
        listed += [CitableFact("affiliation", affiliation.pk, f"Relationship: {affiliation}") for affiliation in affiliations]
        listed += [CitableFact("designation", d.pk, f"Designation: {d.listing} ({d.authority})") for d in group.designations.all()]
        attributions = group.attributions.all()
        attacks = {attribution.attack_id: attribution.attack for attribution in attributions}
        listed += [CitableFact("attack", attack.pk, f"Attack: {attack.title}") for attack in attacks.values()]
        listed += [CitableFact("attribution", a.pk, f"Attribution: {a.attack.title} — {a.phrase} {group.name}") for a in attributions]
        facts[group.pk] = (group, listed)
    return facts


@dataclass
class MentionedGroup:
    group: Group
    found: GroupMentions
    facts: list[CitableFact]
    linked: bool  # a citation from this source links the group already


@dataclass
class SharedNameMention:
    found: AmbiguousName
    groups: list[Group]
    facts: list[CitableFact]


@dataclass
class SourceMentions:
    source: Source
    groups: list[MentionedGroup]
    ambiguous: list[SharedNameMention]
    possible_names: list[PossibleName]


def source_mentions(source: Source) -> SourceMentions:
    """What a source's text names, with each group's citable facts and whether this source is cited for it yet."""
    detection = detect(source.text)
    candidate_ids = {group.id for shared in detection.ambiguous for group in shared.candidates}
    facts = citable_facts(detection.group_ids | candidate_ids)
    linked = groups_linked_by_citations([source.pk]).get(source.pk, set())
    groups = [
        MentionedGroup(facts[entry.group.id][0], entry, facts[entry.group.id][1], entry.group.id in linked)
        for entry in detection.groups
        if entry.group.id in facts  # a group deleted since the index was built
    ]
    ambiguous = []
    for shared in detection.ambiguous:
        candidates = [facts[group.id] for group in shared.candidates if group.id in facts]
        ambiguous.append(
            SharedNameMention(shared, [group for group, _ in candidates], [fact for _, listed in candidates for fact in listed])
        )
    return SourceMentions(source, groups, ambiguous, detection.possible_names)


@dataclass
class SourceGaps:
    source: Source
    gaps: list[GroupMentions]  # groups the text names that no citation from the source links, in the order it names them


def curation_gaps(sources: QuerySet[Source], *, index: MentionIndex | None = None, chunk_size: int = 500) -> Iterator[SourceGaps]:
    """Every source, with the groups its text names for sure (shared names aside) that no citation from it links
    (`groups_linked_by_citations` says what links a group). Two queries per `chunk_size` sources."""
    index = known_names_index() if index is None else index
    rows = sources.only("id", "slug", "title", "outlet", "text", "published", "published_precision").iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        linked = groups_linked_by_citations(source.pk for source in chunk)
        for source in chunk:
            named = mentioned_groups(source.text, index)
            yield SourceGaps(source, [entry for entry in named if entry.group.id not in linked.get(source.pk, set())])
