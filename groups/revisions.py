"""A profile's public revisions: what changed and when, and the profile as it was at any of those moments.

Both are read from the history tables. A revision is identified by its moment (UTC, to the
microsecond), so a "cite this version" link renders the same profile forever. Only what was
public at that moment is shown, and no editor is named.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from kb.models import PublicationStatus
from sources.models import Citation, Source

from .models import Affiliation, Alias, Attack, Attribution, Designation, Group

PUBLISHED = PublicationStatus.PUBLISHED
REVISION_FORMAT = "%Y%m%dT%H%M%S%fZ"  # 20261121T052345248029Z: sortable, no characters a URL must escape


def revision_key(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime(REVISION_FORMAT)


def parse_revision_key(key: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(key, REVISION_FORMAT).replace(tzinfo=datetime.UTC)
    except ValueError:
        return None


def _as_of(model, moment, **lookups) -> list:
    """The published records of `model` as they were at `moment`, as model instances."""
    return list(model.history.as_of(moment).filter(publication_status=PUBLISHED, **lookups))


def group_as_of(slug: str, moment: datetime.datetime) -> Group:
    """The published group with this slug as it was at `moment`, with what its profile showed loaded as the
    live selectors load it (`public_aliases`, `public_citations`…). Raises Group.DoesNotExist."""
    group = next(iter(_as_of(Group, moment, slug=slug)), None)
    if group is None:
        raise Group.DoesNotExist(f"No published group {slug!r} at {moment}.")

    aliases = _as_of(Alias, moment, group_id=group.pk)
    outgoing = _as_of(Affiliation, moment, from_group_id=group.pk)
    incoming = _as_of(Affiliation, moment, to_group_id=group.pk)
    designations = _as_of(Designation, moment, group_id=group.pk)
    attributions = _as_of(Attribution, moment, group_id=group.pk)
    related_ids = {a.to_group_id for a in outgoing} | {a.from_group_id for a in incoming}
    groups = {g.pk: g for g in _as_of(Group, moment, id__in=related_ids)} | {group.pk: group}
    attacks = {a.pk: a for a in _as_of(Attack, moment, id__in={a.attack_id for a in attributions})}

    outgoing = [a for a in outgoing if a.to_group_id in groups]
    incoming = [a for a in incoming if a.from_group_id in groups]
    attributions = [a for a in attributions if a.attack_id in attacks]
    for affiliation in outgoing + incoming:
        affiliation.from_group, affiliation.to_group = groups[affiliation.from_group_id], groups[affiliation.to_group_id]
    for attribution in attributions:
        attribution.attack, attribution.group = attacks[attribution.attack_id], group

    cited = {
        "group": [group],
        "alias": aliases,
        "affiliation": outgoing + incoming,
        "designation": designations,
        "attack": list(attacks.values()),
        "attribution": attributions,
    }
    condition = Q()
    for name, records in cited.items():
        condition |= Q(**{f"{name}_id__in": [record.pk for record in records]})
    citations = list(Citation.history.as_of(moment).filter(condition, publication_status=PUBLISHED).order_by("id"))
    sources = {s.pk: s for s in _as_of(Source, moment, id__in={c.source_id for c in citations})}
    by_target: dict[tuple[str, int], list[Citation]] = defaultdict(list)
    for citation in citations:
        if citation.source_id in sources:
            citation.source = sources[citation.source_id]
            name = next(name for name in cited if getattr(citation, f"{name}_id"))
            by_target[(name, getattr(citation, f"{name}_id"))].append(citation)
    for name, records in cited.items():
        for record in records:
            record.public_citations = by_target[(name, record.pk)]

    group.last_updated = moment
    group.public_aliases = sorted(aliases, key=lambda a: (a.name.casefold(), a.pk))
    group.public_affiliations_from, group.public_affiliations_to = outgoing, incoming
    group.public_designations = designations
    group.public_attributions = sorted(attributions, key=lambda a: (a.attack_id, a.kind, a.pk))
    return group


@dataclass
class Revision:
    moment: datetime.datetime
    changes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return revision_key(self.moment)


# What a profile shows, and how to name a record of each kind in the change log (`names` holds the public
# groups' and attacks' names: a draft is never named).
_SHOWN = (
    (Group, "id", lambda r, names: "the group's record"),
    (Alias, "group_id", lambda r, names: f"the name “{r.name}”"),
    (
        Affiliation,
        "from_group_id",
        lambda r, names: f"the relationship “{r.get_kind_display()} {names.get(('group', r.to_group_id), 'another group')}”",
    ),
    (
        Affiliation,
        "to_group_id",
        lambda r, names: f"the relationship with {names.get(('group', r.from_group_id), 'another group')} ({r.get_kind_display()})",
    ),
    (Designation, "group_id", lambda r, names: f"the designation by {r.authority}"),
    (
        Attribution,
        "group_id",
        lambda r, names: f"the group's role in “{names.get(('attack', r.attack_id), 'an attack')}” ({r.get_kind_display().lower()})",
    ),
)
# Changes within this span (one save with its inline rows) make one revision.
_SAME_REVISION = datetime.timedelta(seconds=2)


def profile_revisions(group: Group, *, limit: int = 200) -> list[Revision]:
    """The public changes to what the group's profile shows, newest first: what was published, changed while
    published, unpublished or deleted. The group's record and its aliases, relationships, designations and roles."""
    rows_by_kind = [
        (model, name, list(model.history.filter(**{link: group.pk}).order_by("id", "history_date", "history_id")))
        for model, link, name in _SHOWN
    ]
    group_ids = {row.to_group_id for model, _, rows in rows_by_kind if model is Affiliation for row in rows}
    group_ids |= {row.from_group_id for model, _, rows in rows_by_kind if model is Affiliation for row in rows}
    attack_ids = {row.attack_id for model, _, rows in rows_by_kind if model is Attribution for row in rows}
    names = {("group", pk): name for pk, name in Group.objects.public().filter(pk__in=group_ids).values_list("pk", "name")}
    names |= {("attack", pk): title for pk, title in Attack.objects.public().filter(pk__in=attack_ids).values_list("pk", "title")}
    entries: list[tuple[datetime.datetime, str]] = []
    for model, name, rows in rows_by_kind:
        previous = None
        for row in rows:
            if previous is None or previous.id != row.id:
                previous = None
            description = _describe(model, row, previous, name(row, names))
            if description:
                entries.append((row.history_date, description))
            previous = row
    entries.sort(key=lambda entry: entry[0], reverse=True)
    revisions: list[Revision] = []
    for moment, description in entries:
        if revisions and revisions[-1].moment - moment <= _SAME_REVISION:
            if description not in revisions[-1].changes:
                revisions[-1].changes.append(description)
        else:
            revisions.append(Revision(moment=moment, changes=[description]))
    return revisions[:limit]


def _describe(model, row, previous, label: str) -> str:
    was_public = previous is not None and previous.history_type != "-" and previous.publication_status == PUBLISHED
    is_public = row.history_type != "-" and row.publication_status == PUBLISHED
    if is_public and not was_public:
        return f"Published {label}" if model is not Group else "Profile published"
    if was_public and not is_public:
        return f"Removed {label}" if model is not Group else "Profile withdrawn"
    if was_public and is_public:
        changed = [change.field for change in row.diff_against(previous).changes if change.field not in ("updated_at", "normalized_name")]
        if changed:
            fields = ", ".join(str(model._meta.get_field(name).verbose_name) for name in changed)
            return f"Changed {label}: {fields}"
    return ""


def group_profile_as_of(slug: str, moment: datetime.datetime, *, attack_page: int | str | None = 1):
    """The profile as it was at `moment`. Raises Group.DoesNotExist when the group was not public then."""
    from .selectors import attacks_of_attributions, build_profile

    group = group_as_of(slug, moment)
    neighbours = {a.other_group(group).pk: a.other_group(group) for a in group.public_affiliations_from + group.public_affiliations_to}

    def among(neighbour_ids: set[int]) -> list[Affiliation]:
        affiliations = _as_of(Affiliation, moment, from_group_id__in=neighbour_ids, to_group_id__in=neighbour_ids)
        for affiliation in affiliations:
            affiliation.from_group, affiliation.to_group = neighbours[affiliation.from_group_id], neighbours[affiliation.to_group_id]
        return affiliations

    return build_profile(group, among_neighbours=among, attacks=attacks_of_attributions(group.public_attributions, attack_page))
