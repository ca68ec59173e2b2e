"""Keeps bench/realtime.py from rotting: a tiny run against the test server (times are not looked at)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.realtime import run
from directus_orm import connections
from tests.conftest import ServerInfo
from tests.support.server import separate_server

pytestmark = [pytest.mark.integration, pytest.mark.live_only]


@pytest.fixture(scope="module")
def directus_server() -> Iterator[ServerInfo]:
    """Its own server: the bench's concurrent writes (and subscriptions) stay off the shared one."""
    yield from separate_server()


@pytest.fixture
def reset_registry() -> Iterator[None]:
    yield
    connections.reset()


def test_the_realtime_bench_runs(directus_server: ServerInfo, reset_registry: None) -> None:
    lines = run(directus_server.url, directus_server.token, events=20, writes=3, rounds=1)
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| measure")]
    assert len(rows) == 1 + 3, lines  # separator, events/s, p50, p99
