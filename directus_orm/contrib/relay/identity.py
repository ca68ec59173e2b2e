"""Who a client is: its own Directus token by default (so Directus's permissions apply to it), or
the app's ``authenticate`` callback.

The token is checked against Directus before the upgrade completes (``GET /users/me``). Clients of one
Directus user share one identity, hence one upstream socket; the identity's connection sends the
freshest token among them. Tokens are never logged nor put in a repr.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ...connection.auth import StaticToken
from ...connection.auth import _jwt_expiry as jwt_expiry
from ...connection.client import Directus
from ...exceptions import APIError, Forbidden, InvalidToken
from ...realtime.socket import credentials_changed
from .config import Identity
from .rules import MAX_TOKEN

__all__ = ["RelayToken", "bearer_token", "identity_for_token"]


class RelayToken(StaticToken):
    """A token the relay may swap for a fresher one of the same user: the identity's upstream socket
    re-authenticates with it at once, so it stays authenticated while any client of the user holds
    a valid token (each client's own expiry is enforced on that client alone)."""

    def offer(self, token: str) -> bool:
        """Keep ``token`` when it outlives the current one; True when it was kept."""
        current = self._token
        if current is None or _later(jwt_expiry(token), jwt_expiry(current)):
            self._token = token
            return True
        return False


def _later(new: float | None, old: float | None) -> bool:
    if old is None:
        return False  # a static token never expires: keep it
    return new is None or new > old


def bearer_token(headers: Mapping[str, str], cookies: Mapping[str, str], cookie_name: str) -> str | None:
    """The client's token from ``Authorization: Bearer`` or the session cookie (never the URL: query
    strings end up in access logs)."""
    header = headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    cookie = cookies.get(cookie_name)
    return cookie or None


async def identity_for_token(base: Directus, token: str, identities: dict[str, Identity]) -> Identity:
    """Check ``token`` with Directus; raises ``AuthenticationError`` (401) when Directus refuses it (or
    it is too long to be one), a ``NetworkError`` when Directus does not answer."""
    if len(token) > MAX_TOKEN:  # Directus would refuse the request's headers (431), not the token
        raise InvalidToken("the token is too long", status=401, code="INVALID_TOKEN")
    probe = base.with_auth(auth=StaticToken(token))
    user_id: Any = None
    try:
        body = await probe.get("/users/me", params={"fields": "id"})
        user_id = ((body or {}).get("data") or {}).get("id")
    except Forbidden:
        # A valid token whose user may not read its own row: the server accepted the token, so its
        # claims (when a JWT) name the user; else the token itself is the identity.
        user_id = _jwt_claim(token, "id")
    except APIError as exc:
        if exc.status in (400, 413, 414, 431):  # a request Directus cannot read: no usable token
            raise InvalidToken("the token is not usable", status=401, code="INVALID_TOKEN") from None
        raise
    key = f"user:{user_id}" if user_id else "token:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    expires = jwt_expiry(token)
    known = identities.get(key)
    if known is not None:
        auth = known.connection.auth
        if isinstance(auth, RelayToken) and auth.offer(token):
            credentials_changed(known.connection)
        return Identity(key, known.connection, expires)
    conn = base.with_auth(auth=RelayToken(token))
    identities[key] = Identity(key, conn, None)
    return Identity(key, conn, expires)


def _jwt_claim(token: str, claim: str) -> Any:
    import base64
    import json

    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return payload.get(claim) if isinstance(payload, dict) else None
