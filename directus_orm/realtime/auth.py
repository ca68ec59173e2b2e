"""Which access token the socket authenticates with: the connection's own credentials.

The HTTP connection stays the owner of logins and refreshes (single-flight, rotation of the refresh
token); the socket only ever sends the current access token (a static token, a JWT or a session
token, which Directus accepts as one), asking the connection to refresh it when it would expire soon.
"""

from __future__ import annotations

import time

from ..connection.auth import PasswordAuth, SessionAuth, StaticToken, TokenAuth
from ..connection.auth import _jwt_expiry as jwt_expiry
from ..connection.client import Directus
from ..exceptions import SocketTokenExpired
from .errors import RealtimeError

__all__ = ["can_renew", "cannot_renew", "socket_token"]


async def socket_token(conn: Directus, *, valid_for: float = 0.0, replace: str | None = None) -> str | None:
    """The access token to send, valid for at least ``valid_for`` seconds when it can be refreshed;
    a new one when the current one is ``replace`` (the server said it expired). None: the public
    role."""
    auth = conn.auth
    if auth is None:
        return None
    if isinstance(auth, StaticToken):
        token = auth._token  # sent as it is: a static token may be a JWT, which expires
        if token is not None and (token == replace or _expires_within(token, 0)):
            raise cannot_renew()
        return token
    if isinstance(auth, (TokenAuth, SessionAuth)):
        token = _current(auth)
        if token is None:
            await conn.get("/server/info")  # logs in (password), or fails with its typed error
            token = _current(auth)
        if token is not None and (token == replace or _expires_within(token, valid_for)):
            if can_renew(conn):
                await conn.refresh()
                token = _current(auth)
            elif token == replace or _expires_within(token, 0):
                raise cannot_renew()
            # else: still valid for a while, and nothing to replace it with: send it as it is
        if token is None:
            raise RealtimeError("the connection has no access token to authenticate the websocket with")
        return token
    raise RealtimeError(
        f"the websocket cannot authenticate with {type(auth).__name__}: use a static token, email/password, "
        "an access/refresh token pair or a session token"
    )


def can_renew(conn: Directus) -> bool:
    """Whether the connection can get a new access token when the current one expires (a static
    token is sent as it is, even when it is a JWT that expires)."""
    auth = conn.auth
    if isinstance(auth, PasswordAuth):
        return True
    if isinstance(auth, (TokenAuth, SessionAuth)):
        return auth.can_refresh
    return False


def cannot_renew() -> SocketTokenExpired:
    return SocketTokenExpired(
        "the websocket's access token expired and the connection cannot renew it (a static token that "
        "is a JWT, or an access token without a refresh token): connect with credentials that can be "
        "refreshed", status=0, code="TOKEN_EXPIRED", method="auth", path="websocket")


def _current(auth: TokenAuth | SessionAuth) -> str | None:
    return auth.session_token if isinstance(auth, SessionAuth) else auth.access_token


def _expires_within(token: str, seconds: float) -> bool:
    exp = jwt_expiry(token)
    return exp is not None and exp - time.time() <= seconds
