"""Speed of `manage.py import_gtd` on a GTD-scale file: a fresh import, then the same file again, without and with
`--create-unknown-groups`, against a plain COPY.

    .venv/bin/python bench/gtd_import.py [--rows 250000] [--seed 7] [--file GTD.csv] [--batch-size N] [--unmatched-names 2000]

Runs on its own embedded PostgreSQL server (`--data-dir`, default .data/gtd-bench), never on DATABASE_URL's
database or the development one: its database is dropped and made anew each run, migrated, and given the demo
data's groups. The file is `bench/gtd_csv.py`'s (the demo groups' names, `--unmatched-names` distinct names that
match no group, a few bad rows) unless `--file` names one. `manage.py import_gtd` then runs twice as its own
process, as a person runs it: every row new, then every row unchanged; then the database is made anew and the same
file is imported twice again with `--create-unknown-groups`, which saves a draft group for every name that matches
none. Each run prints its rows/s (the command's own figure and the wall time with
Django's start-up) and its ratio to a COPY of the same file into a temporary table of text columns, the floor
for getting these bytes into PostgreSQL at all, timed in the same run; and the CPU seconds the command and
the server spent, which other work on the machine does not change as it changes the wall time. Before each run the
database is vacuumed, analyzed and checkpointed (untimed), so that no run pays for the one before.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gtd_csv import database_group_names, setup_django, write_gtd_csv  # noqa: E402
from kb.operations.database import EMBEDDED_DATABASE_NAME, embedded_server  # noqa: E402

USER = "importer"  # the account load_demo_data creates


def manage(env: dict[str, str], *args: str) -> tuple[str, float, float]:
    """The command's output, wall seconds, and the CPU seconds of its process."""
    began, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout, seconds, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu(data_dir: Path) -> float:
    """CPU seconds of the server's finished processes (the backends that served finished connections), from /proc."""
    pid = (data_dir / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime


def settle(data_dir: Path) -> None:
    """Vacuum, analyze and checkpoint the database before a timed run, so that the autovacuum and the writing out of
    what the run before wrote (some ten rows for each GTD row) are not charged to this one, as they were to the
    unchanged re-import that follows a fresh import within seconds."""
    import psycopg
    from psycopg import conninfo

    uri = conninfo.make_conninfo(embedded_server(data_dir).get_uri(), dbname=EMBEDDED_DATABASE_NAME)
    with psycopg.connect(uri, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
        connection.execute("CHECKPOINT")
    # The server adds a finished backend's CPU seconds to its own once it has reaped it: wait for that.
    before, now = -1.0, server_cpu(data_dir)
    while now != before:
        time.sleep(0.5)
        before, now = now, server_cpu(data_dir)


def fresh_database(data_dir: Path) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(embedded_server(data_dir).get_uri(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(EMBEDDED_DATABASE_NAME)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(EMBEDDED_DATABASE_NAME)))


def demo_database(data_dir: Path) -> dict[str, str]:
    """A database of its own on the embedded server in `data_dir`, made anew, migrated and holding the demo data; this
    process set up to use it. Returns the environment for commands run against it."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["EMBEDDED_POSTGRES_DIR"] = os.environ["EMBEDDED_POSTGRES_DIR"] = str(data_dir.resolve())
    os.environ.pop("DATABASE_URL", None)
    fresh_database(data_dir)
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo_data")
    setup_django()
    return env


def copy_seconds(path: Path) -> float:
    """A COPY of the whole file into a temporary table with one text column per CSV column."""
    from django.db import connection
    from psycopg import sql

    with path.open(encoding="utf-8", newline="") as file:
        header = next(csv.reader(file))
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(name)) for name in header)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE TEMP TABLE gtd_copy ({})").format(columns).as_string(cursor.connection))
        began = time.perf_counter()
        with cursor.connection.cursor().copy("COPY gtd_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, path.open("rb") as file:
            while chunk := file.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - began
        cursor.execute("DROP TABLE gtd_copy")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=250_000, help="Rows of the generated file (default 250,000).")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the generated file (default 7).")
    parser.add_argument("--file", type=Path, help="Import this GTD CSV instead of a generated one.")
    parser.add_argument("--batch-size", type=int, help="import_gtd's --batch-size (default: the command's).")
    parser.add_argument(
        "--unmatched-names", type=int, default=2000, help="Distinct names in the generated file that match no group (default 2,000)."
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "gtd-bench", help="The embedded server's data directory.")
    options = parser.parse_args()

    env = demo_database(options.data_dir)

    with tempfile.TemporaryDirectory() as scratch:
        path = options.file
        if path is None:
            path = Path(scratch) / "gtd.csv"
            write_gtd_csv(
                path, rows=options.rows, seed=options.seed, group_names=database_group_names(), unmatched_names=options.unmatched_names
            )
        copy = copy_seconds(path)
        from django.db import connection

        connection.close()  # the imports run alone
        command = ["import_gtd", str(path), "--user", USER, "--reason", "Benchmark", "--no-progress"]
        if options.batch_size:
            command += ["--batch-size", str(options.batch_size)]
        runs = []
        for create in (False, True):
            if create:
                demo_database(options.data_dir)
                connection.close()
            for label in ("fresh import (all new)", "re-import (all unchanged)"):
                settle(options.data_dir)
                server = server_cpu(options.data_dir)
                output, wall, cpu = manage(env, *command, *(["--create-unknown-groups"] if create else []))
                found = re.search(r"Rows read: ([\d,]+) in ([\d.]+) s", output)
                rows, seconds = int(found[1].replace(",", "")), float(found[2])
                label = f"{label} with --create-unknown-groups" if create else label
                runs.append((label, rows, seconds, wall, cpu, server_cpu(options.data_dir) - server, output))

    print(f"COPY of the file into a text table: {rows:,} rows in {copy:.2f} s ({rows / copy:,.0f} rows/s)")
    for label, rows, seconds, wall, cpu, server, output in runs:
        print(
            f"{label}: {rows:,} rows in {seconds:.1f} s, {rows / seconds:,.0f} rows/s "
            f"(wall {wall:.1f} s with start-up, {rows / wall:,.0f} rows/s); {seconds / copy:.1f}x the COPY"
        )
        print(f"    CPU: {cpu:.1f} s in the command's process, {server:.1f} s in PostgreSQL's")
        summary = ("Attacks", "Attributions", "GTD records", "Row errors", "Draft groups", "Perpetrators")
        print("    " + " | ".join(line[:160] for line in output.splitlines() if line.startswith(summary)))
    without, with_create = runs[0][1] / runs[0][2], runs[2][1] / runs[2][2]
    print(f"Fresh import with --create-unknown-groups: {with_create / without:.2f}x the rows/s without it.")


if __name__ == "__main__":
    main()
