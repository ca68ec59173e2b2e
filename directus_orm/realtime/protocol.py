"""Directus's REST websocket messages: building the frames we send, reading the ones we get.

Every frame is a JSON object with a ``type``. Replies are correlated by ``uid`` (Directus answers out
of order); a few errors carry none (validation errors, rate limiting).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pydantic_core import to_json

__all__ = [
    "PONG", "auth_frame", "decode", "encode", "is_error", "socket_url", "subscribe_frame",
    "unsubscribe_frame",
]

PONG = '{"type":"pong"}'


def encode(frame: Mapping[str, Any]) -> str:
    # Filter values are JSON-ready already; to_json also takes dates/decimals a caller may have left.
    return to_json(frame).decode()


def decode(raw: str | bytes) -> dict[str, Any] | None:
    """A frame as a dict, or None when it is not a JSON object (ignored, as Directus ignores ours)."""
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None


def is_error(frame: Mapping[str, Any]) -> bool:
    return frame.get("status") == "error"


def auth_frame(access_token: str) -> str:
    # Always an access token, never the refresh token or the password: the HTTP connection owns those,
    # and a socket login would rotate its refresh token away from it.
    return encode({"type": "auth", "access_token": access_token})


def subscribe_frame(uid: str, collection: str, query: Mapping[str, Any], event: str | None,
                    item: Any = None) -> str:
    frame: dict[str, Any] = {"type": "subscribe", "collection": collection, "uid": uid, "query": query}
    if event is not None:
        frame["event"] = event
    if item is not None:
        frame["item"] = item
    return encode(frame)


def unsubscribe_frame(uid: str) -> str:
    return encode({"type": "unsubscribe", "uid": uid})


def socket_url(base_url: str, path: str, strict_token: str | None = None) -> str:
    """``http(s)://host[/prefix]`` + ``/websocket`` -> ``ws(s)://...``; in ``strict`` mode the token
    travels in the query (the only way that mode accepts)."""
    scheme, rest = base_url.split("://", 1)
    url = f"{'wss' if scheme == 'https' else 'ws'}://{rest.rstrip('/')}/{path.lstrip('/')}"
    if strict_token is not None:
        url += f"?access_token={quote(strict_token, safe='')}"
    return url

