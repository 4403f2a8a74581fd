"""TAXII pages deep in a large collection against its first page: with keyset paging the ratio stays near 1.

    .venv/bin/python bench/taxii.py [--objects 200000] [--requests 30] [--limit 100]

Runs in a throwaway database (created and dropped here), so it never touches the development data. Fills the
versions table with synthetic STIX object versions as releases would write them (a first release with most
objects, later ones adding new objects, new versions of some, and revoked versions), then times requests through
Django's test client (middleware, negotiation, filters, the query and the envelope), the cases in turn, round after
round: the p50 of each case, and its ratio to the first page of the same endpoint measured in the same run. For
contrast, the same last page read with OFFSET.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from interop.models import Release, StixObjectVersion  # noqa: E402
from interop.taxii.pagination import Position, taxii_timestamp  # noqa: E402
from interop.taxii.views import KNOWLEDGE_BASE  # noqa: E402

TAXII = "application/taxii+json;version=2.1"
OBJECTS = f"/taxii2/kb/collections/{KNOWLEDGE_BASE.id}/objects/"
MANIFEST = f"/taxii2/kb/collections/{KNOWLEDGE_BASE.id}/manifest/"
TYPES = ["intrusion-set", "incident", "relationship", "report"]  # by object number, modulo
PADDING = "x" * 500  # bodies of about the size of an incident's


def fill(objects: int) -> None:
    """Four releases: 85% of the objects in the first, the rest spread over three more, which also bring a new
    version of every tenth object and revoke every hundredth."""
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    releases = [Release.objects.create(version=f"2026.{n + 1}", built_at=start + datetime.timedelta(days=30 * n)) for n in range(4)]
    first_size = objects * 85 // 100
    with connection.cursor() as cursor:
        # Objects n < first_size enter with release 0, the rest with releases 1–3 in turn.
        cursor.execute(
            f"""
            INSERT INTO interop_stixobjectversion (stix_id, stix_type, modified, date_added, release_id, revoked, latest, body)
            SELECT (ARRAY{TYPES!r})[n %% 4 + 1] || '--' || md5(n::text)::uuid, (ARRAY{TYPES!r})[n %% 4 + 1],
                   r.built_at - interval '1 hour', r.built_at, r.id, false, true,
                   json_build_object('type', (ARRAY{TYPES!r})[n %% 4 + 1], 'spec_version', '2.1',
                                     'id', (ARRAY{TYPES!r})[n %% 4 + 1] || '--' || md5(n::text)::uuid,
                                     'modified', to_char(r.built_at - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                     'name', 'Object ' || n, 'description', %s)::text
            FROM generate_series(0, %s - 1) AS n
            JOIN interop_release r ON r.id = (%s::bigint[])[CASE WHEN n < %s THEN 1 ELSE n %% 3 + 2 END]
            ORDER BY r.built_at, n
            """,
            [PADDING, objects, [release.pk for release in releases], first_size],
        )
        # Later versions: every tenth object of the first release changes in the last release, every hundredth is revoked.
        last = releases[-1]
        cursor.execute("UPDATE interop_stixobjectversion SET latest = false WHERE release_id = %s AND id %% 10 = 0", [releases[0].pk])
        cursor.execute(
            """
            INSERT INTO interop_stixobjectversion (stix_id, stix_type, modified, date_added, release_id, revoked, latest, body)
            SELECT stix_id, stix_type, %s, %s, %s, id %% 100 = 0, true, body
            FROM interop_stixobjectversion WHERE release_id = %s AND NOT latest ORDER BY id
            """,
            [last.built_at - datetime.timedelta(minutes=1), last.built_at, last.pk, releases[0].pk],
        )
        cursor.execute("ANALYZE interop_stixobjectversion")


def p50s(client: Client, cases: list[tuple[str, dict]], requests: int) -> list[float]:
    """Each case's p50, the cases taken in turn in every round, so that a change in the machine's load falls on all."""
    times = [[] for _ in cases]
    for round_number in range(requests + 1):
        for case_times, (path, params) in zip(times, cases, strict=True):
            began = time.perf_counter()
            response = client.get(path, params, HTTP_ACCEPT=TAXII)
            if round_number:  # the first round warms up
                case_times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.content[:300]
    return [statistics.median(case_times) * 1000 for case_times in times]


def offset_p50(sql: str, params: list, requests: int) -> float:
    times = []
    with connection.cursor() as cursor:
        for _ in range(requests):
            began = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def position_before_end(queryset, rows_from_end: int) -> str:
    """The `next` a client holds when one page is left: the position of the row just before the last page."""
    row = queryset.order_by("-date_added", "-id").values("date_added", "id")[rows_from_end]
    return Position(row["date_added"], row["id"]).token()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=200_000, help="STIX objects (the table gets about 10%% more rows).")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per case.")
    parser.add_argument("--limit", type=int, default=100, help="Objects per page.")
    options = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        began = time.perf_counter()
        fill(options.objects)
        rows = StixObjectVersion.objects.count()
        print(f"{rows:,} versions of {options.objects:,} objects written in {time.perf_counter() - began:.1f} s\n")
        client, limit, n = Client(), options.limit, options.requests
        latest = StixObjectVersion.objects.filter(latest=True)
        relationships = latest.filter(stix_type="relationship")
        last_release = Release.objects.latest()
        two_types = latest.filter(stix_type__in=["incident", "relationship"])
        cases = [  # (name, path, parameters, the case it is compared with)
            ("objects, first page", OBJECTS, {"limit": limit}, 0),
            ("objects, last page (next)", OBJECTS, {"limit": limit, "next": position_before_end(latest, limit)}, 0),
            (
                "objects, all versions, last page",
                OBJECTS,
                {"limit": limit, "match[version]": "all", "next": position_before_end(StixObjectVersion.objects, limit)},
                0,
            ),
            (
                "objects, one type, last page",
                OBJECTS,
                {"limit": limit, "match[type]": "relationship", "next": position_before_end(relationships, limit)},
                0,
            ),
            (
                "objects, two types, last page",
                OBJECTS,
                {"limit": limit, "match[type]": "incident,relationship", "next": position_before_end(two_types, limit)},
                0,
            ),
            (
                "objects, added_after the third release",
                OBJECTS,
                {"limit": limit, "added_after": taxii_timestamp(last_release.built_at - datetime.timedelta(days=1))},
                0,
            ),
            ("manifest, first page", MANIFEST, {"limit": limit}, 6),
            ("manifest, last page (next)", MANIFEST, {"limit": limit, "next": position_before_end(latest, limit)}, 6),
        ]
        results = p50s(client, [(path, params) for _, path, params, _ in cases], n)
        print(f"{'case':<42} {'p50 ms':>8} {'ratio':>6}  (to)")
        for (name, _, _, baseline), milliseconds in zip(cases, results, strict=True):
            print(f"{name:<42} {milliseconds:>8.1f} {milliseconds / results[baseline]:>6.2f}  ({cases[baseline][0]})")
        # What the same last page costs with OFFSET (the query alone, not the request).
        skip = latest.count() - limit
        table = StixObjectVersion._meta.db_table
        query = f"SELECT id, date_added, body FROM {table} WHERE latest ORDER BY date_added, id"
        offset = offset_p50(f"{query} OFFSET %s LIMIT %s", [skip, limit + 1], n)
        keyset = offset_p50(f"{query} LIMIT %s", [limit + 1], n)
        print(f"\nfor contrast, the query alone: first page {keyset:.1f} ms, last page by OFFSET {offset:.1f} ms ({offset / keyset:.0f}×)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
