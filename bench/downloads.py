"""CSV downloads of long lists at GTD scale, through gunicorn with the production settings, against PostgreSQL's own
COPY of the same rows to CSV in the same run.

    EMBEDDED_POSTGRES_DIR=.data/bench .venv/bin/python bench/downloads.py [--runs 5]

Reads the database that EMBEDDED_POSTGRES_DIR (or DATABASE_URL) names, which must hold a data set, e.g. the GTD-scale
one `make bench` builds in .data/bench; it writes nothing. Each download is timed whole (the last byte read), after
one untimed warm-up; the baseline is `COPY (SELECT … the same public rows, in the same order) TO STDOUT (FORMAT csv)`,
read to the end by psycopg: what the database alone takes to hand over the rows as CSV.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import HOST, database_url, serve, server_environment  # noqa: E402

# The rows each download holds, as PostgreSQL would copy them (the public set, in the list's order).
BASELINES = {
    "attacks": """SELECT a.id, a.slug, a.title, a.date, a.date_precision, a.end_date, a.locality, a.district, a.province,
        a.country, a.latitude, a.longitude, a.attack_type, a.target_type, a.weapon_type, a.suicide, a.killed,
        a.killed_qualifier, a.wounded, a.wounded_qualifier,
        (SELECT string_agg(t.kind || ' ' || g.name, '; ' ORDER BY t.kind, g.name, t.id) FROM groups_attribution t
         JOIN groups_group g ON g.id = t.group_id WHERE t.attack_id = a.id AND t.publication_status = 'published'
         AND g.publication_status = 'published'), a.updated_at
        FROM groups_attack a WHERE a.publication_status = 'published'
        ORDER BY COALESCE(a.date, '0001-01-01') DESC, a.id DESC""",
    "groups": """SELECT g.id, g.slug, g.name, g.kind, g.status, g.founded, g.founded_precision, g.dissolved,
        g.dissolved_precision, g.countries,
        (SELECT string_agg(l.name, '; ' ORDER BY lower(l.name), l.id) FROM groups_alias l
         WHERE l.group_id = g.id AND l.publication_status = 'published'), g.summary, g.wikidata_id, g.updated_at
        FROM groups_group g WHERE g.publication_status = 'published' ORDER BY lower(g.name), g.id""",
}

DOWNLOADS = [
    ("attacks", "/api/v1/attacks.csv"),
    ("groups", "/api/v1/groups.csv"),
]


def download(port: int, path: str) -> tuple[float, int]:
    connection = http.client.HTTPConnection(HOST, port, timeout=900)
    began = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
    finally:
        connection.close()
    return time.perf_counter() - began, size


def copy_csv(url: str, query: str) -> tuple[float, int]:
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        began = time.perf_counter()
        size = 0
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                size += len(chunk)
        return time.perf_counter() - began, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="Timed downloads of each list (default 5), after one warm-up.")
    options = parser.parse_args()
    url = database_url()
    with psycopg.connect(url) as connection:
        attacks = connection.execute("SELECT count(*) FROM groups_attack WHERE publication_status = 'published'").fetchone()[0]
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {attacks:,} published attacks")
    results = []
    with open(os.devnull, "w") as log, serve(server_environment(url), workers=2, log=log, timeout=900) as (_server, port):
        for name, path in DOWNLOADS:
            download(port, path)
            copy_csv(url, BASELINES[name])
            timings, sizes, baselines = [], [], []
            for _ in range(options.runs):  # alternated, so that a change in the machine's load touches both alike
                elapsed, size = download(port, path)
                timings.append(elapsed)
                sizes.append(size)
                baselines.append(copy_csv(url, BASELINES[name])[0])
            results.append((path, statistics.median(timings), max(sizes), statistics.median(baselines)))
    print(f"{'download':<28} {'p50':>9} {'size':>10} {'COPY p50':>10} {'ratio':>7}")
    for path, p50, size, baseline in results:
        print(f"{path:<28} {p50:>8.2f}s {size / 1e6:>8.1f}MB {baseline:>9.2f}s {p50 / baseline:>6.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
