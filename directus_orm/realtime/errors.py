"""The realtime package's errors. Server refusals arrive as socket frames, not HTTP answers: they are
mapped to the same typed classes as the REST errors (``FORBIDDEN`` -> :class:`Forbidden` ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..exceptions import (
    APIError,
    AuthenticationError,
    DirectusError,
    ImproperlyConfigured,
    InvalidArgument,
    NetworkError,
    error_from_response,
)

__all__ = [
    "ConnectionLost", "RealtimeError", "RealtimeNotInstalled", "RealtimeUnavailable", "SocketAuthFailed",
    "SubscriptionOverflow", "UnsupportedSubscription", "socket_error",
]


class RealtimeError(DirectusError):
    """Base of the failures only the realtime socket has."""


class RealtimeNotInstalled(ImproperlyConfigured):
    """The ``websockets`` package is missing: ``pip install 'directus-orm[realtime]'``."""


class RealtimeUnavailable(RealtimeError):
    """The server does not offer the REST websocket (``WEBSOCKETS_ENABLED`` / ``WEBSOCKETS_REST_ENABLED``
    off, another path, or the upgrade refused)."""


class UnsupportedSubscription(InvalidArgument):
    """The QuerySet cannot be a subscription (a slice, ``values()``, an emulated condition ...);
    raised before anything is sent."""


class SubscriptionOverflow(RealtimeError):
    """The consumer fell behind by more than the subscription's ``max_queue`` events: the events
    already queued were delivered, the later ones were not (nothing is dropped silently)."""


class ConnectionLost(NetworkError):
    """The socket was lost and could not be re-established within the reconnect policy."""


class SocketAuthFailed(AuthenticationError):
    """The socket's authentication was refused (``AUTH_FAILED``) or not answered in time
    (``AUTH_TIMEOUT``)."""


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
