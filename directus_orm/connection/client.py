"""The ``Directus`` connection: a base URL, credentials, and a (possibly shared) connection pool."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import httpx

from ..exceptions import (
    ConnectionClosed,
    DirectusError,
    ImproperlyConfigured,
    InvalidRequest,
    NetworkError,
    NoSession,
    QueryTooLarge,
    RequestTimeout,
)
from ..sync import SyncFace
from . import graphql, logs
from .answers import check_status, json_object, raw_path, unexpected
from .auth import SESSION_COOKIE_NAME, DirectusAuth, PasswordAuth, SessionAuth, StaticToken, TokenAuth
from .base_url import base_url
from .closing import close_attached
from .failures import failed_request, network_error, noted, withhold_secrets
from .paths import (
    SYSTEM_ENDPOINTS,
    collection_path,
    encode_params,
    item_path,
    key_in_path,
    query_body,
    query_string_length,
)
from .pool import ConnectionPool
from .retries import DEFAULT_DEADLINE, IDEMPOTENT_METHODS, RETRY_EXCEPTIONS, Retries, retries_from, within

if TYPE_CHECKING:
    from ..system.account import Account
    from ..system.flows import Flows
    from ..system.server import Server
    from ..system.utils import Utils
    from ..system.versions import Versions

__all__ = ["Directus", "collection_path", "encode_params", "item_path", "key_in_path"]

logger = logging.getLogger("directus_orm")
logs.install()

MAX_QUERY_IN_URL = 4096
"""A query string longer than this is sent in a ``SEARCH`` body instead (Node refuses request heads over 16
KB with 431; 2,000 keys in an ``_in`` filter already pass that)."""
DEFAULT_MAX_PAYLOAD = 1024 * 1024
"""Directus's default ``MAX_PAYLOAD_SIZE`` (1 MB): a larger JSON body answers 400 INVALID_PAYLOAD."""

_SEARCHABLE = frozenset(f"/{endpoint}" for endpoint in SYSTEM_ENDPOINTS.values()) - {
    "/settings", "/fields", "/relations", "/extensions",
}


def _searchable(path: str) -> bool:
    """Whether the path (without the server's prefix) is a collection Directus reads with SEARCH."""
    parts = path.rstrip("/").split("/")
    return (len(parts) >= 2 and parts[-2] == "items") or f"/{parts[-1]}" in _SEARCHABLE


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

    Time and retries: ``timeout`` applies to each connect / read / write (httpx's timeouts);
    ``deadline`` (seconds, None for none) bounds a whole request: every read, retries, and the
    login/refresh it waits for. Reads (``GET``, ``HEAD``, ``SEARCH``) are retried after a broken
    connection, ``503`` or ``429`` as ``retries`` says (a :class:`Retries`, a count, or None); writes
    never are. ``max_payload`` is the server's ``MAX_PAYLOAD_SIZE`` in bytes (long queries travel in
    a body; one larger than this raises :class:`~directus_orm.exceptions.QueryTooLarge`).
    """

    if TYPE_CHECKING:
        # The endpoint namespaces, attached by directus_orm.system (a layer above this one, imported
        # with the package): ``conn.server.health()``, ``conn.utils.random_string()`` ...
        @property
        def server(self) -> Server: ...
        @property
        def utils(self) -> Utils: ...
        @property
        def flows(self) -> Flows: ...
        @property
        def versions(self) -> Versions: ...
        @property
        def account(self) -> Account: ...

    def __init__(
        self,
        url: str | httpx.URL,
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
        deadline: float | None = DEFAULT_DEADLINE,
        retries: Retries | int | dict[str, Any] | None = None,
        max_payload: int = DEFAULT_MAX_PAYLOAD,
        alias: str | None = None,
    ) -> None:
        self.url = base_url(url)
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
        if deadline is not None and deadline <= 0:
            raise ImproperlyConfigured(f"deadline must be positive seconds or None, got {deadline!r}")
        self.deadline = deadline
        self.retries = Retries() if retries is None else retries_from(retries)
        self.max_payload = max_payload
        self._owns_pool = pool is None
        if pool is None:
            pool = ConnectionPool() if timeout is None else ConnectionPool(timeout=timeout)
        self.pool = pool

    # -- sharing ------------------------------------------------------------------------------------
    def with_auth(self, auth: httpx.Auth | None = None, **credentials: Any) -> Directus:
        """A connection to the same server over the same pool, as another user.

        ``conn.with_auth(token="...")`` or ``conn.with_auth(session_token="...")`` ...
        """
        return Directus(self.url, auth=auth, pool=self.pool, alias=self.alias, deadline=self.deadline,
                        retries=self.retries, max_payload=self.max_payload, **credentials)

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
        content: bytes | AsyncIterable[bytes] | None = None,
        auth: httpx.Auth | None = None,
        raw: bool | None = None,
    ) -> Any:
        """Send a request and return the decoded JSON object (None for an answer without a body).

        Error answers raise the typed :class:`~directus_orm.exceptions.APIError` subclass, answers that
        are not Directus's (a redirect, an HTML page, a body that is not a JSON object) raise
        :class:`~directus_orm.exceptions.UnexpectedResponse`; network failures raise
        :class:`~directus_orm.exceptions.NetworkError` (:class:`RequestTimeout` past a timeout or the
        deadline).

        Raw content: ``raw=True`` returns the body as ``bytes`` whatever its content type (errors are
        still typed); ``raw=None`` (the default) does so for the endpoints whose answer is content
        rather than JSON (``/assets/...``), so ``await conn.get(f"/assets/{key}")`` is the file's bytes,
        never a mis-decoded ``str``; ``raw=False`` always expects JSON. For large content use
        :meth:`stream` (the body is never held whole) or :meth:`send` (the ``httpx.Response``).
        """
        response = await self.send(
            method, path, params=params, json=json, headers=headers, files=files, data=data,
            content=content, auth=auth,
        )
        if raw or (raw is None and raw_path(path)):
            return response.content
        return json_object(response)

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
        content: bytes | AsyncIterable[bytes] | None = None,
        auth: httpx.Auth | None = None,
        check: bool = True,
    ) -> httpx.Response:
        """Like :meth:`request`, returning the ``httpx.Response`` (already checked for errors; with
        ``check=False`` an error status is returned as it is, for the endpoints whose error answers are
        content: ``/server/health`` answers 503 with its report).

        A ``GET`` whose query string would be too long for a URL (a filter over thousands of keys) is
        sent as ``SEARCH`` with the query in the body, on the collection endpoints that read it.
        ``content`` may be an async iterable of bytes (a streamed body, e.g. a multipart upload): the
        deadline then does not apply (a large upload takes what it takes; httpx's write timeout bounds
        each chunk).
        """
        response = await self._exchange(
            method, path, params=params, json=json, headers=headers, files=files, data=data,
            content=content, auth=auth,
        )
        if check:
            check_status(response)
        return response

    def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        auth: httpx.Auth | None = None,
    ) -> contextlib.AbstractAsyncContextManager[httpx.Response]:
        """``async with conn.stream("GET", f"/assets/{key}") as response:`` - the answer checked for
        errors, its body not read yet (``response.aiter_bytes()``): the content is never held whole.
        The deadline covers the wait for the answer's head; httpx's read timeout bounds each chunk
        after. An error answer raises its typed error (its small JSON body read first)."""
        return self._stream(method, path, params=params, headers=headers, content=content, auth=auth)

    @contextlib.asynccontextmanager
    async def _stream(self, method: str, path: str, **options: Any) -> AsyncIterator[httpx.Response]:
        response = await self._exchange(method, path, stream=True, **options)
        try:
            if not 200 <= response.status_code < 300:
                await response.aread()
                check_status(response)
            yield response
        finally:
            await response.aclose()

    async def _exchange(self, method: str, path: str, **options: Any) -> httpx.Response:
        """Build, send (retrying reads) within the deadline, and return the answer unchecked.
        ``options``: :meth:`send`'s keyword arguments."""
        params: Mapping[str, Any] | None = options.get("params")
        headers: Mapping[str, str] | None = options.get("headers")
        content: bytes | AsyncIterable[bytes] | None = options.get("content")
        json, files, data, auth = (options.get(k) for k in ("json", "files", "data", "auth"))
        stream = bool(options.get("stream"))
        read = bool(options.get("read"))  # a POST that changes nothing (a GraphQL query): retried
        # A streamed body may take long to send: each chunk is bounded by the write timeout instead.
        deadline = None if content is not None and not isinstance(content, bytes) else self.deadline
        method = method.upper()
        url = path if path.startswith(("http://", "https://")) else f"{self.url}/{path.lstrip('/')}"
        encoded = encode_params(params)
        if (method == "GET" and params and encoded
                and query_string_length(encoded, MAX_QUERY_IN_URL) > MAX_QUERY_IN_URL):
            method, content, encoded = "SEARCH", self._search_body(url, params, encoded), None
            headers = {**(headers or {}), "Content-Type": "application/json"}
        try:
            client = self.pool.client()
        except RuntimeError as exc:
            raise ConnectionClosed("this connection's pool is closed; create a new connection") from exc
        try:
            request = client.build_request(
                method, url, params=encoded, json=json, headers=headers, files=files, data=data,
                content=content,
            )
        except (httpx.InvalidURL, UnicodeError, TypeError, ValueError) as exc:
            # a header value that is not latin-1, a URL httpx refuses ... (never echo the values; not
            # chained either: a UnicodeEncodeError's repr holds the whole value)
            raise InvalidRequest(f"cannot build {method} {path[:200]}: {type(exc).__name__}") from None
        try:
            return await within(deadline, self._attempts(client, request,
                                                         auth if auth is not None else self.auth, stream,
                                                         read))
        except asyncio.TimeoutError as exc:
            raise RequestTimeout(f"no complete answer within the deadline ({self.deadline:g} s)",
                                 method=method, path=request.url.path) from exc

    def _search_body(self, url: str, params: Mapping[str, Any], encoded: Mapping[str, str]) -> bytes:
        path = httpx.URL(url).path
        if not _searchable(path):
            raise QueryTooLarge(f"the query is too long for a URL and {path} cannot read it from a body")
        body = query_body(params, encoded)
        if len(body) > self.max_payload:
            raise QueryTooLarge(
                f"the query takes {len(body):,} bytes, over the server's payload limit ({self.max_payload:,} "
                "bytes, MAX_PAYLOAD_SIZE): split it (e.g. fewer keys per filter)"
            )
        return body

    async def _attempts(
        self, client: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth | None,
        stream: bool = False, read: bool = False,
    ) -> httpx.Response:
        """Send, and send reads again after a broken connection, 503 or 429 (see :class:`Retries`);
        ``read``: the request changes nothing whatever its method."""
        retries = self.retries
        tries = retries.count + 1 if read or request.method in IDEMPOTENT_METHODS else 1
        for attempt in range(tries):
            started = time.perf_counter()
            last = attempt == tries - 1
            try:
                response = await client.send(request, auth=auth, stream=stream)
            except httpx.TimeoutException as exc:
                failed = failed_request(exc, request)  # the login/refresh an auth flow sent, maybe
                error: NetworkError = RequestTimeout(f"timed out: {type(exc).__name__}",
                                                     method=failed.method, path=failed.url.path)
                raise noted(error, failed is not request, auth) from withhold_secrets(exc, request, failed)
            except RETRY_EXCEPTIONS as exc:
                grant = failed_request(exc, request) is not request
                if last or grant:
                    raise noted(network_error(exc, request), grant, auth) from exc
                logger.debug("%s %s: %s, retrying", request.method, request.url.path, type(exc).__name__)
                await asyncio.sleep(retries.wait(attempt) or 0.0)
                continue
            except httpx.LocalProtocolError as exc:  # h11 refused what we would send: nothing was sent
                failed = failed_request(exc, request)
                raise InvalidRequest(f"cannot send {failed.method} {failed.url.path}: LocalProtocolError "
                                     "(a header value or a body httpx refuses to send)"
                                     ) from withhold_secrets(exc, request, failed)
            except httpx.RequestError as exc:  # transport failures, but also decoding / redirect loops
                grant = failed_request(exc, request) is not request
                raise noted(network_error(exc, request), grant, auth) from exc
            except (UnicodeError, httpx.InvalidURL) as exc:  # e.g. a credential that is not latin-1
                # not chained: a UnicodeEncodeError's repr holds the whole value (the credential)
                raise InvalidRequest(f"cannot send {request.method} {request.url.path}: "
                                     f"{type(exc).__name__} (a header or URL value)") from None
            except RuntimeError as exc:
                if client.is_closed:
                    raise ConnectionClosed("this connection's pool was closed during the request") from exc
                raise
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("%s %s -> %s (%.1f ms)", request.method, request.url.path, response.status_code,
                             (time.perf_counter() - started) * 1000)
            if not last and response.status_code in retries.statuses:
                wait = retries.wait(attempt, response)
                if wait is not None:
                    await response.aclose()  # a streamed answer holds its connection until closed
                    await asyncio.sleep(wait)
                    continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def get(self, path: str, **kwargs: Any) -> Any:
        """``GET path`` through :meth:`request` (retried on transient failures; errors typed), the decoded
        JSON body: ``await conn.get("/items/books", params={"limit": 5})``."""
        return await self.request("GET", path, **kwargs)

    async def _post_read(self, path: str, content: bytes) -> Any:
        """A POST of a JSON body that only reads (a GraphQL query): retried as a GET is."""
        response = await self._exchange("POST", path, content=content, read=True,
                                        headers={"Content-Type": "application/json"})
        check_status(response)
        return json_object(response)

    async def post(self, path: str, **kwargs: Any) -> Any:
        """``POST path`` through :meth:`request`: ``await conn.post("/items/books", json={"title": "Dune"})``.
        Never retried once the request may have reached the server."""
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Any:
        """``PATCH path`` through :meth:`request`: ``await conn.patch("/items/books/1", json={"pages":
        412})``."""
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Any:
        """``DELETE path`` through :meth:`request`: ``await conn.delete("/items/books/1")``."""
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
        """Log in now (instead of on first request), also after :meth:`logout` (the connection's
        requests are sent again once it succeeds). Without ``email``/``password``, uses the configured
        ones. ``mode="session"`` switches the connection to a session cookie."""
        configured = self.auth if isinstance(self.auth, PasswordAuth) else None
        if configured is not None and email is None and password is None and mode == "json":
            # Re-use the configured auth object (others may hold it); single-flight with its refreshes.
            await configured.login(self._send_grant, otp)
            return
        if configured is not None:
            auth = configured.replace(email, password, otp)
        elif not email or not password:
            missing = "password" if email else "email"
            raise ImproperlyConfigured(
                f"login() needs an email and a password: {missing!r} was neither given nor configured"
            )
        else:
            auth = PasswordAuth(self.url, email, password, otp)
        if mode == "json":
            await auth.login(self._send_grant)
            self.auth = auth
            return
        response = await self.send("POST", "/auth/login", json=auth.login_body(mode), auth=httpx.Auth())
        data = (json_object(response) or {}).get("data")
        token = response.cookies.get(self._session_cookie_name)
        if not token:
            raise unexpected(response, "a session login answered without a session cookie")
        expires = data.get("expires") if isinstance(data, dict) else None
        self.auth = SessionAuth(self.url, token, self._session_cookie_name,
                                expires if isinstance(expires, int) else None)

    async def refresh(self) -> None:
        """Refresh the access token or session now (a password connection whose refresh token is
        refused logs in again)."""
        auth = self.auth
        if not isinstance(auth, (TokenAuth, SessionAuth)) or not (auth.can_refresh or auth.logged_out):
            raise DirectusError(f"{type(auth).__name__} credentials cannot be refreshed")
        # Single-flight (renew holds the auth's lock): Directus rotates json refresh tokens, so two
        # refreshes racing with the same token would leave one of them holding a revoked token.
        await auth.renew(self._send_grant)

    async def logout(self) -> None:
        """End the session on the server (``POST /auth/logout``) and forget the credentials, as
        Django's ``logout()`` ends a session: every later request on this connection raises
        :class:`~directus_orm.exceptions.LoggedOut` before sending, until :meth:`login` succeeds
        (``await conn.login()`` when the connection has a password). A second logout sends nothing.

        When Directus refuses the logout (e.g. the session had already expired) the credentials are
        forgotten all the same and the error is raised; after a network error, a 5xx or an answer
        that is not Directus's they are kept, so the logout can be retried.

        A connection holding no session raises :class:`~directus_orm.exceptions.NoSession` (an
        :class:`~directus_orm.exceptions.InvalidUsage`) and is left unchanged: a static token (Directus
        accepts it until it is changed on its user), no credentials, or an ``auth=`` that is not one of
        directus-orm's flows.
        """
        auth = self.auth
        if not isinstance(auth, DirectusAuth):
            what = "no credentials (the public role)" if auth is None else (
                f"{type(auth).__name__}, which is not a directus-orm auth flow")
            raise NoSession(f"logout() ends a session, and this connection holds none: it has {what}")
        await auth.logout(self._send_grant, self.url)

    async def _send_grant(self, request: httpx.Request) -> httpx.Response:
        """Send a login/refresh/logout request built by an auth object, without any auth flow, and
        return its answer unchecked (the auth object reads it).

        The full URL is passed on: the server may live under a path prefix (``https://host/directus``).
        """
        return await self._exchange(request.method, str(request.url), content=request.content,
                                    headers=dict(request.headers), auth=httpx.Auth())

    # -- small conveniences ---------------------------------------------------------------------------
    async def ping(self) -> bool:
        """True when the server answers ``/server/ping``."""
        try:
            response = await self.send("GET", "/server/ping", auth=httpx.Auth())
            return response.text == "pong"
        except DirectusError:
            return False

    async def graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, system: bool = False,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Run a GraphQL document on ``/graphql`` (or ``/graphql/system``) and return its ``data``.

        A document that does not validate raises :class:`~directus_orm.exceptions.GraphQLValidationError`
        (nothing ran); fields that failed raise :class:`~directus_orm.exceptions.GraphQLExecutionError`,
        whose ``data`` holds what did resolve. A document holding only queries is retried as a GET is
        (see :class:`Retries`); one holding a mutation or a subscription never is. ``operation_name``
        picks the operation to run from a document holding several named ones.
        """
        return await graphql.execute(self, query, variables, system=system, operation_name=operation_name)

    async def me(self, fields: str = "*") -> dict[str, Any]:
        """The current user (``/users/me``)."""
        body = await self.request("GET", "/users/me", params={"fields": fields})
        return dict(body["data"])

    # -- lifecycle ------------------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the HTTP pool if this connection created it (a shared :class:`ConnectionPool` stays open);
        ``async with Directus(...) as conn:`` calls it for you."""
        if self._owns_pool:
            await close_attached(self)  # its realtime sockets, on every loop
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


def _redact_url(url: str) -> str:
    """The URL without a password in its user-info part (``https://user:secret@host``)."""
    parsed = httpx.URL(url)
    if not parsed.password:
        return url
    return str(parsed.copy_with(password="***"))


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
