"""Authentication as pluggable ``httpx.Auth`` objects.

* :class:`StaticToken` - a user's static token, sent as a Bearer header.
* :class:`TokenAuth` - an access/refresh token pair (json mode), refreshed shortly before it expires and
  again when Directus answers ``TOKEN_EXPIRED``.
* :class:`PasswordAuth` - email + password (+ otp): logs in on first use, then behaves as TokenAuth.
* :class:`SessionAuth` - a ``directus_session_token`` cookie (session mode), refreshed the same way.

Refreshing is single-flight: when many concurrent requests find the token stale, one refresh request is
sent and the others wait for it (at most as long as one such request may take); when it fails, they
all fail with its error at once. The refresh and login requests are yielded from the auth flow, so they
travel through the same client and pool, with the same timeouts, as the request that needed them.

A password the server refused is not sent again for a while (``login_backoff`` seconds, doubling up to
``max_login_backoff``), by any connection object of the process (``login_backoff.py``): Directus
suspends a user after 25 failed logins. A refused refresh (its answer
was lost, the refresh token was revoked) falls back on a login when the password is known.

After a logout (:meth:`DirectusAuth.logout`) every request through the flow raises
:class:`~directus_orm.exceptions.LoggedOut` before anything is sent, until an explicit login succeeds:
never a silent login again, never a request sent as the public role.

Tokens live only in private attributes; ``repr()`` shows the kind of credentials, never their value.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import json
import threading
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Hashable
from typing import Any

import httpx

from ..exceptions import (
    APIError,
    AuthenticationError,
    DirectusError,
    ImproperlyConfigured,
    LoggedOut,
    NetworkError,
    NoSession,
    RequestTimeout,
    UnexpectedResponse,
)
from .answers import check_status, json_object, unexpected
from .login_backoff import credentials_key, refused_logins
from .retries import within

__all__ = ["DirectusAuth", "GrantSender", "PasswordAuth", "SessionAuth", "StaticToken", "TokenAuth"]

SESSION_COOKIE_NAME = "directus_session_token"
JWT_SECOND = 1.0  # resolution of a JWT's iat/exp


class DirectusAuth(httpx.Auth):
    """Base of our auth flows: knows how to log out; async only (the sync face runs on a loop too)."""

    _logged_out = False
    """set by :meth:`forget`: requests raise LoggedOut until a login succeeds"""
    _login_hint = "log in again with login(email, password), or connect with new credentials"
    """what the LoggedOut message tells the user to do"""

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Refused: httpx's blocking clients are not used (the sync face drives the async flow on a loop)."""
        raise DirectusError("directus-orm authenticates through httpx.AsyncClient only")
        yield request  # pragma: no cover - makes this a generator

    def logout_request(self, base_url: str) -> httpx.Request | None:
        """The request that ends this session on the server, or None when there is nothing to end."""
        return None

    async def logout(self, send: GrantSender, base_url: str = "") -> None:
        """End the session on the server (the request :meth:`logout_request` builds, sent through
        ``send`` as :meth:`renew` sends grants) and :meth:`forget` the credentials: later requests
        raise :class:`~directus_orm.exceptions.LoggedOut` before sending. Already logged out: nothing
        is sent. ``base_url``: the server, for flows that do not know it.

        A logout Directus refuses (the session had already ended) forgets all the same and raises
        the answer's typed error; a network error, a 5xx or an answer that is not Directus's keeps the
        credentials (the session may still be alive), so the logout can be retried.
        """
        if self._logged_out:
            return
        request = self.logout_request(base_url)
        if request is not None:
            response = await send(request)
            try:
                check_status(response)
            except UnexpectedResponse:
                raise
            except APIError as exc:
                if exc.status < 500:
                    self.forget()
                raise
        self.forget()

    def forget(self) -> None:
        """Drop the credentials (after a logout): later requests raise LoggedOut."""
        self._logged_out = True

    @property
    def logged_out(self) -> bool:
        """Whether :meth:`forget` (a logout) dropped the credentials and no login succeeded since."""
        return self._logged_out

    def _refuse_if_logged_out(self, method: str, path: str) -> None:
        """Raise LoggedOut for a request about to be sent with forgotten credentials."""
        if self._logged_out:
            raise LoggedOut(f"the connection was logged out (logout() ended its session): {self._login_hint}",
                            status=0, code="LOGGED_OUT", method=method, path=path)

    def grant_failed(self, error: DirectusError) -> None:
        """The login/refresh request this auth's flow sent failed with ``error`` (a network error):
        requests that waited for it fail with it too."""

    @property
    def authenticated(self) -> bool:
        """Whether a credential is held (false after a logout)."""
        return True


class StaticToken(DirectusAuth):
    """A static token (Directus user setting); it never expires, so it is never refreshed."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ImproperlyConfigured("StaticToken needs a non-empty token")
        self._token: str | None = token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """httpx's auth hook: sends ``Authorization: Bearer <token>`` on each request (LoggedOut after
        :meth:`forget`)."""
        self._refuse_if_logged_out(request.method, request.url.path)
        if self._token is not None:
            request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    async def logout(self, send: GrantSender, base_url: str = "") -> None:
        """Refused with :class:`~directus_orm.exceptions.NoSession`, before anything is sent: a
        static token is no session, Directus accepts it until it is changed or removed on its user
        (an access token sent as one stays valid until it expires). The connection is unchanged."""
        raise NoSession(
            "logout() ends a session, and a static token has none: Directus accepts the token until it "
            "is changed or removed on its user (an access token given as token= stays valid until it "
            "expires); stop using this connection (aclose()) instead"
        )

    def forget(self) -> None:
        """Drop the token here (the server still accepts it): later requests raise LoggedOut."""
        super().forget()
        self._token = None

    @property
    def authenticated(self) -> bool:
        """Whether the token is still held (false after :meth:`forget`)."""
        return self._token is not None

    def __repr__(self) -> str:
        return "StaticToken(token='***')"


def _jwt_expiry(token: str) -> float | None:
    """Seconds since the epoch at which a JWT expires (read, not verified), or None."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload)).get("exp")
    except (IndexError, ValueError, AttributeError):
        return None
    return float(exp) if isinstance(exp, (int, float)) else None


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
        code = body["errors"][0]["extensions"]["code"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return code if isinstance(code, str) else None


GrantSteps = Generator[httpx.Request, httpx.Response, None]
GrantSender = Callable[[httpx.Request], Awaitable[httpx.Response]]
"""Sends a login/refresh request without any auth flow and returns the answer unchecked."""


def _bounded(grant: httpx.Request, request: httpx.Request) -> httpx.Request:
    """The grant request with the timeouts of the request that needed it (an ``httpx.Request`` built
    outside a client carries none: httpcore would wait forever)."""
    timeout = request.extensions.get("timeout")
    if timeout is not None and "timeout" not in grant.extensions:
        grant.extensions = {**grant.extensions, "timeout": timeout}
    return grant


def _lock_wait(request: httpx.Request) -> float | None:
    """How long a request waits for another's login/refresh: what one grant request may take."""
    timeout = request.extensions.get("timeout")
    if not isinstance(timeout, dict):
        return None
    parts = [timeout.get(k) for k in ("connect", "write", "read")]
    known = [p for p in parts if isinstance(p, (int, float))]
    return sum(known) if known else None


def _copy(exc: Exception) -> Exception:
    """A fresh instance of a failure to raise in another task (one instance raised in several
    tasks would mix their tracebacks)."""
    try:
        fresh = copy.copy(exc)
    except Exception:  # not copyable: raise the instance itself
        return exc
    fresh.__cause__ = exc.__cause__  # what made the login/refresh fail (a copy does not carry it)
    return fresh


class _RefreshingAuth(DirectusAuth):
    """Shared machinery: an expiring access credential, a refresh request, single-flight locking."""

    leeway = 5.0
    """refresh this many seconds before expiry at most (and at most a fifth of the token's lifetime)"""
    refresh_when_expired = True
    """whether a ``401 TOKEN_EXPIRED`` answer triggers a refresh and one retry"""
    login_backoff = 2.0
    """seconds a refused password is not sent again (doubling per refusal, up to max_login_backoff)"""
    max_login_backoff = 300.0

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url.rstrip("/")
        self._access: str | None = None
        self._expires_at: float | None = None  # time.time() seconds
        self._lifetime: float | None = None
        self._generation = 0  # bumped on every new credential; lets waiters see a refresh happened
        # One asyncio.Lock per event loop (a lock is bound to the loop it is first used on).
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._locks_guard = threading.Lock()
        self._attempts = 0  # grants tried; with _failure, lets waiters see one failed while they waited
        self._failure: Exception | None = None

    # -- hooks for subclasses ---------------------------------------------------------------------
    def _can_refresh(self) -> bool:
        raise NotImplementedError

    def _refresh_request(self) -> httpx.Request:
        raise NotImplementedError

    def _authorize(self, request: httpx.Request) -> None:
        raise NotImplementedError

    def _read_grant(self, response: httpx.Response) -> None:
        """Take the new credential from a login/refresh response (raising its typed error if any)."""
        raise NotImplementedError

    def _needs_login(self) -> bool:
        return False

    def _login_request(self) -> httpx.Request:
        raise NotImplementedError

    def _can_login(self) -> bool:
        return False

    def grant_failed(self, error: DirectusError) -> None:
        """The login/refresh request this flow sent failed with ``error``: the requests waiting for it fail
        with it too."""
        self._failure = error

    # -- getting a credential ---------------------------------------------------------------------
    def _grant_steps(self, login: bool, *, explicit: bool = False) -> GrantSteps:
        """The requests that get a new credential: a refresh, or a login (also when a refresh is
        refused and the password is known). Yields each request, receives its answer. After a logout
        only an explicit login is sent."""
        if self._logged_out and not (login and explicit):
            self._refuse_if_logged_out("POST", httpx.URL(f"{self._base_url}/auth/refresh").path)
        if not login:
            response = yield self._refresh_request()
            try:
                self._read_grant(response)
                return
            except AuthenticationError:
                if not self._can_login():
                    raise
        key = self._credentials_key()
        refused = refused_logins.refused(key)
        if not explicit and refused is not None:
            raise _copy(refused)
        response = yield self._login_request()
        try:
            self._read_grant(response)
        except AuthenticationError as exc:
            refused_logins.refuse(key, exc, self.login_backoff, self.max_login_backoff)
            raise
        refused_logins.accept(key)
        self._logged_out = False

    def _credentials_key(self) -> Hashable:
        """What a refused login is remembered by, process-wide (``refused_logins``)."""
        return (self._base_url, id(self))

    @contextlib.asynccontextmanager
    async def _turn(self, request: httpx.Request, seen: int | None = None) -> AsyncIterator[bool]:
        """Hold the auth's lock (waiting a bounded time); yields whether this task should get a new
        credential: False when another did since generation ``seen`` (default: now), and raises its
        error when one failed while we waited."""
        seen = self._generation if seen is None else seen
        tried = self._attempts
        lock = self._lock()
        try:
            await within(_lock_wait(request), lock.acquire())
        except asyncio.TimeoutError as exc:
            raise RequestTimeout("timed out waiting for another request's login/refresh",
                                 method=request.method, path=request.url.path) from exc
        try:
            if self._generation != seen:
                yield False
            elif self._attempts != tried and self._failure is not None:
                raise _copy(self._failure)
            else:
                try:
                    yield True
                except Exception as exc:
                    self._failure = exc
                    raise
                except BaseException:
                    # The flow was closed while its grant request was out: that request failed (the
                    # connection notes the precise error next) or was cancelled.
                    self._failure = NetworkError("the login/refresh request failed",
                                                 method=request.method, path=request.url.path)
                    raise
                else:
                    self._failure = None
                finally:
                    self._attempts += 1
        finally:
            lock.release()

    # -- public: getting a credential on request ---------------------------------------------------
    @property
    def can_refresh(self) -> bool:
        """Whether :meth:`renew` can refresh this credential (a refresh token or session is held)."""
        return self._can_refresh()

    async def renew(self, send: GrantSender, *, login: bool = False) -> None:
        """Get a new credential now: a refresh, or a login when ``login`` is true (a refused refresh
        logs in again when the password is known).

        ``send`` sends one login/refresh request as it is (no auth flow) and returns the answer
        unchecked; ``Directus`` passes its own. Single-flight with the refreshes of the auth flow
        (it holds the same lock); a refused password's back-off does not apply to this explicit call.
        Raises the typed error of a refused answer.
        """
        async with self._lock():
            steps = self._grant_steps(login, explicit=True)
            grant = next(steps)
            while True:
                response = await send(grant)
                try:
                    grant = steps.send(response)
                except StopIteration:
                    return

    async def logout(self, send: GrantSender, base_url: str = "") -> None:
        """:meth:`DirectusAuth.logout`, single-flight with the refreshes (it holds the same lock): a
        refresh in flight would otherwise rotate the token being logged out, or bring back
        credentials just forgotten."""
        async with self._lock():
            await super().logout(send, base_url)

    # -- shared -----------------------------------------------------------------------------------
    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._locks_guard:
            lock = self._locks.get(loop)
            if lock is None:
                lock = self._locks[loop] = asyncio.Lock()
            return lock

    def _set_expiry(self, expires_ms: Any, token: str | None) -> None:
        if isinstance(expires_ms, (int, float)) and expires_ms > 0:
            self._lifetime = expires_ms / 1000
            # The JWT's exp is iat + TTL with iat in whole seconds (rounded down), so the token can die up
            # to a second before "now + expires": count that second off. (Relative, so clock skew between
            # us and the server does not matter; a session cookie cannot be refreshed once expired.)
            self._expires_at = time.time() + self._lifetime - min(JWT_SECOND, self._lifetime / 2)
        else:
            exp = _jwt_expiry(token) if token else None
            self._expires_at = exp
            self._lifetime = (exp - time.time()) if exp else None
        self._generation += 1

    def _stale(self) -> bool:
        if self._access is None or self._expires_at is None:
            return False
        margin = min(self.leeway, (self._lifetime or 0) / 5)
        return time.time() >= self._expires_at - margin

    def _raise_for(self, response: httpx.Response) -> dict[str, Any]:
        """The ``data`` of a grant's answer; its typed error, or UnexpectedResponse when it is not
        a Directus answer."""
        data = (json_object(response) or {}).get("data") or {}
        return data if isinstance(data, dict) else {}

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """httpx's auth hook: logs in or refreshes first when needed (one request at a time, the others
        wait for it), authorizes the request, and after a ``401 TOKEN_EXPIRED`` refreshes and sends it
        once more."""
        # Overriding async_auth_flow skips httpx's own body reading: read what we inspect.
        expired = False  # the server answered TOKEN_EXPIRED: refresh once and send again
        sent = self._generation
        while True:
            self._refuse_if_logged_out(request.method, request.url.path)
            if expired or self._needs_login() or (self._stale() and self._can_refresh()):
                async with self._turn(request, sent if expired else None) as mine:
                    if mine:
                        self._refuse_if_logged_out(request.method, request.url.path)  # while we waited
                        steps = self._grant_steps(self._needs_login())
                        grant: httpx.Request | None = next(steps)
                        while grant is not None:
                            grant_response = yield _bounded(grant, request)
                            await grant_response.aread()
                            try:
                                grant = steps.send(grant_response)
                            except StopIteration:
                                grant = None
            self._refuse_if_logged_out(request.method, request.url.path)  # a logout while we waited
            self._authorize(request)
            sent = self._generation
            response = yield request
            if (expired or response.status_code != 401 or not self.refresh_when_expired
                    or not self._can_refresh()):
                return
            await response.aread()
            if _error_code(response) != "TOKEN_EXPIRED":
                return
            expired = True

    @property
    def authenticated(self) -> bool:
        """Whether an access credential is held (false before the first login and after a logout)."""
        return self._access is not None


class TokenAuth(_RefreshingAuth):
    """An access/refresh token pair from ``/auth/login`` (json mode), refreshed as needed.

    ``expires`` is Directus's lifetime in milliseconds; when omitted, the JWT's own ``exp`` is used.
    """

    def __init__(
        self,
        base_url: str,
        access_token: str | None = None,
        refresh_token: str | None = None,
        expires: int | None = None,
    ) -> None:
        super().__init__(base_url)
        self._access = access_token
        self._refresh: str | None = refresh_token
        if access_token:
            self._set_expiry(expires, access_token)

    def _can_refresh(self) -> bool:
        return self._refresh is not None

    def _stale(self) -> bool:
        # Only a refresh token (e.g. kept from an earlier run): get an access token before the request,
        # instead of sending it unauthenticated as the public role.
        if self._access is None:
            return self._refresh is not None
        return super()._stale()

    def _refresh_request(self) -> httpx.Request:
        return httpx.Request(
            "POST", f"{self._base_url}/auth/refresh", json={"refresh_token": self._refresh, "mode": "json"}
        )

    def _authorize(self, request: httpx.Request) -> None:
        if self._access is not None:
            request.headers["Authorization"] = f"Bearer {self._access}"

    def _read_grant(self, response: httpx.Response) -> None:
        data = self._raise_for(response)
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise unexpected(response, "no access_token in the answer; was the login made in json mode?")
        self._access = access
        self._refresh = data.get("refresh_token", self._refresh)
        self._set_expiry(data.get("expires"), self._access)

    def logout_request(self, base_url: str) -> httpx.Request | None:
        """``POST /auth/logout`` with the refresh token (json mode), or None when none is held."""
        if self._refresh is None:
            return None
        return httpx.Request(
            "POST", f"{self._base_url}/auth/logout", json={"refresh_token": self._refresh, "mode": "json"}
        )

    def forget(self) -> None:
        """Drop both tokens (after ``conn.logout()``): later requests raise LoggedOut."""
        super().forget()
        self._access = self._refresh = None
        self._expires_at = None

    @property
    def access_token(self) -> str | None:
        """The current access token (for handing to another client; never logged)."""
        return self._access

    @property
    def refresh_token(self) -> str | None:
        """The current refresh token (``None`` when none was granted); never logged."""
        return self._refresh

    def __repr__(self) -> str:
        state = "active" if self._access else "empty"
        return f"{type(self).__name__}({state})"


class PasswordAuth(TokenAuth):
    """Email + password (+ ``otp`` for two-factor users): logs in on first use, then refreshes."""

    _login_hint = "call login() to log in again"  # a logout never logs in again by itself

    def __init__(self, base_url: str, email: str, password: str, otp: str | None = None) -> None:
        if not email or not password:
            raise ImproperlyConfigured("PasswordAuth needs both an email and a password")
        super().__init__(base_url)
        self._email = email
        self._password = password
        self._otp = otp

    def _needs_login(self) -> bool:
        return self._access is None and not self._logged_out

    def _can_login(self) -> bool:
        return not self._logged_out

    def _credentials_key(self) -> Hashable:
        return credentials_key(self._base_url, self._email, f"{self._password}\0{self._otp or ''}")

    def _login_request(self) -> httpx.Request:
        return httpx.Request("POST", f"{self._base_url}/auth/login", json=self.login_body())

    @property
    def email(self) -> str:
        """The account's email (the password is never exposed)."""
        return self._email

    async def login(self, send: GrantSender, otp: str | None = None) -> None:
        """Log in now (also after a logout: once it succeeds, requests are sent again), through
        ``send`` (see :meth:`renew`); ``otp`` replaces the stored one."""
        if otp is not None:
            self._otp = otp
        await self.renew(send, login=True)

    def replace(self, email: str | None = None, password: str | None = None,
                otp: str | None = None) -> PasswordAuth:
        """A new PasswordAuth for the same server: the given values in place of this one's."""
        return PasswordAuth(self._base_url, self._email if email is None else email,
                            self._password if password is None else password,
                            self._otp if otp is None else otp)

    def login_body(self, mode: str = "json") -> dict[str, Any]:
        """The JSON body of a login request in ``mode`` ("json" or "session"). It holds the password:
        send it, never log it."""
        body: dict[str, Any] = {"email": self._email, "password": self._password, "mode": mode}
        if self._otp:
            body["otp"] = self._otp
        return body

    def __repr__(self) -> str:
        return f"PasswordAuth(email={self._email!r}, password='***')"


class SessionAuth(_RefreshingAuth):
    """A Directus session cookie (``mode: "session"``), e.g. taken from a browser request.

    The token is sent as the ``directus_session_token`` cookie (``cookie_name`` if configured
    differently) on each request, never stored in the shared client's cookie jar, so connections
    sharing a pool never see each other's sessions.
    """

    refresh_when_expired = False
    """Directus refuses to refresh a session whose cookie JWT has expired (``/auth/refresh`` answers
    TOKEN_EXPIRED itself), so only the proactive refresh before ``expires`` can keep a session alive;
    retrying after a TOKEN_EXPIRED answer would only replace that error with the refresh's."""

    def __init__(
        self,
        base_url: str,
        session_token: str,
        cookie_name: str = SESSION_COOKIE_NAME,
        expires: int | None = None,
    ) -> None:
        if not session_token:
            raise ImproperlyConfigured("SessionAuth needs a non-empty session token")
        super().__init__(base_url)
        self.cookie_name = cookie_name
        self._access = session_token
        self._set_expiry(expires, session_token)

    def _can_refresh(self) -> bool:
        return self._access is not None

    def _authorize(self, request: httpx.Request) -> None:
        if self._access is not None:
            request.headers["Cookie"] = f"{self.cookie_name}={self._access}"

    def _refresh_request(self) -> httpx.Request:
        request = httpx.Request("POST", f"{self._base_url}/auth/refresh", json={"mode": "session"})
        self._authorize(request)
        return request

    def _read_grant(self, response: httpx.Response) -> None:
        data = self._raise_for(response)
        token = response.cookies.get(self.cookie_name)
        if not token:
            raise unexpected(response, "a session refresh answered without a session cookie")
        self._access = token
        self._set_expiry(data.get("expires"), token)

    def logout_request(self, base_url: str) -> httpx.Request | None:
        """``POST /auth/logout`` in session mode with the cookie, or None when no session is held."""
        if self._access is None:
            return None
        request = httpx.Request("POST", f"{self._base_url}/auth/logout", json={"mode": "session"})
        self._authorize(request)
        return request

    def forget(self) -> None:
        """Drop the session token (after ``conn.logout()``): later requests raise LoggedOut."""
        super().forget()
        self._access = None
        self._expires_at = None

    @property
    def session_token(self) -> str | None:
        """The current session token (it changes on each refresh); never logged."""
        return self._access

    def __repr__(self) -> str:
        return f"SessionAuth(cookie={self.cookie_name!r}, token='***')"
