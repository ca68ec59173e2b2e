"""Connection and auth details that need no server (an httpx.MockTransport stands in for Directus)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from directus_orm import ConnectionPool, Directus, ImproperlyConfigured, SessionAuth, TokenAuth
from directus_orm.exceptions import APIError


class FakeDirectus:
    """Answers login/refresh/logout/users-me like Directus (json mode), recording method and path."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.issued = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        path = request.url.path
        if path.endswith(("/auth/login", "/auth/refresh")):
            self.issued += 1
            headers = {"set-cookie": "directus_session_token=leaky; Path=/"}
            return httpx.Response(200, headers=headers, json={"data": {
                "access_token": f"access-{self.issued}", "refresh_token": f"refresh-{self.issued}",
                "expires": 900_000}})
        if path.endswith("/auth/logout"):
            return httpx.Response(204)
        if path.endswith("/users/me"):
            auth = request.headers.get("authorization", "")
            cookie = request.headers.get("cookie", "")
            if not auth and not cookie:
                return httpx.Response(401, json={"errors": [{"message": "Invalid user credentials.",
                                                             "extensions": {"code": "INVALID_CREDENTIALS"}}]})
            return httpx.Response(200, json={"data": {"auth": auth, "cookie": cookie}})
        return httpx.Response(404, json={"errors": [{"message": "nope",
                                                     "extensions": {"code": "ROUTE_NOT_FOUND"}}]})

    def pool(self) -> ConnectionPool:
        return ConnectionPool(transport=lambda: httpx.MockTransport(self.handler))


async def test_login_refresh_logout_under_a_path_prefix() -> None:
    fake = FakeDirectus()
    async with Directus("http://cms.invalid/directus", email="a@b.c", password="pw",
                        pool=fake.pool()) as conn:
        await conn.login()
        await conn.refresh()
        await conn.me()
        await conn.logout()
    assert fake.seen == ["POST /directus/auth/login", "POST /directus/auth/refresh", "GET /directus/users/me",
                         "POST /directus/auth/logout"]


async def test_refresh_token_alone_refreshes_first() -> None:
    fake = FakeDirectus()
    async with Directus("http://cms.invalid", refresh_token="kept-from-before", pool=fake.pool()) as conn:
        me = await conn.me()
    assert fake.seen == ["POST /auth/refresh", "GET /users/me"]
    assert me["auth"] == "Bearer access-1"


async def test_a_set_cookie_is_never_kept_by_the_shared_client() -> None:
    fake = FakeDirectus()
    pool = fake.pool()
    user = Directus("http://cms.invalid", email="a@b.c", password="pw", pool=pool)
    anonymous = Directus("http://cms.invalid", pool=pool)
    await user.me()  # the login answered Set-Cookie
    assert not pool.client().cookies
    with pytest.raises(Exception, match="INVALID_CREDENTIALS"):
        await anonymous.me()
    await pool.aclose()


async def test_login_without_arguments_in_session_mode_uses_the_configured_credentials() -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, headers={"set-cookie": "my_cookie=sess-1; Path=/"},
                              json={"data": {"expires": 60_000}})

    pool = ConnectionPool(transport=lambda: httpx.MockTransport(handler))
    conn = Directus("http://cms.invalid", email="a@b.c", password="pw", session_cookie_name="my_cookie",
                    pool=pool)
    await conn.login(mode="session")
    assert sent == [{"email": "a@b.c", "password": "pw", "mode": "session"}]
    assert isinstance(conn.auth, SessionAuth)
    assert conn.auth.cookie_name == "my_cookie" and conn.auth.session_token == "sess-1"
    assert conn.auth._expires_at is not None
    assert conn.auth._expires_at - time.time() == pytest.approx(59, abs=1)
    await pool.aclose()


async def test_login_names_what_is_missing() -> None:
    conn = Directus("http://cms.invalid")
    with pytest.raises(ImproperlyConfigured, match=r"'password' was neither given nor configured"):
        await conn.login("a@b.c")


def test_expiry_allows_for_the_jwt_second() -> None:
    """Directus signs exp = iat + TTL with iat rounded down to the second: a 3 s token may die after 2."""
    auth = TokenAuth("http://cms.invalid", "access", "refresh", expires=3000)
    assert auth._expires_at is not None
    assert auth._expires_at - time.time() == pytest.approx(2.0, abs=0.1)
    assert not auth._stale()
    auth._expires_at = time.time() + 0.5  # inside the last fifth of its 3 s
    assert auth._stale()


def test_repr_hides_a_password_in_the_url() -> None:
    conn = Directus("https://user:hunter2@cms.invalid", token="tok-123")
    assert "hunter2" not in repr(conn) and "tok-123" not in repr(conn)
    assert "cms.invalid" in repr(conn)


def test_the_clients_of_a_pool_share_one_ssl_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx builds an SSL context per client (costly, even for http://); a pool's clients, one per event
    loop, share the pool's."""
    import ssl

    built: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    pool = ConnectionPool()

    async def client() -> httpx.AsyncClient:
        made = pool.client()
        await made.aclose()
        return made

    clients = [asyncio.run(client()) for _ in range(3)]  # three event loops: three clients
    assert len({id(c) for c in clients}) == 3
    assert len(built) == 1


async def test_logout_waits_for_a_refresh_in_flight() -> None:
    """A logout racing a refresh would log out the token the refresh is rotating (leaving the new one
    alive on the server) and the refresh's answer would bring back what the logout forgot."""
    arrived, release = asyncio.Event(), asyncio.Event()
    logged_out: list[Any] = []

    class SlowRefresh(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await request.aread()
            if request.url.path == "/auth/refresh":
                arrived.set()
                await release.wait()
                return httpx.Response(200, json={"data": {
                    "access_token": "access-2", "refresh_token": "refresh-2", "expires": 900_000}})
            assert request.url.path == "/auth/logout"
            logged_out.append(json.loads(request.content))
            return httpx.Response(204)

    pool = ConnectionPool(transport=SlowRefresh)
    async with Directus("http://cms.invalid", access_token="access-1", refresh_token="refresh-1",
                        expires=900_000, pool=pool) as conn:
        refreshing = asyncio.create_task(conn.refresh())
        await arrived.wait()
        logging_out = asyncio.create_task(conn.logout())
        await asyncio.sleep(0.05)
        assert logged_out == []  # waiting for the refresh
        release.set()
        await asyncio.gather(refreshing, logging_out)
    assert logged_out == [{"refresh_token": "refresh-2", "mode": "json"}]
    assert isinstance(conn.auth, TokenAuth) and conn.auth.logged_out and conn.auth.refresh_token is None


@pytest.mark.parametrize(("status", "code", "kept"), [
    (503, "SERVICE_UNAVAILABLE", True),     # the session may be alive: the logout can be retried
    (401, "INVALID_CREDENTIALS", False),    # the session had ended already
])
async def test_a_failed_logout_keeps_credentials_only_when_the_session_may_live(
        status: int, code: str, kept: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"errors": [{"message": "no", "extensions": {"code": code}}]})

    pool = ConnectionPool(transport=lambda: httpx.MockTransport(handler))
    async with Directus("http://cms.invalid", access_token="a", refresh_token="r", pool=pool) as conn:
        with pytest.raises(APIError) as info:
            await conn.logout()
        assert info.value.code == code
        assert isinstance(conn.auth, TokenAuth)
        assert (conn.auth.refresh_token == "r", conn.auth.logged_out) == (kept, not kept)
