"""What closes with a connection besides its HTTP pool.

Layers above the connection (a realtime socket lives in ``directus_orm.realtime``, which imports this
layer, not the reverse) register here what to close when ``connections.aclose_all()`` or
``conn.aclose()`` closes a connection, on whichever event loop it runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .client import Directus

__all__ = ["close_attached", "on_close"]

_hooks: list[Callable[[Directus], Awaitable[None]]] = []


def on_close(hook: Callable[[Directus], Awaitable[None]]) -> None:
    """Run ``await hook(conn)`` whenever ``conn`` is closed (once per hook, whatever the calls)."""
    if hook not in _hooks:
        _hooks.append(hook)


async def close_attached(conn: Directus) -> None:
    """Close what was attached to ``conn`` (each hook bounds its own wait)."""
    for hook in list(_hooks):
        await hook(conn)
