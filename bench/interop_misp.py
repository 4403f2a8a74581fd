"""The MISP export at GTD scale, against the STIX export of the same data measured in the same run.

    .venv/bin/python bench/interop_misp.py --scale 0.05      # its own database, .data/bench-misp-scale-0.05
    .venv/bin/python bench/interop_misp.py --scale 1

It runs on its own embedded PostgreSQL (`.data/bench-misp` at full scale, `.data/bench-misp-scale-<S>` otherwise),
filled with `manage.py generate_dataset --seed 7 --scale S` when empty; it only reads, and writes its files to a
temporary directory that it removes. What it prints, each timed once after a warm-up of the database's cache:

- baselines: the STIX export of the whole data set as a release builds it (`interop.stix.stix_objects`, each object
  checked by `stix2` and serialized), and its plain dicts dumped as JSON (`stix_dicts`, no `stix2`);
- the MISP export: the galaxy's clusters (`cluster_collection`), the events (`misp_events`) dumped as JSON, and the
  whole MISP part of a release (`interop.releases._write_misp`: the two galaxy files and the feed, one file per event
  with its checksum and manifest entry), with ratios to both baselines, events per second, the feed's size and the
  peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from gtd_scale import prepare_database, refuse_other_databases
from server import ROOT, database_url

BASE_URL = "https://kb.example.org"


def data_dir(scale: float) -> Path:
    return ROOT / ".data" / ("bench-misp" if scale == 1 else f"bench-misp-scale-{scale:g}")


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05)
    options = parser.parse_args()
    refuse_other_databases()
    os.environ["EMBEDDED_POSTGRES_DIR"] = str(data_dir(options.scale))
    url = database_url()
    with tempfile.TemporaryFile("w+") as log:
        prepare_database(url, scale=options.scale, skip_build=False, log=log)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "kb.settings.dev"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction

    from groups.models import Attack, Group
    from interop.misp import cluster_collection, misp_events
    from interop.releases import _write_misp
    from interop.stix import stix_dicts, stix_objects

    def stix_release_stream() -> int:
        return sum(len(stix_object.serialize()) for stix_object in stix_objects(base_url=BASE_URL))

    def stix_plain() -> int:
        return sum(len(json.dumps(stix_dict, ensure_ascii=False)) for stix_dict in stix_dicts(base_url=BASE_URL))

    def misp_events_json() -> int:
        return sum(len(json.dumps(event, ensure_ascii=False)) for event in misp_events(base_url=BASE_URL))

    work = Path(tempfile.mkdtemp(prefix="bench-misp-"))
    try:
        with transaction.atomic():
            attacks, groups = Attack.objects.public().count(), Group.objects.public().count()
            print(f"scale {options.scale:g}: {attacks:,} public attacks, {groups:,} public groups", flush=True)
            stix_plain()  # warms PostgreSQL's cache and the cached repeated titles for every measurement after it
            plain_seconds, _ = timed(stix_plain)
            release_seconds, _ = timed(stix_release_stream)
            clusters_seconds, collection = timed(lambda: cluster_collection(base_url=BASE_URL))
            events_seconds, _ = timed(misp_events_json)
            write_seconds, counts = timed(lambda: _write_misp(work, base_url=BASE_URL))
        feed = work / "misp-feed"
        feed_bytes = sum(path.stat().st_size for path in feed.iterdir())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"baseline STIX as a release streams it (stix2 objects): {release_seconds:.1f} s")
        print(f"baseline STIX dicts dumped as JSON:                    {plain_seconds:.1f} s")
        print(f"MISP clusters ({len(collection['values']):,}):                              {clusters_seconds:.1f} s")
        print(
            f"MISP events dumped as JSON:                            {events_seconds:.1f} s "
            f"({attacks / events_seconds:,.0f} events/s), {events_seconds / release_seconds:.2f}x the release's STIX stream, "
            f"{events_seconds / plain_seconds:.2f}x the STIX dicts"
        )
        print(
            f"MISP part of a release (galaxy, clusters, feed files):  {write_seconds:.1f} s, "
            f"{write_seconds / release_seconds:.2f}x the release's STIX stream; {counts['events']:,} event files, "
            f"{feed_bytes / 1e6:.0f} MB"
        )
        print(f"peak RSS of the process: {peak:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
