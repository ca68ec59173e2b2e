"""The ``Directus`` connection: a base URL, credentials, and a (possibly shared) connection pool."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

import httpx

from ..exceptions import (
    APIError,
    DirectusError,
    ImproperlyConfigured,
    NetworkError,
    RequestTimeout,
    error_from_response,
)
from ..sync import SyncFace
from .auth import SESSION_COOKIE_NAME, DirectusAuth, PasswordAuth, SessionAuth, StaticToken, TokenAuth
from .pool import ConnectionPool

__all__ = ["Directus"]

logger = logging.getLogger("directus_orm")

#: System collections live on their own endpoints, not under /items.
SYSTEM_ENDPOINTS: dict[str, str] = {
    "directus_activity": "activity",
    "directus_collections": "collections",
    "directus_comments": "comments",
    "directus_dashboards": "dashboards",
    "directus_extensions": "extensions",
    "directus_fields": "fields",
    "directus_files": "files",
    "directus_flows": "flows",
    "directus_folders": "folders",
    "directus_notifications": "notifications",
    "directus_operations": "operations",
    "directus_panels": "panels",
    "directus_permissions": "permissions",
    "directus_policies": "policies",
    "directus_presets": "presets",
    "directus_relations": "relations",
    "directus_revisions": "revisions",
    "directus_roles": "roles",
    "directus_settings": "settings",
    "directus_shares": "shares",
    "directus_translations": "translations",
    "directus_users": "users",
    "directus_versions": "versions",
}


def collection_path(collection: str) -> str:
    """``/items/<collection>``, or the system endpoint (``directus_users`` -> ``/users``)."""
    system = SYSTEM_ENDPOINTS.get(collection)
    if system is not None:
        return f"/{system}"
    if collection.startswith("directus_"):
        raise ImproperlyConfigured(f"{collection!r} is not a system collection directus-orm knows")
    return f"/items/{collection}"


def item_path(collection: str, key: Any) -> str:
    """``/items/<collection>/<key>`` (the key URL-quoted), or the system endpoint's item path."""
    return f"{collection_path(collection)}/{quote(str(key), safe='')}"


def encode_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Directus reads JSON for structured query parameters (filter, deep, aggregate, alias ...)."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (dict, list, tuple)):
            if key in ("fields", "sort", "groupBy") and all(isinstance(v, str) for v in value):
                out[key] = ",".join(value)
            else:
                out[key] = json.dumps(value, separators=(",", ":"), default=str)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


class Directus(SyncFace):
    """An async connection to one Directus server as one user.

    Credentials, exactly one of:

    * ``token=`` a static token;
    * ``email=`` + ``password=`` (+ ``otp=``), logged in on first request and refreshed after;
    * ``access_token=`` + ``refresh_token=`` (+ ``expires=`` in ms), a pair issued earlier;
    * ``session_token=``, a ``directus_session_token`` cookie value (session mode);
    * ``auth=`` any ``httpx.Auth``;
    * nothing: the public role.

    Connections built with the same ``pool=`` share sockets; a connection closes the pool on
    ``aclose()`` only when it created it. ``async with Directus(...) as conn:`` closes it on exit.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        otp: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        expires: int | None = None,
        session_token: str | None = None,
        session_cookie_name: str = SESSION_COOKIE_NAME,
        auth: httpx.Auth | None = None,
        pool: ConnectionPool | None = None,
        timeout: float | httpx.Timeout | None = None,
        alias: str | None = None,
    ) -> None:
        if not url or not url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(f"Directus url must start with http:// or https://, got {url!r}")
        self.url = url.rstrip("/")
        self.alias = alias
        self._session_cookie_name = session_cookie_name
        self.auth = auth if auth is not None else _auth_from_arguments(
            self.url,
            token=token,
            email=email,
            password=password,
            otp=otp,
            access_token=access_token,
            refresh_token=refresh_token,
            expires=expires,
            session_token=session_token,
            session_cookie_name=session_cookie_name,
        )
        self._owns_pool = pool is None
        if pool is None:
            pool = ConnectionPool() if timeout is None else ConnectionPool(timeout=timeout)
        self.pool = pool

    # -- sharing ------------------------------------------------------------------------------------
    def with_auth(self, auth: httpx.Auth | None = None, **credentials: Any) -> Directus:
        """A connection to the same server over the same pool, as another user.

        ``conn.with_auth(token="...")`` or ``conn.with_auth(session_token="...")`` ...
        """
        return Directus(self.url, auth=auth, pool=self.pool, alias=self.alias, **credentials)

    # -- requests -----------------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        data: Any = None,
        content: bytes | None = None,
        auth: httpx.Auth | None = None,
    ) -> Any:
        """Send a request and return the decoded JSON body (None for an empty answer).

        Error answers raise the typed :class:`~directus_orm.exceptions.APIError` subclass; network
        failures raise :class:`~directus_orm.exceptions.NetworkError`.
        """
        response = await self.send(
            method, path, params=params, json=json, headers=headers, files=files, data=data,
            content=content, auth=auth,
        )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        data: Any = None,
        content: bytes | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        """Like :meth:`request`, returning the ``httpx.Response`` (already checked for errors)."""
        client = self.pool.client()
        url = path if path.startswith(("http://", "https://")) else f"{self.url}/{path.lstrip('/')}"
        request = client.build_request(
            method, url, params=encode_params(params), json=json, headers=headers, files=files, data=data,
            content=content,
        )
        req_path = request.url.path
        started = time.perf_counter()
        try:
            response = await client.send(request, auth=auth if auth is not None else self.auth)
        except httpx.TimeoutException as exc:
            failed = _failed_request(exc, request)  # the login/refresh an auth flow sent, maybe
            raise RequestTimeout(f"timed out: {type(exc).__name__}", method=failed.method,
                                 path=failed.url.path) from None
        except httpx.RequestError as exc:  # transport failures, but also decoding / redirect loops
            failed = _failed_request(exc, request)
            raise NetworkError(f"network error: {type(exc).__name__}: {exc}", method=failed.method,
                               path=failed.url.path) from None
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s -> %s (%.1f ms)", method, req_path, response.status_code,
                         (time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            try:
                body: Any = response.json()
            except ValueError:
                body = None
            raise error_from_response(response.status_code, body, method=method, path=req_path)
        return response

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Any:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Any:
        return await self.request("DELETE", path, **kwargs)

    # -- authentication -----------------------------------------------------------------------------
    async def login(
        self,
        email: str | None = None,
        password: str | None = None,
        *,
        otp: str | None = None,
        mode: Literal["json", "session"] = "json",
    ) -> None:
        """Log in now (instead of on first request). Without ``email``/``password``, uses the configured
        ones. ``mode="session"`` switches the connection to a session cookie."""
        configured = self.auth if isinstance(self.auth, PasswordAuth) else None
        if configured is not None and email is None and password is None and mode == "json":
            # Re-use the configured auth object (others may hold it); single-flight with its refreshes.
            grant = configured.login_request(otp)
            async with configured._lock():
                response = await self._send_grant(grant)
                configured._read_grant(response)
            return
        if configured is not None:
            email = configured._email if email is None else email
            password = configured._password if password is None else password
            otp = configured._otp if otp is None else otp
        if not email or not password:
            missing = "password" if email else "email"
            raise ImproperlyConfigured(
                f"login() needs an email and a password: {missing!r} was neither given nor configured"
            )
        body: dict[str, Any] = {"email": email, "password": password, "mode": mode}
        if otp:
            body["otp"] = otp
        response = await self.send("POST", "/auth/login", json=body, auth=httpx.Auth())
        if mode == "session":
            token = response.cookies.get(self._session_cookie_name)
            if not token:
                raise DirectusError("Directus answered the session login without a session cookie")
            expires = _body_data(response).get("expires")
            self.auth = SessionAuth(self.url, token, self._session_cookie_name,
                                    expires if isinstance(expires, int) else None)
        else:
            auth = PasswordAuth(self.url, email, password, otp)
            auth._read_grant(response)
            self.auth = auth

    async def refresh(self) -> None:
        """Refresh the access token or session now."""
        auth = self.auth
        if not isinstance(auth, (TokenAuth, SessionAuth)) or not auth._can_refresh():
            raise DirectusError(f"{type(auth).__name__} credentials cannot be refreshed")
        # Under the auth's lock: Directus rotates json refresh tokens, so two refreshes racing with the
        # same token would leave one of them holding a revoked token.
        async with auth._lock():
            response = await self._send_grant(auth._refresh_request())
            auth._read_grant(response)

    async def logout(self) -> None:
        """End the session on the server and forget the credentials (static tokens: forget only).

        When Directus refuses the logout (e.g. the session had already expired) the credentials are
        forgotten all the same and the error is raised; after a network error they are kept, so the
        logout can be retried.
        """
        auth = self.auth
        if isinstance(auth, DirectusAuth):
            request = auth.logout_request(self.url)
            try:
                if request is not None:
                    await self._send_grant(request)
            except APIError:
                auth.forget()
                raise
            auth.forget()

    async def _send_grant(self, request: httpx.Request) -> httpx.Response:
        """Send a login/refresh/logout request built by an auth object, without any auth flow.

        The full URL is passed on: the server may live under a path prefix (``https://host/directus``).
        """
        return await self.send(request.method, str(request.url), content=request.content,
                               headers=dict(request.headers), auth=httpx.Auth())

    # -- small conveniences ---------------------------------------------------------------------------
    async def ping(self) -> bool:
        """True when the server answers ``/server/ping``."""
        try:
            return bool(await self.request("GET", "/server/ping", auth=httpx.Auth()) == "pong")
        except DirectusError:
            return False

    async def me(self, fields: str = "*") -> dict[str, Any]:
        """The current user (``/users/me``)."""
        body = await self.request("GET", "/users/me", params={"fields": fields})
        return dict(body["data"])

    # -- lifecycle ------------------------------------------------------------------------------------
    async def aclose(self) -> None:
        if self._owns_pool:
            await self.pool.aclose()

    async def __aenter__(self) -> Directus:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        alias = f" alias={self.alias!r}" if self.alias else ""
        return f"<Directus {_redact_url(self.url)}{alias} auth={self.auth!r}>"


def _failed_request(exc: httpx.RequestError, default: httpx.Request) -> httpx.Request:
    try:
        return exc.request
    except RuntimeError:  # httpx raises this when the exception carries no request
        return default


def _redact_url(url: str) -> str:
    """The URL without a password in its user-info part (``https://user:secret@host``)."""
    parsed = httpx.URL(url)
    if not parsed.password:
        return url
    return str(parsed.copy_with(password="***"))


def _body_data(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        return {}
    return data if isinstance(data, dict) else {}


def _auth_from_arguments(
    url: str,
    *,
    token: str | None,
    email: str | None,
    password: str | None,
    otp: str | None,
    access_token: str | None,
    refresh_token: str | None,
    expires: int | None,
    session_token: str | None,
    session_cookie_name: str,
) -> httpx.Auth | None:
    given = {
        "token": token is not None,
        "email/password": email is not None or password is not None,
        "access_token/refresh_token": access_token is not None or refresh_token is not None,
        "session_token": session_token is not None,
    }
    chosen = [name for name, present in given.items() if present]
    if len(chosen) > 1:
        raise ImproperlyConfigured(
            f"contradictory credentials: {' and '.join(chosen)} are all set; give exactly one kind"
        )
    if token is not None:
        return StaticToken(token)
    if email is not None or password is not None:
        if not email or not password:
            missing = "password" if email else "email"
            raise ImproperlyConfigured(f"email/password authentication is missing {missing!r}")
        return PasswordAuth(url, email, password, otp)
    if access_token is not None or refresh_token is not None:
        return TokenAuth(url, access_token, refresh_token, expires)
    if session_token is not None:
        return SessionAuth(url, session_token, session_cookie_name)
    return None
