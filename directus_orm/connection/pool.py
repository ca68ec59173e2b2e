"""The HTTP connection pool shared by connections.

An ``httpx.AsyncClient`` (and its sockets) belongs to the event loop it was first used on. A pool keeps
one client per running loop, so the same :class:`ConnectionPool` (and every ``Directus`` connection
sharing it) works from an async app, from the sync face's loop, or from both, without one loop ever
touching another loop's sockets. Clients of loops that have been closed are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import weakref
from http.cookiejar import CookieJar
from typing import Any

import httpx

from ..exceptions import ConnectionClosed
from ..sync import SyncFace

__all__ = ["DEFAULT_TIMEOUT", "ConnectionPool"]

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
CLOSE_WAIT = 5.0
"""Seconds ``aclose()`` waits for another loop to close that loop's client."""


class _NoCookies(CookieJar):
    """A jar that keeps nothing: a pool is shared by many users, so a ``Set-Cookie`` answered to one
    (a session login) must never ride along on another's requests. Session auth sends its cookie
    explicitly."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: Any) -> None:
        return None


class ConnectionPool(SyncFace):
    """Pooled HTTP clients, one per event loop; pass one to several connections to share sockets.

    Keyword arguments (``timeout``, ``limits``, ``event_hooks``, ``transport``, ``verify`` ...) go to
    each ``httpx.AsyncClient``. ``transport`` must then be a factory (a zero-argument callable), because
    a transport instance is bound to one loop too.
    """

    def __init__(
        self,
        *,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        limits: httpx.Limits | None = None,
        **client_kwargs: Any,
    ) -> None:
        self._timeout = timeout
        self._limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._client_kwargs = client_kwargs
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()  # guards the dict; threads may each run a loop
        self._closed = False
        # Built once and shared by the pool's clients: httpx would build one per client (17 ms each,
        # even for http://), i.e. per event loop - per call for code that runs asyncio.run() each time.
        self._ssl_context: ssl.SSLContext | None = None

    def client(self) -> httpx.AsyncClient:
        """The client for the running event loop (created on first use)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._closed:
                raise ConnectionClosed("this ConnectionPool is closed; create a new one")
            client = self._clients.get(loop)
            if client is None or client.is_closed:
                kwargs = dict(self._client_kwargs)
                factory = kwargs.pop("transport", None)
                if factory is not None:
                    kwargs["transport"] = factory()
                elif "verify" not in kwargs and "cert" not in kwargs:
                    if self._ssl_context is None:
                        # httpx's own default (it reads SSL_CERT_FILE / SSL_CERT_DIR unless trust_env=False)
                        self._ssl_context = httpx.create_ssl_context(trust_env=kwargs.get("trust_env", True))
                    kwargs["verify"] = self._ssl_context
                client = httpx.AsyncClient(timeout=self._timeout, limits=self._limits, **kwargs)
                # Not ``cookies=httpx.Cookies(_NoCookies())``: the client copies what it is given into
                # a plain CookieJar, which would keep (and share) every Set-Cookie it sees.
                client.cookies.jar = _NoCookies()
                self._clients[loop] = client
            return client

    async def aclose(self) -> None:
        """Close the running loop's client, and forget the others (they close with their loops)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            self._closed = True
            clients = dict(self._clients)
            self._clients.clear()
        for owner, client in clients.items():
            if owner is loop:
                await client.aclose()
            elif not owner.is_closed() and owner.is_running():
                # Close it on the loop that owns it (another thread's: a thread runs one loop at a
                # time) and wait, bounded, so nothing of ours still runs there once this returns.
                closing = asyncio.run_coroutine_threadsafe(client.aclose(), owner)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.wrap_future(closing), CLOSE_WAIT)

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called: a closed pool refuses new requests."""
        return self._closed

    def __repr__(self) -> str:
        return f"<ConnectionPool loops={len(self._clients)} closed={self._closed}>"
