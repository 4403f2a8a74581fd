"""What the benchmarks share: the site under gunicorn on loopback with the production settings, and reading its workers.

`serve()` collects the static files (production serves them from a manifest), starts gunicorn on 127.0.0.1 at a
free port, waits for /healthz and stops it again whatever happens in between. The production settings are made
safe for loopback through their own environment variables (`server_environment`): a throwaway SECRET_KEY,
ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=false and an anonymous API rate no run reaches.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def database_url() -> str:
    """DATABASE_URL, or a URL for the embedded server (started if it is not running), its socket folder as the host."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from kb.operations.database import embedded_data_dir, embedded_database_settings

    db = embedded_database_settings(embedded_data_dir(ROOT))
    return f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT']}/{db['NAME']}"


def server_environment(url: str | None = None, **overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kb.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": url or database_url(),
        "SECURE_SSL_REDIRECT": "false",
        # throttles no run reaches: the benchmarks measure the pages, not the limits (bench/throttle.py does)
        "API_ANONYMOUS_RATE": "100000000/minute",
        "API_EXPORT_RATE": "100000000/minute",
        "EXPENSIVE_PAGE_RATE": "100000000/minute",
        **overrides,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_answering(port: int, server: subprocess.Popen, path: str = "/healthz", seconds: float = 60, name: str = "gunicorn") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{name} exited with status {server.returncode} before answering.")
        try:
            status, body = get(port, path, timeout=5)
        except OSError:  # not listening yet
            time.sleep(0.2)
            continue
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body.decode(errors='replace')[:300]}")
        return
    raise RuntimeError(f"{path} did not answer 200 within {seconds:.0f} s.")


def memory_kb(pid: int) -> tuple[int, int]:
    """Resident and peak resident memory (VmRSS, VmHWM) in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return tuple(int(re.search(rf"^{name}:\s+(\d+) kB", status, re.MULTILINE).group(1)) for name in ("VmRSS", "VmHWM"))


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the master's children (none listed on kernels without CONFIG_PROC_CHILDREN)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # graceful shutdown: workers finish their request
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def collect_static(env: dict[str, str], log) -> None:
    print("Collecting static files (production serves them from a manifest)…", flush=True)
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True, timeout=300, stdout=log, stderr=subprocess.STDOUT)


@contextmanager
def serve(env: dict[str, str], *, workers: int, log, timeout: int = 30) -> Iterator[tuple[subprocess.Popen, int]]:
    """gunicorn serving kb.wsgi on loopback with `env`, answering /healthz: yields the master process and the port."""
    collect_static(env, log)
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "kb.wsgi", f"--bind={HOST}:{port}", f"--workers={workers}", f"--timeout={timeout}"]
    server = subprocess.Popen([*gunicorn, "--graceful-timeout=10"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(port, server)
        yield server, port
    finally:
        stop(server)
