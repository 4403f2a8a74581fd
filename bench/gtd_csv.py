"""A deterministic CSV in the Global Terrorism Database's column layout, for benchmarks of `manage.py import_gtd`.

    .venv/bin/python bench/gtd_csv.py --rows 250000 --seed 7 OUT.csv

The perpetrator names are those of the groups in the current database (their names, GTD names and aliases:
load the demo data or the synthetic data set first), plus GTD's "Unknown", a few names that match no group,
and a few bad rows the import must report with their line numbers (an unknown country, a latitude out of
range, a month 13, a repeated eventid). The same seed, row count and groups always give the same file.
From Python, inside a configured Django:

    from bench.gtd_csv import database_group_names, write_gtd_csv
    write_gtd_csv(path, rows=250_000, seed=7, group_names=database_group_names())
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# GTD's full column layout, in its order; the import reads some, a file from GTD has all of them.
GTD_COLUMNS = (
    "eventid iyear imonth iday approxdate extended resolution country country_txt region region_txt provstate city "
    "latitude longitude specificity vicinity location summary crit1 crit2 crit3 doubtterr alternative alternative_txt "
    "multiple success suicide attacktype1 attacktype1_txt attacktype2 attacktype2_txt attacktype3 attacktype3_txt "
    "targtype1 targtype1_txt targsubtype1 targsubtype1_txt corp1 target1 natlty1 natlty1_txt targtype2 targtype2_txt "
    "targsubtype2 targsubtype2_txt corp2 target2 natlty2 natlty2_txt targtype3 targtype3_txt targsubtype3 "
    "targsubtype3_txt corp3 target3 natlty3 natlty3_txt gname gsubname gname2 gsubname2 gname3 gsubname3 motive "
    "guncertain1 guncertain2 guncertain3 individual nperps nperpcap claimed claimmode claimmode_txt claim2 claimmode2 "
    "claimmode2_txt claim3 claimmode3 claimmode3_txt compclaim weaptype1 weaptype1_txt weapsubtype1 weapsubtype1_txt "
    "weaptype2 weaptype2_txt weapsubtype2 weapsubtype2_txt weaptype3 weaptype3_txt weapsubtype3 weapsubtype3_txt "
    "weaptype4 weaptype4_txt weapsubtype4 weapsubtype4_txt weapdetail nkill nkillus nkillter nwound nwoundus nwoundte "
    "property propextent propextent_txt propvalue propcomment ishostkid nhostkid nhostkidus nhours ndays divert "
    "kidhijcountry ransom ransomamt ransomamtus ransompaid ransompaidus ransomnote hostkidoutcome hostkidoutcome_txt "
    "nreleased addnotes scite1 scite2 scite3 dbsource INT_LOG INT_IDEO INT_MISC INT_ANY related"
).split()
# (GTD's name, latitude, longitude) of the countries the rows fall in, GTD's own spellings among them.
COUNTRIES = (
    ("Iraq", 33.3, 44.4), ("Pakistan", 30.2, 67.0), ("Afghanistan", 34.5, 69.2), ("India", 28.6, 77.2),
    ("Colombia", 4.7, -74.1), ("Philippines", 14.6, 121.0), ("Peru", -12.0, -77.0), ("El Salvador", 13.7, -89.2),
    ("United Kingdom", 51.5, -0.1), ("Turkey", 39.9, 32.9), ("Somalia", 2.0, 45.3), ("Nigeria", 9.1, 7.5),
    ("Yemen", 15.4, 44.2), ("Thailand", 13.8, 100.5), ("Syria", 33.5, 36.3), ("Spain", 40.4, -3.7),
    ("Sri Lanka", 6.9, 79.9), ("United States", 38.9, -77.0), ("Algeria", 36.8, 3.1), ("France", 48.9, 2.4),
    ("Egypt", 30.0, 31.2), ("Lebanon", 33.9, 35.5), ("West Bank and Gaza Strip", 31.9, 35.2), ("Chile", -33.4, -70.7),
    ("Russia", 55.8, 37.6), ("Libya", 32.9, 13.2), ("Bangladesh", 23.8, 90.4), ("Greece", 38.0, 23.7),
    ("Ivory Coast", 5.3, -4.0), ("West Germany (FRG)", 50.7, 7.1), ("Democratic Republic of the Congo", -4.3, 15.3),
    ("Bosnia-Herzegovina", 43.9, 18.4), ("Mali", 12.6, -8.0), ("Kenya", -1.3, 36.8),
)  # fmt: skip
SYLLABLES = ("ka", "ra", "bad", "pur", "ab", "al", "qu", "et", "ta", "mir", "san", "shah", "li", "no", "dor", "gar", "han", "zi")
BAD_ROWS = (
    {"country_txt": "Narnia"},
    {"country_txt": "Soviet Union"},
    {"latitude": "95.5"},
    {"imonth": "13"},
    {"nkill": "2.5"},
    {"weaptype1_txt": "Laser"},
)
UNMATCHED_NAMES = tuple(
    f"{first.capitalize()}{second} {kind} Front"
    for first, second, kind in zip(SYLLABLES, SYLLABLES[3:], ("Liberation", "Popular", "Armed") * 6, strict=False)
)


def write_gtd_csv(
    path: Path,
    *,
    rows: int,
    seed: int,
    group_names: list[str],
    unknown_share: float = 0.10,
    unmatched_share: float = 0.04,
    second_group_share: float = 0.10,
    bad_share: float = 0.002,
    eventid_prefix: str = "",
    unmatched_names: int = 0,
) -> Counter:
    """Write `rows` GTD rows to `path`, in eventid order; returns how many rows of each kind it wrote.

    Of the perpetrator names, `unknown_share` are GTD's "Unknown" and `unmatched_share` match no group; the
    rest are picked from `group_names`. `second_group_share` of the rows name a second group, and `bad_share`
    are rows the import must refuse (every third of those repeats the previous row's eventid). Digits in
    `eventid_prefix` keep the rows' eventids apart from those already in the database. With `unmatched_names`, the
    names that match no group are that many distinct ones (GTD names some 3,500 perpetrators) instead of a few.
    """
    from groups.gtd import GTD_ATTACK_TYPES, GTD_TARGET_TYPES, GTD_WEAPON_TYPES

    if not group_names:
        raise ValueError("No group names: load groups into the database first (manage.py load_demo_data or generate_dataset).")
    rng = random.Random(seed)
    names = sorted(set(group_names))
    unmatched = many_unmatched_names(unmatched_names) if unmatched_names else UNMATCHED_NAMES
    attack_types, target_types, weapon_types = (sorted(labels) for labels in (GTD_ATTACK_TYPES, GTD_TARGET_TYPES, GTD_WEAPON_TYPES))
    places = {country: [_place_name(rng) for _ in range(40)] for country, _, _ in COUNTRIES}
    counts: Counter = Counter()

    def perpetrator() -> str:
        draw = rng.random()
        if draw < unknown_share:
            return "Unknown"
        if draw < unknown_share + unmatched_share:
            counts["unmatched names"] += 1
            return rng.choice(unmatched)
        return rng.choice(names)

    dates = sorted(_gtd_date(rng) for _ in range(rows))
    per_day: Counter = Counter()
    previous_eventid = ""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(GTD_COLUMNS)
        for year, month, day in dates:
            per_day[year, month, day] += 1
            eventid = f"{eventid_prefix}{year}{month:02}{day:02}{per_day[year, month, day]:04}"
            country, latitude, longitude = rng.choice(COUNTRIES)
            city, province = rng.choice(places[country]), rng.choice(places[country])
            attack_type, target_type, weapon_type = rng.choice(attack_types), rng.choice(target_types), rng.choice(weapon_types)
            row = dict.fromkeys(GTD_COLUMNS, "")
            row.update(
                eventid=eventid, iyear=str(year), imonth=str(month), iday=str(day), extended="0",
                country_txt=country, region_txt="South Asia", provstate=province, city=city if rng.random() > 0.05 else "Unknown",
                specificity="1", crit1="1", crit2="1", crit3="1", doubtterr="0", multiple="0", success="1",
                suicide="1" if rng.random() < 0.03 else "0", attacktype1_txt=attack_type, targtype1_txt=target_type,
                weaptype1_txt=weapon_type, gname=perpetrator(), claimed=rng.choice(("0", "0", "1", "-9", "")),
                guncertain1="1" if rng.random() < 0.1 else "0", individual="0", nperps="-99", nperpcap="-99",
                nkill=str(int(rng.expovariate(0.4))) if rng.random() > 0.08 else "", nwound=str(int(rng.expovariate(0.3))),
                property="-9", ishostkid="0", dbsource="SYNTHETIC", INT_LOG="-9", INT_IDEO="-9", INT_MISC="0", INT_ANY="-9",
            )  # fmt: skip
            if rng.random() > 0.05:
                row["latitude"] = f"{latitude + rng.uniform(-3, 3):.6f}"
                row["longitude"] = f"{longitude + rng.uniform(-3, 3):.6f}"
            if year >= 1998:
                row["summary"] = f"{month:02}/{day:02}/{year}: Assailants attacked {target_type.lower()} targets in {city}, {country}."
                row["scite1"] = f'"{city} attack," {rng.choice(("Dawn", "Reuters", "Associated Press"))}, {year}.'
            if rng.random() < second_group_share:
                row.update(gname2=perpetrator(), claim2="0", guncertain2="0")
            if rng.random() < bad_share:
                kind = counts["bad rows"] % (len(BAD_ROWS) + 3)
                row.update(BAD_ROWS[kind] if kind < len(BAD_ROWS) else {"eventid": previous_eventid or eventid})
                counts["bad rows"] += 1
            previous_eventid = row["eventid"]
            counts["rows"] += 1
            writer.writerow(row.values())
    return counts


def many_unmatched_names(count: int) -> tuple[str, ...]:
    """`count` distinct made-up perpetrator names, the same every time."""
    rng = random.Random(count)
    found: dict[str, None] = {}
    while len(found) < count:
        words = ("Liberation", "Popular", "Armed", "Revolutionary", "Islamic", "People's", "National")
        found[f"{_place_name(rng)} {rng.choice(words)} {rng.choice(('Front', 'Army', 'Brigade', 'Movement'))}"] = None
    return tuple(found)


def _gtd_date(rng: random.Random) -> tuple[int, int, int]:
    """More events in later years, as in GTD; a month or day of 0 where GTD does not know it."""
    year = 1970 + min(50, int(51 * rng.random() ** 0.6))
    month = 0 if rng.random() < 0.01 else rng.randint(1, 12)
    day = 0 if month == 0 or rng.random() < 0.02 else rng.randint(1, 28)
    return year, month, day


def _place_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def setup_django() -> None:
    """The development settings: DATABASE_URL's database, or the embedded one (EMBEDDED_POSTGRES_DIR picks which)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.dev")
    import django

    django.setup()


def database_group_names() -> list[str]:
    """Every spelling the import can match: the groups' names, GTD names and aliases."""
    from groups.models import Alias, Group

    spellings = [*Group.objects.values_list("name", flat=True), *Group.objects.exclude(gtd_name="").values_list("gtd_name", flat=True)]
    return sorted({*spellings, *Alias.objects.values_list("name", flat=True)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="The CSV file to write.")
    parser.add_argument("--rows", type=int, default=250_000, help="Data rows (default 250,000).")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the random choices (default 7).")
    args = parser.parse_args()
    setup_django()
    counts = write_gtd_csv(args.output, rows=args.rows, seed=args.seed, group_names=database_group_names())
    print(f"Wrote {args.output}: {counts['rows']:,} rows, {counts['bad rows']:,} bad, {counts['unmatched names']:,} unmatched names.")


if __name__ == "__main__":
    main()
