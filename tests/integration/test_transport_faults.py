"""The connection layer under faults, hostile keys and huge queries, against the real server.

Faults come from a loopback proxy (tests/support/fault_proxy.py) in front of the session's Directus.
Every write is checked through raw REST (httpx with the admin token), not through the library.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from directus_orm import Directus, DirectusModel, collection, connections
from directus_orm.connection.serverinfo import server_info
from directus_orm.exceptions import (
    ConnectionClosed,
    DirectusError,
    FieldError,
    InvalidCredentials,
    InvalidRequest,
    NetworkError,
    ObjectDoesNotExist,
    QueryTooLarge,
    RequestTimeout,
    ServiceUnavailable,
    UnexpectedResponse,
)
from tests.conftest import ServerInfo, create_collection, create_user
from tests.support.fault_proxy import FaultProxy, Request

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

KEYED = "tf_keyed"  # string keys
NUMBERS = "tf_numbers"  # integer keys
USER_EMAIL = "tf-user@example.com"
USER_PASSWORD = "tf-user-password-1"


class Keyed(DirectusModel):
    id: str
    v: str | None = None

    class Meta:
        collection = KEYED


class Number(DirectusModel):
    id: int | None = None
    v: str | None = None

    class Meta:
        collection = NUMBERS


def on(method: str, path_end: str) -> Any:
    return lambda r: r.method == method and r.path.endswith(path_end)


@pytest.fixture(scope="module")
async def schema(directus_server: ServerInfo) -> AsyncIterator[dict[str, Any]]:
    async with Directus(directus_server.url, token=directus_server.token) as admin:
        await create_collection(admin, KEYED, [{"field": "v", "type": "string", "schema": {}, "meta": {}}],
                                pk={"field": "id", "type": "string", "schema": {"is_primary_key": True},
                                    "meta": {}})
        await create_collection(admin, NUMBERS, [{"field": "v", "type": "string", "schema": {}, "meta": {}}])
        user = await create_user(admin, USER_EMAIL, USER_PASSWORD, role=None)
        try:
            yield {"user": user}
        finally:
            for name in (KEYED, NUMBERS):
                await admin.delete(f"/collections/{name}")
            await admin.delete(f"/users/{user['id']}")


@pytest.fixture
async def raw(directus_server: ServerInfo) -> AsyncIterator[httpx.AsyncClient]:
    """The admin's plain httpx client: what the server really holds."""
    async with httpx.AsyncClient(base_url=directus_server.url,
                                 headers={"Authorization": f"Bearer {directus_server.token}"}) as client:
        yield client


@pytest.fixture
async def proxy(directus_server: ServerInfo) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(directus_server.url) as p:
        yield p


@pytest.fixture
def via_proxy(proxy: FaultProxy, directus_server: ServerInfo, schema: Any) -> Any:
    connections.configure({"default": {"url": proxy.url, "token": directus_server.token}})
    yield proxy
    connections.reset()


async def rows(raw: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    response = await raw.get(f"/items/{name}", params={"limit": -1, "sort": "id"})
    response.raise_for_status()
    return list(response.json()["data"])


# --- 1. dot keys ------------------------------------------------------------------------------------
async def test_dot_keys_are_data(via_proxy: FaultProxy, raw: httpx.AsyncClient) -> None:
    for key in (".", "..", "a"):
        (await raw.post(f"/items/{KEYED}", json={"id": key, "v": "old"})).raise_for_status()
    try:
        dot = await Keyed.objects.get(pk=".")
        dots = await Keyed.objects.get(pk="..")
        assert (dot.id, dots.id) == (".", "..")
        dot.v = "new"
        await dot.save()
        assert {r["id"]: r["v"] for r in await rows(raw, KEYED)} == {".": "new", "..": "old", "a": "old"}
        assert ("GET", f"/items/{KEYED}/%2E", 1) in [(m, p, 1) for m, p, _ in via_proxy.seen]
        await dots.delete()
        assert [r["id"] for r in await rows(raw, KEYED)] == [".", "a"]
    finally:
        await raw.request("DELETE", f"/items/{KEYED}", json={"query": {"limit": -1}})


# --- 2. reserved words ----------------------------------------------------------------------------
async def test_reserved_words_are_keys_not_routes(via_proxy: FaultProxy, admin: Directus) -> None:
    # uuid keys: refused before sending on every database (SQLite would find no row, PostgreSQL answers
    # 500 to a non-UUID), never a route
    policies = (await server_info(admin)).at_least((11, 0, 0)) is not False  # Directus 10 has none
    for name in ("directus_users", "directus_roles", *(["directus_policies"] if policies else [])):
        with pytest.raises(FieldError):
            await collection(name).get(pk="me")
    # integer keys: "me" is no integer, refused before sending (Directus 10 would answer every row)
    with pytest.raises(FieldError):
        await collection("directus_permissions").get(pk="me")
    assert not [p for _, p, _ in via_proxy.seen if p.startswith("/permissions")]
    with pytest.raises(FieldError):
        await collection("directus_users").get(pk="ME")
    assert not [p for _, p, _ in via_proxy.seen if p.lower().endswith("/me")]
    assert not [p for _, p, _ in via_proxy.seen if p.startswith(("/users", "/roles", "/policies"))]


# --- 3. a wrong password --------------------------------------------------------------------------
async def test_a_wrong_password_is_sent_once_and_does_not_suspend(
    proxy: FaultProxy, schema: dict[str, Any], raw: httpx.AsyncClient
) -> None:
    async with Directus(proxy.url, email=USER_EMAIL, password="wrong-password") as conn:
        results = await asyncio.gather(*(conn.get("/users/me") for _ in range(30)), return_exceptions=True)
        assert all(isinstance(r, InvalidCredentials) for r in results), results
        for _ in range(5):  # later requests do not retry the refused password blindly
            with pytest.raises(InvalidCredentials):
                await conn.get("/users/me")
    assert proxy.count("POST", "/auth/login") == 1
    user = (await raw.get(f"/users/{schema['user']['id']}", params={"fields": "status"})).json()["data"]
    assert user["status"] == "active"
    async with Directus(proxy.url, email=USER_EMAIL, password=USER_PASSWORD) as conn:
        assert (await conn.me("id"))["id"] == schema["user"]["id"]


async def test_a_wrong_password_is_not_retried_by_fresh_connection_objects(
    proxy: FaultProxy, schema: dict[str, Any], raw: httpx.AsyncClient
) -> None:
    for _ in range(27):  # fresh objects, one after another: the back-off is the process's, not theirs
        async with Directus(proxy.url, email=USER_EMAIL, password="another-wrong-one") as conn:
            with pytest.raises(InvalidCredentials):
                await conn.get("/users/me")
    # One login, then one more each time the (doubling: 2 s, 4 s ...) back-off has run out.
    assert proxy.count("POST", "/auth/login") <= 3
    user = (await raw.get(f"/users/{schema['user']['id']}", params={"fields": "status"})).json()["data"]
    assert user["status"] == "active"
    async with Directus(proxy.url, email=USER_EMAIL, password=USER_PASSWORD) as conn:  # new credentials
        assert (await conn.me("id"))["id"] == schema["user"]["id"]


# --- 4. secrets in the dependencies' logs ------------------------------------------------------------
async def test_no_secret_in_any_debug_log(
    proxy: FaultProxy, schema: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "httpcore.http11", "httpcore.connection", "directus_orm"):
        caplog.set_level(logging.DEBUG, logger=name)
    async with Directus(proxy.url, email=USER_EMAIL, password=USER_PASSWORD) as conn:
        await conn.get("/users/me")
        await conn.refresh()
        auth: Any = conn.auth
        secrets = [auth.access_token, auth.refresh_token, USER_PASSWORD]
        await conn.login(mode="session")
        first_session = conn.auth.session_token  # type: ignore[union-attr]
        await conn.refresh()
        secrets += [first_session, conn.auth.session_token]  # type: ignore[union-attr]
        await conn.get("/users/me")
    text = caplog.text
    assert "set-cookie" in text.lower()  # httpcore's header records were logged
    for secret in secrets:
        assert secret and secret not in text, f"a secret in the logs: {len(secret)} chars"
    assert "***" in text


# --- 5. answers that are not Directus's ------------------------------------------------------------
async def test_answers_that_are_not_directus_raise_typed_errors(
    via_proxy: FaultProxy, raw: httpx.AsyncClient
) -> None:
    via_proxy.add("fake", on("POST", f"/items/{KEYED}"), status=301, headers={"Location": "/elsewhere"})
    obj = Keyed(id="moved")
    with pytest.raises(UnexpectedResponse) as caught:
        await obj.save()
    assert (caught.value.status, caught.value.method, caught.value.path) == (301, "POST", f"/items/{KEYED}")
    assert not obj.is_stored
    assert await rows(raw, KEYED) == []

    (await raw.post(f"/items/{KEYED}", json={"id": "kept", "v": "old"})).raise_for_status()
    kept = await Keyed.objects.get(pk="kept")
    kept.v = "new"
    via_proxy.add("fake", on("PATCH", f"/items/{KEYED}/kept"))  # 200, no body: not Directus
    with pytest.raises(UnexpectedResponse):
        await kept.save()
    assert kept.get_changed_fields() and (await rows(raw, KEYED))[0]["v"] == "old"
    await raw.delete(f"/items/{KEYED}/kept")

    via_proxy.add("fake", on("GET", f"/items/{KEYED}"), status=301)
    with pytest.raises(UnexpectedResponse):
        await Keyed.objects.all()
    html = b"<html><body>Down for maintenance</body></html>"
    via_proxy.add("fake", on("GET", f"/items/{KEYED}"), headers={"Content-Type": "text/html"}, body=html)
    with pytest.raises(UnexpectedResponse) as caught:
        await Keyed.objects.all()
    assert caught.value.content_type == "text/html" and caught.value.status == 200
    via_proxy.add("fake", on("GET", f"/items/{KEYED}"), headers={"Content-Type": "application/json"},
                  body=b"[1, 2]")
    with pytest.raises(UnexpectedResponse):
        await Keyed.objects.count()


async def test_non_json_login_and_refresh_answers(proxy: FaultProxy, schema: Any) -> None:
    html: dict[str, Any] = {"headers": {"Content-Type": "text/html"}, "body": b"<html>proxy error</html>"}
    proxy.add("fake", on("POST", "/auth/login"), **html)
    async with Directus(proxy.url, email=USER_EMAIL, password=USER_PASSWORD) as conn:
        with pytest.raises(UnexpectedResponse) as caught:
            await conn.get("/users/me")
        assert caught.value.path == "/auth/login"
        await conn.get("/users/me")  # the next request logs in
        proxy.add("fake", on("POST", "/auth/refresh"), **html)
        with pytest.raises(UnexpectedResponse):
            await conn.refresh()


# --- 6. long queries ------------------------------------------------------------------------------
async def test_long_in_lists_and_keys(via_proxy: FaultProxy, raw: httpx.AsyncClient) -> None:
    response = await raw.post(f"/items/{NUMBERS}", json=[{"v": "x"} for _ in range(30)])
    response.raise_for_status()
    keys = [r["id"] for r in response.json()["data"]]
    try:
        wanted = Number.objects.filter(id__in=range(20_000))
        assert sorted(n.id or 0 for n in await wanted) == sorted(keys)
        assert await wanted.count() == 30
        assert await Number.objects.filter(id__in=range(keys[5], 20_000)).update(v="u") == 25
        assert sum(r["v"] == "u" for r in await rows(raw, NUMBERS)) == 25
        assert (await Number.objects.filter(id__in=range(keys[10], 20_000)).delete())[0] == 20
        assert len(await rows(raw, NUMBERS)) == 10
        assert "SEARCH" in {m for m, _, _ in via_proxy.seen}
        with pytest.raises(ObjectDoesNotExist):
            await Keyed.objects.get(pk="k" * 70_000)
        with pytest.raises(QueryTooLarge):
            await Keyed.objects.filter(id__in=[f"key-{i:08}" for i in range(100_000)])
    finally:
        await raw.request("DELETE", f"/items/{NUMBERS}", json={"query": {"limit": -1}})


# --- 7. nothing untyped -----------------------------------------------------------------------------
async def test_closed_pool_and_bad_headers_are_typed(directus_server: ServerInfo) -> None:
    conn = Directus(directus_server.url, token=directus_server.token)
    with pytest.raises(InvalidRequest):
        await conn.get("/server/ping", headers={"X-Note": "tick \u2713"})
    assert await conn.ping()
    await conn.aclose()
    with pytest.raises(ConnectionClosed) as caught:
        await conn.get("/server/ping")
    assert isinstance(caught.value, DirectusError)


# --- 8. login and refresh are bounded in time -------------------------------------------------------
async def test_a_stalled_refresh_fails_every_waiter_within_the_timeout(
    proxy: FaultProxy, schema: Any, directus_server: ServerInfo
) -> None:
    async with httpx.AsyncClient() as client:
        grant = (await client.post(f"{directus_server.url}/auth/login",
                                   json={"email": USER_EMAIL, "password": USER_PASSWORD})).json()["data"]
    proxy.add("stall", on("POST", "/auth/refresh"), times=None, seconds=8)
    async with Directus(proxy.url, access_token=grant["access_token"], refresh_token=grant["refresh_token"],
                        expires=1, timeout=1) as conn:
        started = time.monotonic()
        results = await asyncio.gather(*(conn.get("/users/me") for _ in range(4)), return_exceptions=True)
        elapsed = time.monotonic() - started
    assert all(isinstance(r, RequestTimeout) for r in results), results
    assert proxy.count("POST", "/auth/refresh") == 1
    assert elapsed < 4, elapsed  # one grant timeout (1 s), not one stall per waiter


# --- 9. a total deadline ------------------------------------------------------------------------------
async def test_the_deadline_bounds_a_slow_drip(proxy: FaultProxy, directus_server: ServerInfo) -> None:
    proxy.add("drip", on("GET", "/server/info"), seconds=0.05)
    async with Directus(proxy.url, token=directus_server.token, timeout=3, deadline=1.5) as conn:
        started = time.monotonic()
        with pytest.raises(RequestTimeout) as caught:
            await conn.get("/server/info")
        assert time.monotonic() - started < 3
    assert "deadline" in str(caught.value)


# --- 10. a lost refresh answer ---------------------------------------------------------------------
async def test_a_password_connection_logs_in_again_after_a_lost_refresh(
    proxy: FaultProxy, schema: dict[str, Any]
) -> None:
    async with Directus(proxy.url, email=USER_EMAIL, password=USER_PASSWORD) as conn:
        await conn.get("/users/me")
        proxy.add("lost", on("POST", "/auth/refresh"))
        with pytest.raises(NetworkError):
            await conn.refresh()  # the server rotated the refresh token; we never saw the new one
        await conn.refresh()  # refused refresh token -> log in again with the password
        assert (await conn.me("id"))["id"] == schema["user"]["id"]
        proxy.add("lost", on("POST", "/auth/refresh"))
        with pytest.raises(NetworkError):
            await conn.refresh()
        conn.auth._expires_at = 0.0  # type: ignore[union-attr]  # the access token is stale now
        assert (await conn.me("id"))["id"] == schema["user"]["id"]
    assert proxy.count("POST", "/auth/login") == 3


# --- 11. retries -------------------------------------------------------------------------------------
def number_2(request: Request) -> bool:
    return request.method == "GET" and request.number == 2


async def test_reads_are_retried_writes_never(proxy: FaultProxy, directus_server: ServerInfo,
                                              schema: Any, raw: httpx.AsyncClient) -> None:
    async with Directus(proxy.url, token=directus_server.token) as conn:
        assert await conn.ping()
        proxy.add("reset", number_2)  # the pooled keep-alive socket breaks
        assert (await conn.get(f"/items/{NUMBERS}"))["data"] == []
        proxy.add("fake", on("GET", "/items/" + NUMBERS), status=503)
        assert (await conn.get(f"/items/{NUMBERS}"))["data"] == []
        proxy.add("fake", on("GET", "/items/" + NUMBERS), status=429, headers={"Retry-After": "1"})
        started = time.monotonic()
        assert (await conn.get(f"/items/{NUMBERS}"))["data"] == []
        assert time.monotonic() - started >= 1  # Retry-After honoured
        assert proxy.count("GET", f"/items/{NUMBERS}") == 6

        proxy.add("reset", on("POST", f"/items/{NUMBERS}"))
        with pytest.raises(NetworkError):
            await conn.post(f"/items/{NUMBERS}", json={"v": "once"})
        proxy.add("fake", on("POST", f"/items/{NUMBERS}"), status=503)
        with pytest.raises(ServiceUnavailable):
            await conn.post(f"/items/{NUMBERS}", json={"v": "once"})
        assert proxy.count("POST", f"/items/{NUMBERS}") == 2
    assert await rows(raw, NUMBERS) == []

    async with Directus(proxy.url, token=directus_server.token, retries=0) as conn:
        proxy.add("fake", on("GET", "/server/info"), status=503)
        with pytest.raises(ServiceUnavailable):
            await conn.get("/server/info")


def test_retries_and_deadline_are_settings(directus_server: ServerInfo) -> None:
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token,
                                       "retries": {"count": 5, "backoff": 0.5}, "deadline": 7}})
    try:
        conn = connections["default"]
        assert (conn.retries.count, conn.retries.backoff, conn.deadline) == (5, 0.5, 7)
    finally:
        connections.reset()
