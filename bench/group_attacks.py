"""A group's attacks at GTD scale, for a group named in 10 and one named in 10,000 (the scratch profiles of
`gtd_scale.py`, analyzed as autovacuum would), as the profile's table and the filtered attack list read them:
with `kb.lookups.any_of` (the ids as an array, looked up in the primary key's index), against, in the same run,
the spellings it replaced (IN a subquery for the profile, EXISTS for the list).

    make bench            # once, to build the GTD-scale database in .data/bench
    .venv/bin/python bench/group_attacks.py [--runs 15]

In process, on the bench database (never DATABASE_URL's); the median of `--runs` reads of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gtd_scale import PROFILE_SIZES, bench_data_dir, profiles_of_sizes, refuse_other_databases  # noqa: E402
from server import database_url, server_environment  # noqa: E402


def median_ms(read, runs: int) -> float:
    read()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        read()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="Timed reads of each (default 15).")
    options = parser.parse_args()
    refuse_other_databases()
    os.environ["EMBEDDED_POSTGRES_DIR"] = str(bench_data_dir(1.0))
    os.environ.update(server_environment(database_url(), PUBLIC_CACHE_DIR=str(bench_data_dir(1.0).with_name("bench-cache"))))
    import django

    django.setup()
    from django.db.models import Exists, OuterRef

    from groups.models import Attribution, Group
    from groups.selectors import ATTACK_SORTS, attacks_for_list, group_attacks, public_attacks
    from kb.lookups import any_of

    def profile_in(group):  # the profile's read before: IN (subquery)
        named = Attribution.objects.published().filter(group=group).values("attack_id")
        return list(public_attacks().filter(pk__in=named).order_by(*ATTACK_SORTS["-date"].order_by).values_list("pk", "date"))

    def profile_any(group):
        named = Attribution.objects.published().filter(group=group).values("attack_id")
        return list(public_attacks().filter(any_of("pk", named)).order_by(*ATTACK_SORTS["-date"].order_by).values_list("pk", "date"))

    def list_exists(group):  # the first page of /attacks/?group=, before: EXISTS
        named = Attribution.objects.public().filter(attack=OuterRef("pk"), group=group)
        attacks = attacks_for_list().filter(Exists(named))
        return attacks.count(), list(attacks[:50])

    def list_any(group):
        attacks = attacks_for_list().filter(any_of("pk", Attribution.objects.published().filter(group=group).values("attack_id")))
        return attacks.count(), list(attacks[:50])

    print(f"A group's attacks, median of {options.runs} reads in process (ms); ratio: before / now")
    print(f"{'read':<44}{'attacks':>9}{'before':>10}{'now':>10}{'ratio':>9}")
    with profiles_of_sizes(PROFILE_SIZES) as slugs:
        for slug, size in zip(slugs, PROFILE_SIZES, strict=True):
            group = Group.objects.get(slug=slug)
            assert profile_in(group) == profile_any(group) and list_exists(group) == list_any(group)
            for label, before, now in (
                ("profile: every (id, date), newest first", profile_in, profile_any),
                ("attack list ?group=: count and first page", list_exists, list_any),
            ):
                then_ms = median_ms(lambda read=before, group=group: read(group), options.runs)
                now_ms = median_ms(lambda read=now, group=group: read(group), options.runs)
                print(f"{label:<44}{size:>9,}{then_ms:>10.1f}{now_ms:>10.1f}{then_ms / now_ms:>8.1f}×")
            whole = median_ms(lambda group=group: group_attacks(group, 1), options.runs)
            print(f"{'profile: group_attacks, as the page calls it':<44}{size:>9,}{'':>10}{whole:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
