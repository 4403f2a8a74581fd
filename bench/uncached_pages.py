"""Every public list at GTD scale, and its word search, as the first reader after a write gets it: each request made
stale before it (`kb.cache.bump_data_version`, and the prebuilt pages forgotten: the API's first pages of attacks and
groups are prebuilt), through Django's handler in process, with the production settings. Prints each page's p50
against `/healthz` p50 in the same run, slowest first: where an uncached page still costs.

    make bench            # once, to build the GTD-scale database in .data/bench
    .venv/bin/python bench/uncached_pages.py [--runs 9] [PATH ...]

On the bench database only (never DATABASE_URL's). Profiles are left to `gtd_scale.py`, which measures them both
ways (served prebuilt, and built from nothing).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gtd_scale import django_on_bench_database, page_timing_options  # noqa: E402

PAGES = (
    "/",
    "/groups/",
    "/attacks/",
    "/sources/",
    "/attacks/?q=market",
    "/sources/?q=police",
    "/search/?q=police",
    "/api/v1/groups/",
    "/api/v1/aliases/",
    "/api/v1/affiliations/",
    "/api/v1/attacks/",
    "/api/v1/sources/",
    "/api/v1/citations/",
    "/api/v1/roles/",
    "/api/v1/theatres/",
    "/api/v1/groups/?q=front",
    "/api/v1/attacks/?q=market",
    "/api/v1/sources/?q=police",
    "/api/v1/citations/?q=police",
)


def main() -> int:
    options = page_timing_options(__doc__, runs=9, runs_help="Timed requests of each page (default 9), after one untimed.")
    django_on_bench_database()
    from django.test import Client

    from kb.cache import bump_data_version
    from kb.prebuilt import forget_all

    client = Client()

    def p50(path: str) -> tuple[float, int]:
        timings, status = [], 0
        for run in range(options.runs + 1):
            bump_data_version()
            forget_all()
            began = time.perf_counter()
            status = client.get(path).status_code
            if run:
                timings.append(time.perf_counter() - began)
        return statistics.median(timings) * 1000, status

    trivial, _ = p50("/healthz")
    rows = sorted(((path, *p50(path)) for path in options.paths or PAGES), key=lambda row: -row[1])
    print(f"{'page, uncached':<34}{'p50 ms':>9}{'/healthz':>10}  status")
    print(f"{'/healthz':<34}{trivial:>9.1f}{1:>9.1f}×")
    for path, milliseconds, status in rows:
        print(f"{path:<34}{milliseconds:>9.1f}{milliseconds / trivial:>9.1f}×  {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
