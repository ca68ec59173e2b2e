"""What a connection does after ``logout()``, for every kind of credentials, against the real server.

A logout ends the session on the server (checked through raw REST: the refresh token or the session
cookie no longer works) and every later request on the connection raises ``LoggedOut`` (an
``AuthenticationError``) before anything is sent, until ``login()`` succeeds again. A static token has
no session: its logout is refused and the connection keeps working.

The password logins use the admin account (its static token, which other tests use, is not a
session and is left alone): an extra user with app access would take one of the unlicensed server's
three seats.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from directus_orm import ConnectionPool, Directus, DirectusModel, connections
from directus_orm.exceptions import (
    AuthenticationError,
    ImproperlyConfigured,
    InvalidCredentials,
    InvalidUsage,
    LoggedOut,
)
from tests.conftest import ServerInfo, create_collection
from tests.support.totp import fresh_totp

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # tokens and cookies are minted per run

NOTES = "logout_notes"


class LogoutNote(DirectusModel):
    id: int | None = None
    text: str

    class Meta:
        collection = NOTES


class Traffic:
    """What a pool sends, through httpx event hooks."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def on_request(self, request: httpx.Request) -> None:
        self.sent.append(f"{request.method} {request.url.path}")

    def pool(self) -> ConnectionPool:
        return ConnectionPool(event_hooks={"request": [self.on_request]})


@pytest.fixture(scope="module")
async def note(admin: Directus) -> AsyncIterator[int]:
    await create_collection(admin, NOTES, [{"field": "text", "type": "string", "schema": {}, "meta": {}}])
    created = await admin.post(f"/items/{NOTES}", json={"text": "kept"})
    yield int(created["data"]["id"])
    await admin.delete(f"/collections/{NOTES}")


async def raw(url: str, method: str, path: str, **kwargs: Any) -> tuple[int, str | None]:
    """Status and Directus error code of a request made outside directus-orm."""
    async with httpx.AsyncClient() as client:
        response = await client.request(method, f"{url}{path}", **kwargs)
    code = response.json()["errors"][0]["extensions"]["code"] if response.status_code >= 400 else None
    return response.status_code, code


def raw_refresh(url: str, refresh_token: str) -> Any:
    return raw(url, "POST", "/auth/refresh", json={"refresh_token": refresh_token, "mode": "json"})


def assert_logged_out(exc: LoggedOut, method: str, path: str, hint: str) -> None:
    assert isinstance(exc, AuthenticationError)
    assert (exc.code, exc.status, exc.method, exc.path) == ("LOGGED_OUT", 0, method, path)
    assert "logged out" in str(exc) and hint in str(exc)


# --- email + password ------------------------------------------------------------------------------
async def test_password_logout_refuses_every_request_until_login(
        directus_server: ServerInfo, admin: Directus, note: int) -> None:
    traffic = Traffic()
    url, email, password = directus_server.url, directus_server.email, directus_server.password
    async with Directus(url, email=email, password=password, pool=traffic.pool()) as conn:
        assert (await conn.me(fields="email"))["email"] == email
        refresh_token = conn.auth.refresh_token  # type: ignore[union-attr]
        assert refresh_token
        await conn.logout()
        assert traffic.sent[-1] == "POST /auth/logout"
        # Ended on the server: the refresh token is refused.
        assert await raw_refresh(url, refresh_token) == (401, "INVALID_CREDENTIALS")

        traffic.sent.clear()
        with pytest.raises(LoggedOut) as info:
            await conn.me()
        assert_logged_out(info.value, "GET", "/users/me", "call login()")
        with pytest.raises(LoggedOut) as info:
            await conn.get(f"/items/{NOTES}")  # was Forbidden: sent as the public role
        assert_logged_out(info.value, "GET", f"/items/{NOTES}", "call login()")
        async with connections.override(admin):
            kept = await LogoutNote.objects.get(pk=note)
        async with connections.override(conn):
            with pytest.raises(LoggedOut):
                await LogoutNote.objects.count()
            kept.text = "changed while logged out"
            with pytest.raises(LoggedOut):
                await kept.save()
        assert kept.text == "changed while logged out"  # the instance keeps its change
        with pytest.raises(LoggedOut):
            await conn.refresh()
        await conn.logout()  # a second logout has nothing to end
        assert traffic.sent == []  # nothing at all was sent as the logged-out user
        assert (await admin.get(f"/items/{NOTES}/{note}"))["data"]["text"] == "kept"

        await conn.login()  # the configured credentials again
        assert (await conn.me(fields="email"))["email"] == email
        await conn.patch(f"/items/{NOTES}/{note}", json={"text": "written after login"})
        assert (await admin.get(f"/items/{NOTES}/{note}"))["data"]["text"] == "written after login"
        second = conn.auth.refresh_token  # type: ignore[union-attr]
        await conn.logout()
    assert await raw_refresh(url, second) == (401, "INVALID_CREDENTIALS")


async def test_lazy_password_connection_logged_out_before_any_login(directus_server: ServerInfo) -> None:
    traffic = Traffic()
    async with Directus(directus_server.url, email=directus_server.email, password=directus_server.password,
                        pool=traffic.pool()) as conn:
        await conn.logout()  # no session yet: nothing to send
        with pytest.raises(LoggedOut):
            await conn.me()  # never a silent login after a logout
        assert traffic.sent == []
        await conn.login()
        assert (await conn.me(fields="email"))["email"] == directus_server.email
        await conn.logout()


async def test_a_refused_login_after_logout_stays_logged_out(directus_server: ServerInfo) -> None:
    async with Directus(directus_server.url, email=directus_server.email,
                        password=directus_server.password) as conn:
        await conn.login()
        await conn.logout()
        with pytest.raises(InvalidCredentials):
            await conn.login(directus_server.email, "not-the-password")
        with pytest.raises(LoggedOut):
            await conn.me()


@pytest.mark.directus("11", reason="the OTP user's permissions live in a policy (Directus 11)")
async def test_otp_logout_and_login_with_a_fresh_otp(directus_server: ServerInfo, admin: Directus) -> None:
    # Enabling 2FA writes the user's own tfa_secret: a policy without app access (no seat) that may
    # read and update directus_users allows it.
    email, password = "logout-otp@example.com", "logout-otp-password-1"
    policy = (await admin.post("/policies", json={"name": "logout-otp policy", "app_access": False}))["data"]
    for action in ("read", "update"):
        await admin.post("/permissions", json={"policy": policy["id"], "collection": "directus_users",
                                               "action": action, "fields": ["*"]})
    role = (await admin.post("/roles", json={"name": "logout-otp", "policies": [
        {"policy": policy["id"]}]}))["data"]
    user = (await admin.post("/users", json={"email": email, "password": password, "role": role["id"],
                                             "status": "active"}))["data"]
    try:
        async with Directus(directus_server.url, email=email, password=password) as setup:
            generated = await setup.post("/users/me/tfa/generate", json={"password": password})
            secret = generated["data"]["secret"]
            await setup.post("/users/me/tfa/enable", json={"secret": secret, "otp": fresh_totp(secret)})
        async with Directus(directus_server.url, email=email, password=password,
                            otp=fresh_totp(secret)) as conn:
            assert (await conn.me(fields="id"))["id"] == user["id"]
            refresh_token = conn.auth.refresh_token  # type: ignore[union-attr]
            await conn.logout()
            assert await raw_refresh(directus_server.url, refresh_token) == (401, "INVALID_CREDENTIALS")
            with pytest.raises(LoggedOut):
                await conn.me()
            await conn.login(otp=fresh_totp(secret))
            assert (await conn.me(fields="id"))["id"] == user["id"]
            await conn.logout()
    finally:
        await admin.delete(f"/users/{user['id']}")
        await admin.delete(f"/roles/{role['id']}")
        await admin.delete(f"/policies/{policy['id']}")


# --- a token pair ----------------------------------------------------------------------------------
async def test_token_pair_logout(directus_server: ServerInfo) -> None:
    url = directus_server.url
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{url}/auth/login", json={
            "email": directus_server.email, "password": directus_server.password, "mode": "json"})
    pair = answer.json()["data"]
    async with Directus(url, access_token=pair["access_token"], refresh_token=pair["refresh_token"],
                        expires=pair["expires"]) as conn:
        assert (await conn.me(fields="email"))["email"] == directus_server.email
        await conn.logout()
        assert await raw_refresh(url, pair["refresh_token"]) == (401, "INVALID_CREDENTIALS")
        with pytest.raises(LoggedOut) as info:
            await conn.me()
        assert_logged_out(info.value, "GET", "/users/me", "login(email, password)")
        with pytest.raises(ImproperlyConfigured):
            await conn.login()  # a token pair holds no password to log in with
        await conn.login(directus_server.email, directus_server.password)
        assert (await conn.me(fields="email"))["email"] == directus_server.email
        await conn.logout()


# --- a session cookie ------------------------------------------------------------------------------
async def test_session_logout(directus_server: ServerInfo) -> None:
    url = directus_server.url
    async with Directus(url) as conn:
        await conn.login(directus_server.email, directus_server.password, mode="session")
        cookie = {"Cookie": f"directus_session_token={conn.auth.session_token}"}  # type: ignore[union-attr]
        assert await raw(url, "GET", "/users/me", headers=cookie) == (200, None)
        await conn.logout()
        assert await raw(url, "GET", "/users/me", headers=cookie) == (401, "INVALID_CREDENTIALS")
        with pytest.raises(LoggedOut) as info:
            await conn.me()
        assert_logged_out(info.value, "GET", "/users/me", "login(email, password)")
        await conn.login(directus_server.email, directus_server.password, mode="session")
        assert (await conn.me(fields="email"))["email"] == directus_server.email
        await conn.logout()


# --- no session to end -----------------------------------------------------------------------------
async def test_static_token_logout_is_refused(directus_server: ServerInfo) -> None:
    traffic = Traffic()
    async with Directus(directus_server.url, token=directus_server.token, pool=traffic.pool()) as conn:
        with pytest.raises(InvalidUsage, match="static token"):
            await conn.logout()
        assert traffic.sent == []
        assert (await conn.me(fields="email"))["email"] == directus_server.email  # unchanged
    assert await raw(directus_server.url, "GET", "/users/me",
                     headers={"Authorization": f"Bearer {directus_server.token}"}) == (200, None)
    async with Directus(directus_server.url) as anonymous:
        with pytest.raises(InvalidUsage, match="no credentials"):
            await anonymous.logout()


# --- sharing a pool --------------------------------------------------------------------------------
async def test_logging_out_one_pooled_connection_leaves_the_others(directus_server: ServerInfo) -> None:
    """Two sessions of one user over one pool (as per-request connections are): one logs out."""
    pool = ConnectionPool()
    url, email, password = directus_server.url, directus_server.email, directus_server.password
    first = Directus(url, email=email, password=password, pool=pool)
    second = first.with_auth(email=email, password=password)
    session = first.with_auth()
    await session.login(email, password, mode="session")
    await first.login()
    await second.login()
    kept = second.auth.refresh_token  # type: ignore[union-attr]
    await first.logout()
    await session.logout()
    with pytest.raises(LoggedOut):
        await first.me()
    assert (await second.me(fields="email"))["email"] == email
    await second.refresh()  # its refresh token is still alive
    assert second.auth.refresh_token != kept  # type: ignore[union-attr]
    assert not pool.client().cookies  # the session logout's Set-Cookie was not kept for the others
    await second.logout()
    await pool.aclose()


async def test_fastapi_caller_logout_ends_only_their_session(directus_server: ServerInfo) -> None:
    """Per-request connections of two browser sessions of one user: one logs out through the app."""
    from fastapi import Depends, FastAPI

    from directus_orm.contrib.fastapi import DirectusDependency, install_exception_handlers

    directus = DirectusDependency(url=directus_server.url, override=False)
    app = FastAPI()
    install_exception_handlers(app)

    @app.post("/logout")
    async def logout(conn: Directus = Depends(directus)) -> dict[str, Any]:  # noqa: B008
        await conn.logout()
        return await conn.me(fields="email")  # LoggedOut: answered 401

    @app.get("/me")
    async def me(conn: Directus = Depends(directus)) -> dict[str, Any]:  # noqa: B008
        return await conn.me(fields="email")

    url = directus_server.url
    async with httpx.AsyncClient() as raw_client:
        cookies = []
        for _ in range(2):
            answer = await raw_client.post(f"{url}/auth/login", json={
                "email": directus_server.email, "password": directus_server.password, "mode": "session"})
            cookies.append({"Cookie": f"directus_session_token={answer.cookies['directus_session_token']}"})
            raw_client.cookies.clear()
    gone, alive = cookies
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.post("/logout", headers=gone)
        assert (answer.status_code, answer.json()["code"]) == (401, "LOGGED_OUT")
        assert (await client.get("/me", headers=alive)).json()["email"] == directus_server.email
        assert (await client.get("/me", headers=gone)).status_code == 401
    assert await raw(url, "GET", "/users/me", headers=gone) == (401, "INVALID_CREDENTIALS")
    assert await raw(url, "GET", "/users/me", headers=alive) == (200, None)
    await raw(url, "POST", "/auth/logout", json={"mode": "session"}, headers=alive)
    await directus.aclose()


async def test_fastapi_logout_of_a_caller_without_a_session_answers_400(directus_server: ServerInfo) -> None:
    """A Bearer caller (a static token) or an anonymous one has no session to end: the route answers
    400 with the typed body, nothing is sent to Directus, and the token keeps working there."""
    from fastapi import Depends, FastAPI

    from directus_orm.contrib.fastapi import DirectusDependency, install_exception_handlers

    traffic = Traffic()
    directus = DirectusDependency(url=directus_server.url, override=False, allow_anonymous=True,
                                  verify=False, pool=traffic.pool())
    app = FastAPI()
    install_exception_handlers(app)

    @app.post("/logout")
    async def logout(conn: Directus = Depends(directus)) -> None:  # noqa: B008
        await conn.logout()

    bearer = {"Authorization": f"Bearer {directus_server.token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for headers, said in ((bearer, "static token"), ({}, "no credentials")):
            answer = await client.post("/logout", headers=headers)
            assert answer.status_code == 400
            body = answer.json()
            assert body["code"] == "NO_SESSION" and said in body["detail"]
            assert directus_server.token not in answer.text
    assert traffic.sent == []
    assert await raw(directus_server.url, "GET", "/users/me", headers=bearer) == (200, None)
    await directus.aclose()


# --- the sync face ---------------------------------------------------------------------------------
def test_sync_logout_and_login(directus_server: ServerInfo) -> None:
    conn = Directus(directus_server.url, email=directus_server.email, password=directus_server.password)
    conn.sync.login()
    refresh_token = conn.auth.refresh_token  # type: ignore[union-attr]
    conn.sync.logout()
    with pytest.raises(LoggedOut):
        conn.sync.me()
    status = httpx.post(f"{directus_server.url}/auth/refresh",
                        json={"refresh_token": refresh_token, "mode": "json"}).status_code
    assert status == 401
    conn.sync.login()
    assert conn.sync.me(fields="email")["email"] == directus_server.email
    conn.sync.logout()
    conn.sync.aclose()
