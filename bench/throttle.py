"""Do the throttles hold across gunicorn workers? One client sends requests as fast as 16 connections allow to a
server of several workers, and the run counts how many were answered (200) and how many refused (429).

- API: `--requests` requests to /api/v1/groups/ at API_ANONYMOUS_RATE=`--rate`, three ways: the baseline (DRF's own
  throttle, counted in each worker's memory), the shared folder (no REDIS_URL) and Redis (REDIS_URL, a redis-server
  of the run's own, when there is one).
- Site: `--searches` searches, each for other words (so none is served from the cache), at EXPENSIVE_PAGE_RATE=
  `--page-rate`, in the shared folder.

Printed: passed / allowed by the rate, for each; the target is 1.00 or less (a sliding window lets through no more
than the rate in any minute; the run lasts less than one).

    EMBEDDED_POSTGRES_DIR=... .venv/bin/python -m bench.throttle
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.server import get, serve, server_environment
from kb.rates import parse_rate


def hammer(port: int, paths: list[str], connections: int = 16) -> Counter:
    with ThreadPoolExecutor(connections) as pool:
        return Counter(status for status, _ in pool.map(lambda path: get(port, path, timeout=60), paths))


def run(name: str, env: dict[str, str], paths: list[str], rate: str, workers: int, log) -> float:
    with serve(env, workers=workers, log=log) as (_, port):
        statuses = hammer(port, paths)
    allowed = parse_rate(rate)[0]
    print(
        f"{name:<44} {statuses[200]:>5} of {len(paths)} passed, {statuses[429]:>5} refused (429), "
        f"other {sum(n for s, n in statuses.items() if s not in (200, 429))}; passed / rate {statuses[200] / allowed:.2f}",
        flush=True,
    )
    return statuses[200] / allowed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", default="600/minute")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--page-rate", default="120/minute")
    parser.add_argument("--searches", type=int, default=1500)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kb-throttle-bench-"))
    api = ["/api/v1/groups/"] * options.requests
    print(
        f"{options.workers} gunicorn workers; API at {options.rate}, {options.requests} requests; "
        f"searches at {options.page_rate}, {options.searches} of them; 16 connections",
        flush=True,
    )
    with open(folder / "gunicorn.log", "w") as log:
        try:

            def env(name: str, **extra: str) -> dict[str, str]:
                return server_environment(
                    API_ANONYMOUS_RATE=options.rate,
                    EXPENSIVE_PAGE_RATE=options.page_rate,
                    THROTTLE_CACHE_DIR=str(folder / name / "throttle"),
                    PUBLIC_CACHE_DIR=str(folder / name / "pages"),
                    **extra,
                )

            run(
                "API, before: DRF's throttle in each worker",
                env("before", DJANGO_SETTINGS_MODULE="bench.throttle_before"),
                api,
                options.rate,
                options.workers,
                log,
            )
            run("API, shared folder", env("folder"), api, options.rate, options.workers, log)
            if shutil.which("redis-server"):
                from tests.redis_server import RedisServer

                (folder / "redis").mkdir()
                server = RedisServer(folder / "redis").start()
                try:
                    run("API, Redis", env("redis", REDIS_URL=server.url), api, options.rate, options.workers, log)
                finally:
                    server.stop()
            else:
                print("API, Redis: skipped, no redis-server (scripts/ensure-redis installs it)")
            searches = [f"/search/?q=name+{n}" for n in range(options.searches)]
            run("Site searches, shared folder", env("site"), searches, options.page_rate, options.workers, log)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
