"""Which group a GTD perpetrator name means: `GroupMatcher` looks names up by search key (the table of GTD perpetrator
names, groups' GTD names, their names, their aliases) and knows GTD's generic labels; `PerpetratorResolver` places a
batch's names, reports those it cannot place and, when asked, saves a draft group for each name that matches none,
all of them in a few statements (`kb.services.records_bulk_create`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils.text import slugify

from kb.services import array_cursor, records_bulk_create

from ..models import Alias, Group, GtdPerpetratorName
from ..normalization import normalize_name
from .parse import DESCRIPTION_MAX_LENGTH, GtdAttack, Perpetrator
from .report import GtdImportReport

DRAFT_GROUP_SUMMARY = "Created by the GTD import from a perpetrator name in GTD that matched no group; review it before publishing."
GENERIC_PERPETRATORS_FILE = Path(__file__).with_name("generic_perpetrators.txt")
GENERIC_NOTE = "One of GTD's generic perpetrator labels, shipped with the import (groups/gtd/generic_perpetrators.txt)."
DRAFT_GROUP_FIELDS = ("name", "normalized_name", "slug", "gtd_name", "summary")

_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)\s*$")
_NAME_MAX_LENGTH = Group._meta.get_field("name").max_length


@cache
def shipped_generic_labels() -> tuple[str, ...]:
    """GTD's generic perpetrator labels as shipped (`generic_perpetrators.txt`), in the file's order."""
    lines = (line.strip() for line in GENERIC_PERPETRATORS_FILE.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


class GroupMatcher:
    """Finds the group a GTD name means, by search key: the GTD names (the table of GTD perpetrator names and groups'
    GTD names) first, then groups' names, then aliases. A generic label means no group (`is_generic`)."""

    def __init__(
        self,
        *,
        gtd_names: Iterable[tuple[int, str]],
        names: Iterable[tuple[int, str]],
        aliases: Iterable[tuple[int, str]],
        generic_names: Iterable[str] = (),
    ):
        self._tiers: list[dict[str, set[int]]] = []
        for pairs in (gtd_names, names, aliases):
            tier: dict[str, set[int]] = {}
            for group_id, name in pairs:
                key = normalize_name(name)
                if key:
                    tier.setdefault(key, set()).add(group_id)
            self._tiers.append(tier)
        # A name the GTD names give a group is not generic, whatever the shipped list says.
        self._generic = {key for key in map(normalize_name, generic_names) if key} - set(self._tiers[0])
        self._cache: dict[str, frozenset[int]] = {}
        self._generic_cache: dict[str, bool] = {}

    @classmethod
    def from_database(cls) -> GroupMatcher:
        groups = list(Group.objects.values_list("id", "name", "gtd_name"))
        table = list(GtdPerpetratorName.objects.values_list("name", "group_id", "generic"))
        listed = {normalize_name(name) for name, _, _ in table}
        return cls(
            gtd_names=[
                *((group_id, name) for name, group_id, _ in table if group_id is not None),
                *((group_id, gtd_name) for group_id, _, gtd_name in groups if gtd_name),
            ],
            names=[(group_id, name) for group_id, name, _ in groups],
            aliases=Alias.objects.values_list("group_id", "name"),
            # The table wins: a shipped label an editor gave a group (or left out of the generic ones) is not generic.
            generic_names=[
                *(name for name, _, generic in table if generic),
                *(label for label in shipped_generic_labels() if normalize_name(label) not in listed),
            ],
        )

    def is_generic(self, name: str) -> bool:
        """Whether `name` is one of GTD's generic labels ("Gunmen", "Separatists"), which name no organisation."""
        if name not in self._generic_cache:
            self._generic_cache[name] = normalize_name(name) in self._generic
        return self._generic_cache[name]

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


@dataclass
class ResolvedBatch:
    """What a batch's perpetrator names mean, row by row (in the order of the rows given)."""

    group_ids: list[list[int | None]] = field(default_factory=list)  # per row, one per perpetrator (None: no group)
    # The groups created, by the eventid of the row that first named each: [(group id, the quote naming it)].
    created: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def created_by_row(self, parsed: GtdAttack) -> list[tuple[int, str]]:
        return self.created.get(parsed.eventid, [])

    def created_ids(self) -> list[int]:
        return [group_id for created in self.created.values() for group_id, _ in created]


class PerpetratorResolver:
    """The group ids of a batch's GTD names, reporting names that match no group or several and rows that name a generic
    perpetrator; creates draft groups for unknown names when asked, all in one bulk write."""

    def __init__(self, matcher: GroupMatcher, report: GtdImportReport, learned: dict[str, int], *, create, dry_run, user, reason, moment):
        self.matcher, self.report, self.learned = matcher, report, learned
        self.create, self.dry_run, self.user, self.reason, self.moment = create, dry_run, user, reason, moment
        self.candidates: dict[str, tuple[str, ...]] = {}

    def perpetrator_description(self, parsed: GtdAttack) -> str:
        """The attack's perpetrators as GTD describes them when it names no organisation: its generic labels, "Gunmen; Tribesmen"."""
        return _joined([p.name for p in parsed.perpetrators if p.name not in self.learned and self.matcher.is_generic(p.name)])

    def resolve(self, rows: list[GtdAttack]) -> ResolvedBatch:
        resolved = ResolvedBatch()
        wanted: dict[str, list[tuple[int, int]]] = {}  # a name to create: the (row, perpetrator) positions naming it
        for row, parsed in enumerate(rows):
            ids: list[int | None] = []
            generic: list[str] = []
            for position, perpetrator in enumerate(parsed.perpetrators):
                ids.append(self._group_id(perpetrator, parsed, generic, wanted, (row, position)))
            resolved.group_ids.append(ids)
            if generic:
                self.report.generic_perpetrator(generic)
        if wanted:
            self._create_draft_groups(rows, wanted, resolved)
        return resolved

    def _group_id(self, perpetrator: Perpetrator, parsed: GtdAttack, generic: list[str], wanted, where) -> int | None:
        name = perpetrator.name
        if name in self.learned:
            return self.learned[name]
        if self.matcher.is_generic(name):
            generic.append(name)
            return None
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
        wanted.setdefault(name, []).append(where)
        return None

    def _create_draft_groups(self, rows: list[GtdAttack], wanted: dict[str, list[tuple[int, int]]], resolved: ResolvedBatch) -> None:
        """A draft group for each name in `wanted`, its GTD name set, for an editor to review; names the model refuses
        (too long, no letters) stay unknown. Two names of one search key make one group."""
        new: dict[str, list[str]] = {}  # search key: the names
        for name, positions in wanted.items():
            key = normalize_name(name)
            if not key or len(name) > _NAME_MAX_LENGTH:
                for row, _ in positions:
                    self.report.unknown_group(name, rows[row].line)
                continue
            new.setdefault(key, []).append(name)
        if not new:
            return
        first_names = [names[0] for names in new.values()]
        slugs = _free_slugs(first_names)
        if self.dry_run:
            ids = [-len(self.learned) - number for number in range(1, len(new) + 1)]  # stand-ins: nothing is written
        else:
            rows_written = [
                (name, key, slug, name, DRAFT_GROUP_SUMMARY) for (key, _), name, slug in zip(new.items(), first_names, slugs, strict=True)
            ]
            ids = records_bulk_create(
                model=Group, fields=DRAFT_GROUP_FIELDS, rows=rows_written, user=self.user, reason=self.reason, moment=self.moment
            )
        for names, group_id in zip(new.values(), ids, strict=True):
            self.report.groups_created.append(names[0])
            first = None
            for name in names:
                self.learned[name] = group_id
                for row, position in wanted[name]:
                    resolved.group_ids[row][position] = group_id
                    if first is None or row < first[0]:
                        first = (row, position)
            row, position = first
            quote = rows[row].perpetrators[position].quote
            resolved.created.setdefault(rows[row].eventid, []).append((group_id, quote))


def _joined(labels: list[str]) -> str:
    text = "; ".join(dict.fromkeys(labels))
    return text if len(text) <= DESCRIPTION_MAX_LENGTH else text[: DESCRIPTION_MAX_LENGTH - 1] + "…"


def _free_slugs(names: list[str]) -> list[str]:
    """A slug for each name that no group has and no other name here takes: its slugified form, or that with -2, -3…"""
    bases = [slugify(name)[:190] or "gtd-group" for name in names]
    with array_cursor() as cursor:
        cursor.execute(f"SELECT slug FROM {Group._meta.db_table} WHERE slug LIKE ANY(%b)", [[f"{base}%" for base in dict.fromkeys(bases)]])
        taken = {row[0] for row in cursor.fetchall()}
    slugs = []
    for base in bases:
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def generic_labels_recorded(*, user, reason: str, moment) -> list[int]:
    """The shipped generic labels that the table of GTD perpetrator names lacks, added to it, marked generic, each
    with its history row; returns their ids. A label the table holds (by search key), however an editor set it, stays."""
    listed = set(GtdPerpetratorName.objects.values_list("normalized_name", flat=True))
    missing: dict[str, str] = {}
    for label in shipped_generic_labels():
        key = normalize_name(label)
        if key and key not in listed:
            missing.setdefault(key, label)
    rows = [(label, key, True, GENERIC_NOTE) for key, label in missing.items()]
    if not rows:
        return []
    fields = ("name", "normalized_name", "generic", "note")
    return records_bulk_create(model=GtdPerpetratorName, fields=fields, rows=rows, user=user, reason=reason, moment=moment)
