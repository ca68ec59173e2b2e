"""The built wheel, installed into fresh virtualenvs (no source tree on the path), works against the local
Directus: plain, and with each extra (``fastapi``, ``realtime``, ``relay``); a missing extra says which
one to install."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import pytest

from devtools.package import build, check_wheel
from tests.conftest import ServerInfo

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # subprocesses: not replayable

SMOKE = Path(__file__).parent / "package_smoke.py"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built, _ = build(tmp_path_factory.mktemp("dist"), sdist=False)
    check_wheel(built)
    return built


def _fresh_venv(where: Path, requirement: str) -> Path:
    venv.EnvBuilder(with_pip=True).create(where)
    python = where / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement],
                   check=True, timeout=600)
    return python


@pytest.mark.parametrize("extra", ["", "fastapi", "realtime", "relay"],
                         ids=["plain", "fastapi", "realtime", "relay"])
def test_wheel_installs_and_runs(extra: str, wheel: Path, tmp_path: Path,
                                 directus_server: ServerInfo) -> None:
    python = _fresh_venv(tmp_path / "venv", f"{wheel}[{extra}]" if extra else str(wheel))
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""),
           "DIRECTUS_URL": directus_server.url, "DIRECTUS_TOKEN": directus_server.token,
           "SMOKE_EXTRA": extra}
    # Run from an empty directory: the repository's directus_orm must not be importable.
    result = subprocess.run([str(python), str(SMOKE)], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke ok" in result.stdout
    installed = subprocess.run([str(python), "-c", "import directus_orm; print(directus_orm.__file__)"],
                               cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(tmp_path / "venv") in installed
    console = subprocess.run([str(tmp_path / "venv" / "bin" / "directus-orm"), "--help"],
                             capture_output=True, text=True, timeout=60)
    assert console.returncode == 0 and "inspect" in console.stdout, console.stdout + console.stderr
