"""The site at GTD scale, measured against baselines taken in the same run: one table of ratios and targets.

    make bench                                                # full scale; builds .data/bench the first time (~5 min)
    .venv/bin/python bench/gtd_scale.py --scale 0.1           # a quick run on its own, smaller database
    .venv/bin/python bench/gtd_scale.py --skip-build --requests 100 --output results.json

It only ever runs against its own embedded PostgreSQL: `.data/bench` (`.data/bench-scale-<S>` for another
--scale), filled with `manage.py generate_dataset --seed 7 --scale S` when empty. It refuses to start with
DATABASE_URL set, and refuses a database that holds anything but the synthetic data set. Datasette, the one
baseline that is not ours, is installed into its own virtualenv (`.data/bench-venv`, from bench/requirements.txt),
never into the app's.

What it measures (p50/p95 from sequential requests after a warm-up; each measurement stops early, with at least
20 samples, once it has run for --budget seconds):

- Through gunicorn on loopback (production settings, DEBUG off, 2 sync workers), one client at a time:
  /healthz (the trivial baseline); profiles of a fixed sample of groups, cached and uncached; the API's first
  page of 100 attacks, uncached and cached, beside the same rows from one psycopg query + json.dumps in this
  process, and from Datasette serving them from SQLite; /search/; the profile of a group with 10 and with
  10,000 attacks. "Uncached" moves the data version on (kb/cache.py) before each request, outside the timed
  part, so every request misses the public cache and takes the real miss path (build, then store); a profile
  without a query string, and the API's first page of attacks, are then served from their prebuilt page
  (kb/prebuilt.py), which only a change to what it shows makes stale. "Built from nothing" forgets the prebuilt
  pages too: what the first reader of a profile or of the API's page pays when no write has rebuilt it (and what
  any other page of the API's list, `?cursor=` or filtered, costs uncached).
- In this process: `groups.selectors.search_groups` at the generated number of aliases and at 20 times as many
  (1M at full scale: synthetic aliases added by COPY in a transaction that is rolled back), each with and
  without the trigram indexes (dropped in a transaction, rolled back); the profile's query count.
- Subprocesses: `manage.py export_csv attacks` (peak RSS, against a bare Django process); `manage.py import_gtd`
  of a fresh GTD-layout CSV (rows/s, against COPY of the same file into a scratch table of text columns).

Rows it adds for a measurement (two scratch groups and their attributions, the imported attacks) are removed
again before it ends, and at the start of the next run if one was interrupted.

Read the figures knowing that: the API sorts the newest attacks first on an expression (undated last) while
Datasette serves the exported rows in their stored order, the API's; the raw query has no HTTP, no worker and no
serializer; and on a 2-core machine shared with other work, times move by tens of percent between runs.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from gtd_csv import write_gtd_csv
from server import HOST, ROOT, database_url, memory_kb, serve, server_environment, wait_until_answering, worker_pids

sys.path.insert(0, str(ROOT))

SEED = 7
WORKERS = 2
BENCH_VENV = ROOT / ".data" / "bench-venv"
BENCH_REQUIREMENTS = Path(__file__).resolve().parent / "requirements.txt"
MIN_SAMPLES = 20
PROFILE_SAMPLE = 20
SEARCH_QUERIES_PER_KIND = 25
ALIAS_GROWTH = 20  # 50k aliases → 1M
PROFILE_SIZES = (10, 10_000)
IMPORT_ROWS = 250_000
# Mark the rows this script adds, so that it can find and remove them (also after an interrupted run).
SCRATCH_SLUG_PREFIX = "benchmark-profile-"
IMPORT_EVENTID_PREFIX = "99"
IMPORT_USERNAME = "bench-importer"
GENERATOR_USERNAME = "generator"  # the synthetic data set's account (sampledata.synthetic.write)


# --- Results ---------------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One line of the table: a value, the baseline it is compared with, and the target it is held to."""

    measurement: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""
    met: bool | None = None
    samples: int = 0

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


def ratio_at_most(limit: float) -> Callable[[Figure], tuple[str, bool]]:
    return lambda figure: (f"≤ {limit:g}×", figure.ratio is not None and figure.ratio <= limit)


def value_at_most(limit: float) -> Callable[[Figure], tuple[str, bool]]:
    return lambda figure: (f"≤ {limit:g} {figure.unit}", figure.value <= limit)


def value_at_least(limit: float) -> Callable[[Figure], tuple[str, bool]]:
    return lambda figure: (f"≥ {limit:,.0f} {figure.unit}", figure.value >= limit)


def held_to(figure: Figure, target: Callable[[Figure], tuple[str, bool]] | None) -> Figure:
    if target is not None:
        figure.target, figure.met = target(figure)
    return figure


def percentile(samples: list[float], share: float) -> float:
    """Nearest rank: the smallest sample with at least `share` of the samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def milliseconds(samples: list[float], share: float) -> float:
    return percentile(samples, share) * 1000


def sample(run: Callable[[int], float], *, count: int, budget: float, warmup: int = 3) -> list[float]:
    """`count` timings of `run(i)` (which times itself, so that its own set-up stays out), after `warmup` untimed calls;
    fewer once `budget` seconds have passed, but never fewer than MIN_SAMPLES (or `count`, when smaller)."""
    for i in range(warmup):
        run(i)
    timings: list[float] = []
    deadline = time.monotonic() + budget
    for i in range(count):
        if len(timings) >= min(count, MIN_SAMPLES) and time.monotonic() > deadline:
            break
        timings.append(run(warmup + i))
    return timings


class SequentialClient:
    """One client, one request at a time. gunicorn's sync workers close each connection; http.client reopens it."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=300)

    def fetch(self, path: str) -> bytes:
        return self._get(path)[1]

    def time(self, path: str) -> float:
        return self._get(path)[0]

    def _get(self, path: str) -> tuple[float, bytes]:
        began = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - began
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {body[:300].decode(errors='replace')}")
        return elapsed, body


# --- The bench database ----------------------------------------------------------------------------------------------


def bench_data_dir(scale: float) -> Path:
    return ROOT / ".data" / ("bench" if scale == 1 else f"bench-scale-{scale:g}")


def refuse_other_databases() -> None:
    if os.environ.get("DATABASE_URL", "").strip():
        raise SystemExit(
            "DATABASE_URL is set: this benchmark writes scratch rows and only runs on its own embedded database "
            "(.data/bench). Unset DATABASE_URL and run it again."
        )


def page_timing_options(description: str, *, runs: int, runs_help: str) -> argparse.Namespace:
    """The command line of the in-process page timings (`uncached_pages.py`, `cached_hits.py`): `--runs` and pages."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=runs, help=runs_help)
    parser.add_argument("paths", nargs="*", help="Pages to time instead of the usual list.")
    return parser.parse_args()


def django_on_bench_database() -> None:
    """Django set up in this process on the full-scale bench database (`make bench` builds it), with the production
    settings made safe for loopback (`server_environment`) and the test client's host allowed."""
    refuse_other_databases()
    os.environ["EMBEDDED_POSTGRES_DIR"] = str(bench_data_dir(1.0))
    cache_dir = str(bench_data_dir(1.0).with_name("bench-cache"))
    os.environ.update(server_environment(database_url(), ALLOWED_HOSTS="testserver", PUBLIC_CACHE_DIR=cache_dir))
    import django

    django.setup()


def manage(*arguments: str, env: dict[str, str], log=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def prepare_database(url: str, *, scale: float, skip_build: bool, log) -> None:
    """Migrate; generate the synthetic data set into an empty database; refuse one that holds anything else."""
    import psycopg

    development = {**os.environ, "DJANGO_SETTINGS_MODULE": "kb.settings.dev", "DATABASE_URL": url}
    manage("migrate", "--noinput", "--verbosity=0", env=development, log=log)
    with psycopg.connect(url) as connection:
        groups = connection.execute("SELECT count(*) FROM groups_group").fetchone()[0]
        generated = connection.execute("SELECT 1 FROM auth_user WHERE username = %s", [GENERATOR_USERNAME]).fetchone()
    if groups and not generated:
        raise SystemExit("The bench database holds groups that the synthetic data set did not write: refusing to run on it.")
    if groups:
        return
    if skip_build:
        raise SystemExit("--skip-build, but the bench database is empty: run once without it to build the data set.")
    print(f"Building the synthetic data set (seed {SEED}, scale {scale:g}); at full scale this takes about 5 minutes…", flush=True)
    began = time.monotonic()
    manage("generate_dataset", f"--seed={SEED}", f"--scale={scale:g}", env=development, log=log)
    print(f"Built in {time.monotonic() - began:.0f} s.", flush=True)


def ensure_datasette() -> Path:
    """Datasette in its own virtualenv: a baseline, never a dependency of the app."""
    datasette = BENCH_VENV / "bin" / "datasette"
    if not datasette.exists():
        print(f"Installing Datasette into {BENCH_VENV.relative_to(ROOT)} (bench only)…", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        pip = [str(BENCH_VENV / "bin" / "pip"), "install", "--quiet", "--requirement", str(BENCH_REQUIREMENTS)]
        subprocess.run(pip, check=True, timeout=600)
    return datasette


def environment_summary(scale: float) -> dict:
    from django.db import connection

    from groups.models import Affiliation, Alias, Attack, Attribution, Group
    from sources.models import Citation, Source

    counts = {}
    for model in (Group, Alias, Affiliation, Attack, Attribution, Source, Citation):
        name = model._meta.verbose_name_plural
        counts[name] = (model.objects.count(), model.objects.public().count())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "scale": scale,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "postgres": postgres,
        "python": sys.version.split()[0],
        "commit": commit,
        "rows": counts,
    }


def bump_data_version() -> None:
    from kb.cache import bump_data_version

    bump_data_version()


def forget_prebuilt_pages() -> None:
    """No page prebuilt either (`kb.prebuilt`): what a reader pays for a profile nobody has built since it changed."""
    from kb.prebuilt import forget_all

    forget_all()


def time_built_from_nothing(client, path: str) -> float:
    """The time of `path` neither cached nor prebuilt (both made stale outside the timed part)."""
    bump_data_version()
    forget_prebuilt_pages()
    return client.time(path)


# --- Through gunicorn ------------------------------------------------------------------------------------------------


def published_group_sample(size: int) -> list[str]:
    from groups.models import Group

    slugs = sorted(Group.objects.public().values_list("slug", flat=True))
    return random.Random(f"{SEED}:profiles").sample(slugs, min(size, len(slugs)))


def public_attack_counts(paths: list[str]) -> list[int]:
    from django.db.models import Count

    from groups.models import Attribution

    slugs = [path.strip("/").split("/")[-1] for path in paths]
    attributions = Attribution.objects.public().filter(group__slug__in=slugs)
    counts = dict(attributions.values_list("group__slug").annotate(attacks=Count("attack", distinct=True)))
    return [counts.get(slug, 0) for slug in slugs]


def measure_pages(port: int, options: argparse.Namespace, figures: list[Figure], details: dict) -> None:
    client = SequentialClient(port)
    count, budget = options.requests, options.budget

    def uncached(path_of: Callable[[int], str]) -> Callable[[int], float]:
        def run(i: int) -> float:
            bump_data_version()  # every cached page and API answer is stale now
            return client.time(path_of(i))

        return run

    health = sample(lambda i: client.time("/healthz"), count=count, budget=budget)
    health_p50 = milliseconds(health, 0.5)
    figures.append(Figure("/healthz p50 (trivial view, same stack)", health_p50, "ms", samples=len(health)))
    print(f"  /healthz p50 {health_p50:.2f} ms", flush=True)

    profiles = [f"/groups/{slug}/" for slug in published_group_sample(PROFILE_SAMPLE)]
    for path in profiles:
        client.fetch(path)  # each profile cached once
    cached = sample(lambda i: client.time(profiles[i % len(profiles)]), count=count, budget=budget)
    figures.append(
        held_to(
            Figure("profile p50, cached", milliseconds(cached, 0.5), "ms", health_p50, "/healthz p50", samples=len(cached)),
            ratio_at_most(1.5),
        )
    )
    for path in profiles:  # each profile prebuilt once (a page still cached from an earlier run built none)
        bump_data_version()
        client.fetch(path)
    fresh = sample(uncached(lambda i: profiles[i % len(profiles)]), count=count, budget=budget)
    figures.append(
        held_to(
            Figure("profile p50, uncached", milliseconds(fresh, 0.5), "ms", health_p50, "/healthz p50", samples=len(fresh)),
            ratio_at_most(10),  # an uncached profile costs no more than ten trivial requests,
        )
    )

    cold = sample(lambda i: time_built_from_nothing(client, profiles[i % len(profiles)]), count=count, budget=budget)
    cold_label = "profile p50, built from nothing (neither cached nor prebuilt)"
    figures.append(Figure(cold_label, milliseconds(cold, 0.5), "ms", health_p50, "/healthz p50", samples=len(cold)))
    details["profiles"] = dict(zip(profiles, public_attack_counts(profiles), strict=True))
    attacks = statistics.median(details["profiles"].values())
    cached_p50, fresh_p50 = milliseconds(cached, 0.5), milliseconds(fresh, 0.5)
    cold_p50 = milliseconds(cold, 0.5)
    print(
        f"  profiles (median {attacks:g} attacks) p50 cached {cached_p50:.1f} ms, uncached {fresh_p50:.1f} ms,"
        f" built from nothing {cold_p50:.1f} ms",
        flush=True,
    )

    measure_attack_list(client, options, figures, details)
    measure_site_search(client, options, figures, details)
    measure_profile_growth(client, options, figures, details)


API_ATTACKS = "/api/v1/attacks/"  # its default page: 100 attacks, prebuilt (kb/prebuilt.py)

# The API's attack list as one query: the same fields (those the serializer computes in Python left out), public
# records only, in the API's default order (newest first, undated last), attributions embedded as JSON. The page is
# chosen first, so that only its rows have their attributions gathered.
ATTACK_ROWS_SQL = """
WITH page AS (
    SELECT a.id, a.slug, a.title, a.date, a.date_precision, a.end_date, a.locality, a.district, a.province, a.country,
           a.latitude, a.longitude, a.attack_type, a.target_type, a.weapon_type, a.suicide, a.killed, a.killed_qualifier,
           a.wounded, a.wounded_qualifier, a.updated_at, COALESCE(a.date, DATE '0001-01-01') AS date_sort
    FROM groups_attack a
    WHERE a.publication_status = 'published'
    ORDER BY date_sort DESC, a.id DESC
    LIMIT %(limit)s
)
SELECT page.*,
       COALESCE((
           SELECT json_agg(json_build_object('id', t.id, 'kind', t.kind, 'attributed_by', t.attributed_by,
                                             'group', json_build_object('id', g.id, 'slug', g.slug, 'name', g.name))
                           ORDER BY t.kind, g.name, t.id)
           FROM groups_attribution t JOIN groups_group g ON g.id = t.group_id
           WHERE t.attack_id = page.id AND t.publication_status = 'published' AND g.publication_status = 'published'
       ), '[]') AS attributions
FROM page
ORDER BY page.date_sort DESC, page.id DESC
"""


def measure_attack_list(client: SequentialClient, options: argparse.Namespace, figures: list[Figure], details: dict) -> None:
    import psycopg

    count, budget = options.requests, options.budget
    api_ids = [row["id"] for row in json.loads(client.fetch(API_ATTACKS))["results"]]

    def api_uncached(i: int) -> float:
        bump_data_version()
        return client.time(API_ATTACKS)

    bump_data_version()
    client.fetch(API_ATTACKS)  # prebuilt once (a page still cached from an earlier run built none)
    api = sample(api_uncached, count=count, budget=budget)
    api_p50 = milliseconds(api, 0.5)
    api_cold = sample(lambda i: time_built_from_nothing(client, API_ATTACKS), count=count, budget=budget)
    cold_p50 = milliseconds(api_cold, 0.5)
    client.fetch(API_ATTACKS)
    api_cached = sample(lambda i: client.time(API_ATTACKS), count=count, budget=budget)

    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:

        def raw(i: int) -> float:
            began = time.perf_counter()
            cursor = connection.execute(ATTACK_ROWS_SQL, {"limit": 100})
            names = [column.name for column in cursor.description]
            json.dumps([dict(zip(names, row, strict=True)) for row in cursor.fetchall()], default=str)
            return time.perf_counter() - began

        raw_ids = [row[0] for row in connection.execute(ATTACK_ROWS_SQL, {"limit": 100}).fetchall()]
        raw_timings = sample(raw, count=count, budget=budget)
        database = export_attacks_to_sqlite(connection, ROOT / ".data" / "bench-datasette" / "attacks.db")
    raw_p50 = milliseconds(raw_timings, 0.5)

    datasette_p50, datasette_ids, datasette_samples = measure_datasette(database, options)
    if not api_ids == raw_ids == datasette_ids:
        print("  warning: the API, the raw query and Datasette do not return the same 100 attacks", flush=True)
    details["attack_list_same_rows"] = api_ids == raw_ids == datasette_ids

    label = "API list of 100 attacks p50, uncached"
    figures.append(held_to(Figure(label, api_p50, "ms", raw_p50, "psycopg query + json.dumps", samples=len(api)), ratio_at_most(3)))
    figures.append(held_to(Figure(label, api_p50, "ms", datasette_p50, "Datasette, same rows", samples=len(api)), ratio_at_most(1)))
    cold_label = "API list of 100 attacks p50, built from nothing (neither cached nor prebuilt)"
    figures.append(Figure(cold_label, cold_p50, "ms", datasette_p50, "Datasette, same rows", samples=len(api_cold)))
    cached_p50 = milliseconds(api_cached, 0.5)
    figures.append(
        Figure("API list of 100 attacks p50, cached", cached_p50, "ms", datasette_p50, "Datasette, same rows", samples=len(api_cached))
    )
    details["raw_sql_samples"], details["datasette_samples"] = len(raw_timings), datasette_samples
    print(
        f"  API p50 uncached {api_p50:.1f} ms, built from nothing {cold_p50:.1f} ms, cached {cached_p50:.1f} ms;"
        f" raw {raw_p50:.1f} ms; Datasette {datasette_p50:.1f} ms",
        flush=True,
    )


def export_attacks_to_sqlite(connection, path: Path) -> Path:
    """The rows of the API's attack list, in its order (SQLite's rowid follows it), attributions as JSON text."""
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    began = time.monotonic()
    with connection.cursor(name="bench_attacks") as cursor, sqlite3.connect(path) as sqlite:
        cursor.execute(ATTACK_ROWS_SQL, {"limit": None})  # LIMIT NULL: every row
        names = [column.name for column in cursor.description]
        sqlite.execute(f"CREATE TABLE attacks (rowid INTEGER PRIMARY KEY, {', '.join(names)})")
        insert = f"INSERT INTO attacks ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        while rows := cursor.fetchmany(5000):
            sqlite.executemany(insert, [[_sqlite_value(value) for value in row] for row in rows])
    print(f"  exported the public attacks to SQLite in {time.monotonic() - began:.0f} s", flush=True)
    return path


def _sqlite_value(value):
    if isinstance(value, list | dict):
        return json.dumps(value)
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)  # dates, timestamps, decimals


def measure_datasette(database: Path, options: argparse.Namespace) -> tuple[float, list[int], int]:
    from server import free_port

    datasette = ensure_datasette()
    port = free_port()
    command = [
        str(datasette),
        "serve",
        "--immutable",
        str(database),
        "--host",
        HOST,
        "--port",
        str(port),
        "--setting",
        "suggest_facets",
        "off",
    ]
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_answering(port, server, path="/-/versions.json", name="Datasette")
            client = SequentialClient(port)
            path = f"/{database.stem}/attacks.json?_size=100&_shape=array"
            ids = [row["id"] for row in json.loads(client.fetch(path))]
            timings = sample(lambda i: client.time(path), count=options.requests, budget=options.budget)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return milliseconds(timings, 0.5), ids, len(timings)


def measure_site_search(client: SequentialClient, options: argparse.Namespace, figures: list[Figure], details: dict) -> None:
    from urllib.parse import urlencode

    queries = details["search_queries"]
    paths = ["/search/?" + urlencode({"q": query}) for _, query in queries]

    def run(i: int) -> float:
        bump_data_version()
        return client.time(paths[i % len(paths)])

    timings = sample(run, count=options.requests, budget=options.budget)
    figures.append(
        Figure("site /search/ p95, uncached (groups, attacks, sources)", milliseconds(timings, 0.95), "ms", samples=len(timings))
    )
    print(f"  /search/ p95 uncached {milliseconds(timings, 0.95):.1f} ms", flush=True)


@contextmanager
def profiles_of_sizes(sizes: tuple[int, ...]) -> Iterator[list[str]]:
    """Copies of one published group (its own fields only: no aliases, relationships or citations), each named in
    `size` published attacks, so that their pages differ only in the attacks. Scratch rows without history, removed
    afterwards."""
    from django.db import connection

    from groups.models import Attack, Group
    from groups.normalization import normalize_name

    remove_scratch_profiles()
    template = Group.objects.public().order_by("id").first()
    # Everything but the names and the identifiers that must stay unique, copied from the template.
    copied = ", ".join(
        field.column for field in Group._meta.concrete_fields
        if field.column not in ("id", "name", "normalized_name", "slug", "wikidata_id", "mitre_attack_id", "gtd_name")
    )  # fmt: skip
    attacks = list(Attack.objects.public().order_by("id").values_list("id", flat=True)[: max(sizes)])
    slugs = [f"{SCRATCH_SLUG_PREFIX}{size}" for size in sizes]
    try:
        with connection.cursor() as cursor:
            for number, (size, slug) in enumerate(zip(sizes, slugs, strict=True)):
                name = f"Benchmark profile {'ABCDEFGH'[number]}"  # search keys fold repeated digits: 10 and 10000 would meet
                cursor.execute(
                    f"INSERT INTO groups_group (name, normalized_name, slug, wikidata_id, mitre_attack_id, gtd_name, {copied})"
                    f" SELECT %s, %s, %s, '', '', '', {copied} FROM groups_group WHERE id = %s RETURNING id",
                    [name, normalize_name(name), slug, template.pk],
                )
                cursor.execute(
                    "INSERT INTO groups_attribution"
                    " (publication_status, created_at, updated_at, kind, attributed_by, description, attack_id, group_id)"
                    " SELECT 'published', now(), now(), 'claimed', '', '', attack_id, %s FROM unnest(%s::bigint[]) AS attack_id",
                    [cursor.fetchone()[0], attacks[:size]],
                )
            # As autovacuum would soon: the planner then knows the group has thousands of attributions, as it knows
            # of any real group's, and plans its profile for that (without, it plans for a few).
            cursor.execute("ANALYZE groups_attribution")
        invalidate_scratch_profiles()
        yield slugs
    finally:
        remove_scratch_profiles()


def remove_scratch_profiles() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        scratch = "SELECT id FROM groups_group WHERE slug LIKE %s"
        cursor.execute(f"DELETE FROM groups_attribution WHERE group_id IN ({scratch})", [f"{SCRATCH_SLUG_PREFIX}%"])
        cursor.execute("DELETE FROM groups_group WHERE slug LIKE %s", [f"{SCRATCH_SLUG_PREFIX}%"])
        if cursor.rowcount:
            invalidate_scratch_profiles()


def invalidate_scratch_profiles() -> None:
    """Rows written without signals: the pages of groups and attributions, cached or prebuilt, are stale."""
    from groups.models import Attribution, Group
    from kb.cache import invalidate_models

    invalidate_models(Group, Attribution)


def profile_query_count(slug: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    bump_data_version()
    forget_prebuilt_pages()  # the queries of building it
    with CaptureQueriesContext(connection) as queries:
        response = Client(HTTP_HOST=HOST).get(f"/groups/{slug}/")
    if response.status_code != 200:
        raise RuntimeError(f"/groups/{slug}/ answered {response.status_code} in process.")
    return len(queries.captured_queries)


def measure_profile_growth(client: SequentialClient, options: argparse.Namespace, figures: list[Figure], details: dict) -> None:
    small, large = PROFILE_SIZES
    with profiles_of_sizes(PROFILE_SIZES) as (small_slug, large_slug):
        queries = {slug: profile_query_count(slug) for slug in (small_slug, large_slug)}
        p50, cold_p50 = {}, {}
        for slug in (small_slug, large_slug):

            def run(i: int, path: str = f"/groups/{slug}/") -> float:
                bump_data_version()
                return client.time(path)

            def cold(i: int, path: str = f"/groups/{slug}/") -> float:
                return time_built_from_nothing(client, path)

            timings = sample(run, count=options.requests, budget=options.budget, warmup=1)  # the warm-up prebuilds it
            p50[slug] = (milliseconds(timings, 0.5), len(timings))
            timings = sample(cold, count=options.requests, budget=options.budget, warmup=1)
            cold_p50[slug] = (milliseconds(timings, 0.5), len(timings))
    not_more = Figure(f"profile queries, {large:,} attacks", queries[large_slug], "queries", queries[small_slug], f"{small} attacks")
    figures.append(held_to(not_more, ratio_at_most(1)))
    for label, measured in (("uncached", p50), ("built from nothing", cold_p50)):
        (small_p50, _), (large_p50, large_samples) = measured[small_slug], measured[large_slug]
        grown = Figure(f"profile p50 {label}, {large:,} attacks", large_p50, "ms", small_p50, f"{small} attacks", samples=large_samples)
        figures.append(held_to(grown, ratio_at_most(1.5)))
        print(f"  profile {small} vs {large:,} attacks, {label}: p50 {small_p50:.1f} vs {large_p50:.1f} ms", flush=True)
    details["profile_sizes"] = {
        "groups": [small_slug, large_slug],
        "queries": queries,
        "p50_ms": p50,
        "built_from_nothing_p50_ms": cold_p50,
    }
    print(f"  profile {small} vs {large:,} attacks: {queries} queries", flush=True)


# --- Alias search in process -----------------------------------------------------------------------------------------


def search_queries(count_per_kind: int) -> list[tuple[str, str]]:
    """Queries of four kinds, drawn from the published names with a fixed seed, interleaved by kind:
    a name as written, its first half, a misspelling (one letter dropped) and another transliteration."""
    from groups.models import Alias, Group
    from sampledata.synthetic.vocabulary import SPELLINGS

    rng = random.Random(f"{SEED}:search")
    names = sorted(Alias.objects.public().values_list("name", flat=True)) + sorted(Group.objects.public().values_list("name", flat=True))
    latin = [name for name in names if name.isascii() and len(name) >= 8]
    respellings = {word: [w for w in (word, *others)] for word, others in SPELLINGS.items()}

    def exact() -> str:
        return rng.choice(names)

    def prefix() -> str:
        name = rng.choice(latin)
        return name[: max(5, len(name) // 2)].strip()

    def misspelt() -> str:
        name = rng.choice(latin)
        position = rng.randrange(2, len(name) - 2)
        return name[:position] + name[position + 1 :]

    respellable = [name for name in latin if "-e-" in name or any(word in respellings for word in name.split())]

    def transliterated() -> str:
        words = rng.choice(respellable).replace("-e-", " i ").split(" ")
        return " ".join(rng.choice([w for w in respellings[word] if w != word]) if word in respellings else word for word in words)

    kinds = {"exact": exact, "prefix": prefix, "misspelling": misspelt, "transliteration": transliterated}
    return [(kind, make()) for _ in range(count_per_kind) for kind, make in kinds.items()]


def time_searches(queries: list[tuple[str, str]], options: argparse.Namespace) -> tuple[list[float], dict[str, float]]:
    from groups.selectors import search_groups

    by_kind: dict[str, list[float]] = {}

    def run(i: int) -> float:
        kind, query = queries[i % len(queries)]
        began = time.perf_counter()
        search_groups(query)
        elapsed = time.perf_counter() - began
        by_kind.setdefault(kind, []).append(elapsed)
        return elapsed

    timings = sample(run, count=max(options.requests, len(queries)), budget=options.budget, warmup=0)
    return timings, {kind: milliseconds(values, 0.95) for kind, values in by_kind.items()}


def slowest_statement_plan(query: str) -> str:
    """EXPLAIN ANALYZE of the slowest statement `search_groups(query)` runs: where the time goes, for the JSON output."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from groups.selectors import search_groups

    with CaptureQueriesContext(connection) as statements:
        search_groups(query)
    slowest = max(statements.captured_queries, key=lambda statement: float(statement["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        return "\n".join(line for (line,) in cursor.fetchall())


@contextmanager
def without_trigram_indexes() -> Iterator[None]:
    """The GIN trigram indexes on the search keys (of the names, and the distinct keys) dropped, in a savepoint rolled
    back afterwards."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX alias_search_key_trgm")
            cursor.execute("DROP INDEX group_search_key_trgm")
            cursor.execute("DROP INDEX search_key_trgm")
        yield
        transaction.set_rollback(True)


def synthetic_aliases(count: int, existing: set[tuple[str, int]], group_ids: list[int]) -> Iterator[tuple]:
    """`count` more aliases as the data set's generator makes them: a name and the ways sources write it (spellings,
    acronyms, translations), all given to one group picked at random, and again until there are enough."""
    from django.utils import timezone

    from groups.models import AliasKind
    from groups.normalization import normalize_name
    from sampledata.synthetic.names import Candidate, make_name, other_names
    from sampledata.synthetic.vocabulary import COUNTRIES

    rng = random.Random(f"{SEED}:more aliases")
    now = timezone.now()
    made = 0
    while made < count:
        country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
        name = make_name(rng, rng.choices(list(country.styles), weights=list(country.styles.values()))[0], country)
        group_id = rng.choice(group_ids)
        for candidate in [Candidate(name.text, AliasKind.VARIANT), *other_names(rng, name, adjective=country.adjective, former=None)]:
            key = normalize_name(candidate.name)
            if made >= count or not key or (candidate.name.lower(), group_id) in existing:
                continue
            existing.add((candidate.name.lower(), group_id))
            yield ("published", now, now, candidate.name, key, candidate.kind, candidate.language, candidate.script,
                   None, "unknown", None, "unknown", False, group_id)  # fmt: skip
            made += 1


@contextmanager
def more_aliases(total: int) -> Iterator[int]:
    """Aliases topped up to `total` by COPY (scratch rows: no history), in a transaction rolled back afterwards."""
    from django.db import connection, transaction

    from groups.models import Alias, Group

    with transaction.atomic():
        existing = {(name.lower(), group_id) for name, group_id in Alias.objects.values_list("name", "group_id")}
        group_ids = sorted(Group.objects.public().values_list("id", flat=True))
        began = time.monotonic()
        columns = (
            "publication_status, created_at, updated_at, name, normalized_name, kind, language, script, valid_from, valid_from_precision, "
            "valid_to, valid_to_precision, shared_name_acknowledged, group_id"
        )
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY groups_alias ({columns}) FROM STDIN") as copy:
                for row in synthetic_aliases(total - len(existing), existing, group_ids):
                    copy.write_row(row)
            cursor.execute("ANALYZE groups_alias")
            cursor.execute("ANALYZE groups_searchkey")  # the aliases' keys, added by a trigger
        added = Alias.objects.count()
        print(f"  {added:,} aliases (added by COPY and analysed in {time.monotonic() - began:.0f} s)", flush=True)
        yield added
        transaction.set_rollback(True)


def measure_alias_search(options: argparse.Namespace, figures: list[Figure], details: dict) -> None:
    from django.db import connection

    from groups.models import Alias

    queries = details["search_queries"]
    base = Alias.objects.count()
    results = {}

    def measure(label: str) -> None:
        timings, by_kind = time_searches(queries, options)
        slowest = queries[max(range(len(timings)), key=timings.__getitem__) % len(queries)][1]
        results[label] = {
            "p95_ms": milliseconds(timings, 0.95),
            "p50_ms": milliseconds(timings, 0.5),
            "samples": len(timings),
            "by_kind": by_kind,
            "slowest": {"query": slowest, "plan": slowest_statement_plan(slowest)},
        }
        print(f"  {label}: p95 {results[label]['p95_ms']:.1f} ms ({len(timings)} searches)", flush=True)

    measure("indexed")
    with without_trigram_indexes():
        measure("no index")
    with more_aliases(base * ALIAS_GROWTH) as grown:
        measure("indexed, grown")
        with without_trigram_indexes():
            measure("no index, grown")
    with connection.cursor() as cursor:  # the rolled-back rows leave dead tuples behind
        cursor.execute("VACUUM ANALYZE groups_alias")
        cursor.execute("VACUUM ANALYZE groups_searchkey")

    for size, suffix, limit in ((base, "", 15), (grown, ", grown", 50)):
        indexed, bare = results[f"indexed{suffix}"], results[f"no index{suffix}"]
        figure = Figure(f"alias search p95, {_thousands(size)} aliases", indexed["p95_ms"], "ms", bare["p95_ms"], "same, no trigram index")
        figure.samples = indexed["samples"]
        figures.append(held_to(figure, value_at_most(limit)))
    details["alias_search"] = results


def _thousands(count: int) -> str:
    return f"{count / 1e6:.2g}M" if count >= 950_000 else f"{round(count / 1000):,}k"


# --- Subprocesses: export memory, import speed -----------------------------------------------------------------------


# Run in the measured process: its peak resident memory (VmHWM) as it exits. The kernel's rusage would not do: it keeps
# the high-water mark from before exec, when the child still had this (much larger) process's pages.
REPORT_PEAK = """
import atexit, re
atexit.register(lambda: print("VmHWM", re.search(r"^VmHWM:\\s+(\\d+)", open("/proc/self/status").read(), re.M).group(1)))
"""


def peak_rss_kb(code: str, env: dict[str, str]) -> int:
    completed = subprocess.run(
        [sys.executable, "-c", REPORT_PEAK + code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600, check=False
    )
    if completed.returncode:
        raise RuntimeError(f"The measured process failed: {(completed.stdout + completed.stderr)[-2000:]}")
    return int(completed.stdout.split("VmHWM")[-1])


def measure_export_memory(env: dict[str, str], figures: list[Figure]) -> None:
    """`manage.py export_csv attacks` (every public attack, streamed to a file), against a process that only sets up Django
    and imports what the export uses."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as target:
        arguments = ["manage.py", "export_csv", "attacks", "--output", target.name, "--no-progress"]
        began = time.monotonic()
        export = peak_rss_kb(f"import runpy, sys\nsys.argv = {arguments!r}\nrunpy.run_path('manage.py', run_name='__main__')", env)
        seconds = time.monotonic() - began
        with open(target.name, "rb") as written:
            rows = sum(1 for _ in written) - 1
    bare = peak_rss_kb("import django\ndjango.setup()\nimport groups.management.commands.export_csv", env)
    figures.append(Figure(f"CSV export peak RSS ({rows:,} attacks)", export / 1024, "MB", bare / 1024, "bare Django process"))
    print(f"  CSV export of {rows:,} attacks: peak {export / 1024:.0f} MB in {seconds:.0f} s; bare Django {bare / 1024:.0f} MB", flush=True)


def remove_imported_attacks() -> None:
    """The attacks an import run added, their attributions, the GTD records they cite (sources of the same slugs and
    their citations) and all their history (found by their event ids)."""
    from django.db import connection

    slugs = f"gtd-{IMPORT_EVENTID_PREFIX}%"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM groups_attack WHERE slug LIKE %s", [slugs])
        if not cursor.fetchone()[0]:
            return
        cited = "SELECT id FROM sources_source WHERE slug LIKE %s"
        cursor.execute(f"DELETE FROM sources_historicalcitation WHERE source_id IN ({cited})", [slugs])
        cursor.execute(f"DELETE FROM sources_citation WHERE source_id IN ({cited})", [slugs])
        cursor.execute("DELETE FROM sources_historicalsource WHERE slug LIKE %s", [slugs])
        cursor.execute("DELETE FROM sources_source WHERE slug LIKE %s", [slugs])
        imported = "SELECT id FROM groups_attack WHERE slug LIKE %s"
        cursor.execute(f"DELETE FROM groups_historicalattribution WHERE attack_id IN ({imported})", [slugs])
        cursor.execute(f"DELETE FROM groups_attribution WHERE attack_id IN ({imported})", [slugs])
        cursor.execute("DELETE FROM groups_historicalattack WHERE slug LIKE %s", [slugs])
        cursor.execute("DELETE FROM groups_attack WHERE slug LIKE %s", [slugs])
        for table in (
            "groups_attack", "groups_historicalattack", "groups_attribution", "groups_historicalattribution",
            "sources_source", "sources_historicalsource", "sources_citation", "sources_historicalcitation",
        ):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    bump_data_version()


def copy_seconds(path: Path) -> float:
    """COPY of the CSV into a scratch table of text columns, streamed from this process as the import reads it."""
    from django.db import connection

    with path.open(encoding="utf-8", newline="") as file:
        header = next(csv.reader(file))
    columns = ", ".join(f'"{name}" text' for name in header)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_gtd_copy")
        cursor.execute(f"CREATE TABLE bench_gtd_copy ({columns})")
        try:
            began = time.perf_counter()
            with path.open("rb") as file, cursor.cursor.copy("COPY bench_gtd_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while block := file.read(1 << 16):
                    copy.write(block)
            return time.perf_counter() - began
        finally:
            cursor.execute("DROP TABLE bench_gtd_copy")


def measure_import(env: dict[str, str], options: argparse.Namespace, figures: list[Figure], log) -> None:
    from groups.models import Attack, Group
    from kb.accounts import system_account

    rows = round(IMPORT_ROWS * options.scale)
    names = sorted(Group.objects.public().values_list("name", flat=True))
    user = system_account(IMPORT_USERNAME)
    remove_imported_attacks()
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as folder:
        path = Path(folder) / "gtd.csv"
        # Every row valid and new: the figure is the rate of a clean import (bench/gtd_import.py also has bad rows).
        write_gtd_csv(path, rows=rows, seed=SEED, group_names=names, bad_share=0, eventid_prefix=IMPORT_EVENTID_PREFIX)
        copied = copy_seconds(path)
        before = Attack.objects.count()
        began = time.perf_counter()
        arguments = [
            "import_gtd",
            str(path),
            f"--user={user.username}",
            "--reason=Benchmark: import of a synthetic GTD file",
            "--no-progress",
        ]
        output = manage(*arguments, env=env).stdout
        imported = time.perf_counter() - began
        log.write(output)
    created = Attack.objects.count() - before
    remove_imported_attacks()
    if created != rows:
        raise RuntimeError(f"The import created {created:,} attacks from {rows:,} rows:\n{output[-2000:]}")
    figure = Figure(f"GTD import, {rows:,} new rows with history", rows / imported, "rows/s", rows / copied, "COPY into text columns")
    figures.append(held_to(figure, value_at_least(10_000)))
    print(f"  import {rows / imported:,.0f} rows/s ({imported:.0f} s); COPY {rows / copied:,.0f} rows/s ({copied:.1f} s)", flush=True)


# --- The run ---------------------------------------------------------------------------------------------------------


def print_table(figures: list[Figure], environment: dict, details: dict) -> None:
    rows = environment["rows"]
    print()
    print(f"GTD-scale benchmark, scale {environment['scale']:g}, commit {environment['commit']}")
    print(f"{environment['cpus']} CPUs, load average {' '.join(f'{x:.2f}' for x in environment['load_average'])} at the start; "
          f"PostgreSQL {environment['postgres']}, Python {environment['python']}; gunicorn {WORKERS} sync workers, DEBUG off")  # fmt: skip
    print("rows (published): " + ", ".join(f"{total:,} {name} ({public:,})" for name, (total, public) in rows.items()))
    headers = ("measurement", "value", "baseline", "ratio", "target", "met")
    lines = []
    for figure in figures:
        value = f"{figure.value:,.1f} {figure.unit}" if figure.unit != "queries" else f"{figure.value:.0f} {figure.unit}"
        if figure.baseline is None:
            baseline = ""
        elif figure.unit == "queries":
            baseline = f"{figure.baseline:.0f} ({figure.baseline_label})"
        else:
            baseline = f"{figure.baseline:,.1f} {figure.unit} ({figure.baseline_label})"
        ratio = "" if figure.ratio is None else f"{figure.ratio:.2f}×" if figure.ratio >= 0.1 else f"{figure.ratio:.4f}×"
        met = {True: "met", False: "NOT MET", None: ""}[figure.met]
        lines.append((figure.measurement, value, baseline, ratio, figure.target, met))
    widths = [max(len(line[column]) for line in [headers, *lines]) for column in range(len(headers))]
    for line in [headers, tuple("-" * width for width in widths), *lines]:
        print(
            "  ".join(
                cell.ljust(width) if column in (0, 2, 4) else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(line, widths, strict=True))
            )
        )
    search = details.get("alias_search", {})
    if search:
        print("alias search p95 by kind of query (ms): " + "; ".join(
            f"{label}: " + ", ".join(f"{kind} {ms:.1f}" for kind, ms in result["by_kind"].items()) for label, result in search.items()
        ))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="Share of the GTD-scale data set (default 1; 0.1 for a quick run).")
    parser.add_argument("--requests", type=int, default=200, help="Timed requests (or searches) per measurement (default 200).")
    parser.add_argument("--budget", type=float, default=60, help="Seconds after which a measurement stops early (default 60).")
    parser.add_argument("--skip-build", action="store_true", help="Reuse the bench database; never build the data set.")
    parser.add_argument("--output", type=Path, help="Also write the figures and the environment as JSON to this file.")
    options = parser.parse_args()
    if not 0 < options.scale <= 1:
        parser.error("--scale must be above 0 and at most 1.")

    refuse_other_databases()
    data_dir = bench_data_dir(options.scale)
    os.environ["EMBEDDED_POSTGRES_DIR"] = str(data_dir)  # never the developer's .data/postgres
    cache_dir = data_dir.with_name(f"{data_dir.name}-cache")
    shutil.rmtree(cache_dir, ignore_errors=True)
    figures: list[Figure] = []
    details: dict = {}
    with tempfile.NamedTemporaryFile("w+", prefix="kb-bench-", suffix=".log") as log:
        try:
            url = database_url()
            prepare_database(url, scale=options.scale, skip_build=options.skip_build, log=log)
            env = server_environment(url, PUBLIC_CACHE_DIR=str(cache_dir))
            os.environ.update(env)
            import django

            django.setup()
            remove_scratch_profiles()
            remove_imported_attacks()
            environment = environment_summary(options.scale)
            details["search_queries"] = search_queries(SEARCH_QUERIES_PER_KIND)
            ensure_datasette()

            print(f"Through gunicorn ({WORKERS} workers, {options.requests} requests a measurement):", flush=True)
            with serve(env, workers=WORKERS, log=log, timeout=300) as (server, port):
                started = {pid: memory_kb(pid)[0] for pid in worker_pids(server.pid)}
                measure_pages(port, options, figures, details)
                ended = {pid: memory_kb(pid)[0] for pid in worker_pids(server.pid)}
            if ended:
                biggest = max(ended, key=ended.get)
                figures.append(Figure("gunicorn worker RSS after the run (largest)", ended[biggest] / 1024, "MB",
                                      started.get(biggest, 0) / 1024 or None, "same worker at start"))  # fmt: skip
                details["worker_rss_kb"] = {"start": started, "end": ended}
            print("In process (groups.selectors.search_groups):", flush=True)
            measure_alias_search(options, figures, details)
            print("Subprocesses:", flush=True)
            measure_export_memory(env, figures)
            measure_import(env, options, figures, log)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            log.seek(0)
            print(f"Benchmark failed: {error}\n--- log (last lines) ---\n{log.read()[-4000:]}", file=sys.stderr)
            return 1
    print_table(figures, environment, details)
    if options.output:
        results = {"environment": environment, "figures": [{**asdict(f), "ratio": f.ratio} for f in figures], "details": details}
        options.output.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
