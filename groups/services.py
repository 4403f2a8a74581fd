"""Writes to groups, aliases, affiliations, designations, attacks and attributions.

Each upsert names the record's natural key; values are validated by the model
(`full_clean`) and saved through `kb.services.record_save`, so history always
has a user and a reason. The GTD import writes attacks in bulk
(`attacks_bulk_import`), and gives their history rows the same user and reason.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from kb.cache import bump_data_version
from kb.history import comparable
from kb.models import PublicationStatus
from kb.services import _require_reason, record_upsert

from .gtd import GroupMatcher, GtdAttack, GtdImportReport
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
BULK_BATCH_SIZE = 1000  # rows per INSERT/UPDATE statement


def attacks_bulk_import(
    *, attacks: list[GtdAttack], matcher: GroupMatcher, user, reason: str, create_unknown_groups: bool = False, dry_run: bool = False
) -> GtdImportReport:
    """Write one batch of parsed GTD rows in one transaction: new attacks, changed attacks and their new attributions.

    Attacks are matched by slug (`gtd-<eventid>`). A new one is inserted, one whose GTD values differ is
    updated (only the fields GTD gives, `gtd.IMPORTED_FIELDS`), and one whose values are the same is left
    alone and gets no history. The writes are bulk statements (django-simple-history's
    `bulk_create_with_history`/`bulk_update_with_history`): they send no save signals, so the history rows
    are given `user`, `reason` and one moment for the batch here. Attributions are only ever added, never
    removed or changed: an editor's work on an imported attack stays. Groups come from `matcher`; a name it
    does not know is reported, or with `create_unknown_groups` saved as a draft group (through `group_upsert`,
    with its GTD name set, for an editor to review). With `dry_run` nothing is written and the report says
    what would be. Rows whose values fail the model's field validation are reported, not written.
    """
    reason = _require_reason(reason)
    if user is None:
        raise ValidationError("A bulk import needs a user to record in the history.")
    report = GtdImportReport()
    learned: dict[str, int] = {}
    with transaction.atomic():
        moment = timezone.now()
        existing = {attack.slug: attack for attack in Attack.objects.filter(slug__in=[parsed.slug for parsed in attacks])}
        new, changed, changed_fields, kept = [], [], set(), []
        for parsed in attacks:
            instance = existing.get(parsed.slug)
            if instance is None:
                instance, writes = Attack(slug=parsed.slug, **parsed.values), new
            else:
                differing = _differing_fields(instance, parsed.values)
                if not differing:
                    report.unchanged += 1
                    kept.append((parsed, instance))
                    continue
                for name in differing:
                    setattr(instance, name, parsed.values[name])
                writes = changed
                changed_fields.update(differing)
            try:
                # The country code came from django-countries' own names; checking it against its 250 choices is most of the time.
                instance.clean_fields(exclude=["country"])
            except ValidationError as error:
                report.error(parsed.line, parsed.eventid, " ".join(f"{name}: {' '.join(m)}" for name, m in error.message_dict.items()))
                continue
            writes.append(instance)
            kept.append((parsed, instance))
        report.created, report.updated = len(new), len(changed)

        resolve = _PerpetratorResolver(matcher, report, learned, create=create_unknown_groups, dry_run=dry_run, user=user, reason=reason)
        group_ids = {(parsed.line, p.name): resolve(p.name, parsed) for parsed, _ in kept for p in parsed.perpetrators}
        history = {"default_user": user, "default_change_reason": reason, "default_date": moment}
        if not dry_run:
            if new:
                bulk_create_with_history(new, Attack, batch_size=BULK_BATCH_SIZE, **history)
            if changed:
                for instance in changed:
                    instance.updated_at = moment  # bulk_update does not apply auto_now
                fields = sorted(changed_fields | {"updated_at"})
                bulk_update_with_history(changed, Attack, fields, batch_size=BULK_BATCH_SIZE, **history)

        recorded = set(
            Attribution.objects.filter(attack__in=list(existing.values())).values_list("attack_id", "group_id", "kind", "attributed_by")
        )
        attributions = []
        for parsed, instance in kept:
            # Two GTD names of one group (gname "ISIL", gname2 "Islamic State") make one attribution.
            wanted = dict.fromkeys((group_ids[parsed.line, p.name], p.kind, p.attributed_by) for p in parsed.perpetrators)
            for group_id, kind, attributed_by in wanted:
                if group_id is not None and (instance.pk, group_id, kind, attributed_by) not in recorded:
                    attributions.append(Attribution(attack=instance, group_id=group_id, kind=kind, attributed_by=attributed_by))
        report.attributions_created = len(attributions)
        if attributions and not dry_run:
            bulk_create_with_history(attributions, Attribution, batch_size=BULK_BATCH_SIZE, **history)
        if not dry_run and (new or changed or attributions):
            bump_data_version()  # bulk writes send no save signals: cached public pages must still go stale
    if not dry_run:
        for name, group_id in learned.items():
            matcher.learn(name, group_id)
    return report


def _differing_fields(instance: models.Model, values: dict[str, Any]) -> list[str]:
    differing = []
    for name, value in values.items():
        field = instance._meta.get_field(name)
        if comparable(field, getattr(instance, name)) != comparable(field, value):
            differing.append(name)
    return differing


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
