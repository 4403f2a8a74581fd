"""Writes to groups, aliases, affiliations, designations, attacks and attributions.

Each upsert names the record's natural key; values are validated by the model
(`full_clean`) and saved through `kb.services.record_save`, so history always
has a user and a reason. The GTD import writes attacks in bulk
(`attacks_bulk_import`, through `kb.services.records_bulk_create` and
`records_bulk_update`), with the same user and reason in their history rows.
"""

from __future__ import annotations

import operator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from kb.cache import bump_data_version
from kb.history import comparable
from kb.models import PublicationStatus
from kb.services import _require_reason, _require_user, array_cursor, record_upsert, records_bulk_create, records_bulk_update

from .gtd import IMPORTED_FIELDS, GroupMatcher, GtdAttack, GtdImportReport
from .models import Affiliation, Alias, Attack, Attribution, Designation, Group


def group_upsert(*, slug: str, values: dict[str, Any], user, reason: str) -> tuple[Group, bool]:
    return record_upsert(model=Group, lookup={"slug": slug}, values=values, user=user, reason=reason)


def alias_upsert(*, group: Group, name: str, values: dict[str, Any], user, reason: str) -> tuple[Alias, bool]:
    return record_upsert(
        model=Alias,
        lookup={"group": group, "name": name},
        values=values,
        user=user,
        reason=reason,
    )


def affiliation_upsert(
    *, from_group: Group, to_group: Group, kind: str, values: dict[str, Any], user, reason: str
) -> tuple[Affiliation, bool]:
    return record_upsert(
        model=Affiliation,
        lookup={"from_group": from_group, "to_group": to_group, "kind": kind},
        values=values,
        user=user,
        reason=reason,
    )


def designation_upsert(
    *, group: Group, authority: str, listing: str, values: dict[str, Any], user, reason: str
) -> tuple[Designation, bool]:
    return record_upsert(
        model=Designation,
        lookup={"group": group, "authority": authority, "listing": listing},
        values=values,
        user=user,
        reason=reason,
    )


def attack_upsert(*, slug: str, values: dict[str, Any], user, reason: str) -> tuple[Attack, bool]:
    return record_upsert(model=Attack, lookup={"slug": slug}, values=values, user=user, reason=reason)


def attribution_upsert(
    *, attack: Attack, group: Group, kind: str, attributed_by: str, values: dict[str, Any], user, reason: str
) -> tuple[Attribution, bool]:
    return record_upsert(
        model=Attribution,
        lookup={"attack": attack, "group": group, "kind": kind, "attributed_by": attributed_by},
        values=values,
        user=user,
        reason=reason,
    )


# The GTD import (groups/gtd.py parses; manage.py import_gtd drives it batch by batch).

DRAFT_GROUP_SUMMARY = "Created by the GTD import from a perpetrator name in GTD that matched no group; review it before publishing."
ATTACK_FIELDS = ("slug", *IMPORTED_FIELDS)
ATTRIBUTION_FIELDS = ("attack", "group", "kind", "attributed_by")
# `gtd.parse_row` gives values of the model's types, in its ranges and from its choices (which Django's checks
# keep within their fields' lengths); what it does not bound is the length of free text the model caps (an
# eventid too long for a slug). A row past one goes through the model's own field validation, which says why.
_FREE_TEXT = [
    (index, field.max_length)
    for index, name in enumerate(ATTACK_FIELDS)
    if (field := Attack._meta.get_field(name)).max_length and not field.choices and name != "country"
]
_free_text_values, _FREE_TEXT_LIMITS = operator.itemgetter(*(index for index, _ in _FREE_TEXT)), [limit for _, limit in _FREE_TEXT]
_imported_values = operator.itemgetter(*IMPORTED_FIELDS)


def _too_long(values: tuple) -> bool:
    return any(map(operator.gt, map(len, _free_text_values(values)), _FREE_TEXT_LIMITS))


def attacks_bulk_import(
    *, attacks: list[GtdAttack], matcher: GroupMatcher, user, reason: str, create_unknown_groups: bool = False, dry_run: bool = False
) -> GtdImportReport:
    """Write one batch of parsed GTD rows in one transaction: new attacks, changed attacks and their new attributions.

    Attacks are matched by slug (`gtd-<eventid>`). A new one is inserted, one whose GTD values differ is
    updated (only the fields GTD gives, `gtd.IMPORTED_FIELDS`), and one whose values are the same is left
    alone and gets no history. The writes are `kb.services.records_bulk_create`/`records_bulk_update`: a few
    statements for the whole batch, each record with its history row, the user, the reason and one moment for
    the batch. Attributions are only ever added, never removed or changed: an editor's work on an imported attack
    stays. Groups come from `matcher`; a name it does not know is reported, or with `create_unknown_groups`
    saved as a draft group (through `group_upsert`, with its GTD name set, for an editor to review). With
    `dry_run` nothing is written and the report says what would be. Rows whose values fail the model's field
    validation are reported, not written.
    """
    reason = _require_reason(reason)
    _require_user(user)
    report = GtdImportReport()
    learned: dict[str, int] = {}
    with transaction.atomic():
        moment = timezone.now()
        stored = _stored_attacks([parsed.slug for parsed in attacks])
        new, changed, changed_fields, kept = [], [], set(), []
        for parsed in attacks:
            values = (parsed.slug, *_imported_values(parsed.values))
            attack_id, current = stored.get(parsed.slug, (None, None))
            if current is not None:
                differing = _differing_fields(current, values)
                if not differing:
                    report.unchanged += 1
                    kept.append((parsed, attack_id))
                    continue
                values = tuple(values[index] if index in differing else current[index] for index in range(len(values)))
            if _too_long(values) and (problem := _invalid_values(parsed)):
                report.error(parsed.line, parsed.eventid, problem)
                continue
            if current is None:
                new.append(values)
            else:
                changed.append((attack_id, *values))
                changed_fields.update(differing)
            kept.append((parsed, attack_id))
        report.created, report.updated = len(new), len(changed)

        resolve = _PerpetratorResolver(matcher, report, learned, create=create_unknown_groups, dry_run=dry_run, user=user, reason=reason)
        group_ids = [[resolve(p.name, parsed) for p in parsed.perpetrators] for parsed, _ in kept]
        history = {"user": user, "reason": reason, "moment": moment}
        if not dry_run:
            new_ids = iter(records_bulk_create(model=Attack, fields=ATTACK_FIELDS, rows=new, **history))
            kept = [(parsed, next(new_ids) if attack_id is None else attack_id) for parsed, attack_id in kept]
            if changed:
                updated = sorted(changed_fields)  # only the fields that differ in some row
                rows = [(row[0], *(row[1 + index] for index in updated)) for row in changed]
                records_bulk_update(model=Attack, fields=[ATTACK_FIELDS[index] for index in updated], rows=rows, **history)

        recorded = _stored_attributions([attack_id for attack_id, _ in stored.values()])
        attributions = []
        for (parsed, attack_id), ids in zip(kept, group_ids, strict=True):
            # Two GTD names of one group (gname "ISIL", gname2 "Islamic State") make one attribution.
            wanted = dict.fromkeys((group_id, p.kind, p.attributed_by) for group_id, p in zip(ids, parsed.perpetrators, strict=True))
            for group_id, kind, attributed_by in wanted:
                if group_id is not None and (attack_id, group_id, kind, attributed_by) not in recorded:
                    attributions.append((attack_id, group_id, kind, attributed_by))
        report.attributions_created = len(attributions)
        if attributions and not dry_run:
            records_bulk_create(model=Attribution, fields=ATTRIBUTION_FIELDS, rows=attributions, **history)
        if not dry_run and (new or changed or attributions):
            bump_data_version()  # bulk writes send no save signals: cached public pages must still go stale
    if not dry_run:
        for name, group_id in learned.items():
            matcher.learn(name, group_id)
    return report


def _stored_attacks(slugs: list[str]) -> dict[str, tuple[int, tuple]]:
    """{slug: (id, the values of ATTACK_FIELDS)} of the attacks that exist."""
    # One array parameter: `slug__in` would send a batch's thousands of slugs as as many parameters.
    columns = ", ".join(connection.ops.quote_name(Attack._meta.get_field(name).column) for name in ("id", *ATTACK_FIELDS))
    with array_cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {Attack._meta.db_table} WHERE slug = ANY(%b)", [slugs])
        return {row[1]: (row[0], row[1:]) for row in cursor.fetchall()}


def _stored_attributions(attack_ids: list[int]) -> set[tuple[int, int, str, str]]:
    """(attack id, group id, kind, attributed by) of the attributions of these attacks."""
    if not attack_ids:
        return set()
    with array_cursor() as cursor:
        cursor.execute(
            f"SELECT attack_id, group_id, kind, attributed_by FROM {Attribution._meta.db_table} WHERE attack_id = ANY(%b)", [attack_ids]
        )
        return set(cursor.fetchall())


def _differing_fields(current: tuple, values: tuple) -> set[int]:
    """The positions in ATTACK_FIELDS whose stored values differ (33.5 and 33.500000 do not)."""
    if current == values:
        return set()
    fields = [Attack._meta.get_field(name) for name in ATTACK_FIELDS]
    pairs = enumerate(zip(fields, current, values, strict=True))
    return {index for index, (field, old, new) in pairs if old != new and comparable(field, old) != comparable(field, new)}


def _invalid_values(parsed: GtdAttack) -> str:
    """The model's field validation of a row's values ("" when they pass): the country code came from django-countries' own names."""
    try:
        Attack(slug=parsed.slug, **parsed.values).clean_fields(exclude=["country"])
    except ValidationError as error:
        return " ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return ""


class _PerpetratorResolver:
    """The group id for a GTD name, reporting names that match no group or several; creates draft groups when asked."""

    def __init__(self, matcher: GroupMatcher, report: GtdImportReport, learned: dict[str, int], *, create, dry_run, user, reason):
        self.matcher, self.report, self.learned = matcher, report, learned
        self.create, self.dry_run, self.user, self.reason = create, dry_run, user, reason
        self.candidates: dict[str, tuple[str, ...]] = {}

    def __call__(self, name: str, parsed: GtdAttack) -> int | None:
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
                self.learned[name] = _draft_group_for_gtd_name(name, user=self.user, reason=self.reason).pk
            except ValidationError:  # a name the model refuses (too long, no letters): it stays unknown
                self.report.unknown_group(name, parsed.line)
                return None
        self.report.groups_created.append(name)
        return self.learned[name]


def _draft_group_for_gtd_name(name: str, *, user, reason: str) -> Group:
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
    )
    return group
