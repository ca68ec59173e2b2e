"""Testing your own app against a real Directus with directus-orm's pytest plugin. Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin); writes a tiny project (a model and its tests) into a temporary directory and runs
pytest on it, pointed at that server, as your CI would. The collections it creates are dropped after each
test."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

MODELS = '''
from directus_orm import DirectusModel


class Ticket(DirectusModel):
    id: int | None = None
    title: str
    open: bool = True

    class Meta:
        collection = "docs_testing_tickets"
'''

CONFTEST = '''
pytest_plugins = ["directus_orm.testing.plugin"]
'''

TESTS = '''
import pytest

from models import Ticket


@pytest.mark.directus_models([Ticket])          # created before the test, dropped after it
async def test_close_a_ticket(directus):
    ticket = await Ticket.objects.create(title="Printer on fire")
    ticket.open = False
    await ticket.save()
    assert await Ticket.objects.filter(open=True).count() == 0


@pytest.mark.directus_models([Ticket])
def test_sync_code_too(directus):
    Ticket.objects.sync.create(title="Coffee machine")
    assert Ticket.objects.filter(open=True).sync.count() == 1
'''

with tempfile.TemporaryDirectory() as project:
    root = Path(project)
    (root / "models.py").write_text(MODELS)
    (root / "conftest.py").write_text(CONFTEST)
    (root / "test_tickets.py").write_text(TESTS)
    (root / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n"
                                     "asyncio_default_fixture_loop_scope = function\n")
    # DIRECTUS_TEST_URL/TOKEN point the plugin at a running server; without them it starts its own.
    env = dict(os.environ, DIRECTUS_TEST_URL=os.environ["DIRECTUS_URL"],
               DIRECTUS_TEST_TOKEN=os.environ["DIRECTUS_TOKEN"], PYTHONPATH=project)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                            env=env, capture_output=True, text=True, timeout=300)
    print(result.stdout.strip().splitlines()[-1])
    if result.returncode:
        print(result.stdout, result.stderr)
        raise SystemExit(result.returncode)
