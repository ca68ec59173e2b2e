"""The per-request connection: ``Depends(directus)`` builds a :class:`~directus_orm.Directus` from the
caller's credentials and, for the rest of the request, makes the registry alias resolve to it.

Why an *async generator* dependency: FastAPI enters an ``async def ...: yield`` dependency in the very
task that then awaits the endpoint, so a context variable set before ``yield`` (the registry override)
is visible to the endpoint, to other dependencies resolved after it, to sync endpoints (Starlette
copies the context into the worker thread) and to ``.sync`` calls (the sync face copies it into its
loop); the exit code runs in that same task after the response is sent, so the override is reset with
its own token. A *sync* generator dependency is entered in a worker thread, whose context copy is
thrown away: an override set there would never reach the endpoint (``tests/integration/
test_fastapi.py`` checks both). A middleware would work as well but would run for every route,
including ones that need no Directus, and could not declare the security schemes in OpenAPI.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPBearer
from pydantic import BaseModel

from ...connection.auth import SESSION_COOKIE_NAME, DirectusAuth, StaticToken
from ...connection.client import Directus
from ...connection.pool import ConnectionPool
from ...connection.registry import DEFAULT_ALIAS, connections
from ...exceptions import AuthenticationError, ImproperlyConfigured
from ...system import DirectusUser
from .checks import Action, Guard, admin_guard, permission_guard, policy_guard, role_guard
from .context import STATE_KEY, RequestContext, get_request_context
from .tokens import TokenCache
from .users import current_user

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "CookieCredentials",
    "DirectusDependency",
    "RequestContext",
    "get_request_context",
    "unauthorized",
]

U = TypeVar("U", bound=BaseModel)


class CookieCredentials(DirectusAuth):
    """Sends a caller's Directus session cookie as it is, and never refreshes it.

    A refresh would rotate the session on the server while the browser keeps the old cookie, logging
    the user out of their own front end; the browser refreshes its session itself.
    """

    def __init__(self, cookie_name: str, value: str) -> None:
        if not value:
            raise ImproperlyConfigured("CookieCredentials needs a non-empty cookie value")
        self.cookie_name = cookie_name
        self._value: str | None = value

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """httpx's auth hook: sends the caller's cookie (``Cookie: <cookie_name>=<value>``) as it came
        (LoggedOut after a logout)."""
        self._refuse_if_logged_out(request.method, request.url.path)
        if self._value is not None:
            request.headers["Cookie"] = f"{self.cookie_name}={self._value}"
        yield request

    def logout_request(self, base_url: str) -> httpx.Request | None:
        """``POST /auth/logout`` in session mode with the caller's cookie: ends their session on the
        server (their browser's cookie stops working too)."""
        if self._value is None:
            return None
        if not base_url:
            raise ImproperlyConfigured("CookieCredentials.logout() needs the server's base_url")
        return httpx.Request("POST", f"{base_url.rstrip('/')}/auth/logout", json={"mode": "session"},
                             headers={"Cookie": f"{self.cookie_name}={self._value}"})

    def forget(self) -> None:
        """Drop the cookie value (after a logout): later requests raise LoggedOut."""
        super().forget()
        self._value = None

    @property
    def authenticated(self) -> bool:
        """Whether the cookie value is still held."""
        return self._value is not None

    def __repr__(self) -> str:
        return f"CookieCredentials(cookie={self.cookie_name!r}, value='***')"


def unauthorized(detail: str, *, realm: str = "directus", invalid: bool = False,
                 code: str | None = None) -> HTTPException:
    """A 401 with ``WWW-Authenticate: Bearer`` (RFC 6750); the handlers render it as JSON."""
    challenge = f'Bearer realm="{realm}"'
    if invalid:
        challenge += ', error="invalid_token"'
    exc = HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": challenge})
    exc.code = code or ("INVALID_CREDENTIALS" if invalid else "NOT_AUTHENTICATED")  # type: ignore[attr-defined]
    return exc


class DirectusDependency:
    """A FastAPI dependency yielding a :class:`~directus_orm.Directus` connection as the caller.

    ::

        directus = DirectusDependency()
        app = FastAPI(lifespan=directus.lifespan)
        install_exception_handlers(app)

        @app.get("/languages")
        async def languages(conn: Directus = Depends(directus)):
            return await Language.objects.all()        # runs as the caller: their permissions apply

    Credentials, first found wins: ``Authorization: Bearer <token>`` (a static token or an access
    token), the ``access_cookie`` (an access token kept in a cookie; off unless named), the
    ``session_cookie`` (Directus's ``directus_session_token``, passed through and never refreshed).
    None of them, or credentials Directus refuses, answer ``401`` with ``WWW-Authenticate: Bearer``
    and a JSON body (never a redirect); ``allow_anonymous=True`` runs such requests as the public role.

    ``alias`` names the registry connection whose ``url`` is used (unless ``url=`` is given) and which
    resolves to the caller's connection for the duration of the request (``override=False`` to
    leave the registry alone). ``verify=True`` asks ``/users/me?fields=id`` once per request, so bad
    credentials fail before the endpoint runs (with ``verify=False`` they fail at the first query).

    Connections share one :class:`~directus_orm.ConnectionPool`, opened on first use and closed by
    :meth:`lifespan`. ``service`` (a connection or a registry alias; default: ``alias`` itself, when
    it has credentials) is the application's own connection that guards use to resolve role and
    policy names.

    ``token_cache`` (a :class:`~directus_orm.contrib.fastapi.TokenCache`; default None: off) keeps what
    ``/users/me`` answered for a token for its ``ttl``, so ``verify`` and :meth:`current_user` cost no
    request while it holds; a revoked token passes verification until its entry expires.
    """

    def __init__(
        self,
        alias: str = DEFAULT_ALIAS,
        *,
        url: str | None = None,
        bearer: bool = True,
        access_cookie: str | None = None,
        session_cookie: str | None = SESSION_COOKIE_NAME,
        allow_anonymous: bool = False,
        verify: bool = True,
        override: bool = True,
        service: Directus | str | None = None,
        realm: str = "directus",
        pool: ConnectionPool | None = None,
        token_cache: TokenCache | None = None,
    ) -> None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(
                f"DirectusDependency url must start with http:// or https://, got {url!r}"
            )
        self.alias = alias
        self.url = url.rstrip("/") if url else None
        self.allow_anonymous = allow_anonymous
        self.verify = verify
        self.override = override
        self.realm = realm
        self.access_cookie = access_cookie
        self.session_cookie = session_cookie
        self._service = service
        self.token_cache = token_cache
        self._pool = pool
        self._owns_pool = pool is None
        # Security schemes: FastAPI reads them (and shows them in OpenAPI) from the signature.
        params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
        schemes: list[tuple[str, Any]] = []
        if bearer:
            schemes.append(("bearer", HTTPBearer(
                auto_error=False, scheme_name="DirectusBearer",
                description="A Directus static token or access token.")))
        if access_cookie:
            schemes.append(("access_cookie", APIKeyCookie(
                name=access_cookie, auto_error=False, scheme_name="DirectusAccessCookie",
                description="A Directus access token kept in a cookie.")))
        if session_cookie:
            schemes.append(("session_cookie", APIKeyCookie(
                name=session_cookie, auto_error=False, scheme_name="DirectusSession",
                description="The Directus session cookie (session mode login).")))
        for name, scheme in schemes:
            params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=Depends(scheme),
                                            annotation=Any))
        self._scheme_names = frozenset(name for name, _ in schemes)
        self.__signature__ = inspect.Signature(params, return_annotation=Directus)

    # -- the pool -----------------------------------------------------------------------------------
    @property
    def pool(self) -> ConnectionPool:
        """The pool every per-request connection shares (created on first use)."""
        if self._pool is None or (self._owns_pool and self._pool.closed):
            self._pool = ConnectionPool()
        return self._pool

    @contextlib.asynccontextmanager
    async def lifespan(self, app: FastAPI | None = None) -> AsyncIterator[None]:
        """``FastAPI(lifespan=directus.lifespan)``, or ``async with directus.lifespan(app):`` inside
        your own: opens the pool at startup; closes it, and the registry's connections, at shutdown."""
        _ = self.pool
        try:
            yield
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the shared pool (if this dependency created it) and the registry's connections."""
        pool, self._pool = self._pool, (None if self._owns_pool else self._pool)
        if pool is not None and self._owns_pool and not pool.closed:
            await pool.aclose()
        await connections.aclose_all()

    # -- building the connection --------------------------------------------------------------------
    def _base(self) -> Directus | None:
        """The registry's connection for ``alias`` (as configured; never an override), if configured."""
        if self.alias not in connections:
            return None
        # Read outside any override: the dependency runs before it sets its own, and a nested app
        # request would otherwise see the outer caller.
        return _outside_overrides(self.alias)

    def _service_connection(self, base: Directus | None) -> Directus | None:
        service = self._service
        if isinstance(service, Directus):
            return service
        if isinstance(service, str):
            return _outside_overrides(service)
        if base is not None and base.auth is not None:
            return base
        return None

    def credentials(self, request: Request) -> tuple[str, httpx.Auth] | None:
        """``(source, auth)`` from the request, or None when it carries no credentials."""
        found = self._credentials(request)
        return None if found is None else (found[0], found[1])

    def _credentials(self, request: Request) -> tuple[str, httpx.Auth, str] | None:
        """``(source, auth, secret)``: :meth:`credentials` and the token or cookie value itself."""
        header = request.headers.get("authorization")
        if header is not None and "bearer" in self._scheme_names:
            scheme, _, token = header.partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                raise unauthorized("the Authorization header must be 'Bearer <token>'", realm=self.realm,
                                   invalid=True, code="INVALID_AUTHORIZATION_HEADER")
            return "bearer", StaticToken(token), token
        if self.access_cookie:
            value = request.cookies.get(self.access_cookie)
            if value:
                return "access_cookie", StaticToken(value), value
        if self.session_cookie:
            value = request.cookies.get(self.session_cookie)
            if value:
                return "session_cookie", CookieCredentials(self.session_cookie, value), value
        if request.scope.get("type") == "websocket" and "bearer" in self._scheme_names:
            value = request.query_params.get("access_token")  # browsers cannot set websocket headers
            if value:
                return "bearer", StaticToken(value), value
        return None

    async def resolve(self, request: Request) -> RequestContext:
        """Build (once per request) and verify the caller's connection; raise 401 on failure. A
        ``WebSocket`` works too (only headers, cookies, the query and state are read), which may also
        carry the token as ``?access_token=``."""
        ctx = get_request_context(request)
        if ctx is not None:
            return ctx
        base = self._base()
        url = self.url or (base.url if base is not None else None)
        if url is None:
            raise ImproperlyConfigured(
                f"DirectusDependency: no url given and no registry connection {self.alias!r} is configured"
            )
        found = self._credentials(request)
        token_key = None
        if found is None:
            if not self.allow_anonymous:
                cookie = f" or the {self.session_cookie!r} cookie" if self.session_cookie else ""
                raise unauthorized(f"Not authenticated: send 'Authorization: Bearer <token>'{cookie}",
                                   realm=self.realm)
            source, auth = "anonymous", None
        else:
            source, auth, secret = found
            if self.token_cache is not None:
                token_key = self.token_cache.key(f"{source}:{secret}")
        conn = Directus(url, auth=auth, pool=self.pool, alias=self.alias)
        ctx = RequestContext(connection=conn, service=self._service_connection(base), source=source,
                             token_key=token_key)
        if self.verify and auth is not None:
            me = await self.me(ctx, "id")
            ctx.user_id = me.get("id") if isinstance(me.get("id"), str) else None
        setattr(request.state, STATE_KEY, ctx)
        return ctx

    async def me(self, ctx: RequestContext, fields: str) -> dict[str, Any]:
        """``/users/me?fields=...`` as the caller, from the ``token_cache`` while it holds an answer;
        credentials Directus refuses answer 401, an anonymous request too."""
        if ctx.source == "anonymous":
            raise unauthorized("Not authenticated: this route needs a signed-in user", realm=self.realm)
        cache, key = self.token_cache, ctx.token_key
        if cache is not None and key is not None:
            kept = cache.get(key, fields)
            if kept is not None:
                return kept
        try:
            me = await ctx.connection.me(fields=fields)
        except AuthenticationError as exc:
            if cache is not None and key is not None:
                cache.forget(key)
            raise unauthorized(f"Directus refused the credentials ({ctx.source}): {exc.message}",
                               realm=self.realm, invalid=True, code=exc.code) from None
        if cache is not None and key is not None and isinstance(me, dict):
            cache.put(key, fields, me)
        return me

    def current_user(self, model: type[U] = DirectusUser,  # type: ignore[assignment]
                     *, fields: Sequence[str] | None = None) -> Callable[..., Awaitable[U]]:
        """A dependency answering the caller as ``model`` (see :mod:`.users`)."""
        return current_user(self, model, fields=fields)

    async def __call__(self, request: Request, **_schemes: Any) -> AsyncIterator[Directus]:
        # The scheme parameters exist for OpenAPI only; the values are read from the request itself
        # (so the precedence and the error messages are ours).
        ctx = await self.resolve(request)
        if not self.override:
            yield ctx.connection
            return
        with connections.override(ctx.connection, self.alias):
            yield ctx.connection

    # -- guards bound to this dependency ------------------------------------------------------------
    def require_role(self, *roles: str, allow_admin: bool = False) -> Guard:
        """:func:`~directus_orm.contrib.fastapi.require_role` using this dependency."""
        return role_guard(roles, self, allow_admin=allow_admin)

    def require_policy(self, *policies: str, allow_admin: bool = False) -> Guard:
        """:func:`~directus_orm.contrib.fastapi.require_policy` using this dependency:
        ``dependencies=[directus.require_policy("Editors")]``."""
        return policy_guard(policies, self, allow_admin=allow_admin)

    def require_permission(self, collection: str, *actions: Action, full: bool = False) -> Guard:
        """:func:`~directus_orm.contrib.fastapi.require_permission` using this dependency:
        ``dependencies=[directus.require_permission("articles", "update")]``."""
        return permission_guard(collection, actions, self, full=full)

    def require_admin(self) -> Guard:
        """:func:`~directus_orm.contrib.fastapi.require_admin` using this dependency (403 unless the caller
        has Directus admin access)."""
        return admin_guard(self)

    def __repr__(self) -> str:
        return (f"<DirectusDependency alias={self.alias!r} schemes={sorted(self._scheme_names)} "
                f"anonymous={self.allow_anonymous}>")


def _outside_overrides(alias: str) -> Directus:
    """``connections[alias]`` as configured, ignoring any override in force: looked up in an empty
    context, where every context variable (the registry's overrides too) has its default."""
    return contextvars.Context().run(connections.__getitem__, alias)
