"""The public cache under an editor saving once a second: hit ratio and requests/s of a reader, with the cache
invalidated by tags (what a write touched) and, in the same run as the baseline, by one global version (any write
makes everything stale: `CACHE_INVALIDATION = "global"`).

    .venv/bin/python bench/cache_invalidation.py [--seconds 15] [--writes-per-second 1]

Runs in a throwaway database (created, given the demo data, and dropped here), under Django's test client in one
process: a reader thread requests every public page of the demo data (profiles, attacks, sources, lists, home,
searches, the API's lists and details) over and over in a shuffled order, while a writer thread, on its own
connection, renames an alias back and forth (`record_save`, committed) once a second. Each mode starts with an empty
cache, warmed by one pass over the pages; the clock starts once the first write has committed (a warm cache no write
has touched yet would be all hits, in either mode), and each mode runs as long as the other.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.test")

import django  # noqa: E402

django.setup()

from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from kb import cache as kb_cache  # noqa: E402


def public_paths() -> list[str]:
    from groups.models import Alias, Attack, Group
    from sources.models import Source

    groups = list(Group.objects.public().values_list("slug", flat=True))
    attacks = list(Attack.objects.public().values_list("slug", flat=True))
    sources = list(Source.objects.public().values_list("slug", flat=True))
    names = list(Alias.objects.public().values_list("name", flat=True)[:10])
    paths = ["/", "/groups/", "/attacks/", "/sources/", "/api/v1/groups/", "/api/v1/attacks/"]
    paths += [f"/groups/{slug}/" for slug in groups] + [f"/api/v1/groups/{slug}/" for slug in groups]
    paths += [f"/attacks/{slug}/" for slug in attacks] + [f"/sources/{slug}/" for slug in sources]
    paths += [f"/search/?q={name.split()[0]}" for name in names]
    return paths


class Counter:
    """Counts the cache's answers: an entry served, or none (built again)."""

    def __init__(self):
        self.hits = self.misses = 0
        self.original = kb_cache.cache_get

    def __call__(self, key):
        entry = self.original(key)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry


def writer(stop: threading.Event, started: threading.Event, every: float, counts: list[int]) -> None:
    from django.contrib.auth import get_user_model

    from groups.models import Alias
    from kb.services import record_save

    user = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.first()
    alias = Alias.objects.public().order_by("pk").first()
    original = alias.name
    try:
        while True:  # the first write at once: the clock starts on a cache it has just made stale, as after any edit
            alias.name = original if alias.name != original else f"{original} (edited)"
            record_save(instance=alias, user=user, reason="Benchmark edit")
            counts[0] += 1
            started.set()
            if stop.wait(every):
                break
        alias.name = original
        record_save(instance=alias, user=user, reason="Benchmark edit undone")
    finally:
        connection.close()


def run(mode: str, paths: list[str], seconds: float, every: float) -> dict:
    caches[kb_cache.CACHE_ALIAS].clear()
    client, rng, requests, writes = Client(), random.Random(7), 0, [0]
    stop, started = threading.Event(), threading.Event()
    with override_settings(CACHE_INVALIDATION=mode):
        for path in paths:  # warm: the reader then meets the cache as a running site's readers do
            client.get(path)
        counter = Counter()
        kb_cache.cache_get = counter
        thread = threading.Thread(target=writer, args=(stop, started, every, writes))
        thread.start()
        started.wait()
        began = time.perf_counter()
        try:
            while time.perf_counter() - began < seconds:
                order = paths[:]
                rng.shuffle(order)
                for path in order:
                    response = client.get(path)
                    assert response.status_code in (200, 301), (path, response.status_code)
                    requests += 1
                    if time.perf_counter() - began >= seconds:
                        break
        finally:
            elapsed = time.perf_counter() - began
            stop.set()
            thread.join()
            kb_cache.cache_get = counter.original
    served = counter.hits + counter.misses
    return {"mode": mode, "requests": requests, "per_second": requests / elapsed, "hit_ratio": counter.hits / served, "writes": writes[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0, help="How long each mode runs.")
    parser.add_argument("--writes-per-second", type=float, default=1.0)
    options = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "bench_cache_invalidation"  # never the test suite's
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_demo_data", verbosity=0)
        paths = public_paths()
        print(f"{len(paths)} pages; a write every {1 / options.writes_per_second:g} s; {options.seconds:g} s per mode")
        results = [run(mode, paths, options.seconds, 1 / options.writes_per_second) for mode in ("global", "tags")]
        print(f"{'invalidation':<14} {'requests':>9} {'req/s':>8} {'hit ratio':>10} {'writes':>7}")
        for result in results:
            print(
                f"{result['mode']:<14} {result['requests']:>9} {result['per_second']:>8.1f} "
                f"{result['hit_ratio']:>9.1%} {result['writes']:>7}"
            )
        baseline, tags = results
        ratio = tags["per_second"] / baseline["per_second"]
        print(f"tags / global: {ratio:.2f}x requests/s; hit ratio {tags['hit_ratio']:.1%} against {baseline['hit_ratio']:.1%}")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
