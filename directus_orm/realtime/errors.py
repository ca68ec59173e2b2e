"""The realtime package's errors. Server refusals arrive as socket frames, not HTTP answers: they are
mapped to the same typed classes as the REST errors (``FORBIDDEN`` -> :class:`Forbidden` ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..exceptions import (
    APIError,
    ConnectionLost,
    RealtimeError,
    RealtimeNotInstalled,
    RealtimeUnavailable,
    SocketAuthFailed,
    SocketTokenExpired,
    SubscriptionOverflow,
    UnsupportedSubscription,
    error_from_response,
)

__all__ = [
    "ConnectionLost", "RealtimeError", "RealtimeNotInstalled", "RealtimeUnavailable", "SocketAuthFailed",
    "SocketTokenExpired", "SubscriptionOverflow", "UnsupportedSubscription", "socket_error",
]


_SOCKET_CODES: dict[str, type[APIError]] = {"AUTH_FAILED": SocketAuthFailed, "AUTH_TIMEOUT": SocketAuthFailed}


def socket_error(frame: Mapping[str, Any]) -> APIError:
    """The typed error for a ``{"status": "error", "error": {"code", "message"}}`` frame.

    ``status`` is 0 (no HTTP answer); ``method`` is the frame's type (``subscribe``, ``auth`` ...) and
    ``path`` ``"websocket"``."""
    error = frame.get("error")
    error = error if isinstance(error, Mapping) else {}
    code = error.get("code") if isinstance(error.get("code"), str) else None
    message = str(error.get("message") or "websocket error")
    kind = str(frame.get("type") or "server")
    cls = _SOCKET_CODES.get(code or "")
    if cls is not None:
        return cls(message, status=0, code=code, extensions={"code": code}, method=kind, path="websocket")
    body = {"errors": [{"message": message, "extensions": {"code": code} if code else {}}]}
    return error_from_response(0, body, method=kind, path="websocket")
