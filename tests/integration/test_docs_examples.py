"""Every script in docs/examples runs against the real server: the docs' examples stay true."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ServerInfo

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # subprocesses: not replayable

EXAMPLES = sorted((Path(__file__).parents[2] / "docs" / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script: Path, directus_server: ServerInfo) -> None:
    env = dict(os.environ, DIRECTUS_URL=directus_server.url, DIRECTUS_TOKEN=directus_server.token)
    env.pop("DIRECTUS_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip(), "an example should show what it did"
