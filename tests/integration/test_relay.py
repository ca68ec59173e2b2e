"""The websocket relay (directus_orm.contrib.relay) between websocket clients and the real server.

Clients are plain ``websockets`` clients, as a browser would be; writes go through raw REST with the
admin token, so what clients receive is compared with what the server really did. Upstream faults come
from the loopback TCP relay (tests/support/tcp_proxy.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from directus_orm import Directus
from directus_orm.contrib.relay import (
    CLOSE_GOING_AWAY,
    CLOSE_SLOW_CONSUMER,
    CLOSE_UNAUTHENTICATED,
    Identity,
    Relay,
    RelayConfig,
)
from directus_orm.exceptions import Forbidden
from directus_orm.realtime import Backoff
from tests.conftest import ServerInfo, create_collection
from tests.support import server_database
from tests.support.relay_server import serve_app
from tests.support.roles import drop_roles_named, make_role
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

NOTES = "rl_notes"
MEMOS = "rl_memos"
WAIT = 15.0  # seconds an expected message may take at most (a loaded 2-core machine)
TEAMS = ("a", "b")


def _field(name: str, kind: str) -> dict[str, Any]:
    return {"field": name, "type": kind, "schema": {}, "meta": {}}


async def _delete_where(admin: Directus, path: str, flt: dict[str, Any]) -> None:
    rows = (await admin.get(path, params={"filter": json.dumps(flt), "fields": "id"}))["data"]
    for row in rows:
        await admin.delete(f"{path}/{row['id']}")


async def _drop_team(admin: Directus, team: str) -> None:
    await _delete_where(admin, "/users", {"email": {"_eq": f"rl-{team}@example.com"}})
    await drop_roles_named(admin, f"RL team {team}")


@pytest.fixture(scope="module")
async def tokens(directus_server: ServerInfo) -> AsyncIterator[dict[str, str]]:
    """Two users in two roles: ``a`` reads only the notes, ``b`` only the memos (an unlicensed server
    refuses row and field rules in permissions). Everything created here is dropped at the end (3 seats)."""
    out = {"admin": directus_server.token}
    async with Directus(directus_server.url, token=directus_server.token) as admin:
        await create_collection(admin, NOTES, [_field("title", "string"), _field("team", "string"),
                                               _field("secret", "string"), _field("body", "text")])
        await create_collection(admin, MEMOS, [_field("title", "string")])
        try:
            for team in TEAMS:
                name = f"RL team {team}"
                await _drop_team(admin, team)
                role = (await make_role(admin, name, [
                    {"collection": NOTES if team == "a" else MEMOS, "action": "read"}])).id
                out[team] = secrets.token_urlsafe(24)
                await admin.post("/users", json={"email": f"rl-{team}@example.com", "password": "rl-pw-12345",
                                                 "role": role, "status": "active", "token": out[team]})
            yield out
        finally:
            for team in TEAMS:
                await _drop_team(admin, team)
            await admin.delete(f"/collections/{NOTES}")
            await admin.delete(f"/collections/{MEMOS}")


@pytest.fixture
async def raw(directus_server: ServerInfo, tokens: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=directus_server.url, timeout=60,
                                 headers={"Authorization": f"Bearer {directus_server.token}"}) as client:
        yield client
        for name in (NOTES, MEMOS):
            await client.request("DELETE", f"/items/{name}", json={"query": {"limit": -1}})


@contextlib.asynccontextmanager
async def running(**options: Any) -> AsyncIterator[tuple[Relay, str]]:
    options.setdefault("collections", {NOTES: None})
    relay = Relay(RelayConfig(**options))
    async with serve_app(relay.app) as url:
        yield relay, url


def client(url: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = dict(kwargs.pop("additional_headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return connect(url + "/", additional_headers=headers, ping_interval=None, open_timeout=WAIT, **kwargs)


def small_socket(url: str) -> socket.socket:
    """A client socket with a small receive buffer (the kernel's default grows to 32 MB on loopback):
    a client that stops reading is then felt by the relay within a few megabytes."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    sock.settimeout(WAIT)
    host, port = url.removeprefix("ws://").split(":")
    sock.connect((host, int(port)))
    return sock


async def recv(ws: ClientConnection, timeout: float = WAIT) -> dict[str, Any]:
    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    assert isinstance(frame, dict)
    return frame


async def silent(ws: ClientConnection, seconds: float = 1.5) -> None:
    with pytest.raises(asyncio.TimeoutError):
        frame = await asyncio.wait_for(ws.recv(), seconds)
        pytest.fail(f"unexpected {frame!r}")


async def subscribe(ws: ClientConnection, uid: str, **extra: Any) -> dict[str, Any]:
    extra.setdefault("collection", NOTES)
    await ws.send(json.dumps({"type": "subscribe", "uid": uid, **extra}))
    return await recv(ws)


async def post(raw: httpx.AsyncClient, data: Any, collection: str = NOTES) -> Any:
    for _ in range(20):
        response = await raw.post(f"/items/{collection}", json=data)
        if response.status_code != 503:  # Directus's pressure limiter
            break
        await asyncio.sleep(0.5)
    response.raise_for_status()
    return response.json()["data"]


# --- permissions: each client reads as its own Directus user -----------------------------------------
async def test_each_client_sees_only_what_its_user_may_read(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    note = await post(raw, {"title": "n1", "team": "a", "secret": "s-1"})
    memo = await post(raw, {"title": "m1"}, MEMOS)
    async with running(url=directus_server.url, collections={NOTES: None, MEMOS: None}) as (relay, url), \
            client(url, tokens["a"]) as a, client(url, tokens["b"]) as b, client(url, tokens["admin"]) as adm:
        init = await subscribe(a, "notes")
        assert init["data"] == [{"id": note["id"], "title": "n1", "team": "a", "secret": "s-1",
                                 "body": None}]
        refused = await subscribe(b, "notes")
        assert (refused["status"], refused["error"]["code"], refused["uid"]) == ("error", "FORBIDDEN",
                                                                                  "notes")
        refused = await subscribe(a, "memos", collection=MEMOS)
        assert refused["error"]["code"] == "FORBIDDEN"
        assert [r["id"] for r in (await subscribe(b, "memos", collection=MEMOS))["data"]] == [memo["id"]]
        assert [r["secret"] for r in (await subscribe(adm, "notes"))["data"]] == ["s-1"]
        assert relay.metrics.upstream_sockets == 3  # one per Directus identity
        new_note = await post(raw, {"title": "n2", "team": "a", "secret": "s-2"})
        new_memo = await post(raw, {"title": "m2"}, MEMOS)
        event = await recv(a)
        assert (event["event"], event["uid"], event["data"]) == (
            "create", "notes",
            [{"id": new_note["id"], "title": "n2", "team": "a", "secret": "s-2", "body": None}])
        event = await recv(b)
        assert (event["event"], event["uid"], [r["id"] for r in event["data"]]) == ("create", "memos",
                                                                                  [new_memo["id"]])
        event = await recv(adm)
        assert (event["uid"], event["data"][0]["secret"]) == ("notes", "s-2")
        for ws in (a, b, adm):
            await silent(ws)
    notes = (await raw.get(f"/items/{NOTES}", params={"sort": "id"})).json()["data"]
    assert [r["id"] for r in notes] == [note["id"], new_note["id"]]


async def test_refused_upgrades_are_http_answers_not_sockets(
    directus_server: ServerInfo, tokens: dict[str, str]
) -> None:
    async with running(url=directus_server.url, origins=["https://app.example"],
                       first_message_auth=False) as (relay, url):
        for token, headers, status in [
            (tokens["a"], {"Origin": "https://evil.example"}, 403),
            (None, {"Origin": "https://app.example"}, 401),
            ("not-a-token", {"Origin": "https://app.example"}, 401),
        ]:
            with pytest.raises(InvalidStatus) as refused:
                async with client(url, token, additional_headers=headers):
                    pytest.fail("a socket was opened")
            assert refused.value.response.status_code == status
            assert token is None or token.encode() not in (refused.value.response.body or b"")
        async with client(url, tokens["a"], additional_headers={"Origin": "https://app.example"}) as ok:
            await ok.send(json.dumps({"type": "ping", "uid": 1}))
            assert await recv(ok) == {"type": "pong", "uid": 1}
        assert relay.metrics.denied == 3
        async with httpx.AsyncClient() as http:
            text = (await http.get(url.replace("ws://", "http://") + "/metrics")).text
        assert "directus_relay_denied_total 3" in text and tokens["a"] not in text


async def test_first_message_auth_and_the_session_cookie(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    async with running(url=directus_server.url) as (_, url):
        async with client(url) as ws:
            await ws.send(json.dumps({"type": "auth", "access_token": tokens["a"]}))
            assert await recv(ws) == {"type": "auth", "status": "ok"}
            assert (await subscribe(ws, "s"))["event"] == "init"
            await ws.send(json.dumps({"type": "auth", "access_token": tokens["admin"]}))  # renewal only
            assert (await recv(ws))["error"]["code"] == "FORBIDDEN"  # another user's token
        async with client(url) as ws:
            await ws.send(json.dumps({"type": "auth", "access_token": "forged"}))
            assert (await recv(ws))["error"]["code"] == "AUTH_FAILED"
            with pytest.raises(ConnectionClosed) as closed:
                await recv(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_UNAUTHENTICATED
        cookie = {"Cookie": f"directus_session_token={tokens['a']}"}
        async with client(url, additional_headers=cookie) as ws:
            assert (await subscribe(ws, "s"))["event"] == "init"


async def test_the_apps_own_authentication_maps_a_request_to_a_connection(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    reader = Directus(directus_server.url, token=tokens["a"])  # the app's connection for its users

    async def authenticate(request: Any) -> Identity | None:
        user = request.headers.get("x-app-user")
        if user == "mallory":
            raise Forbidden("banned", status=403)
        return Identity(f"app:{user}", reader) if user else None

    async with running(url=directus_server.url, authenticate=authenticate,
                       collections={NOTES: None, MEMOS: None}) as (relay, url):
        for headers, status in [({}, 401), ({"X-App-User": "mallory"}, 403)]:
            with pytest.raises(InvalidStatus) as refused:
                async with client(url, additional_headers=headers):
                    pytest.fail("a socket was opened")
            assert refused.value.response.status_code == status
        async with client(url, additional_headers={"X-App-User": "alice"}) as ws:
            assert (await subscribe(ws, "n"))["event"] == "init"
            assert (await subscribe(ws, "m", collection=MEMOS))["error"]["code"] == "FORBIDDEN"  # as user a
        assert relay.metrics.denied == 2
    await reader.aclose()


# --- what a client may send ---------------------------------------------------------------------------
async def test_refused_messages_get_typed_errors_and_the_socket_stays(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    allowed = {NOTES: ["id", "title", "team"]}
    async with running(url=directus_server.url, collections=allowed) as (relay, url), \
            client(url, tokens["admin"]) as ws:
        for frame, code in [
            ({"type": "auth", "access_token": tokens["a"]}, "FORBIDDEN"),  # renews, never changes users
            ({"type": "logs", "log_level": "info"}, "UNSUPPORTED_MESSAGE"),
            ({"type": "collab", "action": "join"}, "UNSUPPORTED_MESSAGE"),
            ({"type": "shutdown"}, "UNSUPPORTED_MESSAGE"),
            ({"type": "items", "collection": NOTES, "action": "read"}, "UNSUPPORTED_MESSAGE"),
            ({"type": "subscribe", "collection": "directus_users", "uid": "u"}, "FORBIDDEN"),
            ({"type": "subscribe", "collection": NOTES, "uid": "f", "query": {"fields": ["secret"]}},
             "FORBIDDEN"),
            ({"type": "subscribe", "collection": NOTES, "uid": "f",
              "query": {"filter": {"secret": {"_starts_with": "s"}}}}, "FORBIDDEN"),
            ({"type": "subscribe", "collection": NOTES, "uid": "f", "query": {"search": "s"}}, "FORBIDDEN"),
            ({"type": "subscribe", "collection": NOTES, "uid": "f", "query": {"deep": {}}}, "FORBIDDEN"),
            ({"type": "subscribe", "collection": NOTES}, "INVALID_PAYLOAD"),
        ]:
            await ws.send(json.dumps(frame))
            answer = await recv(ws)
            assert answer["status"] == "error" and answer["error"]["code"] == code, (frame, answer)
        await ws.send("not json")
        assert (await recv(ws))["error"]["code"] == "INVALID_PAYLOAD"
        assert relay.metrics.refused == 12 and relay.metrics.subscriptions == 0
        init = await subscribe(ws, "ok", query={"filter": {"team": {"_eq": "a"}}})  # still usable
        assert init["event"] == "init"
        await post(raw, {"title": "t", "team": "a", "secret": "hidden"})
        event = await recv(ws)
        assert event["data"] == [{"id": event["data"][0]["id"], "title": "t", "team": "a"}]  # allowed fields


async def test_item_reads_when_enabled(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    rows = await post(raw, [{"title": "ra", "team": "a"}, {"title": "rb", "team": "b"}])
    async with running(url=directus_server.url, allow_reads=True, collections={NOTES: None, MEMOS: None}
                       ) as (_, url), client(url, tokens["a"]) as ws:
        await ws.send(json.dumps({"type": "items", "action": "read", "collection": NOTES, "uid": "r",
                                  "query": {"fields": ["title"]}}))
        assert await recv(ws) == {"type": "items", "data": [{"title": "ra"}, {"title": "rb"}], "uid": "r"}
        await ws.send(json.dumps({"type": "items", "action": "read", "collection": NOTES, "id": rows[1]["id"],
                                  "uid": 2}))
        assert (await recv(ws))["data"]["title"] == "rb"
        await ws.send(json.dumps({"type": "items", "action": "read", "collection": MEMOS, "uid": 3}))
        answer = await recv(ws)
        assert (answer["status"], answer["error"]["code"], answer["uid"]) == ("error", "FORBIDDEN", 3)
        await ws.send(json.dumps({"type": "items", "action": "delete", "collection": NOTES, "keys": [1]}))
        assert (await recv(ws))["error"]["code"] == "FORBIDDEN"
    assert len((await raw.get(f"/items/{NOTES}")).json()["data"]) == 2


async def test_a_client_cannot_unsubscribe_another_clients_uid(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    async with running(url=directus_server.url) as (relay, url), \
            client(url, tokens["a"]) as one, client(url, tokens["a"]) as two:
        await subscribe(one, "s1")
        await subscribe(two, "mine")
        assert (relay.metrics.subscriptions, relay.metrics.client_subscriptions) == (1, 2)  # shared upstream
        await two.send(json.dumps({"type": "unsubscribe", "uid": "s1"}))
        answer = await recv(two)
        assert answer["error"]["code"] == "NOT_FOUND" and answer["uid"] == "s1"
        await two.send(json.dumps({"type": "unsubscribe"}))  # every subscription of this client only
        assert await recv(two) == {"type": "subscription", "event": "unsubscribe"}
        row = await post(raw, {"title": "still", "team": "a"})
        event = await recv(one)
        assert (event["event"], event["uid"], event["data"][0]["id"]) == ("create", "s1", row["id"])
        await silent(two)
        await one.send(json.dumps({"type": "unsubscribe", "uid": "s1"}))
        assert await recv(one) == {"type": "subscription", "event": "unsubscribe", "uid": "s1"}
        assert (relay.metrics.subscriptions, relay.metrics.client_subscriptions) == (0, 0)


# --- fan-out -------------------------------------------------------------------------------------------
async def test_fifty_clients_share_one_upstream_subscription_and_all_get_every_event(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    before = await post(raw, {"title": "before", "team": "a"})
    async with running(url=directus_server.url) as (relay, url), contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(client(url, tokens["a"])) for _ in range(50)]
        for i, ws in enumerate(clients):
            init = await subscribe(ws, f"c{i}", query={"filter": {"team": {"_eq": "a"}}}, event="create"
                                   if i % 2 else None)
            assert init["event"] == "init" and (("data" in init) == (i % 2 == 0))
            if i % 2 == 0:
                assert [r["id"] for r in init["data"]] == [before["id"]]  # late joiners: a REST snapshot
        assert relay.metrics.as_dict() | {"messages_in": 0, "messages_out": 0} == {
            "clients": 50, "upstream_sockets": 1, "subscriptions": 1, "client_subscriptions": 50,
            "messages_in": 0, "messages_out": 0, "refused": 0, "denied": 0, "slow_disconnects": 0,
            "dropped": 0}
        created = await post(raw, [{"title": f"n{i}", "team": "a"} for i in range(20)])
        await post(raw, {"title": "other team", "team": "b"})
        received = []
        for i, ws in enumerate(clients):
            got = [await recv(ws) for _ in range(20)]
            assert [(e["event"], e["uid"]) for e in got] == [("create", f"c{i}")] * 20
            received.append([e["data"][0]["id"] for e in got])
        # Every client gets upstream's sequence; Directus on PostgreSQL may send one batch's create
        # events out of order (it re-reads the rows in parallel), on SQLite in order.
        assert all(ids == received[0] for ids in received)
        assert sorted(received[0]) == sorted(row["id"] for row in created)
        if server_database() == "sqlite":
            assert received[0] == [row["id"] for row in created]
        await silent(clients[0], 0.5)
        await relay.aclose()  # clean shutdown: every client is told
        for ws in clients:
            with pytest.raises(ConnectionClosed) as closed:
                await recv(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_GOING_AWAY
        assert relay.metrics.clients == 0 and relay.metrics.subscriptions == 0


# --- back-pressure -------------------------------------------------------------------------------------
async def test_a_slow_consumer_is_cut_off_while_a_fast_one_keeps_receiving(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    async with running(url=directus_server.url, max_queue=200, send_timeout=10.0) as (relay, url), \
            client(url, tokens["a"]) as fast, client(url, tokens["a"], sock=small_socket(url)) as slow:
        await subscribe(fast, "f")
        await subscribe(slow, "s")
        slow.transport.pause_reading()  # a client that stops reading (a frozen tab, a bad network)
        body = secrets.token_urlsafe(22_500)  # 30 kB that permessage-deflate cannot shrink much
        ids: list[int] = []

        async def read_fast() -> None:
            while True:
                event = await recv(fast, 120)
                assert event["event"] == "create"
                ids.extend(row["id"] for row in event["data"])

        reader = asyncio.get_running_loop().create_task(read_fast())
        written: list[int] = []
        try:
            for _ in range(40):  # at most 40 batches of 25 rows (~30 MB): the slow one is cut off well before
                rows = await post(raw, [{"title": "big", "team": "a", "body": body} for _ in range(25)])
                written += [row["id"] for row in rows]
                if relay.metrics.slow_disconnects:
                    break
            assert relay.metrics.slow_disconnects == 1
            slow.transport.resume_reading()  # it reads again: the rest of its data, then the close code
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(2000):
                    await recv(slow)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_SLOW_CONSUMER
            written.append((await post(raw, {"title": "after", "team": "a"}))["id"])
            for _ in range(int(WAIT * 10)):
                if len(ids) >= len(written) or reader.done():
                    break
                await asyncio.sleep(0.1)
            # The fast one got everything and was never cut off; in order where Directus sends a batch's
            # events in order (SQLite; on PostgreSQL rows of one batch may come swapped).
            assert sorted(ids) == sorted(written) and len(ids) == len(set(ids))
            if server_database() == "sqlite":
                assert ids == written
            assert relay.metrics.clients == 1 and relay.metrics.dropped > 0
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


# --- upstream reconnects -------------------------------------------------------------------------------
async def test_an_upstream_drop_resyncs_every_client(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient
) -> None:
    before = await post(raw, {"title": "before", "team": "a"})
    async with TcpProxy(directus_server.url) as proxy, \
            running(url=proxy.url, reconnect=Backoff(initial=0.1, max_delay=0.5)) as (relay, url), \
            client(url, tokens["a"]) as one, client(url, tokens["a"]) as two:
        for ws in (one, two):
            assert [r["id"] for r in (await subscribe(ws, "s"))["data"]] == [before["id"]]
        await proxy.drop()
        during = await post(raw, {"title": "while away", "team": "a"})
        for ws in (one, two):
            assert await recv(ws) == {"type": "subscription", "event": "reconnected", "uid": "s"}
            snapshot = await recv(ws)
            assert snapshot["event"] == "init"
            assert sorted(r["id"] for r in snapshot["data"]) == [before["id"], during["id"]]
        after = await post(raw, {"title": "after", "team": "a"})
        for ws in (one, two):
            assert (await recv(ws))["data"][0]["id"] == after["id"]
        assert relay.metrics.upstream_sockets == 1
