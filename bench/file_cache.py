"""What one page-cache write costs in a folder already holding many pages: Django's FileBasedCache, which lists the
whole folder on every write to see whether it is full, against kb.cache_backends.FileCache, which looks once every
CULL_EVERY writes. Same folder sizes, same pages (20 kB each), in the same run; prints the ratio.

    .venv/bin/python -m bench.file_cache [--entries 1000 19000] [--writes 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import django
from django.conf import settings

if not settings.configured:
    settings.configure()
    django.setup()

from django.core.cache.backends.filebased import FileBasedCache  # noqa: E402

from kb.cache_backends import FileCache  # noqa: E402

PAGE = os.urandom(20_000)


def write_times(backend, folder: str, entries: int, writes: int) -> list[float]:
    options = {"MAX_ENTRIES": 10 * entries + writes}  # never full: the cost measured is the look, not a cull
    filler = FileCache(folder, {"TIMEOUT": 3600, "OPTIONS": {**options, "CULL_EVERY": 10**9}})
    for n in range(entries):  # filled the same way for both, without looking
        filler.set(f"fill-{n}", PAGE)
    cache = backend(folder, {"TIMEOUT": 3600, "OPTIONS": options if backend is FileBasedCache else {**options, "CULL_EVERY": 100}})
    times = []
    for n in range(writes):
        start = time.perf_counter()
        cache.set(f"page-{n}", PAGE)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 19000])
    parser.add_argument("--writes", type=int, default=300)
    options = parser.parse_args()
    for entries in options.entries:
        results = {}
        for backend in (FileBasedCache, FileCache):
            with tempfile.TemporaryDirectory(prefix="kb-file-cache-") as folder:
                times = write_times(backend, folder, entries, options.writes)
            results[backend.__name__] = (statistics.median(times), statistics.mean(times))
        (django_p50, django_mean), (ours_p50, ours_mean) = results["FileBasedCache"], results["FileCache"]
        print(
            f"{entries:>6} entries: Django's p50 {django_p50 * 1000:.2f} ms, mean {django_mean * 1000:.2f} ms; "
            f"FileCache p50 {ours_p50 * 1000:.2f} ms, mean {ours_mean * 1000:.2f} ms; "
            f"mean ratio Django / FileCache {django_mean / ours_mean:.1f}x",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
