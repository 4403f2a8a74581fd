"""Writes to groups, aliases, affiliations, designations, people and their roles, size estimates, profile sections,
attacks, attributions, and theatres with the groups on their maps.

Each upsert names the record's natural key; values are validated by the model
(`full_clean`) and saved through `kb.services.record_save`, so history always
has a user and a reason. The GTD import writes attacks, and the GTD records
they cite, in bulk (`groups.gtd.write`).
"""

from __future__ import annotations

from typing import Any

from kb.services import record_upsert

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
    SizeEstimate,
    Theatre,
    TheatreGroup,
)


def group_upsert(*, slug: str, values: dict[str, Any], user, reason: str, change_set=None) -> tuple[Group, bool]:
    return record_upsert(model=Group, lookup={"slug": slug}, values=values, user=user, reason=reason, change_set=change_set)


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


def person_upsert(*, slug: str, values: dict[str, Any], user, reason: str) -> tuple[Person, bool]:
    return record_upsert(model=Person, lookup={"slug": slug}, values=values, user=user, reason=reason)


def group_role_upsert(*, person: Person, group: Group, kind: str, values: dict[str, Any], user, reason: str) -> tuple[GroupRole, bool]:
    return record_upsert(
        model=GroupRole,
        lookup={"person": person, "group": group, "kind": kind},
        values=values,
        user=user,
        reason=reason,
    )


def size_estimate_upsert(
    *, group: Group, estimated_by: str, low: int, high: int, values: dict[str, Any], user, reason: str
) -> tuple[SizeEstimate, bool]:
    return record_upsert(
        model=SizeEstimate,
        lookup={"group": group, "estimated_by": estimated_by, "low": low, "high": high},
        values=values,
        user=user,
        reason=reason,
    )


def group_section_upsert(
    *, group: Group, topic: str, values: dict[str, Any], user, reason: str, change_set=None
) -> tuple[GroupSection, bool]:
    """The group's section on `topic`; its text's citation markers are checked (`GroupSection.clean`) as every write
    validates the record, so a marker naming no citation of the group is refused here as in the admin."""
    return record_upsert(
        model=GroupSection, lookup={"group": group, "topic": topic}, values=values, user=user, reason=reason, change_set=change_set
    )


def theatre_upsert(*, slug: str, values: dict[str, Any], user, reason: str) -> tuple[Theatre, bool]:
    return record_upsert(model=Theatre, lookup={"slug": slug}, values=values, user=user, reason=reason)


def theatre_group_upsert(*, theatre: Theatre, group: Group, values: dict[str, Any], user, reason: str) -> tuple[TheatreGroup, bool]:
    return record_upsert(model=TheatreGroup, lookup={"theatre": theatre, "group": group}, values=values, user=user, reason=reason)
