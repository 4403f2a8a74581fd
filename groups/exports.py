"""The public lists of groups as CSV: their columns, read alike by the API's `?format=csv` and by
`manage.py export_csv`."""

from __future__ import annotations

from kb.api.csv import Column, CsvExport

from . import selectors
from .filtersets import AffiliationFilterSet, AliasFilterSet, AttackFilterSet, GroupFilterSet


def _date(name: str) -> Column:
    label = name.replace("_", " ").capitalize()
    return Column(label, lambda record: getattr(record, name))


def _precision(name: str) -> Column:
    label = name.replace("_", " ").capitalize()
    return Column(f"{label} (precision)", lambda record: getattr(record, f"{name}_precision"))


GROUPS = CsvExport(
    records=selectors.groups_for_list,
    filterset_class=GroupFilterSet,
    filename="groups.csv",
    columns=[
        Column("Id", lambda g: g.pk),
        Column("Slug", lambda g: g.slug),
        Column("Name", lambda g: g.name),
        Column("Kind", lambda g: g.get_kind_display()),
        Column("Status", lambda g: g.get_status_display()),
        _date("founded"),
        _precision("founded"),
        _date("dissolved"),
        _precision("dissolved"),
        Column("Countries of operation", lambda g: "; ".join(country.name for country in g.countries)),
        Column("Aliases", lambda g: "; ".join(alias.name for alias in g.public_aliases)),
        Column("Summary", lambda g: g.summary),
        Column("Wikidata QID", lambda g: g.wikidata_id),
        Column("Last updated", lambda g: g.last_updated.isoformat()),
        Column("Page", lambda g: g.get_absolute_url()),
    ],
)

ALIASES = CsvExport(
    records=selectors.aliases_for_list,
    filterset_class=AliasFilterSet,
    filename="aliases.csv",
    columns=[
        Column("Id", lambda a: a.pk),
        Column("Group", lambda a: a.group.name),
        Column("Group slug", lambda a: a.group.slug),
        Column("Alias", lambda a: a.name),
        Column("Kind", lambda a: a.get_kind_display()),
        Column("Language", lambda a: a.language),
        Column("Script", lambda a: a.script),
        _date("valid_from"),
        _precision("valid_from"),
        _date("valid_to"),
        _precision("valid_to"),
        Column("Last updated", lambda a: a.updated_at.isoformat()),
    ],
)

AFFILIATIONS = CsvExport(
    records=selectors.affiliations_for_list,
    filterset_class=AffiliationFilterSet,
    filename="affiliations.csv",
    columns=[
        Column("Id", lambda a: a.pk),
        Column("Group", lambda a: a.from_group.name),
        Column("Relationship", lambda a: a.get_kind_display()),
        Column("Related group", lambda a: a.to_group.name),
        Column("Relationship code", lambda a: a.kind),
        _date("started"),
        _precision("started"),
        _date("ended"),
        _precision("ended"),
        Column("Confidence", lambda a: a.get_confidence_display()),
        Column("Description", lambda a: a.description),
        Column("Group slug", lambda a: a.from_group.slug),
        Column("Related group slug", lambda a: a.to_group.slug),
        Column("Last updated", lambda a: a.updated_at.isoformat()),
    ],
)

ATTACKS = CsvExport(
    records=selectors.attacks_for_list,
    filterset_class=AttackFilterSet,
    filename="attacks.csv",
    columns=[
        Column("Id", lambda a: a.pk),
        Column("Slug", lambda a: a.slug),
        Column("Title", lambda a: a.title),
        _date("date"),
        _precision("date"),
        Column("End date", lambda a: a.end_date),
        Column("Earliest possible date", lambda a: a.date_earliest),
        Column("Latest possible date", lambda a: a.date_latest),
        Column("City or locality", lambda a: a.locality),
        Column("District", lambda a: a.district),
        Column("Province or state", lambda a: a.province),
        Column("Country", lambda a: a.country.name if a.country else ""),
        Column("Latitude", lambda a: a.latitude),
        Column("Longitude", lambda a: a.longitude),
        Column("Attack type", lambda a: a.get_attack_type_display()),
        Column("Target type", lambda a: a.get_target_type_display()),
        Column("Weapon type", lambda a: a.get_weapon_type_display()),
        Column("Suicide attack", lambda a: {True: "yes", False: "no", None: "unknown"}[a.suicide]),
        Column("Killed", lambda a: a.killed),
        Column("Killed (as worded)", lambda a: a.get_killed_qualifier_display()),
        Column("Wounded", lambda a: a.wounded),
        Column("Wounded (as worded)", lambda a: a.get_wounded_qualifier_display()),
        Column("Claimed by or attributed to", lambda a: "; ".join(f"{x.phrase} {x.group.name}" for x in a.public_attributions)),
        Column("Perpetrators as described", lambda a: a.perpetrator_description),
        Column("Last updated", lambda a: a.updated_at.isoformat()),
        Column("Page", lambda a: a.get_absolute_url()),
    ],
)

# What `manage.py export_csv <list>` writes, by the name of the list.
CSV_EXPORTS = {"groups": GROUPS, "aliases": ALIASES, "affiliations": AFFILIATIONS, "attacks": ATTACKS}
