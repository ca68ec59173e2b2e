"""The relay when credentials expire and when Directus is away: clients of one user sharing an upstream
socket while their tokens expire one by one (a second server with a short ``ACCESS_TOKEN_TTL``), and
requests sent while Directus is unreachable (the loopback TCP relay refusing connections).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from directus_orm import Directus
from directus_orm.contrib.relay import CLOSE_TOKEN_EXPIRED
from directus_orm.realtime import Backoff
from tests.conftest import ServerInfo, create_collection
from tests.integration.test_relay import WAIT, client, recv, running, subscribe
from tests.support.server import another_server
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

NOTES = "rl_notes"  # the name test_relay's helpers subscribe to by default
TTL = 8  # seconds an access token of the short-TTL server lives


async def _make_notes(admin: Directus) -> None:
    await create_collection(admin, NOTES, [{"field": "title", "type": "string", "schema": {}, "meta": {}}])


@pytest.fixture
async def notes(directus_server: ServerInfo) -> AsyncIterator[httpx.AsyncClient]:
    """The collection on the session's server, and a raw REST client with the admin token."""
    async with Directus(directus_server.url, token=directus_server.token) as admin:
        await _make_notes(admin)
        try:
            async with httpx.AsyncClient(base_url=directus_server.url, timeout=60, headers={
                    "Authorization": f"Bearer {directus_server.token}"}) as raw:
                yield raw
        finally:
            await admin.delete(f"/collections/{NOTES}")


@pytest.fixture(scope="module")
def short_server() -> Iterator[ServerInfo]:
    with another_server(ACCESS_TOKEN_TTL=f"{TTL}s") as server:
        yield server


@pytest.fixture
async def short(short_server: ServerInfo) -> AsyncIterator[ServerInfo]:
    async with Directus(short_server.url, token=short_server.token) as admin:
        await _make_notes(admin)
        try:
            yield short_server
        finally:
            await admin.delete(f"/collections/{NOTES}")


async def _login(server: ServerInfo) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        answer = await http.post("/auth/login", json={"email": server.email, "password": server.password})
    answer.raise_for_status()
    token = answer.json()["data"]["access_token"]
    assert isinstance(token, str)
    return token


async def _create(server: ServerInfo, title: str) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=60,
                                 headers={"Authorization": f"Bearer {server.token}"}) as raw:
        answer = await raw.post(f"/items/{NOTES}", json={"title": title})
    answer.raise_for_status()
    return answer.json()["data"]


async def _closed(ws: Any) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await recv(ws)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


# --- token expiry: each client's own, never another's --------------------------------------------------
async def test_an_older_token_expiring_ends_only_its_own_client(short: ServerInfo) -> None:
    async with running(url=short.url) as (relay, url):
        older = await _login(short)
        async with client(url, older) as a:
            assert (await subscribe(a, "a"))["event"] == "init"
            await asyncio.sleep(TTL / 2)
            fresh = await _login(short)  # the same user, a token that outlives a's
            async with client(url, fresh) as b:
                assert (await subscribe(b, "b"))["event"] == "init"
                assert (relay.metrics.upstream_sockets, relay.metrics.subscriptions) == (1, 1)  # shared
                # a's token expires: a alone is told why and closed
                told = await recv(a, TTL + WAIT)
                assert (told["type"], told["status"], told["error"]["code"]) == ("auth", "error",
                                                                                 "TOKEN_EXPIRED")
                assert await _closed(a) == CLOSE_TOKEN_EXPIRED
                row = await _create(short, "after a's token expired")
                event = await recv(b)
                assert (event["event"], event["uid"], [r["id"] for r in event["data"]]) == (
                    "create", "b", [row["id"]])

                # b renews its own token over the relay before it expires, and stays past the old expiry
                await b.send(json.dumps({"type": "auth", "access_token": await _login(short), "uid": 1}))
                assert await recv(b) == {"type": "auth", "status": "ok", "uid": 1}
                await b.send(json.dumps({"type": "auth", "access_token": "forged"}))
                assert (await recv(b))["error"]["code"] == "AUTH_FAILED"
                await asyncio.sleep(TTL / 2 + 1.5)  # fresh has expired by now; the renewed token has not
                row = await _create(short, "after b's first token expired")
                event = await recv(b)
                assert (event["event"], event["uid"], [r["id"] for r in event["data"]]) == (
                    "create", "b", [row["id"]])
    async with httpx.AsyncClient(base_url=short.url, headers={
            "Authorization": f"Bearer {short.token}"}) as raw:
        rows = (await raw.get(f"/items/{NOTES}", params={"sort": "id"})).json()["data"]
    titles = [row["title"] for row in rows]
    assert titles == ["after a's token expired", "after b's first token expired"]


# --- Directus unreachable -------------------------------------------------------------------------------
async def test_a_subscribe_while_directus_is_away_is_answered_and_pings_still_are(
    directus_server: ServerInfo, notes: httpx.AsyncClient
) -> None:
    async with TcpProxy(directus_server.url) as proxy, \
            running(url=proxy.url, upstream_timeout=3.0, reconnect=Backoff(initial=0.1, max_delay=0.5)
                    ) as (relay, url), client(url, directus_server.token) as ws:
        assert (await subscribe(ws, "a"))["event"] == "init"
        proxy.refuse = True  # Directus is down: connections are refused
        await proxy.drop()
        await ws.send(json.dumps({"type": "subscribe", "collection": NOTES, "uid": "b",
                                  "query": {"filter": {"title": {"_eq": "b"}}}}))
        await ws.send(json.dumps({"type": "ping", "uid": "p"}))
        assert await recv(ws, 2.0) == {"type": "pong", "uid": "p"}  # answered while the subscribe waits
        answer = await recv(ws)
        assert (answer["type"], answer["status"], answer["error"]["code"], answer["uid"]) == (
            "subscribe", "error", "SERVICE_UNAVAILABLE", "b")
        assert relay.metrics.client_subscriptions == 1  # only a's: b was not kept half-made

        proxy.refuse = False  # back: a is resynced, b subscribes again
        assert await recv(ws) == {"type": "subscription", "event": "reconnected", "uid": "a"}
        assert (await recv(ws))["event"] == "init"
        assert (await subscribe(ws, "b", query={"filter": {"title": {"_eq": "b"}}}))["event"] == "init"
        row = (await notes.post(f"/items/{NOTES}", json={"title": "b"})).json()["data"]
        got = {(e["uid"], e["event"], e["data"][0]["id"]) for e in [await recv(ws), await recv(ws)]}
        assert got == {("a", "create", row["id"]), ("b", "create", row["id"])}
    stored = (await notes.get(f"/items/{NOTES}")).json()["data"]
    assert [r["id"] for r in stored] == [row["id"]]


async def test_a_client_waiting_on_directus_gets_answers_in_bounded_time(
    directus_server: ServerInfo, notes: httpx.AsyncClient
) -> None:
    """Directus accepting connections but saying nothing (a frozen peer): the same answer, within
    ``upstream_timeout``."""
    async with TcpProxy(directus_server.url) as proxy, \
            running(url=proxy.url, upstream_timeout=3.0) as (_, url), \
            client(url, directus_server.token) as ws:
        proxy.freeze()
        await ws.send(json.dumps({"type": "subscribe", "collection": NOTES, "uid": "x"}))
        await ws.send(json.dumps({"type": "ping"}))
        assert await recv(ws, 2.0) == {"type": "pong"}
        answer = await recv(ws)
        assert (answer["error"]["code"], answer["uid"]) == ("SERVICE_UNAVAILABLE", "x")
        proxy.thaw()
