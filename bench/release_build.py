"""A release at GTD scale: build time, size and memory, against baselines measured in the same run.

    .venv/bin/python bench/release_build.py --scale 0.25        # its own database, .data/bench-release-scale-0.25
    .venv/bin/python bench/release_build.py --scale 1 --output results.json

It runs on its own embedded PostgreSQL (`.data/bench-release` at full scale, `.data/bench-release-scale-<S>` otherwise),
filled with `manage.py generate_dataset --seed 7 --scale S` when empty, and writes its releases to a temporary
directory that it removes. The rows a build adds (releases and STIX object versions) are removed again at the end.

What it measures, each in a subprocess (wall time, and peak RSS from wait4):

- the baselines: COPY of the eight public tables' rows (every row, in PostgreSQL's text format) to files, the
  cheapest way the same data leaves the database; and `manage.py export_csv attacks`, one table through the API's
  CSV columns;
- `manage.py build_release`: the first release (every STIX object a new version), then a second with nothing changed
  (no new version), and the sizes of its files;
- through gunicorn (production settings, 2 sync workers): `/api/v1/export/stix/` (now a redirect) and the download of
  the bundle it leads to, beside /healthz, with four downloads at once and /healthz asked meanwhile (before releases,
  four whole-export requests timed every worker out).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from gtd_scale import prepare_database, refuse_other_databases
from server import HOST, ROOT, database_url, serve, server_environment

TABLES = [
    "groups_group",
    "groups_alias",
    "groups_affiliation",
    "groups_designation",
    "groups_attack",
    "groups_attribution",
    "sources_source",
    "sources_citation",
]


def data_dir(scale: float) -> Path:
    return ROOT / ".data" / ("bench-release" if scale == 1 else f"bench-release-scale-{scale:g}")


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (kB) and output of a subprocess."""
    began = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - began
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}")
    return elapsed, usage.ru_maxrss, output


def copy_tables_code(directory: Path) -> str:
    return f"""
import psycopg
with psycopg.connect({database_url()!r}) as connection:
    for table in {TABLES!r}:
        with open({str(directory)!r} + "/" + table + ".tsv", "wb") as out, connection.cursor() as cursor:
            with cursor.copy(f"COPY {{table}} TO STDOUT") as copy:
                for block in copy:
                    out.write(block)
"""


def directory_size(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.iterdir() if path.is_file())


def remove_built_releases(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as connection:
        connection.execute("DELETE FROM interop_stixobjectversion")
        connection.execute("DELETE FROM interop_release")


def fetch(port: int, path: str, timeout: float = 600) -> tuple[int, int, dict[str, str]]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        size = 0
        while block := response.read(1 << 20):
            size += len(block)
        return response.status, size, dict(response.getheaders())
    finally:
        connection.close()


def seconds_of(run, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        run()
        samples.append(time.perf_counter() - began)
    return samples


def measure_serving(env: dict[str, str], results: dict) -> None:
    with tempfile.TemporaryFile("w+") as log, serve(env, workers=2, log=log, timeout=30) as (_server, port):
        status, _, headers = fetch(port, "/api/v1/export/stix/")
        assert status == 302, status
        bundle_path = headers["Location"].removeprefix(f"http://{HOST}:{port}")
        healthz = seconds_of(lambda: fetch(port, "/healthz"), 20)
        redirect = seconds_of(lambda: fetch(port, "/api/v1/export/stix/"), 20)
        download = seconds_of(lambda: fetch(port, bundle_path), 3)
        # Four downloads at once, and /healthz asked while they run.
        during: list[float] = []
        statuses: list[int] = []
        downloads = [threading.Thread(target=lambda: statuses.append(fetch(port, bundle_path)[0])) for _ in range(4)]
        for thread in downloads:
            thread.start()
        while any(thread.is_alive() for thread in downloads):
            began = time.perf_counter()
            try:
                fetch(port, "/healthz", timeout=30)
                during.append(time.perf_counter() - began)
            except OSError:
                during.append(float("inf"))
            time.sleep(0.05)
        for thread in downloads:
            thread.join()
        results["serving"] = {
            "healthz_p50_ms": statistics.median(healthz) * 1000,
            "export_redirect_p50_ms": statistics.median(redirect) * 1000,
            "bundle_download_p50_s": statistics.median(download),
            "concurrent_downloads_status": statuses,
            "healthz_during_downloads_max_ms": max(during) * 1000 if during else None,
            "healthz_during_downloads_samples": len(during),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--output", help="Write the figures as JSON here too.")
    parser.add_argument("--no-serving", action="store_true", help="Skip the gunicorn measurements.")
    options = parser.parse_args()
    refuse_other_databases()
    os.environ["EMBEDDED_POSTGRES_DIR"] = str(data_dir(options.scale))
    url = database_url()
    with tempfile.TemporaryFile("w+") as log:
        prepare_database(url, scale=options.scale, skip_build=False, log=log)
    remove_built_releases(url)
    work = Path(tempfile.mkdtemp(prefix="bench-release-"))
    releases_root = work / "releases"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kb.settings.dev", "DATABASE_URL": url, "RELEASES_ROOT": str(releases_root)}
    manage = [sys.executable, "manage.py"]
    results: dict = {"scale": options.scale}
    try:
        copied = work / "copy"
        copied.mkdir()
        copy_seconds, copy_rss, _ = timed([sys.executable, "-c", copy_tables_code(copied)], env)
        results["baseline_copy"] = {"seconds": copy_seconds, "bytes": directory_size(copied), "peak_rss_kb": copy_rss}
        shutil.rmtree(copied)
        csv_seconds, csv_rss, _ = timed([*manage, "export_csv", "attacks", "--no-progress", "--output", str(work / "attacks.csv")], env)
        csv_bytes = (work / "attacks.csv").stat().st_size
        results["baseline_export_csv_attacks"] = {"seconds": csv_seconds, "bytes": csv_bytes, "peak_rss_kb": csv_rss}
        build = [*manage, "build_release", "--base-url", "https://kb.example.org", "--no-progress"]
        first_seconds, first_rss, first_output = timed([*build, "--version", "bench.1"], env)
        manifest = json.loads((releases_root / "bench.1" / "manifest.json").read_text())
        results["first_release"] = {
            "seconds": first_seconds,
            "peak_rss_kb": first_rss,
            "bytes": manifest["size"],
            "files": {file["name"]: file["size"] for file in manifest["files"]},
            "tables": manifest["counts"]["tables"],
            "stix_objects": sum(manifest["counts"]["stix"].values()),
            "output": first_output.strip(),
        }
        second_seconds, second_rss, second_output = timed([*build, "--version", "bench.2"], env)
        results["second_release_unchanged"] = {"seconds": second_seconds, "peak_rss_kb": second_rss, "output": second_output.strip()}
        if not options.no_serving:
            measure_serving(server_environment(url, RELEASES_ROOT=str(releases_root)), results)
    finally:
        remove_built_releases(url)
        shutil.rmtree(work, ignore_errors=True)
    print_results(results)
    if options.output:
        Path(options.output).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def print_results(results: dict) -> None:
    copy, csv_, first, second = (
        results["baseline_copy"],
        results["baseline_export_csv_attacks"],
        results["first_release"],
        results["second_release_unchanged"],
    )
    mb = 1_000_000
    print(f"\nRelease build at scale {results['scale']:g}: {first['stix_objects']:,} STIX objects; rows {first['tables']}")
    print(f"{'what':58} {'seconds':>9} {'MB':>9} {'peak RSS MB':>12} {'× COPY':>8}")
    rows = [
        ("baseline: COPY of the 8 tables to text files", copy["seconds"], copy["bytes"], copy["peak_rss_kb"]),
        ("baseline: manage.py export_csv attacks", csv_["seconds"], csv_["bytes"], csv_["peak_rss_kb"]),
        ("build_release, first (every object a new version)", first["seconds"], first["bytes"], first["peak_rss_kb"]),
        ("build_release, second (nothing changed)", second["seconds"], None, second["peak_rss_kb"]),
    ]
    for label, seconds, size, rss in rows:
        size_text = f"{size / mb:9.1f}" if size is not None else f"{'':9}"
        print(f"{label:58} {seconds:9.1f} {size_text} {rss / 1000:12.0f} {seconds / copy['seconds']:8.1f}")
    print("\nFiles of the first release (MB):")
    for name, size in first["files"].items():
        print(f"  {name:40} {size / mb:10.2f}")
    if serving := results.get("serving"):
        print("\nServing through gunicorn (2 sync workers):")
        for name, value in serving.items():
            print(f"  {name:40} {value if not isinstance(value, float) else round(value, 2)}")


if __name__ == "__main__":
    sys.exit(main())
