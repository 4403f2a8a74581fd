"""Intake reads: what a source's text names, the facts a sentence of it can be cited for, and the groups a source
names that no citation from it links yet (curation gaps)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db.models import Prefetch, QuerySet

from groups.models import Affiliation, Attribution, Group
from sources.models import Citation, Source

from .mentions import AmbiguousName, GroupMentions, MentionIndex, PossibleName, detect, known_names_index, mentioned_groups


def groups_linked_by_citations(source_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each source, the groups a citation from it links: one of a group's facts (`Citation.GROUP_PATHS`: the group
    itself, its aliases, relationships either side, designations, attributions, people, size estimates, profile
    sections), or of an attack attributed to it."""
    rows = Citation.objects.filter(source_id__in=list(source_ids)).values_list(
        "source_id", *Citation.GROUP_PATHS, "attack__attributions__group"
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
