"""Authentication against the real server: every mode, refresh, single-flight, secrets (logout:
test_logout.py).

Cassettes match request bodies, so tests whose bodies carry values issued at run time (refresh tokens,
OTPs) or that need the short-TTL second server are ``live_only``, like those that depend on timing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from directus_orm import ConnectionPool, Directus, PasswordAuth, SessionAuth, StaticToken, TokenAuth
from directus_orm.exceptions import InvalidCredentials, InvalidOTP, TokenExpired
from directus_orm.sync import SyncUsageError
from tests.conftest import ServerInfo
from tests.support.roles import make_role
from tests.support.server import another_server
from tests.support.totp import fresh_totp

pytestmark = pytest.mark.integration

TTL = 3.0  # ACCESS_TOKEN_TTL / SESSION_COOKIE_TTL of the short-TTL server, seconds
EDITOR_EMAIL = "auth-editor@example.com"
EDITOR_PASSWORD = "auth-editor-password-1"
OTP_EMAIL = "auth-otp@example.com"
OTP_PASSWORD = "auth-otp-password-1"


# --- helpers ---------------------------------------------------------------------------------------
async def raw_login(url: str, email: str, password: str, mode: str = "json") -> httpx.Response:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{url}/auth/login", json={"email": email, "password": password,
                                                                 "mode": mode})
    response.raise_for_status()
    return response


async def raw_status(url: str, method: str, path: str, **kwargs: Any) -> tuple[int, str | None]:
    """Status and Directus error code of a request made outside directus-orm (a second opinion)."""
    async with httpx.AsyncClient() as client:
        response = await client.request(method, f"{url}{path}", **kwargs)
    code = None
    if response.status_code >= 400:
        code = response.json()["errors"][0]["extensions"]["code"]
    return response.status_code, code


async def replace_user(admin: Directus, email: str, password: str, role: str | None) -> dict[str, Any]:
    body = await admin.get("/users", params={"filter": {"email": {"_eq": email}}, "fields": "id"})
    for row in body["data"]:
        await admin.delete(f"/users/{row['id']}")
    created = await admin.post("/users", json={"email": email, "password": password, "role": role,
                                                "status": "active"})
    return dict(created["data"])


async def app_role(admin: Directus, name: str, *, admin_access: bool = False) -> str:
    """A role with an app-access policy: its users may read their own ``/users/me``."""
    body = await admin.get("/roles", params={"filter": {"name": {"_eq": name}}, "fields": "id"})
    if body["data"]:
        return str(body["data"][0]["id"])
    return (await make_role(admin, name, app_access=True, admin_access=admin_access)).id


class Traffic:
    """Counts what a pool sends and receives, through httpx event hooks."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.responses: list[tuple[str, int]] = []

    async def on_request(self, request: httpx.Request) -> None:
        self.requests.append(request.url.path)

    async def on_response(self, response: httpx.Response) -> None:
        self.responses.append((response.request.url.path, response.status_code))

    def pool(self) -> ConnectionPool:
        return ConnectionPool(event_hooks={"request": [self.on_request], "response": [self.on_response]})

    def clear(self) -> None:
        self.requests.clear()
        self.responses.clear()


# --- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def short_server() -> Iterator[ServerInfo]:
    """A second server whose access tokens and session cookies live 3 s."""
    with another_server(ACCESS_TOKEN_TTL="3s", SESSION_COOKIE_TTL="3s") as server:
        yield server


@pytest.fixture(scope="module")
async def editor(admin: Directus) -> AsyncIterator[dict[str, Any]]:
    role = await app_role(admin, "auth-tests-editor")
    user = await replace_user(admin, EDITOR_EMAIL, EDITOR_PASSWORD, role)
    yield user
    # An app user takes one of the unlicensed server's 3 seats: later modules need it.
    await admin.delete(f"/users/{user['id']}")


@pytest.fixture
async def traffic() -> AsyncIterator[Traffic]:
    yield Traffic()


# --- static token ----------------------------------------------------------------------------------
async def test_static_token(directus_server: ServerInfo) -> None:
    async with Directus(directus_server.url, token=directus_server.token) as conn:
        assert isinstance(conn.auth, StaticToken)
        me = await conn.me()
        assert me["email"] == directus_server.email


async def test_invalid_static_token_is_refused(directus_server: ServerInfo) -> None:
    secret = "not-a-real-static-token-123"
    async with Directus(directus_server.url, token=secret) as conn:
        with pytest.raises(InvalidCredentials) as info:
            await conn.me()
    err = info.value
    assert (err.status, err.code, err.method, err.path) == (401, "INVALID_CREDENTIALS", "GET", "/users/me")
    assert secret not in str(err) and secret not in repr(err)


# --- email + password ------------------------------------------------------------------------------
async def test_password_lazy_login_on_first_request(directus_server: ServerInfo, editor: dict[str, Any],
                                                    traffic: Traffic) -> None:
    async with Directus(directus_server.url, email=EDITOR_EMAIL, password=EDITOR_PASSWORD,
                        pool=traffic.pool()) as conn:
        assert traffic.requests == []  # building a connection sends nothing
        me = await conn.me()
        assert me["id"] == editor["id"]
        assert traffic.requests == ["/auth/login", "/users/me"]
        await conn.me()
        assert traffic.requests == ["/auth/login", "/users/me", "/users/me"]  # logged in once


async def test_password_explicit_login(directus_server: ServerInfo, editor: dict[str, Any],
                                       traffic: Traffic) -> None:
    async with Directus(directus_server.url, email=EDITOR_EMAIL, password=EDITOR_PASSWORD,
                        pool=traffic.pool()) as conn:
        await conn.login()
        assert traffic.requests == ["/auth/login"]
        assert isinstance(conn.auth, TokenAuth) and conn.auth.access_token
        assert (await conn.me())["id"] == editor["id"]
        assert traffic.requests == ["/auth/login", "/users/me"]


@pytest.mark.live_only  # the refresh body carries a token issued at run time
async def test_the_auth_objects_public_surface(directus_server: ServerInfo, editor: dict[str, Any]) -> None:
    """What ``Directus`` uses of the auth flows, usable on its own with a plain httpx client."""
    auth = PasswordAuth(directus_server.url, EDITOR_EMAIL, EDITOR_PASSWORD)
    assert auth.email == EDITOR_EMAIL and not auth.can_refresh
    async with httpx.AsyncClient(timeout=10) as client:
        await auth.login(client.send)
        first = auth.refresh_token
        assert auth.can_refresh and auth.access_token and first
        await auth.renew(client.send)
        assert auth.refresh_token not in (None, first)  # Directus rotated it
        me = await client.get(f"{directus_server.url}/users/me",
                              headers={"Authorization": f"Bearer {auth.access_token}"})
        assert me.status_code == 200 and me.json()["data"]["id"] == editor["id"]
        spent = await client.post(f"{directus_server.url}/auth/refresh",
                                  json={"refresh_token": first, "mode": "json"})
        assert spent.status_code == 401
        other = auth.replace(password="not-the-password")
        assert other.email == EDITOR_EMAIL and other.login_body("session")["mode"] == "session"
        with pytest.raises(InvalidCredentials):
            await other.login(client.send)
    assert auth.access_token  # the first auth object is untouched


async def test_login_with_arguments_on_an_anonymous_connection(directus_server: ServerInfo,
                                                               editor: dict[str, Any]) -> None:
    async with Directus(directus_server.url) as conn:
        await conn.login(EDITOR_EMAIL, EDITOR_PASSWORD)
        assert (await conn.me())["id"] == editor["id"]


async def test_bad_password(directus_server: ServerInfo, editor: dict[str, Any]) -> None:
    wrong = "definitely-wrong-password-42"
    async with Directus(directus_server.url, email=EDITOR_EMAIL, password=wrong) as conn:
        with pytest.raises(InvalidCredentials) as lazy:
            await conn.me()  # the lazy login is what fails
        with pytest.raises(InvalidCredentials) as explicit:
            await conn.login()
    for info in (lazy, explicit):
        assert (info.value.status, info.value.method, info.value.path) == (401, "POST", "/auth/login")
        assert wrong not in str(info.value) and wrong not in repr(info.value)
        assert info.value.message == "Invalid user credentials."


async def test_unknown_email(directus_server: ServerInfo) -> None:
    async with Directus(directus_server.url) as conn:
        with pytest.raises(InvalidCredentials):
            await conn.login("nobody-here@example.com", "whatever-password")


# --- two-factor --------------------------------------------------------------------------------------
@pytest.mark.live_only  # the OTP depends on the clock
async def test_otp_login(directus_server: ServerInfo, admin: Directus) -> None:
    # Enabling 2FA writes the user's own tfa_secret: an app-access role may not, an admin role may.
    role = await app_role(admin, "auth-tests-admin", admin_access=True)
    user = await replace_user(admin, OTP_EMAIL, OTP_PASSWORD, role)
    try:
        await _otp_login(directus_server)
    finally:
        await admin.delete(f"/users/{user['id']}")  # an admin takes a seat: later modules need it


async def _otp_login(directus_server: ServerInfo) -> None:
    async with Directus(directus_server.url, email=OTP_EMAIL, password=OTP_PASSWORD) as user:
        generated = await user.post("/users/me/tfa/generate", json={"password": OTP_PASSWORD})
        secret = generated["data"]["secret"]
        await user.post("/users/me/tfa/enable", json={"secret": secret, "otp": fresh_totp(secret)})

    # Without an OTP Directus refuses the password alone.
    async with Directus(directus_server.url, email=OTP_EMAIL, password=OTP_PASSWORD) as conn:
        with pytest.raises(InvalidOTP) as missing:
            await conn.me()
    assert (missing.value.code, missing.value.status, missing.value.path) == ("INVALID_OTP", 401,
                                                                              "/auth/login")

    # otp= at construction (lazy login) and otp= given to login().
    async with Directus(directus_server.url, email=OTP_EMAIL, password=OTP_PASSWORD,
                        otp=fresh_totp(secret)) as conn:
        assert (await conn.me())["email"] == OTP_EMAIL
    async with Directus(directus_server.url, email=OTP_EMAIL, password=OTP_PASSWORD) as conn:
        await conn.login(otp=fresh_totp(secret))
        assert (await conn.me())["email"] == OTP_EMAIL

    good = fresh_totp(secret)
    wrong = str((int(good) + 1) % 10**6).zfill(6)
    async with Directus(directus_server.url) as conn:
        with pytest.raises(InvalidOTP) as info:
            await conn.login(OTP_EMAIL, OTP_PASSWORD, otp=wrong)
    assert wrong not in str(info.value) and OTP_PASSWORD not in str(info.value)


# --- an already-issued token pair -------------------------------------------------------------------
async def test_token_pair_from_login(directus_server: ServerInfo) -> None:
    grant = (await raw_login(directus_server.url, directus_server.email, directus_server.password)).json()
    data = grant["data"]
    async with Directus(directus_server.url, access_token=data["access_token"],
                        refresh_token=data["refresh_token"], expires=data["expires"]) as conn:
        assert (await conn.me())["email"] == directus_server.email
        for text in (repr(conn), str(conn), repr(conn.auth)):
            assert data["access_token"] not in text and data["refresh_token"] not in text


@pytest.mark.live_only  # the refresh request's body holds a refresh token issued at run time
async def test_refresh_token_alone_refreshes_before_the_first_request(
    directus_server: ServerInfo, traffic: Traffic
) -> None:
    data = (await raw_login(directus_server.url, directus_server.email,
                            directus_server.password)).json()["data"]
    async with Directus(directus_server.url, refresh_token=data["refresh_token"],
                        pool=traffic.pool()) as conn:
        assert (await conn.me())["email"] == directus_server.email
    assert traffic.requests == ["/auth/refresh", "/users/me"]


# --- session mode ------------------------------------------------------------------------------------
@pytest.mark.live_only  # cassettes scrub Set-Cookie: no session cookie to replay
async def test_session_login(directus_server: ServerInfo, traffic: Traffic) -> None:
    async with Directus(directus_server.url, email=directus_server.email,
                        password=directus_server.password, pool=traffic.pool()) as conn:
        await conn.login(mode="session")  # the configured credentials, in session mode
        assert isinstance(conn.auth, SessionAuth) and conn.auth.session_token
        assert (await conn.me())["email"] == directus_server.email
        assert traffic.requests == ["/auth/login", "/users/me"]


@pytest.mark.live_only  # cassettes scrub Set-Cookie: no session cookie to replay
async def test_session_token_from_a_raw_login(directus_server: ServerInfo) -> None:
    response = await raw_login(directus_server.url, directus_server.email, directus_server.password,
                               mode="session")
    cookie = response.cookies["directus_session_token"]
    async with Directus(directus_server.url, session_token=cookie) as conn:
        assert (await conn.me())["email"] == directus_server.email
        assert cookie not in repr(conn) and cookie not in repr(conn.auth)


# --- refresh on the short-TTL server -----------------------------------------------------------------
@pytest.mark.live_only
async def test_explicit_refresh(short_server: ServerInfo) -> None:
    async with Directus(short_server.url, email=short_server.email, password=short_server.password) as conn:
        await conn.login()
        assert isinstance(conn.auth, TokenAuth)
        old_refresh = conn.auth.refresh_token
        await conn.refresh()
        # Only the refresh token is sure to change: a JWT signed within the same second as the previous
        # one, for the same claims, is byte for byte the same (iat has a one-second resolution).
        assert conn.auth.refresh_token and conn.auth.refresh_token != old_refresh
        assert (await conn.me())["email"] == short_server.email
    # Directus rotates refresh tokens: the old one is spent.
    assert await raw_status(short_server.url, "POST", "/auth/refresh",
                            json={"refresh_token": old_refresh, "mode": "json"}) == (401,
                                                                                    "INVALID_CREDENTIALS")


@pytest.mark.live_only
async def test_proactive_refresh_before_expires(short_server: ServerInfo, traffic: Traffic) -> None:
    async with Directus(short_server.url, email=short_server.email, password=short_server.password,
                        pool=traffic.pool()) as conn:
        await conn.login()
        token = conn.auth.access_token  # type: ignore[union-attr]
        await asyncio.sleep(TTL + 0.2)
        # The token is expired for the server too (a second opinion, outside directus-orm).
        assert await raw_status(short_server.url, "GET", "/users/me",
                                headers={"Authorization": f"Bearer {token}"}) == (401, "TOKEN_EXPIRED")
        traffic.clear()
        assert (await conn.me())["email"] == short_server.email
    # Refreshed first, because `expires` said so: the server never saw the stale token.
    assert traffic.responses == [("/auth/refresh", 200), ("/users/me", 200)]


@pytest.mark.live_only
async def test_reactive_refresh_on_token_expired(short_server: ServerInfo, traffic: Traffic) -> None:
    data = (await raw_login(short_server.url, short_server.email, short_server.password)).json()["data"]
    auth = TokenAuth(short_server.url, data["access_token"], data["refresh_token"])
    # TokenAuth reads the JWT's exp when `expires` is not given and would refresh proactively. Forgetting
    # it stands for a client that cannot know (an opaque token, or a clock behind the server's): only
    # the server's 401 TOKEN_EXPIRED can then tell, which is the path under test.
    auth._expires_at = None
    async with Directus(short_server.url, auth=auth, pool=traffic.pool()) as conn:
        await asyncio.sleep(TTL + 0.2)
        assert (await conn.me())["email"] == short_server.email
    assert traffic.responses == [("/users/me", 401), ("/auth/refresh", 200), ("/users/me", 200)]
    assert auth._expires_at is not None  # the refresh's `expires` is known from now on


@pytest.mark.live_only
async def test_session_refreshed_before_its_cookie_expires(short_server: ServerInfo,
                                                           traffic: Traffic) -> None:
    # Unlike a json refresh token, an expired session cookie cannot be refreshed (see the next test), so
    # the requests come inside the refresh window: from 3 - 1 (iat rounding) - 0.6 (a fifth) = 1.4 s,
    # before the cookie's JWT expires (2 to 3 s after login, iat being rounded down to the second).
    # Waiting for the auth to turn stale (not a fixed sleep) puts each request at the start of that
    # window however loaded the machine is. Three rounds outlive the first cookie.
    async with Directus(short_server.url, pool=traffic.pool()) as conn:
        await conn.login(short_server.email, short_server.password, mode="session")
        auth = conn.auth
        assert isinstance(auth, SessionAuth)
        for _ in range(3):
            deadline = time.monotonic() + TTL
            while not auth._stale():
                assert time.monotonic() < deadline, "the session never became due for a refresh"
                await asyncio.sleep(0.02)
            traffic.clear()
            assert (await conn.me())["email"] == short_server.email
            assert traffic.responses == [("/auth/refresh", 200), ("/users/me", 200)]


@pytest.mark.live_only
async def test_expired_session_cookie_raises_token_expired_from_the_request(
    short_server: ServerInfo, traffic: Traffic
) -> None:
    """Directus cannot refresh a session whose cookie JWT has expired (``/auth/refresh`` itself answers
    TOKEN_EXPIRED), so SessionAuth does not try: the error is the request's own."""
    response = await raw_login(short_server.url, short_server.email, short_server.password, mode="session")
    auth = SessionAuth(short_server.url, response.cookies["directus_session_token"])
    auth._expires_at = None  # as above: only the server can tell
    await asyncio.sleep(TTL + 0.2)
    async with Directus(short_server.url, auth=auth, pool=traffic.pool()) as conn:
        with pytest.raises(TokenExpired) as info:
            await conn.me()
    assert (info.value.status, info.value.method, info.value.path) == (401, "GET", "/users/me")
    assert traffic.requests == ["/users/me"]


# --- single flight ----------------------------------------------------------------------------------
# A token that expired an hour ago, on a server whose tokens live 15 minutes: the first request (or the
# library, reading its exp) finds it expired however loaded the machine is, and the one refreshed token
# outlives the burst of 50, so a second refresh can only come from the library.
def expired_copy(token: str, secret: str) -> str:
    """``token`` with its ``iat``/``exp`` an hour ago, signed (HS256) with the server's ``SECRET``."""
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    now = int(time.time())
    payload.update(iat=now - 3600, exp=now - 3540)
    signed = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64(signature)}"


@pytest.fixture
async def expired_auth(directus_server: ServerInfo) -> TokenAuth:
    """A TokenAuth holding an expired access token (the server says so) and a valid refresh token."""
    if directus_server.server is None:
        pytest.skip("needs the server's SECRET: a server this session started")
    login = await raw_login(directus_server.url, directus_server.email, directus_server.password)
    data = login.json()["data"]
    access = expired_copy(data["access_token"], directus_server.server.secret)
    assert await raw_status(directus_server.url, "GET", "/users/me",
                            headers={"Authorization": f"Bearer {access}"}) == (401, "TOKEN_EXPIRED")
    return TokenAuth(directus_server.url, access, data["refresh_token"])


@pytest.mark.live_only
async def test_single_flight_proactive_refresh(directus_server: ServerInfo, expired_auth: TokenAuth,
                                               traffic: Traffic) -> None:
    assert expired_auth._stale()  # read from the JWT's exp
    async with Directus(directus_server.url, auth=expired_auth, pool=traffic.pool()) as conn:
        rows = await asyncio.gather(*(conn.me(fields="id") for _ in range(50)))
    assert len({row["id"] for row in rows}) == 1
    assert traffic.requests.count("/auth/refresh") == 1
    assert traffic.requests[0] == "/auth/refresh"
    # nobody sent the stale token (no 401) and nobody was refused: all waited for the one refresh
    assert traffic.responses.count(("/users/me", 200)) == traffic.requests.count("/users/me") == 50


@pytest.mark.live_only
async def test_single_flight_reactive_refresh(directus_server: ServerInfo, expired_auth: TokenAuth,
                                              traffic: Traffic) -> None:
    expired_auth._expires_at = None  # see test_reactive_refresh_on_token_expired
    async with Directus(directus_server.url, auth=expired_auth, pool=traffic.pool()) as conn:
        rows = await asyncio.gather(*(conn.me(fields="id") for _ in range(50)))
    assert len({row["id"] for row in rows}) == 1
    refused = [path for path, status in traffic.responses if status == 401]
    assert traffic.requests.count("/auth/refresh") == 1
    assert len(refused) >= 1 and set(refused) == {"/users/me"}
    # Each refused request was retried once, after the single refresh; every one ended in a 200.
    assert traffic.requests.count("/users/me") == 50 + len(refused)
    assert [status for path, status in traffic.responses if path == "/users/me"].count(200) == 50


# logout: tests/integration/test_logout.py


# --- sharing a pool ----------------------------------------------------------------------------------
async def test_two_users_share_one_pool(directus_server: ServerInfo, editor: dict[str, Any]) -> None:
    pool = ConnectionPool()
    admin = Directus(directus_server.url, token=directus_server.token, pool=pool)
    user = admin.with_auth(email=EDITOR_EMAIL, password=EDITOR_PASSWORD)
    assert user.pool is admin.pool
    mine, theirs = await asyncio.gather(admin.me(fields="id,email"), user.me(fields="id,email"))
    assert mine["email"] == directus_server.email
    assert theirs["id"] == editor["id"] and theirs["email"] == EDITOR_EMAIL
    await pool.aclose()


@pytest.mark.live_only  # cassettes scrub Set-Cookie: no session cookie to replay
async def test_session_cookie_does_not_leak_to_other_users_of_the_pool(directus_server: ServerInfo) -> None:
    """A session login answers Set-Cookie; the shared client must not keep it for everyone."""
    pool = ConnectionPool()
    session_user = Directus(directus_server.url, pool=pool)
    anonymous = Directus(directus_server.url, pool=pool)
    await session_user.login(directus_server.email, directus_server.password, mode="session")
    assert (await session_user.me())["email"] == directus_server.email
    with pytest.raises(InvalidCredentials):
        await anonymous.me()  # the public role; with a leaked cookie it would be the admin
    assert not pool.client().cookies
    await pool.aclose()


# --- secrets never shown -----------------------------------------------------------------------------
@pytest.mark.live_only  # cassettes scrub Set-Cookie: no session cookie to replay
async def test_no_secret_in_reprs_messages_or_logs(directus_server: ServerInfo, editor: dict[str, Any],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="directus_orm")
    secrets = [directus_server.token, EDITOR_PASSWORD]
    objects: list[object] = []
    async with Directus(directus_server.url, token=directus_server.token) as static:
        await static.me()
        objects += [static, static.auth, static.pool]
    async with Directus(directus_server.url, email=EDITOR_EMAIL, password=EDITOR_PASSWORD) as pw:
        await pw.me()
        assert isinstance(pw.auth, TokenAuth)
        secrets += [pw.auth.access_token or "", pw.auth.refresh_token or ""]
        objects += [pw, pw.auth]
    async with Directus(directus_server.url) as session:
        await session.login(EDITOR_EMAIL, EDITOR_PASSWORD, mode="session")
        await session.me()
        secrets.append(session.auth.session_token)  # type: ignore[union-attr]
        objects += [session, session.auth]
    errors: list[BaseException] = []
    async with Directus(directus_server.url, email=EDITOR_EMAIL, password=EDITOR_PASSWORD + "x") as bad:
        objects.append(bad)
        with pytest.raises(InvalidCredentials) as info:
            await bad.me()
        errors.append(info.value)
    secrets.append(EDITOR_PASSWORD + "x")
    assert all(secrets)
    shown = [repr(o) for o in objects] + [str(o) for o in objects]
    shown += [repr(e) for e in errors] + [str(e) for e in errors] + [repr(e.__dict__) for e in errors]
    shown += [record.getMessage() for record in caplog.records]
    assert caplog.records, "debug logging produced nothing to check"
    for text in shown:
        for secret in secrets:
            assert secret not in text, f"a secret shows in {text[:60]!r}"


# --- the sync face -----------------------------------------------------------------------------------
def test_sync_login_and_me(directus_server: ServerInfo, editor: dict[str, Any]) -> None:
    conn = Directus(directus_server.url, email=EDITOR_EMAIL, password=EDITOR_PASSWORD)
    conn.sync.login()
    assert conn.sync.me()["id"] == editor["id"]
    conn.sync.aclose()


async def test_sync_login_inside_a_running_loop_is_refused(directus_server: ServerInfo) -> None:
    conn = Directus(directus_server.url, email=EDITOR_EMAIL, password=EDITOR_PASSWORD)
    with pytest.raises(SyncUsageError, match=r"await Directus\.login\("):
        conn.sync.login()
    assert not conn.auth.authenticated  # type: ignore[union-attr]  # nothing was sent
