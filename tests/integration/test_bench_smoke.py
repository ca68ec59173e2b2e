"""Keeps the benchmark harness (bench/) from rotting: every case at a tiny size against the test server.

Nothing here looks at times: ratios are only meaningful from ``python3 -m devtools bench`` at full size.
py-directus is not installed in .venv, so its column is simply empty here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.__main__ import CASES, run
from bench.seed import drop_collections
from bench.suite import CLIENT_SIDE_CASES, QUICK
from directus_orm import connections
from tests.conftest import ServerInfo
from tests.support.server import separate_server

pytestmark = [pytest.mark.integration, pytest.mark.live_only]


@pytest.fixture(scope="module")
def directus_server() -> Iterator[ServerInfo]:
    """Its own server: the bench's concurrent writes (and subscriptions) stay off the shared one."""
    yield from separate_server()


@pytest.fixture
def reset_registry(directus_server: ServerInfo) -> Iterator[None]:
    yield
    connections.reset()  # the bench configures the registry itself
    asyncio.run(drop_collections(directus_server.url, directus_server.token))  # 25 collections at most


def test_every_case_runs_and_raw_httpx_sends_the_orm_requests(
    directus_server: ServerInfo, reset_registry: None
) -> None:
    report = "\n".join(run(directus_server.url, directus_server.token, QUICK, list(CASES), seed_rows=True))
    lines = report.splitlines()
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| case")]
    # Each table: a separator row and one row per case (the client-side one: pk, rows, bulk).
    # graphql_batch reports two rows (its sequential and concurrent comparisons, from one run).
    assert len(rows) == 1 + len(CASES) + 1 + 1 + len(CLIENT_SIDE_CASES), report
    assert sum(line.startswith("| case (no server)") for line in lines) == 1, report
    parity = [line for line in lines if line.startswith("- ") and "requests" in line]
    assert len(parity) == 7, report
    # Fairness: raw httpx must send exactly what the ORM sends (bench/raw_side.py follows the ORM).
    assert all("identical requests" in line for line in parity), report


def test_the_files_bench_runs(directus_server: ServerInfo, tmp_path: Path) -> None:
    from bench.files import run as run_files

    lines = run_files(directus_server.url, directus_server.token, 1024 * 1024, 1, tmp_path)
    rows = [line for line in lines if line.startswith("| upload") or line.startswith("| download")]
    assert len(rows) == 4, "\n".join(lines)
