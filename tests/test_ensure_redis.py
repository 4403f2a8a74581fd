"""scripts/ensure-redis, which CI runs before the tests marked `redis`: with stand-ins for `id`, `sudo`, `apt-get` and
`systemctl`, so nothing is installed or stopped."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ensure-redis"
FAKE_REDIS = '#!/bin/sh\necho "Redis server v=7.0 (stand-in)"\n'


@pytest.fixture
def machine(tmp_path):
    """A machine without redis-server whose `apt-get install redis-server` puts one where REDIS_SERVER says."""
    server, log, bin_dir, package = tmp_path / "redis-server", tmp_path / "commands.log", tmp_path / "bin", tmp_path / "package"
    package.write_text(FAKE_REDIS)
    bin_dir.mkdir()
    stand_ins = {
        "id": 'echo "$FAKE_UID"',
        "sudo": f'echo "sudo $*" >> {log}; [ "$FAKE_SUDO" = passwordless ] || exit 1; shift; exec "$@"',
        "apt-get": f'echo "apt-get $*" >> {log}; case "$*" in *install*) install -m 755 {package} {server};; esac',
        "systemctl": f'echo "systemctl $*" >> {log}',
    }
    for name, body in stand_ins.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)

    def ensure(*, uid: int, sudo: str = "none"):
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "REDIS_SERVER": str(server)}
        env |= {"FAKE_UID": str(uid), "FAKE_SUDO": sudo}
        result = subprocess.run([SCRIPT], env=env, capture_output=True, text=True)
        return result, log.read_text().splitlines() if log.exists() else []

    ensure.server = server
    return ensure


def test_says_nothing_and_installs_nothing_when_redis_server_is_there(machine):
    machine.server.write_text(FAKE_REDIS)
    machine.server.chmod(0o755)
    result, commands = machine(uid=1000)
    assert (result.returncode, result.stdout, result.stderr, commands) == (0, "", "", [])


def test_root_installs_debians_redis_server_and_stops_the_service_it_starts(machine):
    result, commands = machine(uid=0)
    assert result.returncode == 0, result.stderr
    assert commands == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends redis-server",
        "systemctl disable --now redis-server",
    ]
    assert "Redis server v=7.0" in result.stdout


def test_without_root_or_sudo_it_stops_and_says_what_to_install(machine):
    result, commands = machine(uid=1000, sudo="asks for a password")
    assert result.returncode == 1
    assert "no redis-server on this machine" in result.stderr and "apt-get install -y --no-install-recommends redis-server" in result.stderr
    assert not [command for command in commands if "apt-get" in command]
