"""Keep secrets out of the HTTP stack's own logs.

httpcore's DEBUG records print response headers as they came (``Set-Cookie: directus_session_token=
...`` after a session login or refresh), and may print request headers. A filter on each logger of the
stack rewrites such records before any handler sees them: the values of ``Cookie``, ``Set-Cookie``
and ``Authorization`` headers and of token fields become ``***``.

A filter on a logger applies only to records logged on that very logger (not to its children), so
it is attached to every logger those libraries log on.
"""

from __future__ import annotations

import logging
import re

__all__ = ["DEPENDENCY_LOGGERS", "RedactSecrets", "install"]

DEPENDENCY_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "h11",
    "h2",
    "hpack",
    "hpack.hpack",
    "hpack.table",
    # the realtime extra's websocket client (its handshake lines carry the URL: strict mode's token)
    "websockets",
    "websockets.client",
    "websockets.protocol",
    # the relay and FastAPI apps' server (access lines carry query strings)
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
)

_SECRET_HEADER = r"(?:set-cookie|cookie|authorization|proxy-authorization)"
_PATTERNS = (
    # (b'Set-Cookie', b'directus_session_token=...; Path=/') / ('authorization', 'Bearer ...')
    re.compile(rf"""(\(b?['"]{_SECRET_HEADER}['"],\s*b?)(['"])(.*?)\2""", re.IGNORECASE),
    # Set-Cookie: directus_session_token=...   Authorization: Bearer ...
    re.compile(rf"""(\b{_SECRET_HEADER}:\s*)()([^\r\n'"]+)""", re.IGNORECASE),
    # "access_token":"..."  access_token=...  (JSON bodies, query strings)
    re.compile(r"""((?:access_token|refresh_token|session_token|password)["']?\s*[:=]\s*["']?)()"""
               r"""([^"'&\s,;)]+)""", re.IGNORECASE),
)


def redact(text: str) -> str:
    """``text`` with secret header and token values replaced by ``***``."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}***{m.group(2)}", text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message carries a secret (and lets every record through)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not format: leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_FILTER = RedactSecrets()


def install() -> None:
    """Attach the filter to the HTTP stack's loggers (idempotent)."""
    for name in DEPENDENCY_LOGGERS:
        log = logging.getLogger(name)
        if _FILTER not in log.filters:
            log.addFilter(_FILTER)
