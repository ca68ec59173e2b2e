"""Every script in docs/examples runs against the real server: the docs' examples stay true."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ServerInfo

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # subprocesses: not replayable

EXAMPLES = sorted((Path(__file__).parents[2] / "docs" / "examples").glob("*.py"))
# An example that needs a newer Directus says so in its docstring: "Needs Directus >= 11: <why>."
_NEEDS = re.compile(r"^Needs Directus >= ([0-9.]+): (.+)$", re.MULTILINE)


def _example(script: Path) -> Any:
    needs = _NEEDS.search(script.read_text())
    marks = [pytest.mark.directus(needs[1], reason=needs[2])] if needs else []
    return pytest.param(script, marks=marks, id=script.stem)


def _user_collections(server: ServerInfo) -> set[str]:
    request = urllib.request.Request(f"{server.url}/collections",
                                     headers={"Authorization": f"Bearer {server.token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        rows = json.load(answer)["data"]
    return {row["collection"] for row in rows if not row["collection"].startswith("directus_")}


@pytest.mark.parametrize("script", [_example(script) for script in EXAMPLES])
def test_example_runs(script: Path, directus_server: ServerInfo) -> None:
    env = dict(os.environ, DIRECTUS_URL=directus_server.url, DIRECTUS_TOKEN=directus_server.token)
    env.pop("DIRECTUS_SETTINGS_MODULE", None)
    before = _user_collections(directus_server)
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip(), "an example should show what it did"
    # The server allows 25 collections: an example that leaves its own behind breaks later tests.
    assert _user_collections(directus_server) <= before, "the example must drop what it created"
