"""What a synthetic data set holds, decided before anything is written: plain field values, in order.

`plan_dataset(seed=, scale=)` returns every group, alias, affiliation, attack and attribution
as a dict of model field values, with foreign keys given as positions in the lists they point
into; `Plan.articles()` then yields each source with its citations, built on the fly so the
half-million citations never sit in memory at once. Each part draws from its own
`random.Random`, seeded from the seed and the part's name, so the same seed and scale always
give the same rows in the same order, and a change to one part leaves the others as they were.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import functools
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify
from django_countries import countries as country_names

from groups.models import (
    SYMMETRIC_AFFILIATION_KINDS,
    AffiliationKind,
    AliasKind,
    AttackType,
    AttributionKind,
    Confidence,
    CountQualifier,
    GroupKind,
    GroupStatus,
)
from groups.normalization import normalize_name
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from sources.models import InformationCredibility, SourceReliability
from sources.text import canonicalize_url, text_fingerprint

from .names import Name, make_name, other_names
from .vocabulary import (
    AFFILIATION_PHRASES,
    AFFILIATION_WITNESSES,
    ARABIC,
    ATTACK_TYPES,
    ATTACK_WORDS,
    ATTRIBUTING_PARTIES,
    CLAIM_CHANNELS,
    COUNTRIES,
    COUNTRY_BY_CODE,
    DISPUTING_PARTIES,
    ENGLISH,
    FILLERS,
    FIRST_NAMES,
    IDEOLOGIES,
    KIND_NOUNS,
    LAST_NAMES,
    NUMBER_WORDS,
    OUTLETS,
    SPANISH,
    SUICIDE_BOMBING_WORDS,
    TARGETS,
    URDU,
    WEAPONS,
    Country,
)

# The counts at scale 1.0, the order of magnitude of the Global Terrorism Database.
FULL_SCALE = {"groups": 5_000, "aliases": 50_000, "affiliations": 20_000, "attacks": 250_000, "sources": 100_000, "citations": 500_000}
FIRST_YEAR, LAST_YEAR = 1970, 2021
PUBLISHED, DRAFT = PublicationStatus.PUBLISHED, PublicationStatus.DRAFT
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
ERA_START = {URDU: 1985, ARABIC: 1980, ENGLISH: 1960, SPANISH: 1960}  # earliest founding year by naming style


class Weighted:
    """Values with weights, to draw from many times (random.choices would add the weights up on every draw)."""

    def __init__(self, weights: dict):
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


GROUP_KINDS = Weighted({GroupKind.ORGANISATION: 55, GroupKind.FACTION: 15, GroupKind.BRANCH: 12, GroupKind.NETWORK: 8,
                        GroupKind.MOVEMENT: 8, GroupKind.OTHER: 2})  # fmt: skip
GROUP_STATUSES = Weighted({GroupStatus.ACTIVE: 40, GroupStatus.INACTIVE: 20, GroupStatus.DEFUNCT: 22, GroupStatus.MERGED: 5,
                           GroupStatus.UNKNOWN: 13})  # fmt: skip
FOUNDED_PRECISIONS = Weighted({DatePrecision.YEAR: 45, DatePrecision.MONTH: 18, DatePrecision.DAY: 12, DatePrecision.EARLY: 3,
                               DatePrecision.MID: 3, DatePrecision.LATE: 4, DatePrecision.UNKNOWN: 15})  # fmt: skip
DISSOLVED_PRECISIONS = Weighted({DatePrecision.YEAR: 60, DatePrecision.MONTH: 25, DatePrecision.DAY: 15})
ATTACK_PRECISIONS = Weighted({DatePrecision.DAY: 88, DatePrecision.MONTH: 6, DatePrecision.YEAR: 3, DatePrecision.EARLY: 0.5,
                              DatePrecision.MID: 0.5, DatePrecision.LATE: 0.5, DatePrecision.UNKNOWN: 1.5})  # fmt: skip
PUBLISHED_PRECISIONS = Weighted({DatePrecision.DAY: 90, DatePrecision.MONTH: 4, DatePrecision.UNKNOWN: 6})
AFFILIATION_KINDS = Weighted({
    AffiliationKind.ALLIED_WITH: 18, AffiliationKind.COOPERATED_WITH: 14, AffiliationKind.RIVAL_OF: 12, AffiliationKind.SPLINTER_FROM: 10,
    AffiliationKind.AFFILIATED_WITH: 10, AffiliationKind.PLEDGED_ALLEGIANCE_TO: 8, AffiliationKind.SUPPORTED_BY: 7,
    AffiliationKind.INSPIRED_BY: 6, AffiliationKind.FORMED_BY_FORMER_MEMBERS_OF: 5, AffiliationKind.FORMERLY_PART_OF: 4,
    AffiliationKind.MERGED_INTO: 2, AffiliationKind.FACTION_OF: 2, AffiliationKind.BRANCH_OF: 2,
})  # fmt: skip
CONFIDENCES = Weighted({Confidence.REPORTED: 55, Confidence.CONFIRMED: 20, Confidence.ALLEGED: 18, Confidence.DISPUTED: 7})
ATTACK_TYPE_WEIGHTS = Weighted(ATTACK_TYPES)
TARGET_WEIGHTS = Weighted({target: weight for target, (weight, _) in TARGETS.items()})
WEAPON_WEIGHTS = {attack_type: Weighted(weights) for attack_type, weights in WEAPONS.items()}
QUALIFIERS = Weighted({CountQualifier.EXACT: 62, CountQualifier.AT_LEAST: 20, CountQualifier.MORE_THAN: 7, CountQualifier.ABOUT: 6,
                       CountQualifier.NEARLY: 4, CountQualifier.FEWER_THAN: 1})  # fmt: skip
QUALIFIER_WORDS = {CountQualifier.EXACT: "", CountQualifier.AT_LEAST: "at least ", CountQualifier.MORE_THAN: "more than ",
                   CountQualifier.ABOUT: "about ", CountQualifier.NEARLY: "nearly ", CountQualifier.FEWER_THAN: "fewer than "}  # fmt: skip
ATTRIBUTIONS_PER_ATTACK = Weighted({1: 82, 2: 15, 3: 3})
FIRST_ATTRIBUTION = Weighted({AttributionKind.ATTRIBUTED: 40, AttributionKind.CLAIMED: 30, AttributionKind.SUSPECTED: 25,
                              AttributionKind.DISPUTED: 3, AttributionKind.DENIED: 2})  # fmt: skip
FURTHER_ATTRIBUTION = Weighted({AttributionKind.SUSPECTED: 50, AttributionKind.ATTRIBUTED: 25, AttributionKind.DENIED: 15,
                                AttributionKind.DISPUTED: 7, AttributionKind.CLAIMED: 3})  # fmt: skip
AUTHOR_COUNTS = Weighted({0: 40, 1: 45, 2: 15})
RELIABILITIES = Weighted({"": 40, SourceReliability.A: 5, SourceReliability.B: 25, SourceReliability.C: 20, SourceReliability.D: 5,
                          SourceReliability.E: 2, SourceReliability.F: 3})  # fmt: skip
CREDIBILITIES = Weighted({"": 50, InformationCredibility.CONFIRMED: 10, InformationCredibility.PROBABLY_TRUE: 20,
                          InformationCredibility.POSSIBLY_TRUE: 12, InformationCredibility.DOUBTFUL: 5,
                          InformationCredibility.IMPROBABLE: 1, InformationCredibility.CANNOT_BE_JUDGED: 2})  # fmt: skip
DRAFT_SHARE, GROUP_DRAFT_SHARE = 0.03, 0.02  # a few percent are still drafts
ALIAS_CITATION_SHARE = 0.2  # of aliases, when the citation budget allows


def counts_at_scale(scale: float) -> dict[str, int]:
    counts = {name: max(1, round(count * scale)) for name, count in FULL_SCALE.items()}
    counts["groups"] = max(2, counts["groups"])  # a relationship needs two
    return counts


def _status(rng: random.Random, share: float = DRAFT_SHARE) -> str:
    return DRAFT if rng.random() < share else PUBLISHED


def partial_date(rng: random.Random, year: int, precision: str) -> datetime.date | None:
    """The stored form of a date known to `precision`: the first day of the month, or 1 January for a year or part of one."""
    if precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.DAY:
        month = rng.randint(1, 12)
        return datetime.date(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))
    if precision == DatePrecision.MONTH:
        return datetime.date(year, rng.randint(1, 12), 1)
    return datetime.date(year, 1, 1)


def date_phrase(value: datetime.date | None, precision: str, *, since: bool = False) -> str:
    """How an article dates something: "on 3 May 2009", "in May 2009", "in early 2009" ("since …" for a state)."""
    if value is None or precision == DatePrecision.UNKNOWN:
        return ""
    if precision == DatePrecision.DAY:
        return f"{'since' if since else 'on'} {value.day} {MONTHS[value.month - 1]} {value.year}"
    words = {
        DatePrecision.MONTH: f"{MONTHS[value.month - 1]} {value.year}",
        DatePrecision.EARLY: f"early {value.year}",
        DatePrecision.MID: f"mid-{value.year}",
        DatePrecision.LATE: f"late {value.year}",
    }.get(precision, str(value.year))
    return f"{'since' if since else 'in'} {words}"


def _list_phrase(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0].lower() in "aeiou" and not noun.startswith("uni") else f"a {noun}"


@dataclass
class GroupProfile:
    """What the plan knows about a group beyond its fields: where it is, how active, what its name is made of."""

    name: Name
    country: Country
    countries: list[str]
    activity: float
    first_year: int
    last_year: int
    variants: list[str] = field(default_factory=list)  # spellings articles may use


@dataclass
class Plan:
    seed: int
    scale: float
    counts: dict[str, int]
    groups: list[dict] = field(default_factory=list)
    aliases: list[dict] = field(default_factory=list)
    affiliations: list[dict] = field(default_factory=list)
    attacks: list[dict] = field(default_factory=list)
    attributions: list[dict] = field(default_factory=list)
    # What articles say about the records, kept beside their field values.
    profiles: list[GroupProfile] = field(default_factory=list)
    affiliation_sentences: list[str] = field(default_factory=list)
    attack_details: list[tuple] = field(default_factory=list)  # (perpetrator's group index, target place, ATTACK_WORDS entry)

    def rng(self, part: str) -> random.Random:
        return random.Random(f"{self.seed}:{part}")

    def articles(self) -> Iterator[tuple[dict, list[dict]]]:
        """Each source, with the citations that quote it: sentences about the facts, in order, cut into articles."""
        return _articles(self)


def plan_dataset(*, seed: int, scale: float) -> Plan:
    plan = plan_names(seed=seed, scale=scale)
    _plan_affiliations(plan)
    _plan_attacks(plan)
    _plan_attributions(plan)
    return plan


def plan_names(*, seed: int, scale: float) -> Plan:
    """Only the groups and their aliases (the first parts of `plan_dataset`, the same rows): the names an article may use."""
    plan = Plan(seed=seed, scale=scale, counts=counts_at_scale(scale))
    _plan_groups(plan)
    _plan_aliases(plan)
    return plan


# Groups.


def _plan_groups(plan: Plan) -> None:
    rng = plan.rng("groups")
    countries, weights = list(COUNTRIES), [c.weight for c in COUNTRIES]
    used_keys: set[str] = set()
    used_slugs: set[str] = set()
    used_wikidata: set[str] = set()
    mitre_number = 1000
    for _ in range(plan.counts["groups"]):
        country = rng.choices(countries, weights=weights)[0]
        style = Weighted(country.styles).pick(rng)
        name = _unique_name(rng, style, country, used_keys)
        text = name.text
        used_keys.add(normalize_name(text))
        slug = _unique(slugify(text)[:190], used_slugs)
        kind, status = GROUP_KINDS.pick(rng), GROUP_STATUSES.pick(rng)
        founded_precision = FOUNDED_PRECISIONS.pick(rng)
        founded_year = rng.randint(ERA_START[style], 2019)
        founded = partial_date(rng, founded_year, founded_precision)
        dissolved, dissolved_precision = None, DatePrecision.UNKNOWN
        last_year = LAST_YEAR
        if status in (GroupStatus.DEFUNCT, GroupStatus.MERGED):
            dissolved_precision = DISSOLVED_PRECISIONS.pick(rng)
            last_year = rng.randint(max(founded_year + 1, FIRST_YEAR + 2), LAST_YEAR)
            dissolved = partial_date(rng, last_year, dissolved_precision)
        elif status == GroupStatus.INACTIVE:
            last_year = min(LAST_YEAR, max(founded_year, FIRST_YEAR) + rng.randint(5, 25))
        group_countries = [country.code]
        for neighbour in country.neighbours:
            if rng.random() < 0.25:
                group_countries.append(neighbour)
        provinces = list(dict.fromkeys(city[1] for code in group_countries for city in COUNTRY_BY_CODE[code].cities))
        areas = _list_phrase(rng.sample(provinces, min(len(provinces), rng.randint(1, 3))))
        ideology = rng.choice(IDEOLOGIES[style])
        wikidata_id = ""
        if rng.random() < 0.25:
            wikidata_id = _unique(f"Q{rng.randint(1_000_000, 99_999_999)}", used_wikidata, separator="")
        mitre_attack_id = ""
        if rng.random() < 0.015 and mitre_number < 9999:
            mitre_attack_id, mitre_number = f"G{mitre_number:04d}", mitre_number + 1
        plan.groups.append(
            {
                "name": text,
                "normalized_name": normalize_name(text),
                "slug": slug,
                "kind": kind,
                "status": status,
                "founded": founded,
                "founded_precision": founded_precision,
                "dissolved": dissolved,
                "dissolved_precision": dissolved_precision,
                "summary": f"{text} is {_a(ideology)} {KIND_NOUNS[kind]} active in {areas}.",
                "ideology": ideology,
                "countries": sorted(group_countries),
                "areas": areas,
                "wikidata_id": wikidata_id,
                "gtd_name": text if rng.random() < 0.6 else "",
                "mitre_attack_id": mitre_attack_id,
                "ucdp_actor_id": rng.randint(100, 9999) if rng.random() < 0.15 else None,
                "publication_status": _status(rng, GROUP_DRAFT_SHARE),
            }
        )
        first_year = max(FIRST_YEAR, founded_year if founded else ERA_START[style])
        plan.profiles.append(
            GroupProfile(
                name=name,
                country=country,
                countries=group_countries,
                activity=min(rng.paretovariate(1.1), 500.0),
                first_year=first_year,
                last_year=max(first_year, last_year),
            )
        )


def _unique_name(rng: random.Random, style: str, country: Country, used_keys: set[str]) -> Name:
    for _ in range(60):
        name = make_name(rng, style, country)
        if normalize_name(name.text) not in used_keys:
            return name
    # Parts run out only far beyond full scale; a numbered unit keeps the name unique.
    number = 2
    while normalize_name(f"{name.text} Unit {number}") in used_keys:
        number += 1
    name.pieces = name.pieces + [("sep", " "), ("word", "Unit"), ("sep", " "), ("word", str(number))]
    name.without_place = list(name.pieces)
    name.translation, name.arabic, name.place = "", "", ""
    return name


def _unique(value: str, used: set[str], separator: str = "-") -> str:
    candidate, number = value, 2
    while candidate in used:
        candidate, number = f"{value}{separator}{number}", number + 1
    used.add(candidate)
    return candidate


# Aliases: spellings, acronyms, translations, former names. A search key may be shared within a
# group (Tehreek/Tehrik); across groups only acronyms and epithets share one, acknowledged.

SHAREABLE_KINDS = {AliasKind.ACRONYM, AliasKind.EXONYM, AliasKind.PEJORATIVE}


def _plan_aliases(plan: Plan) -> None:
    rng = plan.rng("aliases")
    group_keys = {group["normalized_name"]: index for index, group in enumerate(plan.groups)}
    exclusive_keys: dict[str, int] = {}  # a variant's key, and the one group that may use it
    candidates_by_group: list[list] = []
    for index, (group, profile) in enumerate(zip(plan.groups, plan.profiles, strict=True)):
        former = None
        if rng.random() < 0.08:
            former = make_name(rng, profile.name.style, profile.country)
        seen = {group["name"].casefold()}
        kept = []
        for candidate in other_names(rng, profile.name, adjective=profile.country.adjective, former=former):
            key = normalize_name(candidate.name)
            if not key or candidate.name.casefold() in seen or group_keys.get(key, index) != index:
                continue  # empty, already listed, or another group's own name
            if candidate.kind not in SHAREABLE_KINDS and exclusive_keys.setdefault(key, index) != index:
                continue  # another group's spelling
            seen.add(candidate.name.casefold())
            kept.append((candidate, key))
        candidates_by_group.append(kept)
    # Shareable names must not take a key another group holds exclusively.
    candidates_by_group = [
        [(c, key) for c, key in kept if c.kind not in SHAREABLE_KINDS or exclusive_keys.get(key, index) == index]
        for index, kept in enumerate(candidates_by_group)
    ]

    quotas = _quotas(rng, plan.counts["aliases"], [len(kept) for kept in candidates_by_group])
    chosen = [kept[:quota] for kept, quota in zip(candidates_by_group, quotas, strict=True)]
    groups_by_key: dict[str, set[int]] = {}
    for index, kept in enumerate(chosen):
        for _, key in kept:
            groups_by_key.setdefault(key, set()).add(index)
    for index, kept in enumerate(chosen):
        group, profile = plan.groups[index], plan.profiles[index]
        for candidate, key in kept:
            valid_from, valid_from_precision, valid_to, valid_to_precision = None, DatePrecision.UNKNOWN, None, DatePrecision.UNKNOWN
            if candidate.kind == AliasKind.FORMER_NAME:
                valid_from, valid_from_precision = group["founded"], group["founded_precision"]
                valid_to_precision = DatePrecision.YEAR
                valid_to = datetime.date(rng.randint(profile.first_year, max(profile.first_year, profile.last_year)), 1, 1)
                if valid_from and valid_to < valid_from:
                    valid_to = datetime.date(valid_from.year + 1, 1, 1)
            if candidate.kind == AliasKind.VARIANT:
                profile.variants.append(candidate.name)
            plan.aliases.append(
                {
                    "group": index,
                    "name": candidate.name,
                    "normalized_name": key,
                    "kind": candidate.kind,
                    "language": candidate.language,
                    "script": candidate.script,
                    "valid_from": valid_from,
                    "valid_from_precision": valid_from_precision,
                    "valid_to": valid_to,
                    "valid_to_precision": valid_to_precision,
                    "shared_name_acknowledged": len(groups_by_key[key]) > 1,
                    "publication_status": _status(rng),
                }
            )


def _quotas(rng: random.Random, total: int, capacities: list[int]) -> list[int]:
    """`total` spread over the groups in proportion to a random size each (big groups have more names), within each one's capacity."""
    sizes = [rng.lognormvariate(0, 0.8) for _ in capacities]
    scale = total / sum(sizes)
    quotas = [min(capacity, max(1, round(size * scale))) for size, capacity in zip(sizes, capacities, strict=True)]
    order = sorted(range(len(capacities)), key=lambda i: -sizes[i])
    # Round-robin over the biggest groups first until the total is met (or nobody has a name to spare).
    assigned, changed = sum(quotas), True
    while assigned != total and changed:
        changed = False
        for i in order:
            if assigned < total and quotas[i] < capacities[i]:
                quotas[i], assigned, changed = quotas[i] + 1, assigned + 1, True
            elif assigned > total and quotas[i] > 1:
                quotas[i], assigned, changed = quotas[i] - 1, assigned - 1, True
            if assigned == total:
                break
    return quotas


# Affiliations.


def _plan_affiliations(plan: Plan) -> None:
    rng = plan.rng("affiliations")
    target, group_count = plan.counts["affiliations"], len(plan.groups)
    neighbours = _groups_by_country(plan)
    activity = [profile.activity for profile in plan.profiles]
    cumulative = list(itertools.accumulate(activity))
    taken: set[tuple[int, int, str]] = set()
    attempts = 0
    while len(plan.affiliations) < target and attempts < target * 30:
        attempts += 1
        from_index = rng.randrange(group_count)
        group_kind = plan.groups[from_index]["kind"]
        if group_kind == GroupKind.BRANCH and rng.random() < 0.5:
            kind = AffiliationKind.BRANCH_OF
        elif group_kind == GroupKind.FACTION and rng.random() < 0.5:
            kind = AffiliationKind.FACTION_OF
        else:
            kind = AFFILIATION_KINDS.pick(rng)
        nearby = neighbours[rng.choice(plan.profiles[from_index].countries)]
        if rng.random() < 0.7 and len(nearby) > 1:
            to_index = rng.choice(nearby)
        else:
            to_index = bisect.bisect_left(cumulative, rng.random() * cumulative[-1])
        keys = {(from_index, to_index, kind)}
        if kind in SYMMETRIC_AFFILIATION_KINDS:
            keys.add((to_index, from_index, kind))
        if to_index == from_index or keys & taken:
            continue
        taken |= keys
        affiliation, sentence = _affiliation(rng, plan, from_index, to_index, kind)
        plan.affiliations.append(affiliation)
        plan.affiliation_sentences.append(sentence)


def _groups_by_country(plan: Plan) -> dict[str, list[int]]:
    by_country: dict[str, list[int]] = {country.code: [] for country in COUNTRIES}
    for index, profile in enumerate(plan.profiles):
        for code in profile.countries:
            by_country[code].append(index)
    return by_country


def _affiliation(rng: random.Random, plan: Plan, from_index: int, to_index: int, kind: str) -> tuple[dict, str]:
    first = max(plan.profiles[from_index].first_year, plan.profiles[to_index].first_year)
    started_precision = FOUNDED_PRECISIONS.pick(rng)
    started_year = rng.randint(min(first, LAST_YEAR), LAST_YEAR)
    started = partial_date(rng, started_year, started_precision)
    ended, ended_precision = None, DatePrecision.UNKNOWN
    if rng.random() < 0.2 and kind not in (AffiliationKind.MERGED_INTO, AffiliationKind.SPLINTER_FROM):
        ended_precision = DatePrecision.YEAR
        ended = datetime.date(rng.randint(started_year + 1, LAST_YEAR + 1), 1, 1)
    phrase, is_event = AFFILIATION_PHRASES[kind]
    when = date_phrase(started, started_precision, since=not is_event)
    sentence = (
        f"{plan.groups[from_index]['name']} {phrase} {plan.groups[to_index]['name']}{' ' + when if when else ''}, "
        f"according to {rng.choice(AFFILIATION_WITNESSES)}."
    )
    return {
        "from_group": from_index,
        "to_group": to_index,
        "kind": kind,
        "started": started,
        "started_precision": started_precision,
        "ended": ended,
        "ended_precision": ended_precision,
        "confidence": CONFIDENCES.pick(rng),
        "description": sentence if rng.random() < 0.15 and len(sentence) <= 300 else "",
        "publication_status": _status(rng),
    }, sentence


# Attacks and who they are attributed to.


def _plan_attacks(plan: Plan) -> None:
    rng = plan.rng("attacks")
    count = plan.counts["attacks"]
    perpetrators = rng.choices(range(len(plan.groups)), weights=[p.activity for p in plan.profiles], k=count)
    planned = []
    for number, group_index in enumerate(perpetrators):
        profile = plan.profiles[group_index]
        code = profile.countries[0] if len(profile.countries) == 1 or rng.random() < 0.7 else rng.choice(profile.countries[1:])
        locality, province, latitude, longitude = rng.choice(COUNTRY_BY_CODE[code].cities)
        span = profile.last_year - profile.first_year + 1
        year = profile.first_year + min(span - 1, int(span * rng.random() ** 0.6))  # more attacks in later years, as in the GTD
        precision = ATTACK_PRECISIONS.pick(rng)
        date = partial_date(rng, year, precision)
        end_date = date + datetime.timedelta(days=rng.randint(1, 3)) if precision == DatePrecision.DAY and rng.random() < 0.02 else None
        attack_type = ATTACK_TYPE_WEIGHTS.pick(rng)
        target_type = TARGET_WEIGHTS.pick(rng)
        target_place = rng.choice(TARGETS[target_type][1])
        suicide = None
        if attack_type in (AttackType.BOMBING_EXPLOSION, AttackType.ARMED_ASSAULT):
            draw = rng.random()
            suicide = True if draw < 0.07 else (False if draw < 0.7 else None)
        killed, killed_qualifier = _casualties(rng, missing=0.1, scale=4)
        wounded, wounded_qualifier = _casualties(rng, missing=0.2, scale=7)
        title_words = SUICIDE_BOMBING_WORDS if suicide and attack_type == AttackType.BOMBING_EXPLOSION else ATTACK_WORDS[attack_type]
        has_coordinates = rng.random() < 0.9
        attack = {
            "title": f"{title_words[0]} {target_place} in {locality}",
            "date": date,
            "date_precision": precision,
            "end_date": end_date,
            "locality": locality,
            "district": locality if rng.random() < 0.3 else "",
            "province": province,
            "country": code,
            "latitude": Decimal(f"{latitude + rng.uniform(-0.15, 0.15):.6f}") if has_coordinates else None,
            "longitude": Decimal(f"{longitude + rng.uniform(-0.15, 0.15):.6f}") if has_coordinates else None,
            "attack_type": attack_type,
            "target_type": target_type,
            "weapon_type": WEAPON_WEIGHTS[attack_type].pick(rng),
            "suicide": suicide,
            "killed": killed,
            "killed_qualifier": killed_qualifier,
            "wounded": wounded,
            "wounded_qualifier": wounded_qualifier,
            "description": "",
            "publication_status": _status(rng),
        }
        planned.append(((date or datetime.date.max), number, attack, group_index, target_place, title_words))
    # In date order, as the GTD numbers its events; undated attacks last.
    planned.sort(key=lambda row: (row[0], row[1]))
    used_slugs: set[str] = set()
    for _, _, attack, group_index, target_place, title_words in planned:
        when = attack["date"].isoformat() if attack["date"] else "undated"
        if attack["date"] and attack["date_precision"] != DatePrecision.DAY:
            when = attack["date"].strftime("%Y-%m") if attack["date_precision"] == DatePrecision.MONTH else str(attack["date"].year)
        attack["slug"] = _unique(slugify(f"{when} {attack['locality']} {title_words[2]}"), used_slugs)
        if rng.random() < 0.2:
            attack["description"] = f"{title_words[0]} {target_place} in {attack['locality']}, {attack['province']}."
        plan.attacks.append(attack)
        plan.attack_details.append((group_index, target_place, title_words))


def _casualties(rng: random.Random, *, missing: float, scale: float) -> tuple[int | None, str]:
    if rng.random() < missing:
        return None, ""
    if rng.random() < 0.35:
        return 0, CountQualifier.EXACT
    count = int(rng.expovariate(1 / scale)) + 1
    if rng.random() < 0.04:
        count = min(1500, int(count * rng.paretovariate(1.2) * 5))
    qualifier = CountQualifier.EXACT if count < 3 else QUALIFIERS.pick(rng)
    return count, qualifier


def _plan_attributions(plan: Plan) -> None:
    rng = plan.rng("attributions")
    by_country = _groups_by_country(plan)
    for attack_index, attack in enumerate(plan.attacks):
        chosen = [plan.attack_details[attack_index][0]]
        for _ in range(ATTRIBUTIONS_PER_ATTACK.pick(rng) - 1):
            other = rng.choice(by_country[attack["country"]])  # a group active in the same country; skipped if already named
            if other not in chosen:
                chosen.append(other)
        adjective = COUNTRY_BY_CODE[attack["country"]].adjective
        for position, group_index in enumerate(chosen):
            kind = (FIRST_ATTRIBUTION if position == 0 else FURTHER_ATTRIBUTION).pick(rng)
            if kind == AttributionKind.CLAIMED:
                by = rng.choice(CLAIM_CHANNELS) if rng.random() < 0.6 else ""
            elif kind == AttributionKind.DISPUTED:
                by = rng.choice(DISPUTING_PARTIES)
            elif kind == AttributionKind.DENIED:
                by = ""
            else:
                by = rng.choice(ATTRIBUTING_PARTIES).format(adjective=adjective)
            plan.attributions.append(
                {"attack": attack_index, "group": group_index, "kind": kind, "attributed_by": by, "description": "",
                 "publication_status": _status(rng)}
            )  # fmt: skip


# Sources and citations: every citation quotes a sentence that its source's text really contains.


@dataclass
class _Fact:
    target: str  # "group", "alias", "affiliation", "attack", "attribution"
    index: int
    sentence: str
    title: str
    field: str = ""
    date: datetime.date | None = None
    locality: str = ""  # where the article is datelined
    country: str = ""


def _citation_budget(plan: Plan) -> dict[str, int]:
    """How many citations each kind of fact gets: every group, relationship and attack one, then aliases and attributions."""
    total = plan.counts["citations"]
    budget = {"group": len(plan.groups), "affiliation": len(plan.affiliations), "attack": len(plan.attacks)}
    founded = sum(1 for g in plan.groups if g["founded"])
    remaining = max(0, total - sum(budget.values()))
    budget["founded"] = min(founded, len(plan.groups) // 2, remaining)
    remaining -= budget["founded"]
    budget["alias"] = min(len(plan.aliases), round(len(plan.aliases) * ALIAS_CITATION_SHARE), remaining)
    remaining -= budget["alias"]
    budget["attribution"] = min(len(plan.attributions), remaining)
    remaining -= budget["attribution"]
    extra_aliases = min(len(plan.aliases) - budget["alias"], remaining)
    budget["alias"] += extra_aliases
    return budget


def _facts(plan: Plan, rng: random.Random) -> Iterator[_Fact]:
    budget = _citation_budget(plan)
    with_founded = [i for i, g in enumerate(plan.groups) if g["founded"]]
    cited_founded = set(rng.sample(with_founded, budget["founded"]))
    cited_aliases = set(rng.sample(range(len(plan.aliases)), budget["alias"]))
    cited_attributions = set(rng.sample(range(len(plan.attributions)), budget["attribution"]))
    aliases_by_group: dict[int, list[int]] = {}
    for alias_index, alias in enumerate(plan.aliases):
        if alias_index in cited_aliases:
            aliases_by_group.setdefault(alias["group"], []).append(alias_index)
    affiliations_by_group: dict[int, list[int]] = {}
    for affiliation_index, affiliation in enumerate(plan.affiliations):
        affiliations_by_group.setdefault(affiliation["from_group"], []).append(affiliation_index)

    # Profiles first: a group, its founding, the names it goes by, its relationships.
    for index, group in enumerate(plan.groups):
        title = f"Profile: {group['name']}"
        yield _Fact("group", index, group["summary"], title, "summary", group["founded"])
        if index in cited_founded:
            sentence = f"{group['name']} was founded {date_phrase(group['founded'], group['founded_precision'])}."
            yield _Fact("group", index, sentence, title, "founded", group["founded"])
        for alias_index in aliases_by_group.get(index, ()):
            yield _Fact("alias", alias_index, _alias_sentence(rng, group, plan.aliases[alias_index]), title)
        for affiliation_index in affiliations_by_group.get(index, ()):
            affiliation = plan.affiliations[affiliation_index]
            title = f"{group['name']} and {plan.groups[affiliation['to_group']]['name']}"
            yield _Fact("affiliation", affiliation_index, plan.affiliation_sentences[affiliation_index], title, date=affiliation["started"])

    # Then the attacks, in date order, each followed by who was named for it.
    attributions_by_attack: dict[int, list[int]] = {}
    for attribution_index, attribution in enumerate(plan.attributions):
        if attribution_index in cited_attributions:
            attributions_by_attack.setdefault(attribution["attack"], []).append(attribution_index)
    # An article reports attacks in one country, in date order (the attacks' own order).
    for index in sorted(range(len(plan.attacks)), key=lambda i: (plan.attacks[i]["country"], i)):
        attack = plan.attacks[index]
        _, target_place, words = plan.attack_details[index]
        locality, date = attack["locality"], attack["date"]
        place = locality if locality == attack["province"] else f"{locality}, {attack['province']}"
        when = date_phrase(date, attack["date_precision"])
        event = f"{words[1]} {_a(target_place)} in {place}{' ' + when if when else ''}"
        title = attack["title"]
        if attack["killed"]:
            title = f"{_capitalise(QUALIFIER_WORDS[attack['killed_qualifier']])}{attack['killed']} killed in {locality} {words[2]}"
        yield _Fact("attack", index, f"{_casualty_clause(attack)} when {event}.", title, "", date, locality, attack["country"])
        the_attack = f"the {words[2]} in {locality}{' ' + when if when else ''}"
        for attribution_index in attributions_by_attack.get(index, ()):
            sentence = _attribution_sentence(rng, plan, plan.attributions[attribution_index], the_attack)
            yield _Fact("attribution", attribution_index, sentence, title, "", date, locality, attack["country"])


def _alias_sentence(rng: random.Random, group: dict, alias: dict) -> str:
    name, other = group["name"], alias["name"]
    if alias["kind"] == AliasKind.ACRONYM:
        return f"{name} ({other}) is active in {group['areas']}."
    if alias["kind"] == AliasKind.TRANSLATION:
        return f"The name {name} translates as {other}."
    if alias["kind"] == AliasKind.SELF_DESIGNATION:
        return f"In its own statements, {name} calls itself {other}."
    if alias["kind"] == AliasKind.FORMER_NAME:
        return f"{name} was previously known as {other}."
    if alias["kind"] in (AliasKind.PEJORATIVE, AliasKind.EXONYM):
        return f"Officials refer to {name} as {other}."
    return rng.choice((f"{name}, also spelled {other}, is active in {group['areas']}.", f"{name} is also known as {other}."))


def _count(count: int, qualifier: str, one: str, many: str) -> str:
    number = NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)
    return f"{QUALIFIER_WORDS[qualifier]}{number} {one if count == 1 else many}"


def _casualty_clause(attack: dict) -> str:
    killed, wounded = attack["killed"], attack["wounded"]
    if killed is None and wounded is None:
        return "It was not immediately clear whether anyone was hurt"
    if killed is None:
        return _capitalise(f"{_count(wounded, attack['wounded_qualifier'], 'person was', 'people were')} wounded")
    if killed == 0:
        clause = "No one was killed"
    else:
        clause = _capitalise(f"{_count(killed, attack['killed_qualifier'], 'person was', 'people were')} killed")
    if wounded:
        clause += f" and {QUALIFIER_WORDS[attack['wounded_qualifier']]}{wounded} wounded"
    return clause


def _attribution_sentence(rng: random.Random, plan: Plan, attribution: dict, the_attack: str) -> str:
    variants = plan.profiles[attribution["group"]].variants
    name = rng.choice(variants) if variants and rng.random() < 0.2 else plan.groups[attribution["group"]]["name"]
    by, kind = attribution["attributed_by"], attribution["kind"]
    if kind == AttributionKind.CLAIMED:
        return f"{name} claimed responsibility for {the_attack}{' through ' + by if by else ''}."
    if kind == AttributionKind.ATTRIBUTED:
        return f"{_capitalise(by)} blamed {name} for {the_attack}."
    if kind == AttributionKind.SUSPECTED:
        return f"{_capitalise(by)} said {name} was suspected of carrying out {the_attack}."
    if kind == AttributionKind.DISPUTED:
        return f"{_capitalise(by)} disputed claims that {name} carried out {the_attack}."
    return f"{name} denied any involvement in {the_attack}."


@functools.cache
def _country_name(code: str) -> str:
    return str(country_names.name(code))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _article_sizes(rng: random.Random, sources: int, facts: int) -> list[int]:
    """How many facts each article quotes: about facts/sources each, summing to exactly `facts`."""
    mean = facts / sources
    low, high = max(1 if facts >= sources else 0, math.floor(mean) - 2), math.ceil(mean) + 2
    sizes = [rng.randint(low, high) for _ in range(sources)]
    difference = facts - sum(sizes)
    while difference:
        i = rng.randrange(sources)
        if difference > 0 and sizes[i] < high:
            sizes[i] += 1
            difference -= 1
        elif difference < 0 and sizes[i] > max(low, 1 if facts >= sources else 0):
            sizes[i] -= 1
            difference += 1
    return sizes


def _articles(plan: Plan) -> Iterator[tuple[dict, list[dict]]]:
    rng = plan.rng("sources")
    facts = _facts(plan, plan.rng("citations"))
    budget = _citation_budget(plan)
    total_facts = sum(budget.values())
    for number, size in enumerate(_article_sizes(rng, plan.counts["sources"], total_facts), start=1):
        yield _article(rng, number, list(itertools.islice(facts, size)))


def _article(rng: random.Random, number: int, facts: list[_Fact]) -> tuple[dict, list[dict]]:
    fillers = rng.sample(FILLERS, 6)
    sentences = [fact.sentence for fact in facts]
    while sum(len(s.split()) for s in sentences) < 50 and fillers:
        sentences.insert(rng.randint(1, len(sentences)) if sentences else 0, fillers.pop())
    paragraphs, current = [], []
    for sentence in sentences:
        current.append(sentence)
        if len(current) >= rng.randint(1, 3):
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    locator = {}
    for position, paragraph in enumerate(paragraphs, start=1):
        for sentence in paragraph:
            locator.setdefault(sentence, f"paragraph {position}")
    first = facts[0] if facts else None
    if first and first.locality:  # a dateline: "QUETTA, Pakistan — "
        paragraphs[0][0] = f"{first.locality.upper()}, {_country_name(first.country)} — {paragraphs[0][0]}"
    text = "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)

    dates = [fact.date for fact in facts if fact.date]
    published_precision = PUBLISHED_PRECISIONS.pick(rng)
    base = max(dates) + datetime.timedelta(days=rng.randint(0, 3)) if dates else datetime.date(rng.randint(1995, 2023), 1, 1)
    published = {DatePrecision.DAY: base, DatePrecision.MONTH: base.replace(day=1), DatePrecision.UNKNOWN: None}[published_precision]
    outlet = rng.choice(OUTLETS) if rng.random() < 0.97 else ""
    title = first.title if first and rng.random() < 0.96 else ""  # some articles state no title
    stem = slugify(title)[:70].strip("-") or "article"
    domain = f"{slugify(outlet).replace('-', '') or 'wire'}.example"
    path = f"{published:%Y/%m/%d}/{stem}-{number}" if published else f"news/{stem}-{number}"
    accessed = (published or base) + datetime.timedelta(days=rng.randint(0, 30)) if rng.random() < 0.5 else None
    source = {
        "slug": f"{stem}-{number}",
        "title": title,
        "outlet": outlet,
        "authors": [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(AUTHOR_COUNTS.pick(rng))],
        "url": canonicalize_url(f"https://{domain}/{path}") if rng.random() < 0.95 else "",
        "archive_url": "",
        "published": published,
        "published_precision": published_precision,
        "language": "en",
        "text": text,
        "text_hash": text_fingerprint(text),
        "accessed": accessed,
        "reliability": RELIABILITIES.pick(rng),
        "publication_status": _status(rng),
    }
    citations = []
    for fact in facts:
        quote = fact.sentence
        if rng.random() < 0.25:
            quote = quote.rstrip(".")
        citations.append(
            {
                fact.target: fact.index,
                "quote": quote,
                "locator": locator[fact.sentence],
                "field": fact.field,
                "credibility": CREDIBILITIES.pick(rng),
                "publication_status": _status(rng),
            }
        )
    return source, citations
