"""Peak memory of a streamed CSV export, at two sizes: constant memory means the ratio stays near 1.

    .venv/bin/python bench/csv_export_memory.py [--sizes 5000 20000 80000]

Runs in a throwaway database (created and dropped here), so it never touches the development data.
Prints the peak Python heap (tracemalloc) while streaming `/api/v1/attacks/?format=csv` through
Django's test client at each size, and the ratio large/small. The rows are inserted with
bulk_create and no history: this measures the export, not the curated write path.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from groups.models import Attack, Attribution, AttributionKind, Group  # noqa: E402
from kb.models import PublicationStatus  # noqa: E402

PUBLISHED = PublicationStatus.PUBLISHED


def fill(total: int, groups: list[Group]) -> None:
    """Top the attacks up to `total`, each with one attribution."""
    start = Attack.objects.count()
    batch = 5000
    for offset in range(start, total, batch):
        attacks = Attack.objects.bulk_create(
            Attack(title=f"Attack {n}", slug=f"attack-{n}", country="PK", locality="Quetta", publication_status=PUBLISHED)
            for n in range(offset, min(offset + batch, total))
        )
        Attribution.objects.bulk_create(
            Attribution(attack=attack, group=groups[attack.pk % len(groups)], kind=AttributionKind.CLAIMED, publication_status=PUBLISHED)
            for attack in attacks
        )


def export(client: Client) -> int:
    response = client.get("/api/v1/attacks/", {"format": "csv"})
    return sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1


def export_peak(client: Client) -> tuple[int, int, float]:
    """Rows, peak heap while streaming them (traced), and seconds for an untraced run (tracing slows Python down)."""
    began = time.perf_counter()
    rows = export(client)
    seconds = time.perf_counter() - began
    tracemalloc.start()
    export(client)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return rows, peak, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 80000], help="Row counts, smallest first.")
    options = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        groups = Group.objects.bulk_create(
            Group(name=f"Front {n}", normalized_name=f"front{n}", slug=f"front-{n}", publication_status=PUBLISHED) for n in range(50)
        )
        client = Client()
        results = []
        for size in sorted(options.sizes):
            fill(size, groups)
            results.append((size, *export_peak(client)))
        print(f"{'rows':>8} {'peak heap':>12} {'seconds':>8} {'rows/s':>8}")
        for size, rows, peak, seconds in results:
            assert rows == size, (rows, size)
            print(f"{rows:>8} {peak / 1e6:>10.2f}MB {seconds:>8.2f} {rows / seconds:>8.0f}")
        small, _, small_peak, _ = results[0]
        for large, _, large_peak, _ in results[1:]:
            print(f"peak memory {large} rows / {small} rows: {large_peak / small_peak:.2f}x for {large / small:.0f}x the rows")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
