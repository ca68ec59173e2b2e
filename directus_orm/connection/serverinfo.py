"""What a server says about itself (``GET /server/info``), read once per connection and shared by
everything that adapts to it: the Directus version and ``queryLimit``.

The version is visible to a logged-in caller (``data.version`` on 11 and 12, ``data.directus.version``
for admins on 10); where the caller may not see it, ``version`` is None and features that need a
newer Directus are tried as they are (the server then answers for itself).
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import APIError, AuthenticationError, UnsupportedByServer
from .client import Directus

__all__ = ["ServerInfo", "Version", "known_server_info", "parse_version", "require_version", "server_info"]

Version = tuple[int, int, int]
"""``(major, minor, patch)``"""

_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)\.(\d+)")


def parse_version(text: object) -> Version | None:
    """``"12.4.0"`` -> ``(12, 4, 0)``; None for anything that is not a version string."""
    found = _VERSION.match(text) if isinstance(text, str) else None
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


@dataclass(frozen=True)
class ServerInfo:
    """The parts of ``/server/info`` the library reads; ``data`` is the whole answer."""

    version: Version | None = None
    query_limit_max: int | None = None
    """``queryLimit.max``: -1 (unlimited), a number, or None when the caller may not see it."""
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: object) -> ServerInfo:
        if not isinstance(data, dict):
            return cls()
        directus = data.get("directus")
        version = parse_version(data.get("version")) or parse_version(
            directus.get("version") if isinstance(directus, dict) else None
        )
        limit = data.get("queryLimit")
        value = limit.get("max") if isinstance(limit, dict) else None
        if isinstance(value, bool) or not isinstance(value, int):
            value = None
        elif value < 0:
            value = -1
        return cls(version=version, query_limit_max=value or None, data=data)

    def at_least(self, minimum: Version) -> bool | None:
        """Whether the server is ``minimum`` or newer; None when its version is not visible."""
        return None if self.version is None else self.version >= minimum


_known: weakref.WeakKeyDictionary[Directus, ServerInfo] = weakref.WeakKeyDictionary()
_pending: weakref.WeakKeyDictionary[Directus, asyncio.Future[ServerInfo]] = weakref.WeakKeyDictionary()


def known_server_info(conn: Directus) -> ServerInfo | None:
    """What :func:`server_info` has read for ``conn`` so far (no request); None before it did."""
    return _known.get(conn)


async def server_info(conn: Directus) -> ServerInfo:
    """``/server/info`` for ``conn``, read once (concurrent callers share the one request).

    An authentication failure is raised and nothing is remembered; any other refusal gives an empty
    ``ServerInfo`` (not ours to read: adapt nothing)."""
    try:
        return _known[conn]
    except KeyError:
        pass
    pending = _pending.get(conn)
    if pending is not None and pending.get_loop() is asyncio.get_running_loop():
        return await asyncio.shield(pending)
    future: asyncio.Future[ServerInfo] = asyncio.get_running_loop().create_future()
    _pending[conn] = future
    try:
        try:
            body = await conn.get("/server/info")
        except AuthenticationError:
            raise
        except APIError:
            info = ServerInfo()
        else:
            info = ServerInfo.from_data((body or {}).get("data") if isinstance(body, dict) else None)
        _known[conn] = info
        future.set_result(info)
        return info
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: a failure with no other waiter is not "never retrieved"
        raise
    finally:
        if _pending.get(conn) is future:
            del _pending[conn]


async def require_version(conn: Directus, minimum: str, feature: str) -> ServerInfo:
    """Raise ``UnsupportedByServer`` before any other request when the server is older than
    ``minimum`` (``"11.0.0"``); a server whose version is not visible is let through."""
    info = await server_info(conn)
    needed = parse_version(minimum)
    assert needed is not None, minimum
    if info.at_least(needed) is False:
        assert info.version is not None
        raise UnsupportedByServer(feature, minimum, ".".join(map(str, info.version)))
    return info
