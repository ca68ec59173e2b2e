"""A loopback HTTP/1.1 proxy in front of the real Directus that misbehaves on request.

``async with FaultProxy(upstream_url) as proxy:`` listens on 127.0.0.1 (a free port; ``proxy.url``).
Each request is read whole, then the first rule whose ``match`` accepts it decides what happens;
without a rule it is forwarded and the answer passed back. Faults:

* ``drop``     close the connection without answering;
* ``reset``    close it with a TCP reset (RST);
* ``stall``    hold the connection ``seconds`` without answering, then close;
* ``truncate`` forward, pass back the first ``keep`` bytes of the answer, close;
* ``drip``     forward, pass back the answer one byte every ``seconds``;
* ``fake``     answer ``status`` / ``headers`` / ``body`` without asking the server;
* ``lost``     forward (the server acts on it), then close without passing the answer back.

Every wait is bounded (``MAX_WAIT``) and only 127.0.0.1 is ever contacted. ``proxy.seen`` lists
``(method, path, connection_request_number)`` of every request received.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["FaultProxy", "Request", "Rule"]

MAX_WAIT = 30.0  # no fault holds a connection longer than this
READ_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    target: str  # as sent: path and query
    headers: dict[str, str]
    body: bytes
    number: int  # 1 for the first request on its connection, 2 for the next (keep-alive) ...


@dataclass
class Rule:
    fault: str
    match: Callable[[Request], bool]
    times: int | None = 1  # how many requests it applies to (None: all)
    options: dict[str, Any] = field(default_factory=dict)
    hits: int = 0


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the fault proxy only fronts a loopback server")
        self._host = "127.0.0.1"
        self._port = parts.port or 80
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.rules: list[Rule] = []
        self.seen: list[tuple[str, str, int]] = []
        self.url = ""

    # -- rules --------------------------------------------------------------------------------------
    def add(self, fault: str, match: Callable[[Request], bool] | None = None, *, times: int | None = 1,
            **options: Any) -> Rule:
        rule = Rule(fault, match or (lambda r: True), times, options)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def count(self, method: str, path_end: str) -> int:
        return sum(1 for m, p, _ in self.seen if m == method and p.endswith(path_end))

    def _rule_for(self, request: Request) -> Rule | None:
        for rule in self.rules:
            if (rule.times is None or rule.hits < rule.times) and rule.match(request):
                rule.hits += 1
                return rule
        return None

    # -- lifecycle ----------------------------------------------------------------------------------
    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=READ_LIMIT)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):  # EOF for the serving tasks (cancelling them logs noise)
            writer.transport.abort()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=MAX_WAIT)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    # -- serving ------------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            number = 0
            while True:
                request = await _read_request(reader, number + 1)
                if request is None:
                    return
                number += 1
                self.seen.append((request.method, request.path, number))
                if not await self._answer(request, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection is to be closed."""
        rule = self._rule_for(request)
        fault = rule.fault if rule else "pass"
        opts = rule.options if rule else {}
        if fault == "drop":
            return False
        if fault == "reset":
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if fault == "stall":
            with contextlib.suppress(ConnectionError):  # ends early when the proxy closes
                seconds = min(float(opts.get("seconds", MAX_WAIT)), MAX_WAIT)
                await asyncio.wait_for(_until_closed(writer), seconds)
            return False
        if fault == "fake":
            writer.write(_fake(opts.get("status", 200), opts.get("headers", {}), opts.get("body", b"")))
            await writer.drain()
            return True
        answer = await self._forward(request)
        if fault == "lost":
            return False
        if fault == "truncate":
            writer.write(answer[: int(opts.get("keep", 20))])
            await writer.drain()
            return False
        if fault == "drip":
            step = float(opts.get("seconds", 0.25))
            loop = asyncio.get_running_loop()
            ends = loop.time() + MAX_WAIT
            for i in range(len(answer)):
                if loop.time() > ends:
                    return False
                writer.write(answer[i:i + 1])
                await writer.drain()
                await asyncio.sleep(step)
            return True
        writer.write(answer)
        await writer.drain()
        return True

    async def _forward(self, request: Request) -> bytes:
        """Send the request to the server on a fresh connection; its whole answer, kept alive."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self._host, self._port, limit=READ_LIMIT), MAX_WAIT)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("connection", "host")}
            head = [f"{request.method} {request.target} HTTP/1.1", f"Host: {self._host}:{self._port}",
                    "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + request.body)
            await writer.drain()
            raw = await asyncio.wait_for(reader.read(), MAX_WAIT)
        finally:
            writer.close()
        head_end = raw.find(b"\r\n\r\n")
        lines = raw[:head_end].split(b"\r\n")
        kept = [line for line in lines if not line.lower().startswith(b"connection:")]
        return b"\r\n".join([*kept, b"Connection: keep-alive"]) + raw[head_end:]


async def _until_closed(writer: asyncio.StreamWriter) -> None:
    while not writer.transport.is_closing():
        await asyncio.sleep(0.05)


async def _read_request(reader: asyncio.StreamReader, number: int) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip()] = value.strip()
    length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
    body = await reader.readexactly(length) if length else b""
    return Request(method, target.split("?", 1)[0], target, headers, body, number)


def _fake(status: int, headers: dict[str, str], body: bytes) -> bytes:
    head = [f"HTTP/1.1 {status} Fake", f"Content-Length: {len(body)}", "Connection: keep-alive",
            *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
