"""Which group a GTD perpetrator name means: `GroupMatcher` looks names up by search key, `PerpetratorResolver`
reports the names it cannot place and, when asked, saves a draft group for each name that matches none."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from kb.models import PublicationStatus

from ..models import Alias, Group
from ..normalization import normalize_name
from ..services import group_upsert
from .parse import GtdAttack, Perpetrator
from .report import GtdImportReport

DRAFT_GROUP_SUMMARY = "Created by the GTD import from a perpetrator name in GTD that matched no group; review it before publishing."

_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)\s*$")


class GroupMatcher:
    """Finds the group a GTD name means, by search key: groups' GTD names first, then their names, then aliases."""

    def __init__(self, *, gtd_names: Iterable[tuple[int, str]], names: Iterable[tuple[int, str]], aliases: Iterable[tuple[int, str]]):
        self._tiers: list[dict[str, set[int]]] = []
        for pairs in (gtd_names, names, aliases):
            tier: dict[str, set[int]] = {}
            for group_id, name in pairs:
                key = normalize_name(name)
                if key:
                    tier.setdefault(key, set()).add(group_id)
            self._tiers.append(tier)
        self._cache: dict[str, frozenset[int]] = {}

    @classmethod
    def from_database(cls) -> GroupMatcher:
        groups = list(Group.objects.values_list("id", "name", "gtd_name"))
        return cls(
            gtd_names=[(group_id, gtd_name) for group_id, _, gtd_name in groups if gtd_name],
            names=[(group_id, name) for group_id, name, _ in groups],
            aliases=Alias.objects.values_list("group_id", "name"),
        )

    def match(self, name: str) -> frozenset[int]:
        """The ids of the groups `name` may mean: none (unknown), one, or several (ambiguous).

        GTD writes most names with their acronym, "Tehrik-i-Taliban Pakistan (TTP)": the whole name is
        tried first, then the name without the bracket. The acronym alone is not tried; too many groups share one.
        """
        if name not in self._cache:
            self._cache[name] = frozenset()
            keys = dict.fromkeys(normalize_name(spelling) for spelling in (name, _TRAILING_BRACKET.sub("", name)))
            for key, tier in ((key, tier) for key in keys for tier in self._tiers):
                if key and key in tier:
                    self._cache[name] = frozenset(tier[key])
                    break
        return self._cache[name]

    def learn(self, name: str, group_id: int) -> None:
        """A group created for `name` during the import: later rows naming it find it."""
        self._tiers[0].setdefault(normalize_name(name), set()).add(group_id)
        self._cache.pop(name, None)


class PerpetratorResolver:
    """The group id for a GTD name, reporting names that match no group or several; creates draft groups when asked."""

    def __init__(
        self, matcher: GroupMatcher, report: GtdImportReport, learned: dict[str, int], *, create, dry_run, user, reason, change_set=None
    ):
        self.matcher, self.report, self.learned = matcher, report, learned
        self.create, self.dry_run, self.user, self.reason, self.change_set = create, dry_run, user, reason, change_set
        self.candidates: dict[str, tuple[str, ...]] = {}
        # The groups created, by the eventid of the row that first named each: [(group id, the quote naming it)].
        self.created: dict[str, list[tuple[int, str]]] = {}

    def created_by_row(self, parsed: GtdAttack) -> list[tuple[int, str]]:
        return self.created.get(parsed.eventid, [])

    def created_ids(self) -> list[int]:
        return [group_id for created in self.created.values() for group_id, _ in created]

    def __call__(self, perpetrator: Perpetrator, parsed: GtdAttack) -> int | None:
        name = perpetrator.name
        if name in self.learned:
            return self.learned[name]
        ids = self.matcher.match(name)
        if len(ids) == 1:
            return next(iter(ids))
        if ids:
            if name not in self.candidates:
                self.candidates[name] = tuple(Group.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True))
            self.report.ambiguous_group(name, parsed.line, self.candidates[name])
            return None
        if not self.create:
            self.report.unknown_group(name, parsed.line)
            return None
        if self.dry_run:
            self.learned[name] = -len(self.learned) - 1  # a stand-in id: nothing is written
        else:
            try:
                self.learned[name] = draft_group_for_gtd_name(name, user=self.user, reason=self.reason, change_set=self.change_set).pk
            except ValidationError:  # a name the model refuses (too long, no letters): it stays unknown
                self.report.unknown_group(name, parsed.line)
                return None
        self.report.groups_created.append(name)
        self.created.setdefault(parsed.eventid, []).append((self.learned[name], perpetrator.quote))
        return self.learned[name]


def draft_group_for_gtd_name(name: str, *, user, reason: str, change_set=None) -> Group:
    base = slugify(name)[:190] or "gtd-group"
    slug, number = base, 1
    while Group.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    group, _ = group_upsert(
        slug=slug,
        values={"name": name, "gtd_name": name, "summary": DRAFT_GROUP_SUMMARY, "publication_status": PublicationStatus.DRAFT},
        user=user,
        reason=reason,
        change_set=change_set,
    )
    return group
