"""Filters across to-many relations on a Directus 10 GraphQL endpoint.

Directus 10's GraphQL filter types have no ``_some`` / ``_none``: a condition on a to-many relation's
fields there means "some related row matches" (as ``_some`` does from 11 on). ``_some`` is unwrapped
for it; ``_none`` cannot be said, and raises :class:`~directus_orm.exceptions.UnsupportedByServer`
before sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..connection.client import Directus
from ..connection.serverinfo import server_info
from ..exceptions import UnsupportedByServer

__all__ = ["QUANTIFIERS_FROM", "for_server"]

QUANTIFIERS_FROM = (11, 0, 0)
"""The first version whose GraphQL filter types have ``_some`` / ``_none``."""

_NESTED = ("_and", "_or")


async def for_server(conn: Directus, variables: Mapping[str, Any]) -> Mapping[str, Any]:
    """``variables`` as ``conn``'s server reads them (unchanged from 11 on)."""
    info = await server_info(conn)
    if info.at_least(QUANTIFIERS_FROM) is not False or not _has_quantifier(variables):
        return variables
    found = ".".join(map(str, info.version or ()))
    return {name: _unwrapped(value, found) for name, value in variables.items()}


def _has_quantifier(node: Any) -> bool:
    if isinstance(node, Mapping):
        return any(k in ("_some", "_none") or _has_quantifier(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_quantifier(v) for v in node)
    return False


def _unwrapped(node: Any, found: str) -> Any:
    """A filter with ``{"_some": X}`` read as ``X``; operator values (data) are left as they are."""
    if isinstance(node, list):
        return [_unwrapped(v, found) for v in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "_none":
            raise UnsupportedByServer("a to-many condition with no matching related row (_none) over GraphQL",
                                      ".".join(map(str, QUANTIFIERS_FROM)), found)
        if key == "_some":
            out.update(_unwrapped(value, found))
        elif key.startswith("_") and key not in _NESTED:
            out[key] = value  # an operator: its value is data
        else:
            out[key] = _unwrapped(value, found)
    return out
