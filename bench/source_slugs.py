"""Speed of giving sources readable slugs (migration sources 0005), against a plain UPDATE of the same rows.

    .venv/bin/python bench/source_slugs.py [--sources 100000] [--titles 20000] [--data-dir .data/slugs-bench]

Runs on its own embedded PostgreSQL server, never on DATABASE_URL's database or the development one: its database
is dropped and made anew, migrated, and given the demo data. It then writes `--sources` published sources with
16-hex-digit slugs and their history rows (`kb.services.records_bulk_create`), their titles drawn from `--titles`
distinct ones so that many need a number, and runs the migration's function over them: new slugs, the old ones kept,
one history row each. The baseline is a plain `UPDATE … SET slug = slug || '-x'` of the same rows, no history, timed
in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gtd_import import demo_database  # noqa: E402

TEXT = "Quetta: gunmen attacked the police college on Monday night, officials said."


def write_sources(count: int, titles: int, *, user) -> None:
    from django.db import transaction
    from django.utils import timezone

    from kb.services import records_bulk_create
    from sources.models import Source
    from sources.text import text_fingerprint

    fingerprint, moment, batch = text_fingerprint(TEXT), timezone.now(), 25_000
    for start in range(0, count, batch):
        with transaction.atomic():
            records_bulk_create(
                model=Source,
                fields=["slug", "title", "outlet", "text", "text_hash", "publication_status"],
                rows=[
                    (f"{n:016x}", f"Attack in district {n % titles} of Balochistan", "Dawn", TEXT, fingerprint, "published")
                    for n in range(start, min(start + batch, count))
                ],
                user=user,
                reason="Benchmark sources",
                moment=moment,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=100_000, help="Sources with hex slugs (default 100,000).")
    parser.add_argument("--titles", type=int, default=20_000, help="Distinct titles among them (default 20,000).")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "slugs-bench", help="The embedded server's data directory.")
    options = parser.parse_args()

    demo_database(options.data_dir)

    from django.apps import apps
    from django.contrib.auth.models import Group as Role
    from django.db import connection, transaction

    from sources.models import Source
    from tests.factories import UserFactory

    migration = importlib.import_module("sources.migrations.0006_source_readable_slugs")
    importer = UserFactory(username="bench-importer", is_staff=True)
    importer.groups.add(Role.objects.get(name="Reviewer"))
    write_sources(options.sources, options.titles, user=importer)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    history_before = Source.history.count()
    began = time.perf_counter()
    with transaction.atomic(), connection.schema_editor() as editor:
        migration.readable_source_slugs(apps, editor)
    seconds = time.perf_counter() - began
    renamed = Source.history.filter(history_change_reason=migration.REASON).count()
    assert renamed == Source.history.count() - history_before == options.sources, "every hex slug is replaced, with its history row"
    assert not Source.objects.filter(slug__regex=migration.HEX_SLUG).exists()

    with transaction.atomic(), connection.cursor() as cursor:
        began = time.perf_counter()
        cursor.execute("UPDATE sources_source SET slug = slug || '-x' WHERE previous_slugs[1] ~ %s", [migration.HEX_SLUG])
        plain = time.perf_counter() - began
        transaction.set_rollback(True)

    print(f"readable slugs: {renamed:,} sources with history rows in {seconds:.1f} s: {renamed / seconds:,.0f} sources/s")
    print(f"plain UPDATE of the same rows (no history): {plain:.1f} s")
    print(f"ratio: the migration takes {seconds / plain:.1f}x a plain UPDATE")


if __name__ == "__main__":
    main()
