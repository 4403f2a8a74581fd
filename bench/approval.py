"""Speed of approving an import's change set, against a plain UPDATE of the same rows.

    .venv/bin/python bench/approval.py [--attacks 250000] [--data-dir .data/approval-bench]

Runs on its own embedded PostgreSQL server, never on DATABASE_URL's database or the development one: its database
is dropped and made anew, migrated, and given the demo data. It then writes what a GTD import of `--attacks` events
leaves for review, as the import does (`kb.services.records_bulk_create`, drafts with their history rows): per event
an attack, an attribution to a demo group, a source holding the event's words and two citations (the attack's and
the attribution's), all queued in one change set. A Reviewer approves the change set (`change_set_approve`: every
record published with its history row, the citation rule checked over all of it); the figure is records/s. The
baseline is a plain `UPDATE … SET publication_status = 'published'` of the same rows, no history, timed in the
same run after setting them back to draft.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gtd_import import demo_database  # noqa: E402

EVENT_TEXT = (
    "Date: 2019 01 01. Location: Quetta, Balochistan, Pakistan. Perpetrator group: Lashkar-e-Jhangvi. Attack type: Bombing/Explosion."
)
ATTACK_QUOTE = "Location: Quetta, Balochistan, Pakistan."
ATTRIBUTION_QUOTE = "Perpetrator group: Lashkar-e-Jhangvi."


def write_import(attacks: int, *, editor):
    """What an import run of `attacks` events leaves: drafts with history, queued in one change set."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from groups.models import Attack, AttributionKind, Group
    from kb.models import ChangeSetKind
    from kb.services import change_set_start, records_bulk_create
    from kb.services.pending import queue_bulk_publish
    from sources.models import Citation, Source
    from sources.text import text_fingerprint

    group = Group.objects.get(slug="lashkar-e-jhangvi")
    change_set = change_set_start(user=editor, title=f"Benchmark import of {attacks:,} events", kind=ChangeSetKind.IMPORT)
    moment, reason, batch = timezone.now(), "Benchmark import", 25_000
    fingerprint = text_fingerprint(EVENT_TEXT)
    for start in range(0, attacks, batch):
        count = min(batch, attacks - start)
        with transaction.atomic():
            numbers = range(start, start + count)
            attack_ids = records_bulk_create(
                model=Attack,
                fields=["slug", "title", "date", "date_precision", "country"],
                rows=[(f"bench-{n}", f"Bombing in Quetta, event {n}", datetime.date(2019, 1, 1), "day", "PK") for n in numbers],
                user=editor,
                reason=reason,
                moment=moment,
            )
            attribution_ids = records_bulk_create(
                model=Attack.attributions.rel.related_model,
                fields=["attack", "group", "kind", "attributed_by"],
                rows=[(attack_id, group.pk, AttributionKind.ATTRIBUTED, "GTD") for attack_id in attack_ids],
                user=editor,
                reason=reason,
                moment=moment,
            )
            source_ids = records_bulk_create(
                model=Source,
                fields=["slug", "title", "outlet", "text", "text_hash"],
                rows=[(f"gtd-bench-{n}", f"Global Terrorism Database, event {n}", "GTD", EVENT_TEXT, fingerprint) for n in numbers],
                user=editor,
                reason=reason,
                moment=moment,
            )
            citation_ids = records_bulk_create(
                model=Citation,
                fields=["source", "quote", "attack"],
                rows=[(source_id, ATTACK_QUOTE, attack_id) for source_id, attack_id in zip(source_ids, attack_ids, strict=True)],
                user=editor,
                reason=reason,
                moment=moment,
            )
            citation_ids += records_bulk_create(
                model=Citation,
                fields=["source", "quote", "attribution"],
                rows=[(s, ATTRIBUTION_QUOTE, a) for s, a in zip(source_ids, attribution_ids, strict=True)],
                user=editor,
                reason=reason,
                moment=moment,
            )
            for model, ids in ((Attack, attack_ids), (Source, source_ids), (Citation, citation_ids)):
                queue_bulk_publish(change_set=change_set, model=model, ids=ids, user=editor)
            queue_bulk_publish(change_set=change_set, model=Attack.attributions.rel.related_model, ids=attribution_ids, user=editor)
    return change_set


def plain_update_seconds(change_set) -> float:
    """Set the change set's records back to draft, then time one plain UPDATE per table that publishes them."""
    from django.db import connection, transaction
    from psycopg import sql

    from kb.models import PendingChange

    tables = []
    for content_type_id in PendingChange.objects.filter(change_set=change_set).values_list("content_type", flat=True).order_by().distinct():
        from django.contrib.contenttypes.models import ContentType

        tables.append((ContentType.objects.get_for_id(content_type_id).model_class()._meta.db_table, content_type_id))
    statement = (
        "UPDATE {} SET publication_status = %s WHERE id IN "
        "(SELECT object_id FROM kb_pendingchange WHERE change_set_id = %s AND content_type_id = %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for table, content_type_id in tables:
            cursor.execute(
                sql.SQL(statement).format(sql.Identifier(table)).as_string(cursor.connection), ["draft", change_set.pk, content_type_id]
            )
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, content_type_id in tables:
            cursor.execute(
                sql.SQL(statement).format(sql.Identifier(table)).as_string(cursor.connection), ["published", change_set.pk, content_type_id]
            )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attacks", type=int, default=250_000, help="GTD events in the change set (default 250,000; 5 records each).")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "approval-bench", help="The embedded server's data directory.")
    options = parser.parse_args()

    demo_database(options.data_dir)

    from django.contrib.auth.models import Group as Role
    from django.db import connection

    from kb.models import PendingChange
    from kb.services import change_set_approve
    from tests.factories import UserFactory

    editor = UserFactory(username="bench-editor", is_staff=True)
    editor.groups.add(Role.objects.get(name="Editor"))
    reviewer = UserFactory(username="bench-reviewer", is_staff=True)
    reviewer.groups.add(Role.objects.get(name="Reviewer"))

    began = time.perf_counter()
    change_set = write_import(options.attacks, editor=editor)
    written = time.perf_counter() - began
    records = PendingChange.objects.filter(change_set=change_set).count()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Wrote {records:,} draft records with their history and pending changes in {written:.1f} s")

    began = time.perf_counter()
    decision = change_set_approve(change_set=change_set, user=reviewer, reason="Benchmark approval")
    approval = time.perf_counter() - began
    plain = plain_update_seconds(change_set)
    rate = decision.applied / approval
    print(f"approval: {decision.applied:,} records published with history rows in {approval:.1f} s: {rate:,.0f} records/s")
    print(f"plain UPDATE of the same rows (no history): {plain:.1f} s: {records / plain:,.0f} records/s")
    print(f"ratio: the approval takes {approval / plain:.1f}x a plain UPDATE; target ≥ 5,000 records/s: "
          f"{'met' if rate >= 5000 else 'NOT MET'}")  # fmt: skip


if __name__ == "__main__":
    main()
