"""Per-group STIX at GTD scale, against a baseline measured in the same run; what OpenCTI and MISP would keep of it.

    EMBEDDED_POSTGRES_DIR=/work/gtdscale/pg .venv/bin/python bench/interop_stix.py            # a synthetic data set
    EMBEDDED_POSTGRES_DIR=/work/gtdscale/pg .venv/bin/python bench/interop_stix.py --whole    # + the whole export

It only reads (development settings, the database EMBEDDED_POSTGRES_DIR names, filled by `manage.py generate_dataset`).
What it prints:

- p50 of building the STIX bundle of the group with the most attacks and of a group with the median number of
  attacks (`interop.stix.stix_bundle_chunks`, what the API streams on a cache miss), beside p50 of the baseline: one
  plain SQL query per kind of row the bundle shows (the group's attacks, their attributions, the citations of
  both with their sources' titles and addresses) and `json.dumps` of the rows, with no mapping at all;
- the same bundles' object counts, what OpenCTI's id rules would merge and its schema refuse
  (tests/interop/opencti_ids.py), and what MISP's STIX importer (misp-stix) loads and drops of the median group's;
- with --whole, the same counts for the whole export (minutes at full scale).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.dev")

BASE_URL = "https://kb.example.org"


def p50(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def baseline_rows(group_id: int) -> str:
    """The rows a group's bundle shows, read with plain SQL and dumped as JSON: the floor under any mapping."""
    from django.db import connection

    attacks = "SELECT attack_id FROM groups_attribution WHERE group_id = %s AND publication_status = 'published'"
    queries = [
        f"SELECT * FROM groups_attack WHERE id IN ({attacks}) AND publication_status = 'published'",
        f"SELECT * FROM groups_attribution WHERE attack_id IN ({attacks}) AND publication_status = 'published'",
        f"""SELECT c.id, c.quote, c.credibility, c.updated_at, c.attack_id, c.attribution_id, s.slug, s.title, s.outlet, s.url,
                   s.reliability, s.published, s.updated_at
            FROM sources_citation c JOIN sources_source s ON s.id = c.source_id
            WHERE (c.attack_id IN ({attacks}) OR c.attribution_id IN (SELECT id FROM groups_attribution WHERE attack_id IN ({attacks})))
              AND c.publication_status = 'published' AND s.publication_status = 'published'""",
    ]
    params = {1: [group_id], 2: [group_id], 3: [group_id, group_id]}
    dumped = []
    with connection.cursor() as cursor:
        for number, sql in enumerate(queries, start=1):
            cursor.execute(sql, params[number])
            dumped.append(json.dumps(cursor.fetchall(), default=str))
    return "".join(dumped)


def misp_counts(objects: list[dict]) -> dict:
    """What misp-stix's STIX 2.1 importer makes of a bundle: objects it could not load, errors by message."""
    from misp_stix_converter import ExternalSTIX2toMISPParser
    from misp_stix_converter.tools import load_stix2_content

    parser = ExternalSTIX2toMISPParser()
    bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects}
    parser.load_stix_bundle(load_stix2_content(bundle))
    parser.parse_stix_bundle()
    errors = Counter(message.split(":")[0] for messages in parser.errors.values() for message in messages)
    unloadable = Counter(
        message.rsplit(": ", 1)[1] for messages in parser.errors.values() for message in messages if message.startswith("Unable to load")
    )
    events = parser.misp_events if isinstance(parser.misp_events, list) else [parser.misp_events]
    clusters = {cluster.uuid for event in events for galaxy in event.galaxies for cluster in galaxy.clusters}
    return {"dropped by type": dict(unloadable), "errors": dict(errors), "events": len(events), "galaxy clusters": len(clusters)}


def counts(objects: list[dict]) -> dict:
    from tests.interop.opencti_ids import opencti_import

    opencti = opencti_import(objects)
    return {
        "objects": len(objects),
        "by type": dict(Counter(o["type"] for o in objects)),
        "OpenCTI merges": len(opencti.merged),
        "OpenCTI refuses": len(opencti.refused),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="Runs per measurement (default 5).")
    parser.add_argument("--whole", action="store_true", help="Also count the whole export's objects, merges and drops.")
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        sys.exit("Run against the embedded synthetic database (EMBEDDED_POSTGRES_DIR), not DATABASE_URL.")

    import django

    django.setup()
    from django.db.models import Count, Q

    from groups.models import Group
    from interop.stix import stix_bundle_chunks, stix_object_count

    groups = Group.objects.public().annotate(attacks=Count("attributions", filter=Q(attributions__publication_status="published")))
    ranked = list(groups.filter(attacks__gt=0).order_by("-attacks", "pk").values_list("pk", "slug", "attacks"))
    chosen = {"largest": ranked[0], "median": ranked[len(ranked) // 2]}
    print(f"{len(ranked):,} groups with attacks; whole export: {stix_object_count():,} objects")

    for label, (pk, slug, attacks) in chosen.items():
        group = Group.objects.get(pk=pk)

        def build(group=group):
            return "".join(stix_bundle_chunks(base_url=BASE_URL, group=group))

        text = build()  # warms the caches a request would find warm (the repeated titles of this data version)
        stix = p50(build, args.repeat)
        base = p50(lambda pk=pk: baseline_rows(pk), args.repeat)
        objects = json.loads(text)["objects"]
        print(
            f"{label:>8} group {slug} ({attacks:,} attacks): STIX p50 {stix:.2f} s, baseline p50 {base:.3f} s, "
            f"ratio {stix / base:.1f}x; {len(text) / 1e6:.1f} MB"
        )
        print(f"{'':>8} {counts(objects)}")
        if label == "median":
            print(f"{'':>8} misp-stix: {misp_counts(objects)}")

    if args.whole:
        started = time.perf_counter()
        objects = json.loads("".join(stix_bundle_chunks(base_url=BASE_URL)))["objects"]
        print(f"   whole export built in {time.perf_counter() - started:.0f} s: {counts(objects)}")


if __name__ == "__main__":
    main()
