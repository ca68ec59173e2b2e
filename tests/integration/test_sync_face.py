"""The sync face: derived from the async API, loop- and thread-safe, sockets bounded."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from directus_orm import Directus
from directus_orm.sync import SyncUsageError, run
from tests.conftest import ServerInfo

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # counts sockets and threads


def open_sockets_to(port: int, *, besides: frozenset[str] = frozenset()) -> int:
    """ESTABLISHED TCP sockets of this process whose remote port is ``port`` (Linux /proc), not
    counting the inodes in ``besides`` (sockets other tests' connections already held)."""
    return len(socket_inodes_to(port) - besides)


def socket_inodes_to(port: int) -> frozenset[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found: set[str] = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            remote_port = int(cols[2].split(":")[1], 16)
            if remote_port == port and cols[3] == "01" and cols[9] in inodes:
                found.add(cols[9])
    return frozenset(found)


@pytest.fixture
def sync_conn(directus_server: ServerInfo) -> Iterator[Directus]:
    conn = Directus(directus_server.url, token=directus_server.token)
    yield conn
    run(conn.aclose())


def test_sync_calls_from_plain_code(sync_conn: Directus) -> None:
    assert sync_conn.sync.me()["email"]
    assert sync_conn.sync.ping() is True


def test_1000_sequential_sync_calls_keep_sockets_bounded(sync_conn: Directus,
                                                         directus_server: ServerInfo) -> None:
    port = urlparse(directus_server.url).port
    assert port is not None
    before = socket_inodes_to(port)
    peak = 0
    for i in range(1000):
        sync_conn.sync.send("GET", "/server/ping")
        if i % 50 == 0:
            peak = max(peak, open_sockets_to(port, besides=before))
    # One loop, one pool: sequential calls reuse one keep-alive connection.
    assert 1 <= peak <= 2, peak
    assert open_sockets_to(port, besides=before) <= 2


def test_eight_threads_hundred_queries_each(sync_conn: Directus, directus_server: ServerInfo) -> None:
    before = socket_inodes_to(urlparse(directus_server.url).port or 0)
    errors: list[BaseException] = []
    results: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(100):
                body = sync_conn.sync.get("/users/me", params={"fields": "id"})
                with lock:
                    results.append(len(body["data"]["id"]))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert len(results) == 800
    port = urlparse(directus_server.url).port
    assert port is not None
    assert open_sockets_to(port) <= 100 + len(before)  # the pool's limit, whatever the threads did


async def test_sync_form_inside_running_loop_names_the_async_form(sync_conn: Directus) -> None:
    with pytest.raises(SyncUsageError, match=r"await Directus\.me\(") as info:
        sync_conn.sync.me()
    assert "running event loop" in str(info.value)


def test_same_connection_used_from_async_and_sync(directus_server: ServerInfo) -> None:
    """One pool serves two loops (asyncio.run here, the sync portal) without crossing sockets."""
    conn = Directus(directus_server.url, token=directus_server.token)

    async def twice() -> list[str]:
        return [(await conn.me())["email"], (await conn.me())["email"]]

    first = asyncio.run(twice())
    second = conn.sync.me()["email"]
    third = asyncio.run(twice())  # a new loop again: the old loop's client is not reused
    assert first == third == [second, second]
    run(conn.aclose())
