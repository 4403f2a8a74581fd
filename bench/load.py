"""Load on the public site under gunicorn: concurrent clients for a fixed time over profile, search and API pages.

    make db                                    # the database with the demo data (embedded, or DATABASE_URL)
    .venv/bin/python bench/load.py [--duration 60] [--connections 32] [--workers N]

Starts gunicorn on 127.0.0.1 (a free port) with the production settings, made safe for loopback through
their own environment variables: a throwaway SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=false
and throttle rates no run reaches. It serves the current database: DATABASE_URL's, or the embedded
server's. Static files are collected first (production's storage serves them from a manifest). Once /healthz
answers and every URL of the mix answers 200, the load runs with wrk when it is installed
(apt-get install -y wrk), or with Python threads when it is not. Prints requests/s, p50 and p99 latency,
non-2xx/3xx answers and socket errors for the URL mix, and the workers' memory; exits 1 on any error.
Nothing leaves the loopback interface and every step has a time limit.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from server import HOST, get, memory_kb, serve, server_environment, worker_pids

PROFILES = ["islamic-state", "al-qaeda", "tehrik-e-taliban-pakistan", "islamic-state-khorasan-province", "lashkar-e-jhangvi"]
URL_MIX = [
    *(f"/groups/{slug}/" for slug in PROFILES),
    "/search/?q=daesh",
    "/search/?q=tehreek+e+taliban",
    "/api/v1/groups/",
    "/api/v1/attacks/",
    "/api/v1/groups/islamic-state/",
    "/groups/",
    "/",
]

# wrk runs this in each of its threads: requests rotate over the mix (each thread from its own place), and the
# summary comes back as one line the script parses. Latencies are in microseconds.
WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
local offset = 0
function setup(thread)
  thread:set("offset", offset)
  offset = offset + 1
end
function init(args)
  counter = tonumber(offset) or 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[counter %% #paths + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%%d duration_us=%%d p50_us=%%d p99_us=%%d status=%%d connect=%%d read=%%d write=%%d timeout=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass
class Result:
    tool: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad_status: int
    socket_errors: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.bad_status + sum(self.socket_errors.values())


def check_urls(port: int, paths: list[str]) -> None:
    failing = [(path, status) for path in paths for status, _ in [get(port, path)] if status != 200]
    if failing:
        listed = ", ".join(f"{path} ({status})" for path, status in failing)
        raise RuntimeError(f"Not every URL of the mix answers 200: {listed}. Does the database hold the demo data? Run make db.")


def run_wrk(wrk: str, port: int, paths: list[str], duration: int, connections: int, threads: int) -> Result:
    lua_paths = ", ".join('"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"' for path in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="kb-load-") as script:
        script.write(WRK_SCRIPT % {"paths": lua_paths})
        script.flush()
        command = [wrk, f"--threads={threads}", f"--connections={connections}", f"--duration={duration}s", "--timeout=10s"]
        completed = subprocess.run(
            [*command, f"--script={script.name}", f"http://{HOST}:{port}/"], capture_output=True, text=True, timeout=duration + 60
        )
    match = re.search(r"^RESULT (.*)$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed (status {completed.returncode}):\n{completed.stdout}{completed.stderr}")
    figures = {name: int(value) for name, value in (pair.split("=") for pair in match.group(1).split())}
    return Result(
        tool=f"wrk, {threads} threads",
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        bad_status=figures["status"],
        socket_errors={kind: figures[kind] for kind in ("connect", "read", "write", "timeout")},
    )


def run_threads(port: int, paths: list[str], duration: int, connections: int) -> Result:
    """wrk's job in Python: one thread per connection, each rotating over the mix until the time is up."""
    latencies: list[float] = []
    bad_status = 0
    socket_errors = {"connect": 0, "read": 0, "timeout": 0}
    lock = threading.Lock()
    began = time.monotonic()
    deadline = began + duration

    def client(offset: int) -> None:
        nonlocal bad_status
        mine: list[float] = []
        bad, errors = 0, dict.fromkeys(socket_errors, 0)
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        count = offset
        while time.monotonic() < deadline:
            path = paths[count % len(paths)]
            count += 1
            start = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
            except TimeoutError:
                errors["timeout"] += 1
                connection.close()
                continue
            except ConnectionRefusedError:
                errors["connect"] += 1
                connection.close()
                continue
            except (OSError, http.client.HTTPException):
                errors["read"] += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - start)
            if not 200 <= response.status < 400:
                bad += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            bad_status += bad
            for kind, number in errors.items():
                socket_errors[kind] += number

    workers = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=duration + 30)
    seconds = time.monotonic() - began
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(
        tool=f"Python, {connections} threads",
        requests=len(latencies) + sum(socket_errors.values()),
        seconds=seconds,
        p50_ms=quantiles[49] * 1000,
        p99_ms=quantiles[98] * 1000,
        bad_status=bad_status,
        socket_errors=socket_errors,
    )


def serve_and_load(options: argparse.Namespace, wrk: str | None, log) -> tuple[Result, list[tuple[int, int, int]]]:
    """gunicorn up, the load, the workers' memory, gunicorn down (whatever happens in between)."""
    with serve(server_environment(), workers=options.workers, log=log) as (server, port):
        check_urls(port, URL_MIX)
        print(
            f"gunicorn: {options.workers} sync workers on {HOST}:{port}, kb.settings.production\n"
            f"load: {options.connections} connections for {options.duration} s over {len(URL_MIX)} URLs "
            f"({len(PROFILES)} profiles, 2 searches, 3 API, the group list and the home page)",
            flush=True,
        )
        if wrk:
            result = run_wrk(wrk, port, URL_MIX, options.duration, options.connections, options.threads)
        else:
            result = run_threads(port, URL_MIX, options.duration, options.connections)
        return result, [(pid, *memory_kb(pid)) for pid in worker_pids(server.pid)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60, help="Seconds of load (default 60).")
    parser.add_argument("--connections", type=int, default=32, help="Concurrent clients (default 32).")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers (default 2 x cores + 1).")
    parser.add_argument("--threads", type=int, default=min(os.cpu_count() or 1, 4), help="wrk threads (default: cores, at most 4).")
    parser.add_argument("--python", action="store_true", help="Use the Python load generator even when wrk is installed.")
    options = parser.parse_args()
    wrk = None if options.python else shutil.which("wrk")
    if not wrk and not options.python:
        print("wrk is not installed (apt-get install -y wrk): the load comes from Python threads, which share the CPU with gunicorn.")

    with tempfile.NamedTemporaryFile("w+", prefix="kb-load-gunicorn-", suffix=".log") as log:

        def fail(message: str) -> int:
            log.seek(0)
            print(f"{message}\n--- gunicorn's log (last lines) ---\n{log.read()[-4000:]}", file=sys.stderr)
            return 1

        try:
            result, workers = serve_and_load(options, wrk, log)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            return fail(f"Load run failed: {error}")

        socket_errors = ", ".join(f"{kind} {number}" for kind, number in result.socket_errors.items())
        print(f"generator:     {result.tool}")
        print(f"requests:      {result.requests} in {result.seconds:.1f} s")
        print(f"requests/s:    {result.requests / result.seconds:.1f}")
        print(f"latency p50:   {result.p50_ms:.1f} ms")
        print(f"latency p99:   {result.p99_ms:.1f} ms")
        print(f"non-2xx/3xx:   {result.bad_status}")
        print(f"socket errors: {sum(result.socket_errors.values())} ({socket_errors})")
        for pid, rss, peak in workers:
            print(f"worker {pid}:  RSS {rss / 1024:.0f} MB (peak {peak / 1024:.0f} MB)")
        if result.errors or not result.requests:
            return fail(f"FAILED: {result.errors} errors.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
