"""scripts/ensure-chromium, which `make test` runs before the browser tests: with stand-ins for
`id`, `sudo` and `apt-get`, so nothing is installed."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ensure-chromium"
FAKE_CHROMIUM = '#!/bin/sh\necho "Chromium 1.0 (stand-in)"\n'


class Machine:
    """A machine without Chromium whose `apt-get install chromium` puts one where CHROMIUM says."""

    def __init__(self, root: Path):
        self.chromium, self.log, self.bin = root / "chromium", root / "commands.log", root / "bin"
        package = root / "package-chromium"
        package.write_text(FAKE_CHROMIUM)
        self.bin.mkdir()
        stand_ins = {
            "id": 'echo "$FAKE_UID"',
            "sudo": f'echo "sudo $*" >> {self.log}; [ "$FAKE_SUDO" = passwordless ] || exit 1; shift; exec "$@"',
            "apt-get": f'echo "apt-get $*" >> {self.log}; case "$*" in *install*) install -m 755 {package} {self.chromium};; esac',
        }
        for name, body in stand_ins.items():
            (self.bin / name).write_text(f"#!/bin/sh\n{body}\n")
            (self.bin / name).chmod(0o755)

    def ensure_chromium(self, *, uid: int, sudo: str = "none") -> tuple[subprocess.CompletedProcess, list[str]]:
        env = {**os.environ, "PATH": f"{self.bin}:{os.environ['PATH']}", "CHROMIUM": str(self.chromium)}
        env |= {"FAKE_UID": str(uid), "FAKE_SUDO": sudo}
        result = subprocess.run([SCRIPT], env=env, capture_output=True, text=True)
        return result, self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def machine(tmp_path):
    return Machine(tmp_path)


def test_says_nothing_and_installs_nothing_when_chromium_is_there(machine):
    machine.chromium.write_text(FAKE_CHROMIUM)
    machine.chromium.chmod(0o755)
    result, commands = machine.ensure_chromium(uid=1000)
    assert (result.returncode, result.stdout, result.stderr, commands) == (0, "", "", [])


def test_root_installs_debians_chromium_without_recommends(machine):
    result, commands = machine.ensure_chromium(uid=0)
    assert result.returncode == 0, result.stderr
    assert commands == ["apt-get update -qq", "apt-get install -y -qq --no-install-recommends chromium"]
    assert "Chromium 1.0" in result.stdout


def test_others_install_through_passwordless_sudo(machine):
    result, commands = machine.ensure_chromium(uid=1000, sudo="passwordless")
    assert result.returncode == 0, result.stderr
    assert "sudo -n apt-get install -y -qq --no-install-recommends chromium" in commands


def test_without_root_or_sudo_it_stops_and_says_what_to_install(machine):
    result, commands = machine.ensure_chromium(uid=1000, sudo="asks for a password")
    assert result.returncode == 1
    assert f"there is none at {machine.chromium}" in result.stderr
    assert "apt-get install -y --no-install-recommends chromium" in result.stderr
    assert not [command for command in commands if "apt-get" in command]
