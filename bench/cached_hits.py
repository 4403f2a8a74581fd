"""Cached pages at GTD scale as readers get them while editors work: a hit on an entry built before a write that
touched none of its tags. Such a hit asks for the data version and whether any of the entry's tags moved; in one
query when its process has already read a version newer than the entry's (`kb.cache._version_seen`), in two when it
has not. Both ways in the same run, in turn, through Django's handler in process, with the production settings;
prints each page's p50 both ways and their ratio.

    make bench            # once, to build the GTD-scale database in .data/bench
    .venv/bin/python bench/cached_hits.py [--runs 400] [PATH ...]

On the bench database only (never DATABASE_URL's). The write is a bump of a tag no page depends on, removed again
at the end.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gtd_scale import django_on_bench_database, page_timing_options  # noqa: E402

PAGES = ("/api/v1/attacks/?page_size=100", "/api/v1/groups/", "/groups/", "/attacks/")
UNRELATED_TAG = "bench.cached-hits"


def main() -> int:
    options = page_timing_options(__doc__, runs=400, runs_help="Timed hits of each page each way (default 400).")
    django_on_bench_database()
    from django.db import connection
    from django.test import Client

    from kb import cache

    client = Client()
    paths = options.paths or PAGES
    for path in paths:  # each kept, then a hit
        client.get(path)
        if client.get(path)["X-Cache"] != "HIT":
            print(f"{path} is not kept in the cache: nothing to measure.", file=sys.stderr)
            return 1
    cache.invalidate_tags([UNRELATED_TAG])  # a write elsewhere: the data version moves, no page's tags
    seen = cache.data_version()

    def p50(path: str, *, one_query: bool) -> float:
        timings = []
        for _ in range(options.runs):
            cache._version_seen = seen if one_query else 0  # what the process has read: the newer version, or none
            began = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - began)
            if response["X-Cache"] != "HIT":
                raise RuntimeError(f"{path} was built again: a write touched it during the run.")
        return statistics.median(timings) * 1000

    try:
        print(f"{'page, hit after a write elsewhere':<36}{'two queries':>12}{'one query':>11}{'ratio':>8}")
        for path in paths:
            two, one = p50(path, one_query=False), p50(path, one_query=True)
            print(f"{path:<36}{two:>9.3f} ms{one:>8.3f} ms{one / two:>7.2f}×")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM kb_cache_tag WHERE tag = %s", [UNRELATED_TAG])
    return 0


if __name__ == "__main__":
    sys.exit(main())
