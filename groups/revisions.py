"""A profile's public revisions: what changed and when, and the profile as it was at any of those moments.

Both are read from the history tables. A revision is identified by its moment (UTC, to the
microsecond), so a "cite this version" link renders the same profile, until the version is
withdrawn: every version once the group is unpublished or deleted (unless a Reviewer keeps them
readable), or one version a Reviewer withdrew (`ProfileVersionDecision`). Only what was public
at that moment is shown, by `public()`'s rule as it stood then (`PublicHistory`), and no editor
is named.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from kb.cache import cached_value, depends_on_records
from kb.dates import moment_key, parse_moment_key
from kb.models import PublicationStatus, as_id
from sources.models import Citation, Source

from .models import (
    Affiliation,
    Alias,
    Attack,
    Attribution,
    Designation,
    Group,
    GroupRole,
    GroupSection,
    Person,
    ProfileVersionDecision,
    SizeEstimate,
    VersionDecision,
)

PUBLISHED = PublicationStatus.PUBLISHED


def _as_of(model, moment, **lookups) -> list:
    """The published records of `model` as they were at `moment`, as model instances."""
    return list(model.history.as_of(moment).filter(publication_status=PUBLISHED, **lookups))


def published_group_at(slug: str, moment: datetime.datetime) -> Group:
    """The group that had this address and was published at `moment`, as it was then. Raises Group.DoesNotExist."""
    group = next(iter(_as_of(Group, moment, slug=slug)), None)
    if group is None:
        raise Group.DoesNotExist(f"No published group {slug!r} at {moment}.")
    return group


def group_as_of(group: Group, moment: datetime.datetime) -> Group:
    """`group` (from `published_group_at`) with what its profile showed at `moment` loaded as the live selectors
    load it (`public_aliases`, `public_citations`…)."""
    aliases = _as_of(Alias, moment, group_id=group.pk)
    outgoing = _as_of(Affiliation, moment, from_group_id=group.pk)
    incoming = _as_of(Affiliation, moment, to_group_id=group.pk)
    designations = _as_of(Designation, moment, group_id=group.pk)
    attributions = _as_of(Attribution, moment, group_id=group.pk)
    roles = _as_of(GroupRole, moment, group_id=group.pk)
    people = {p.pk: p for p in _as_of(Person, moment, id__in={r.person_id for r in roles})} if roles else {}
    size_estimates = _as_of(SizeEstimate, moment, group_id=group.pk)
    sections = _as_of(GroupSection, moment, group_id=group.pk)
    related_ids = {a.to_group_id for a in outgoing} | {a.from_group_id for a in incoming}
    groups = {g.pk: g for g in _as_of(Group, moment, id__in=related_ids)} | {group.pk: group}
    attacks = {a.pk: a for a in _as_of(Attack, moment, id__in={a.attack_id for a in attributions})}

    outgoing = [a for a in outgoing if a.to_group_id in groups]
    incoming = [a for a in incoming if a.from_group_id in groups]
    attributions = [a for a in attributions if a.attack_id in attacks]
    roles = [r for r in roles if r.person_id in people]
    for role in roles:
        role.person, role.group = people[role.person_id], group
    for fact in size_estimates + sections:
        fact.group = group
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
        "group_role": roles,
        "size_estimate": size_estimates,
        "section": sections,
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
    # What the citation rule keeps off the live profile: a role, estimate or section with no public citation then.
    group.public_roles = [role for role in roles if role.public_citations]
    group.public_size_estimates = [estimate for estimate in size_estimates if estimate.public_citations]
    group.public_sections = [section for section in sections if section.public_citations]
    return group


# A span of time a record was public: [start, end), end None while it still is.
Span = tuple[datetime.datetime, datetime.datetime | None]


class PublicHistory:
    """When records were public, by `public()`'s rule as it stood at each moment.

    A record is public while its history row in effect is published (not deleted) and each record it is shown
    through is public, by the same rule, read from that record's own history. `load` reads the records' whole
    history, then their parents' (one query per model and level, however many records), and `spans` answers from
    memory.
    """

    def __init__(self):
        self.rows: dict[type, dict[int, list]] = defaultdict(dict)
        self._spans: dict[tuple[type, int], list[Span]] = {}

    def load(self, histories: dict[type, QuerySet]) -> None:
        """Read the history rows in `histories` (each model's rows of some records, all of each record's rows), and
        then, level by level, the whole history of every record they are shown through."""
        pending = {model: list(rows.order_by("id", "history_date", "history_id")) for model, rows in histories.items()}
        while pending:
            parents: dict[type, set[int]] = defaultdict(set)
            for model, rows in pending.items():
                known = set(self.rows[model])
                for row in rows:
                    if row.id not in known:
                        self.rows[model].setdefault(row.id, []).append(row)
                    for name in model.shown_through():
                        if (parent_id := getattr(row, f"{name}_id")) is not None:
                            parents[model._meta.get_field(name).related_model].add(parent_id)
            pending = {}
            for model, ids in parents.items():
                if missing := ids - set(self.rows[model]):
                    pending[model] = list(model.history.filter(id__in=missing).order_by("id", "history_date", "history_id"))
        # What is read from history shows these records: a page built from it is stale when one of them changes.
        depends_on_records((model, pk) for model, rows in self.rows.items() for pk in rows)

    def spans(self, model, pk: int, *, where: Callable | None = None) -> list[Span]:
        """When the record was public (and, with `where`, its history row in effect met that condition too)."""
        if where is None and (model, pk) in self._spans:
            return self._spans[(model, pk)]
        rows = self.rows.get(model, {}).get(pk, [])
        found: list[Span] = []
        for row, end in zip(rows, [row.history_date for row in rows[1:]] + [None], strict=True):
            if end is not None and end <= row.history_date:
                continue  # replaced at the same moment
            if row.history_type == "-" or row.publication_status != PUBLISHED or (where is not None and not where(row)):
                continue
            spans: list[Span] = [(row.history_date, end)]
            for name in model.shown_through():
                if (parent_id := getattr(row, f"{name}_id")) is not None:
                    spans = _intersection(spans, self.spans(model._meta.get_field(name).related_model, parent_id))
            found.extend(spans)
        found = _joined(found)
        if where is None:
            self._spans[(model, pk)] = found
        return found

    def is_public_now(self, model, pk: int) -> bool:
        spans = self.spans(model, pk)
        return bool(spans) and spans[-1][1] is None

    def latest(self, model, pk: int):
        return self.rows[model][pk][-1]


def _intersection(spans: list[Span], others: list[Span]) -> list[Span]:
    found = []
    for start, end in spans:
        for other_start, other_end in others:
            later_start = max(start, other_start)
            ends = [moment for moment in (end, other_end) if moment is not None]
            earlier_end = min(ends) if ends else None
            if earlier_end is None or later_start < earlier_end:
                found.append((later_start, earlier_end))
    return sorted(found, key=lambda span: span[0])


def _joined(spans: list[Span]) -> list[Span]:
    """Sorted spans with those that meet or overlap made one."""
    joined: list[Span] = []
    for start, end in sorted(spans, key=lambda span: span[0]):
        if joined and (joined[-1][1] is None or start <= joined[-1][1]):
            previous_end = joined[-1][1]
            joined[-1] = (joined[-1][0], None if previous_end is None or end is None else max(previous_end, end))
        else:
            joined.append((start, end))
    return joined


def _during(moment: datetime.datetime, spans: list[Span]) -> bool:
    return any(start <= moment and (end is None or moment < end) for start, end in spans)


def _within(moment: datetime.datetime, spans: list[Span]) -> bool:
    """Strictly inside a span: public both just before and at `moment`."""
    return any(start < moment and (end is None or moment < end) for start, end in spans)


def _row_at(rows: list, moment: datetime.datetime, *, before: bool = False):
    """The history row in effect at `moment` (or just before it)."""
    found = None
    for row in rows:
        if row.history_date < moment or (not before and row.history_date == moment):
            found = row
    return found


@dataclass
class Revision:
    """A version of a profile: the public changes made together, `moment` the newest of them, `started` the oldest."""

    moment: datetime.datetime
    changes: list[str] = field(default_factory=list)
    started: datetime.datetime | None = None
    withdrawal: ProfileVersionDecision | None = None
    readable: bool = True  # False when the profile itself was withdrawn then: there is no version to read

    @property
    def key(self) -> str:
        return moment_key(self.moment)


# What a profile shows (the model, the condition that a history row shows it on the profile of `group_id`) and how to
# name a record of each kind in the change log (`names` holds the names of groups and attacks public now: a draft,
# or a record withdrawn since, is never named).
_SHOWN = (
    (Group, lambda row, group_id: row.id == group_id, lambda r, names: "the group's record"),
    (Alias, lambda row, group_id: row.group_id == group_id, lambda r, names: f"the name “{r.name}”"),
    (
        Affiliation,
        lambda row, group_id: row.from_group_id == group_id,
        lambda r, names: f"the relationship “{r.get_kind_display()} {names.get((Group, r.to_group_id), 'another group')}”",
    ),
    (
        Affiliation,
        lambda row, group_id: row.to_group_id == group_id,
        lambda r, names: f"the relationship with {names.get((Group, r.from_group_id), 'another group')} ({r.get_kind_display()})",
    ),
    (Designation, lambda row, group_id: row.group_id == group_id, lambda r, names: f"the designation by {r.authority}"),
    (
        Attribution,
        lambda row, group_id: row.group_id == group_id,
        lambda r, names: f"the group's role in “{names.get((Attack, r.attack_id), 'an attack')}” ({r.get_kind_display().lower()})",
    ),
    (
        GroupRole,
        lambda row, group_id: row.group_id == group_id,
        lambda r, names: f"the role of {names.get((Person, r.person_id), 'a person')} ({r.get_kind_display().lower()})",
    ),
    (SizeEstimate, lambda row, group_id: row.group_id == group_id, lambda r, names: f"the size estimate by {r.estimated_by}"),
    (GroupSection, lambda row, group_id: row.group_id == group_id, lambda r, names: f"the section “{r.heading or r.get_topic_display()}”"),
)
# Changes within this span (one save with its inline rows) make one revision.
_SAME_REVISION = datetime.timedelta(seconds=2)


def profile_revisions(group_id: int, *, limit: int | None = 200) -> list[Revision]:
    """The public changes to what the group's profile shows, newest first: what became public (published, or shown
    since what it is shown through was published), changed while public, or stopped being public (unpublished,
    deleted, or with what it is shown through). The group's record and its aliases, relationships, designations,
    people in roles, size estimates, profile sections and roles in attacks; a fixed number of queries, however long the history."""
    history = PublicHistory()
    history.load(
        {
            Group: Group.history.filter(id=group_id),
            Alias: Alias.history.filter(id__in=Alias.history.filter(group_id=group_id).values("id")),
            Affiliation: Affiliation.history.filter(
                id__in=Affiliation.history.filter(Q(from_group_id=group_id) | Q(to_group_id=group_id)).values("id")
            ),
            Designation: Designation.history.filter(id__in=Designation.history.filter(group_id=group_id).values("id")),
            Attribution: Attribution.history.filter(id__in=Attribution.history.filter(group_id=group_id).values("id")),
            GroupRole: GroupRole.history.filter(id__in=GroupRole.history.filter(group_id=group_id).values("id")),
            SizeEstimate: SizeEstimate.history.filter(id__in=SizeEstimate.history.filter(group_id=group_id).values("id")),
            GroupSection: GroupSection.history.filter(id__in=GroupSection.history.filter(group_id=group_id).values("id")),
        }
    )
    names = {
        (model, pk): history.latest(model, pk).title if model is Attack else history.latest(model, pk).name
        for model in (Group, Attack, Person)
        for pk in history.rows[model]
        if history.is_public_now(model, pk)
    }
    entries: list[tuple[datetime.datetime, str]] = []
    for model, shows, label in _SHOWN:
        for pk, rows in history.rows[model].items():
            spans = history.spans(model, pk, where=lambda row, shows=shows: shows(row, group_id))
            for start, end in spans:
                entries.append((start, _published(model, label(_row_at(rows, start), names))))
                if end is not None:
                    entries.append((end, _removed(model, label(_row_at(rows, end, before=True), names))))
            for previous, row in zip(rows, rows[1:], strict=False):
                if row.history_type != "-" and _within(row.history_date, spans):
                    if description := _changed(model, row, previous, label(row, names)):
                        entries.append((row.history_date, description))
    entries.sort(key=lambda entry: entry[0], reverse=True)
    revisions: list[Revision] = []
    for moment, description in entries:
        if revisions and revisions[-1].moment - moment <= _SAME_REVISION:
            if description not in revisions[-1].changes:
                revisions[-1].changes.append(description)
            revisions[-1].started = moment
        else:
            revisions.append(Revision(moment=moment, changes=[description], started=moment))
    for revision in revisions:
        revision.readable = _during(revision.moment, history.spans(Group, group_id))
    return revisions[:limit]


def _published(model, label: str) -> str:
    return f"Published {label}" if model is not Group else "Profile published"


def _removed(model, label: str) -> str:
    return f"Removed {label}" if model is not Group else "Profile withdrawn"


def _changed(model, row, previous, label: str) -> str:
    changed = [change.field for change in row.diff_against(previous).changes if change.field not in ("updated_at", "normalized_name")]
    if not changed:
        return ""
    return f"Changed {label}: " + ", ".join(str(model._meta.get_field(name).verbose_name) for name in changed)


@dataclass(frozen=True)
class Withdrawal:
    """Why a version of a profile answers 410 Gone: when it was withdrawn, and for one version the Reviewer's reason."""

    on: datetime.datetime
    reason: str = ""


def version_withdrawal(group_id: int, moment: datetime.datetime) -> Withdrawal | None:
    """Whether the profile's version at `moment` is withdrawn: every version is once the group has been unpublished
    or deleted (unless a Reviewer keeps them readable), and one version is when a Reviewer withdrew it."""
    decisions = list(ProfileVersionDecision.objects.filter(group_id=group_id))
    if not any(decision.decision == VersionDecision.KEEP_READABLE for decision in decisions):
        history = PublicHistory()
        history.load({Group: Group.history.filter(id=group_id)})
        spans = history.spans(Group, group_id)
        if spans and spans[-1][1] is not None:
            return Withdrawal(on=spans[-1][1])
    withdrawals = [decision for decision in decisions if decision.decision == VersionDecision.WITHDRAW_VERSION]
    if withdrawals:
        version = version_at(mark_withdrawn(profile_revisions(group_id, limit=None), withdrawals), moment)
        if version is not None and version.withdrawal is not None:
            return Withdrawal(on=version.withdrawal.created_at, reason=version.withdrawal.reason)
    return None


def version_at(revisions: list[Revision], moment: datetime.datetime) -> Revision | None:
    """The revision (of `revisions`, newest first) whose changes the profile shows at `moment`: from its oldest change
    until the next revision's."""
    return next((revision for revision in revisions if revision.started <= moment), None)


def version_address_key(group_id: int, moment: datetime.datetime) -> str | None:
    """None when `moment` names a version of the profile as the change log (the version's own moment) or a citation
    (the whole second after it) does; otherwise the key of the version the profile showed at `moment`, the newest
    at or before it, for a redirect. So any moment leads to a version, and only versions are pages to keep.

    The whole second after a version stands for it only when no other version began by then (two saves within a
    second); else the version's own moment does. Read from the versions' moments, kept while the data stands."""
    spans = cached_value(f"revision-spans:{group_id}", lambda: [(r.started, r.moment) for r in profile_revisions(group_id, limit=None)])
    version = next((end for _, end in spans if end <= moment), None)  # newest first
    if version is None:
        return None  # before the first version: the view says the group was not published then

    def shows_only(point: datetime.datetime) -> bool:
        """Whether the profile at `point` shows `version` and no part of a later one."""
        return next(end for _, end in spans if end <= point) == version and not any(start <= point < end for start, end in spans)

    whole_second = version.replace(microsecond=0) + datetime.timedelta(seconds=1)
    address = whole_second if shows_only(whole_second) else version
    return None if moment in (version, address) else moment_key(address)


def mark_withdrawn(revisions: list[Revision], withdrawals) -> list[Revision]:
    """`revisions` with each one a Reviewer withdrew carrying that decision (`withdrawal`)."""
    for decision in withdrawals:
        if (version := version_at(revisions, decision.moment)) is not None:
            version.withdrawal = decision
    return revisions


def withdrawn_versions(group_id: int):
    """The Reviewers' withdrawals of single versions of the group's profile."""
    return ProfileVersionDecision.objects.filter(group_id=group_id, decision=VersionDecision.WITHDRAW_VERSION)


def profile_version_decision(*, group: str, version: str, decision: str, reason: str, user) -> ProfileVersionDecision:
    """A Reviewer's decision, checked and ready to save: `group` is the address (slug) or id of a group, even a
    deleted one; `version` the address or key of the version to withdraw, as the change log links it. A moment
    within a version stands for that version. Raises ValidationError naming the field."""
    key = group.strip()
    found = Group.history.filter(slug=key).order_by("-history_date", "-history_id").first()
    if found is None and (group_id := as_id(key)) is not None:
        found = Group.history.filter(id=group_id).order_by("-history_date", "-history_id").first()
    if found is None:
        raise ValidationError({"group": "No group has had this address or id."})
    record = ProfileVersionDecision(group_id=found.id, group_slug=found.slug, decision=decision, reason=reason.strip(), decided_by=user)
    if decision == VersionDecision.WITHDRAW_VERSION:
        match = re.search(r"\d{8}T\d{6}(?:\d{6})?Z", version)
        moment = parse_moment_key(match.group(0)) if match else None
        if moment is None:
            raise ValidationError({"version": "Give the version's address (…/as-of/20261121T052346Z/) or its key."})
        history = PublicHistory()
        history.load({Group: Group.history.filter(id=found.id)})
        revision = version_at(profile_revisions(found.id, limit=None), moment)
        if revision is None or not _during(moment, history.spans(Group, found.id)):
            raise ValidationError({"version": "The group's profile was not public at that moment."})
        record.moment = revision.moment
    elif version.strip():
        raise ValidationError({"version": "Keeping every version readable names no version; leave it empty."})
    record.full_clean(exclude=["decided_by"] if user is None else None)
    return record


def group_profile_as_of(
    group: Group, moment: datetime.datetime, *, attack_page: int | str | None = 1, attack_sort: str | None = None, graph=None
):
    """The profile of `group` (from `published_group_at`) as it was at `moment`; its graph shows the year `graph`
    asks for, one step out."""
    from .selectors import attacks_of_attributions, build_profile

    group = group_as_of(group, moment)
    neighbours = {a.other_group(group).pk: a.other_group(group) for a in group.public_affiliations_from + group.public_affiliations_to}

    def among(neighbour_ids: set[int]) -> list[Affiliation]:
        affiliations = _as_of(Affiliation, moment, from_group_id__in=neighbour_ids, to_group_id__in=neighbour_ids)
        for affiliation in affiliations:
            affiliation.from_group, affiliation.to_group = neighbours[affiliation.from_group_id], neighbours[affiliation.to_group_id]
        return affiliations

    attacks = attacks_of_attributions(group.public_attributions, attack_page, attack_sort)
    return build_profile(group, among_neighbours=among, attacks=attacks, graph=graph)
