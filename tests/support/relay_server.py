"""Serve a relay's ASGI app with uvicorn on 127.0.0.1 (a free port) inside the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn

__all__ = ["serve_app"]

MAX_WAIT = 30.0


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the test runner keeps its own signal handlers
        yield


@contextlib.asynccontextmanager
async def serve_app(app: Any, server_class: type[uvicorn.Server] | None = None,
                    **server_args: Any) -> AsyncIterator[str]:
    """``async with serve_app(relay.app) as url`` (``ws://127.0.0.1:PORT``); stops the server (running
    the app's lifespan shutdown) at the end. ``server_class(config, **server_args)`` serves it instead
    of a plain uvicorn server when given (the test runner's signal handlers are kept either way)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws_ping_interval=None)
    if server_class is None:
        server: uvicorn.Server = _Server(config)
    else:
        server = type("Server", (_Server, server_class), {})(config, **server_args)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(int(MAX_WAIT / 0.05)):
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        if not server.started:
            raise RuntimeError("the relay did not start")
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, MAX_WAIT)
        sock.close()
