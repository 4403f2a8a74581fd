"""The public lists of groups as CSV: their columns, read alike by the API (`/api/v1/<list>.csv`), by
`manage.py export_csv` and by a release (`manage.py build_release`), which writes every public table whole.

Each export reads its records as dicts (`QuerySet.values()`), related values included: at GTD scale a model
instance per row would cost more than writing the file."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import JSONObject, Lower

from kb.api.csv import Column, CsvExport, choice_label, country_name
from kb.links import record_path
from sources.exports import CITATIONS, SOURCES

from . import selectors, theatres
from .filtersets import (
    AffiliationFilterSet,
    AliasFilterSet,
    AttackFilterSet,
    GroupFilterSet,
    RoleFilterSet,
    SizeEstimateFilterSet,
    TheatreFilterSet,
)
from .models import (
    ATTRIBUTION_ORDER_WITHIN_ATTACK,
    Affiliation,
    Alias,
    Attack,
    Attribution,
    Designation,
    Group,
    GroupRole,
    SizeEstimate,
    attribution_phrase,
    role_label,
    size_figure,
)


def _date(name: str) -> Column:
    label = name.replace("_", " ").capitalize()
    return Column(label, lambda row: row[name])


def _precision(name: str) -> Column:
    label = name.replace("_", " ").capitalize()
    return Column(f"{label} (precision)", lambda row: row[f"{name}_precision"])


def _dated(*names: str) -> list[str]:
    return [field for name in names for field in (name, f"{name}_precision")]


def _group_rows(groups: QuerySet[Group]) -> QuerySet:
    aliases = Alias.objects.public().filter(group=OuterRef("pk")).values("name")
    return groups.annotate(alias_names=ArraySubquery(aliases)).values(
        "id", "slug", "name", "kind", "status", *_dated("founded", "dissolved"), "countries", "alias_names", "summary",
        "wikidata_id", "last_updated",
    )  # fmt: skip


def _country_names(codes: str) -> str:
    """A multiple CountryField as stored ("IQ,SY"), as names."""
    return "; ".join(country_name(code) for code in codes.split(",") if code)


GROUPS = CsvExport(
    records=selectors.public_groups,
    filterset_class=GroupFilterSet,
    rows=_group_rows,
    filename="groups.csv",
    columns=[
        Column("Id", lambda g: g["id"]),
        Column("Slug", lambda g: g["slug"]),
        Column("Name", lambda g: g["name"]),
        Column("Kind", choice_label(Group, "kind")),
        Column("Status", choice_label(Group, "status")),
        _date("founded"),
        _precision("founded"),
        _date("dissolved"),
        _precision("dissolved"),
        Column("Countries of operation", lambda g: _country_names(g["countries"])),
        Column("Aliases", lambda g: "; ".join(g["alias_names"])),
        Column("Summary", lambda g: g["summary"]),
        Column("Wikidata QID", lambda g: g["wikidata_id"]),
        Column("Last updated", lambda g: g["last_updated"].isoformat()),
        Column("Page", lambda g: record_path("groups:group_detail", slug=g["slug"])),
    ],
)

ALIASES = CsvExport(
    records=lambda: Alias.objects.public(),
    filterset_class=AliasFilterSet,
    rows=lambda aliases: aliases.values(
        "id", "group__name", "group__slug", "name", "kind", "language", "script", *_dated("valid_from", "valid_to"), "updated_at"
    ),
    filename="aliases.csv",
    columns=[
        Column("Id", lambda a: a["id"]),
        Column("Group", lambda a: a["group__name"]),
        Column("Group slug", lambda a: a["group__slug"]),
        Column("Alias", lambda a: a["name"]),
        Column("Kind", choice_label(Alias, "kind")),
        Column("Language", lambda a: a["language"]),
        Column("Script", lambda a: a["script"]),
        _date("valid_from"),
        _precision("valid_from"),
        _date("valid_to"),
        _precision("valid_to"),
        Column("Last updated", lambda a: a["updated_at"].isoformat()),
    ],
)

AFFILIATIONS = CsvExport(
    records=lambda: Affiliation.objects.public(),
    filterset_class=AffiliationFilterSet,
    rows=lambda affiliations: affiliations.values(
        "id",
        "from_group__name",
        "kind",
        "to_group__name",
        *_dated("started", "ended"),
        "confidence",
        "description",
        "from_group__slug",
        "to_group__slug",
        "updated_at",
    ),  # fmt: skip
    filename="affiliations.csv",
    columns=[
        Column("Id", lambda a: a["id"]),
        Column("Group", lambda a: a["from_group__name"]),
        Column("Relationship", choice_label(Affiliation, "kind")),
        Column("Related group", lambda a: a["to_group__name"]),
        Column("Relationship code", lambda a: a["kind"]),
        _date("started"),
        _precision("started"),
        _date("ended"),
        _precision("ended"),
        Column("Confidence", choice_label(Affiliation, "confidence")),
        Column("Description", lambda a: a["description"]),
        Column("Group slug", lambda a: a["from_group__slug"]),
        Column("Related group slug", lambda a: a["to_group__slug"]),
        Column("Last updated", lambda a: a["updated_at"].isoformat()),
    ],
)


def _attack_rows(attacks: QuerySet[Attack]) -> QuerySet:
    attributions = (
        Attribution.objects.public(within="attack")  # the outer query's attacks are public
        .filter(attack=OuterRef("pk"))
        .order_by(*ATTRIBUTION_ORDER_WITHIN_ATTACK)
        .values(json=JSONObject(kind="kind", by="attributed_by", group="group__name"))
    )
    return attacks.annotate(attributed=ArraySubquery(attributions)).values(
        "id", "slug", "title", *_dated("date"), "end_date", "date_earliest", "date_latest", "locality", "district",
        "province", "country", "latitude", "longitude", "attack_type", "target_type", "weapon_type", "suicide", "killed",
        "killed_qualifier", "wounded", "wounded_qualifier", "attributed", "perpetrator_description", "updated_at",
    )  # fmt: skip


ATTACKS = CsvExport(
    records=selectors.public_attacks,
    filterset_class=AttackFilterSet,
    rows=_attack_rows,
    filename="attacks.csv",
    columns=[
        Column("Id", lambda a: a["id"]),
        Column("Slug", lambda a: a["slug"]),
        Column("Title", lambda a: a["title"]),
        _date("date"),
        _precision("date"),
        Column("End date", lambda a: a["end_date"]),
        Column("Earliest possible date", lambda a: a["date_earliest"]),
        Column("Latest possible date", lambda a: a["date_latest"]),
        Column("City or locality", lambda a: a["locality"]),
        Column("District", lambda a: a["district"]),
        Column("Province or state", lambda a: a["province"]),
        Column("Country", lambda a: country_name(a["country"])),
        Column("Latitude", lambda a: a["latitude"]),
        Column("Longitude", lambda a: a["longitude"]),
        Column("Attack type", choice_label(Attack, "attack_type")),
        Column("Target type", choice_label(Attack, "target_type")),
        Column("Weapon type", choice_label(Attack, "weapon_type")),
        Column("Suicide attack", lambda a: {True: "yes", False: "no", None: "unknown"}[a["suicide"]]),
        Column("Killed", lambda a: a["killed"]),
        Column("Killed (as worded)", choice_label(Attack, "killed_qualifier")),
        Column("Wounded", lambda a: a["wounded"]),
        Column("Wounded (as worded)", choice_label(Attack, "wounded_qualifier")),
        Column(
            "Claimed by or attributed to",
            lambda a: "; ".join(f"{attribution_phrase(x['kind'], x['by'])} {x['group']}" for x in a["attributed"]),
        ),
        Column("Perpetrators as described", lambda a: a["perpetrator_description"]),
        Column("Last updated", lambda a: a["updated_at"].isoformat()),
        Column("Page", lambda a: record_path("groups:attack_detail", key=a["slug"])),
    ],
)

DESIGNATIONS = CsvExport(
    records=lambda: Designation.objects.public().order_by("id"),
    rows=lambda designations: designations.values(
        "id", "group__name", "group__slug", "authority", "listing", *_dated("designated"), "description", "updated_at"
    ),
    filename="designations.csv",
    columns=[
        Column("Id", lambda d: d["id"]),
        Column("Group", lambda d: d["group__name"]),
        Column("Group slug", lambda d: d["group__slug"]),
        Column("Authority", lambda d: d["authority"]),
        Column("Listing", lambda d: d["listing"]),
        _date("designated"),
        _precision("designated"),
        Column("Description", lambda d: d["description"]),
        Column("Last updated", lambda d: d["updated_at"].isoformat()),
    ],
)

ATTRIBUTIONS = CsvExport(
    records=lambda: Attribution.objects.public().order_by("id"),
    rows=lambda attributions: attributions.values(
        "id", "attack__title", "attack__slug", "group__name", "group__slug", "kind", "attributed_by", "description", "updated_at"
    ),
    filename="attributions.csv",
    columns=[
        Column("Id", lambda a: a["id"]),
        Column("Attack", lambda a: a["attack__title"]),
        Column("Attack slug", lambda a: a["attack__slug"]),
        Column("Statement", lambda a: attribution_phrase(a["kind"], a["attributed_by"])),
        Column("Group", lambda a: a["group__name"]),
        Column("Group slug", lambda a: a["group__slug"]),
        Column("Kind", choice_label(Attribution, "kind")),
        Column("Kind code", lambda a: a["kind"]),
        Column("Attributed by", lambda a: a["attributed_by"]),
        Column("Description", lambda a: a["description"]),
        Column("Last updated", lambda a: a["updated_at"].isoformat()),
    ],
)

ROLES = CsvExport(
    records=lambda: GroupRole.objects.public(),
    filterset_class=RoleFilterSet,
    rows=lambda roles: roles.values(
        "id",
        "person__name",
        "person__slug",
        "kind",
        "title",
        "group__name",
        "group__slug",
        *_dated("started", "ended", "as_of"),
        "updated_at",
    ),  # fmt: skip
    filename="roles.csv",
    columns=[
        Column("Id", lambda r: r["id"]),
        Column("Person", lambda r: r["person__name"]),
        Column("Person slug", lambda r: r["person__slug"]),
        Column("Role", lambda r: role_label(r["kind"], r["title"])),
        Column("Role code", lambda r: r["kind"]),
        Column("Title as written", lambda r: r["title"]),
        Column("Group", lambda r: r["group__name"]),
        Column("Group slug", lambda r: r["group__slug"]),
        _date("started"),
        _precision("started"),
        _date("ended"),
        _precision("ended"),
        Column("In the role as of", lambda r: r["as_of"]),
        _precision("as_of"),
        Column("Last updated", lambda r: r["updated_at"].isoformat()),
    ],
)

SIZE_ESTIMATES = CsvExport(
    records=lambda: SizeEstimate.objects.public(),
    filterset_class=SizeEstimateFilterSet,
    rows=lambda estimates: estimates.values(
        "id",
        "group__name",
        "group__slug",
        "low",
        "high",
        "qualifier",
        "counted",
        *_dated("as_of"),
        "estimated_by",
        "description",
        "updated_at",
    ),  # fmt: skip
    filename="size-estimates.csv",
    columns=[
        Column("Id", lambda e: e["id"]),
        Column("Group", lambda e: e["group__name"]),
        Column("Group slug", lambda e: e["group__slug"]),
        Column("Estimate", lambda e: size_figure(e["low"], e["high"], e["qualifier"], e["counted"])),
        Column("Lowest", lambda e: e["low"]),
        Column("Highest", lambda e: e["high"]),
        Column("Figure (as worded)", choice_label(SizeEstimate, "qualifier")),
        Column("What is counted", lambda e: e["counted"]),
        Column("As of", lambda e: e["as_of"]),
        _precision("as_of"),
        Column("Estimated by", lambda e: e["estimated_by"]),
        Column("Description", lambda e: e["description"]),
        Column("Last updated", lambda e: e["updated_at"].isoformat()),
    ],
)


def _theatre_rows(records: QuerySet) -> QuerySet:
    """Each theatre with the public groups its map draws (`theatres.on_map`), by name, in the same query."""
    groups = theatres.groups_of_outer_theatre().order_by(Lower("name"), "pk")
    return records.annotate(group_names=ArraySubquery(groups.values("name")), group_slugs=ArraySubquery(groups.values("slug"))).values(
        "id", "slug", "name", "description", "countries", "start_year", "end_year", "group_names", "group_slugs", "updated_at"
    )  # fmt: skip


THEATRES = CsvExport(
    records=theatres.theatres_for_list,
    filterset_class=TheatreFilterSet,
    rows=_theatre_rows,
    filename="theatres.csv",
    columns=[
        Column("Id", lambda t: t["id"]),
        Column("Slug", lambda t: t["slug"]),
        Column("Name", lambda t: t["name"]),
        Column("Description", lambda t: t["description"]),
        Column("Countries covered", lambda t: _country_names(t["countries"])),
        Column("From (year)", lambda t: t["start_year"]),
        Column("Until (year)", lambda t: t["end_year"]),
        Column("Groups", lambda t: "; ".join(t["group_names"])),
        Column("Group slugs", lambda t: "; ".join(t["group_slugs"])),
        Column("Last updated", lambda t: t["updated_at"].isoformat()),
        Column("Page", lambda t: record_path("groups:theatre_detail", slug=t["slug"])),
    ],
)

# What `manage.py export_csv <list>` writes, by the name of the list.
CSV_EXPORTS = {
    "groups": GROUPS,
    "aliases": ALIASES,
    "affiliations": AFFILIATIONS,
    "roles": ROLES,
    "size-estimates": SIZE_ESTIMATES,
    "attacks": ATTACKS,
    "theatres": THEATRES,
}

# Every public table, as a release writes it whole (CSV and JSON Lines with these columns).
TABLE_EXPORTS = {
    "groups": GROUPS,
    "aliases": ALIASES,
    "affiliations": AFFILIATIONS,
    "designations": DESIGNATIONS,
    "roles": ROLES,
    "size-estimates": SIZE_ESTIMATES,
    "attacks": ATTACKS,
    "attributions": ATTRIBUTIONS,
    "theatres": THEATRES,
    "sources": SOURCES,
    "citations": CITATIONS,
}
