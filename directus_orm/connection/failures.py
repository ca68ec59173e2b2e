"""Transport failures as typed errors, chained to the httpx error that caused them.

``NetworkError.__cause__`` is the httpx exception (and its own chain: httpcore's, the socket's), so a
traceback shows what really failed. Those messages are ours to show only when they cannot quote a
secret: httpx, httpcore and h11 quote a refused header value in a ``LocalProtocolError``
(``Illegal header value b'Bearer <token>'``), so such messages, and any message in the chain that
contains a credential header's or query parameter's value, are replaced by :data:`WITHHELD` before the
exception is chained. The httpx exception keeps its ``request`` attribute (with its headers): it is
never part of a message or a repr.
"""

from __future__ import annotations

import re

import httpx

from ..exceptions import NetworkError
from .auth import DirectusAuth

__all__ = ["WITHHELD", "failed_request", "network_error", "noted", "withhold_secrets"]

WITHHELD = "(message withheld: it may quote a header or URL value)"

_SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie")
"""Headers whose values are credentials (the values of every query parameter count too: the URL may hold
``access_token``)."""
_MIN_SECRET = 6
"""Shorter pieces of a value are not looked for (they would match ordinary words and numbers)."""


def failed_request(exc: httpx.RequestError, default: httpx.Request) -> httpx.Request:
    """The request that failed: the one sent, or a login/refresh an auth flow sent for it."""
    try:
        return exc.request
    except RuntimeError:  # httpx raises this when the exception carries no request
        return default


def _secrets(requests: tuple[httpx.Request, ...]) -> set[str]:
    values: list[str] = []
    for request in requests:
        values += [value for name, value in request.headers.items() if name.lower() in _SECRET_HEADERS]
        values += [value for _, value in request.url.params.multi_items()]
        if request.url.password:
            values.append(request.url.password)
    found: set[str] = set()
    for value in values:
        # "Bearer <token>", "a=<x>; b=<y>": each piece separately too (a message may quote one)
        found.update(p for p in [value, *re.split(r"[\s;,=]+", value)] if len(p) >= _MIN_SECRET)
    return found


def _may_quote(error: BaseException, secrets: set[str]) -> bool:
    if type(error).__name__ == "LocalProtocolError":  # h11's, httpcore's and httpx's: quotes our values
        return True
    text = f"{error}\n{error!r}"
    return any(s in text or repr(s)[1:-1] in text for s in secrets)


def withhold_secrets(exc: BaseException, *requests: httpx.Request) -> BaseException:
    """``exc``, with the message of each exception in its chain (``__cause__`` / ``__context__``)
    that may quote a credential of ``requests`` replaced by :data:`WITHHELD`."""
    secrets = _secrets(requests)
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if _may_quote(error, secrets):
            error.args = (WITHHELD,)
        pending += [e for e in (error.__cause__, error.__context__) if e is not None]
    return exc


def network_error(exc: httpx.RequestError, request: httpx.Request) -> NetworkError:
    """The :class:`NetworkError` for a transport failure, to raise ``from exc``: ``exc``'s chain is
    passed through :func:`withhold_secrets` first, and its message quoted."""
    failed = failed_request(exc, request)
    withhold_secrets(exc, request, failed)
    return NetworkError(f"network error: {type(exc).__name__}: {exc}", method=failed.method,
                        path=failed.url.path)


def noted(error: NetworkError, grant: bool, auth: httpx.Auth | None) -> NetworkError:
    """``error``; when a login/refresh request failed, its auth learns it first (for its waiters)."""
    if grant and isinstance(auth, DirectusAuth):
        auth.grant_failed(error)
    return error
