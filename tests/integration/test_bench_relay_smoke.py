"""Keeps bench/relay.py from rotting: a tiny run against the test server (times are not looked at). It
also runs ``directus-orm relay`` as a process, and stops it with SIGTERM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.relay import run
from tests.conftest import ServerInfo
from tests.support.server import separate_server

pytestmark = [pytest.mark.integration, pytest.mark.live_only]


@pytest.fixture(scope="module")
def directus_server() -> Iterator[ServerInfo]:
    """Its own server: the bench's concurrent writes (and subscriptions) stay off the shared one."""
    yield from separate_server()


def test_the_relay_bench_runs(directus_server: ServerInfo) -> None:
    lines = run(directus_server.url, directus_server.token, clients=6, writes=4, direct_writes=3, rate=20,
                max_queue=100)
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| path")]
    assert len(rows) == 1 + 2, lines  # separator, through the relay, straight to Directus
    assert "| 6/6 | 0 |" in rows[1] and "| 6/6 | 0 |" in rows[2], lines  # every client got every write
    assert '"upstream_sockets": 2' in "\n".join(lines)  # one per identity
