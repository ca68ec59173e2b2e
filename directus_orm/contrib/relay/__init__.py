"""A websocket relay: realtime for browsers without exposing Directus (see docs/relay.md).

``Relay(RelayConfig(url=..., collections={"articles": ["id", "title"]})).app`` is an ASGI app;
``directus-orm relay --host --port`` serves one. Needs the ``relay`` extra (starlette, uvicorn,
websockets).
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
    import websockets  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "directus_orm.contrib.relay needs starlette, uvicorn and websockets: "
        "pip install 'directus-orm[relay]'"
    ) from exc

from ...exceptions import AuthenticationError, Forbidden
from .answers import CLOSE_TRY_AGAIN
from .app import Relay
from .client import (
    CLOSE_GOING_AWAY,
    CLOSE_SLOW_CONSUMER,
    CLOSE_TOKEN_EXPIRED,
    CLOSE_TOO_LARGE,
    CLOSE_UNAUTHENTICATED,
)
from .config import Authenticate, Identity, RelayConfig
from .metrics import Metrics
from .rules import Refused

__all__ = [
    "CLOSE_GOING_AWAY", "CLOSE_SLOW_CONSUMER", "CLOSE_TOKEN_EXPIRED", "CLOSE_TOO_LARGE", "CLOSE_TRY_AGAIN",
    "CLOSE_UNAUTHENTICATED", "Authenticate", "AuthenticationError", "Forbidden", "Identity", "Metrics",
    "Refused", "Relay", "RelayConfig",
]
