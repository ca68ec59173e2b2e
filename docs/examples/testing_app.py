"""Testing your own app against a real Directus with directus-orm's pytest plugin. Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin). Copies the small project of docs/examples/testing_project (an app with one model,
the conftest.py and the tests docs/testing.md shows) into a temporary directory and runs pytest on it,
pointed at that server, as your CI would. The plugin creates the docs_testing_tickets collection before
each test and drops it after."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).parent / "testing_project"

with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "project"
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("__pycache__"))
    # DIRECTUS_TEST_URL/TOKEN point the plugin at a running server; without them it starts its own.
    env = dict(os.environ, DIRECTUS_TEST_URL=os.environ["DIRECTUS_URL"],
               DIRECTUS_TEST_TOKEN=os.environ["DIRECTUS_TOKEN"], PYTHONPATH=str(root))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                            env=env, capture_output=True, text=True, timeout=300)
    print(result.stdout.strip().splitlines()[-1])
    if result.returncode:
        print(result.stdout, result.stderr)
        raise SystemExit(result.returncode)
