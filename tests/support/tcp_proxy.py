"""A loopback TCP relay in front of the real Directus, for long-lived connections (websockets).

``fault_proxy.FaultProxy`` reads whole HTTP requests and answers them; a websocket needs the bytes
relayed both ways for as long as it lives. ``async with TcpProxy(upstream_url) as proxy:`` listens on
127.0.0.1 (``proxy.url``) and relays every connection to the upstream port. Faults:

* ``await proxy.drop()``  abort every open connection (both sides), as a network failure would;
* ``proxy.freeze()``      stop relaying (connections stay open, nothing passes: a dead peer);
  ``proxy.thaw()`` relays again (bytes held meanwhile are delivered);
* ``proxy.refuse = True`` abort new connections at once (a server that is down).

Only 127.0.0.1 is contacted; every wait is bounded (``MAX_WAIT``). ``proxy.accepted`` counts the
connections received.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["TcpProxy"]

MAX_WAIT = 60.0
CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the TCP proxy only fronts a loopback server")
        self._port = parts.port or 80
        self._server: asyncio.AbstractServer | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.refuse = False
        self.accepted = 0
        self.url = ""

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        self.thaw()
        await self.drop()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=MAX_WAIT)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    # -- faults -------------------------------------------------------------------------------------
    async def drop(self) -> None:
        for client, upstream in list(self._pairs):
            client.transport.abort()
            upstream.transport.abort()
        self._pairs.clear()
        await asyncio.sleep(0)

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    @property
    def open_connections(self) -> int:
        return len(self._pairs)

    # -- relaying -----------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.refuse:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self._port), MAX_WAIT)
        except (OSError, asyncio.TimeoutError):
            writer.transport.abort()
            return
        pair = (writer, up_writer)
        self._pairs.add(pair)
        pumps = [asyncio.ensure_future(self._pump(reader, up_writer)),
                 asyncio.ensure_future(self._pump(up_reader, writer))]
        for task in pumps:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        self._pairs.discard(pair)
        for w in pair:
            w.transport.abort()
        for task in pumps:
            task.cancel()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    return
                # Frozen: hold the bytes (a dead peer), for at most MAX_WAIT.
                await asyncio.wait_for(self._flowing.wait(), MAX_WAIT)
                writer.write(data)
                await writer.drain()
