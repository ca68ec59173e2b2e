"""What the relay answers, and when: Directus's refusals with their own codes, the relay's refusals at
once even while Directus is away, token checks that fail for lack of an answer (never a logout), a
subscription that cannot be restored, bursts, shutdown and small input edges (through the relay to the
real server; outages from the loopback TCP relay)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from directus_orm.cli.relay_command import _server_class
from directus_orm.contrib.relay import (
    CLOSE_GOING_AWAY,
    CLOSE_TRY_AGAIN,
    CLOSE_UNAUTHENTICATED,
    Relay,
    RelayConfig,
)
from directus_orm.realtime import Backoff
from tests.conftest import ServerInfo
from tests.integration.test_relay import (  # noqa: F401  (raw, tokens: fixtures)
    MEMOS,
    NOTES,
    WAIT,
    client,
    post,
    raw,
    recv,
    running,
    subscribe,
    tokens,
)
from tests.support.relay_server import serve_app
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

TIMEOUT = 4.0  # the relays' upstream_timeout here


def _error(frame: dict[str, Any]) -> tuple[Any, ...]:
    return frame["type"], frame.get("uid"), frame["error"]["code"]


async def _closed(ws: Any) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await recv(ws)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


def _no_request_details(frame: dict[str, Any]) -> None:
    message = frame["error"]["message"]
    assert "GET " not in message and "/items" not in message and "[" not in message, message


async def test_directus_refusals_keep_their_code_and_come_at_once(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient  # noqa: F811
) -> None:
    other = await post(raw, {"title": "b's", "team": "b"})
    async with running(url=directus_server.url, collections={NOTES: None, MEMOS: None},
                       upstream_timeout=TIMEOUT) as (relay, url), client(url, tokens["a"]) as a, \
            client(url, tokens["b"]) as b:
        started = time.monotonic()
        for uid, item in (("missing", 999999), ("missing-str", "999999")):
            answer = await subscribe(a, uid, item=item)
            assert _error(answer) == ("subscribe", uid, "FORBIDDEN"), answer  # as Directus answers it
            _no_request_details(answer)
        answer = await subscribe(b, "theirs", item=other["id"])  # b may not read the notes at all
        assert _error(answer) == ("subscribe", "theirs", "FORBIDDEN"), answer
        _no_request_details(answer)
        assert time.monotonic() - started < TIMEOUT  # answered, not timed out
        assert (await subscribe(a, "mine", item=other["id"]))["event"] == "init"
        assert relay.metrics.client_subscriptions == 1
    stored = (await raw.get(f"/items/{NOTES}")).json()["data"]
    assert [r["id"] for r in stored] == [other["id"]]


@pytest.mark.parametrize("outage", ["frozen", "down"])
async def test_while_directus_is_away_refusals_come_at_once_and_each_request_within_its_deadline(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient, outage: str  # noqa: F811
) -> None:
    async with TcpProxy(directus_server.url) as proxy, \
            running(url=proxy.url, upstream_timeout=TIMEOUT, reconnect=Backoff(initial=0.2, max_delay=1.0)
                    ) as (relay, url), client(url, tokens["a"]) as ws:
        assert (await subscribe(ws, "warm"))["event"] == "init"
        if outage == "frozen":
            proxy.freeze()
        else:
            proxy.refuse = True
            await proxy.drop()
        started = time.monotonic()
        for i in range(3):
            await ws.send(json.dumps({"type": "subscribe", "collection": NOTES, "uid": f"s{i}",
                                      "query": {"filter": {"title": {"_eq": str(i)}}}}))
        await ws.send(json.dumps({"type": "subscribe", "collection": "not_relayed", "uid": "nr"}))
        await ws.send(json.dumps({"type": "subscribe", "collection": NOTES}))
        await ws.send(json.dumps({"type": "ping", "uid": "p"}))
        quick = [await recv(ws, 2.0) for _ in range(3)]  # decided by the relay alone: now
        assert [(f["type"], f.get("uid"), f.get("error", {}).get("code")) for f in quick] == [
            ("subscribe", "nr", "FORBIDDEN"), ("subscribe", None, "INVALID_PAYLOAD"), ("pong", "p", None)]
        late: list[tuple[Any, ...]] = []
        while len(late) < 3:
            frame = await recv(ws, 2 * TIMEOUT)
            if frame.get("status") == "error":
                late.append(_error(frame))
        # each within upstream_timeout of its arrival (not one timeout after another)
        assert time.monotonic() - started < 2 * TIMEOUT
        assert late == [("subscribe", f"s{i}", "SERVICE_UNAVAILABLE") for i in range(3)]
        assert relay.metrics.client_subscriptions == 1
        proxy.thaw()
        proxy.refuse = False


async def test_a_token_check_without_an_answer_is_never_an_authentication_failure(
    directus_server: ServerInfo, tokens: dict[str, str]  # noqa: F811
) -> None:
    async with TcpProxy(directus_server.url) as proxy, \
            running(url=proxy.url, upstream_timeout=TIMEOUT) as (relay, url):
        for outage in ("frozen", "down"):
            if outage == "frozen":
                proxy.freeze()
            else:
                proxy.thaw()
                proxy.refuse = True
            started = time.monotonic()
            with pytest.raises(InvalidStatus) as refused:  # header auth: 503, in time
                async with client(url, tokens["a"]):
                    pass
            assert refused.value.response.status_code == 503, outage
            assert time.monotonic() - started < TIMEOUT + 3
            started = time.monotonic()
            async with client(url) as ws:  # first-message auth: try again, not "you are logged out"
                await ws.send(json.dumps({"type": "auth", "access_token": tokens["a"]}))
                answer = await recv(ws, TIMEOUT + 3)
                assert _error(answer) == ("auth", None, "SERVICE_UNAVAILABLE"), outage
                assert await _closed(ws) == CLOSE_TRY_AGAIN
            assert time.monotonic() - started < TIMEOUT + 3
        proxy.refuse = False
        async with client(url) as ws:  # Directus back: the same token is fine
            await ws.send(json.dumps({"type": "auth", "access_token": tokens["a"]}))
            assert await recv(ws) == {"type": "auth", "status": "ok"}
        assert relay.metrics.denied == 0  # Directus did not answer: nobody was refused


async def test_a_subscription_whose_user_was_suspended_meanwhile_ends_the_connection_cleanly(
    directus_server: ServerInfo, tokens: dict[str, str], raw: httpx.AsyncClient  # noqa: F811
) -> None:
    me = (await raw.get("/users", params={"filter": json.dumps({"email": {"_eq": "rl-a@example.com"}}),
                                          "fields": "id"})).json()["data"][0]["id"]
    async with TcpProxy(directus_server.url) as proxy, \
            running(url=proxy.url, upstream_timeout=TIMEOUT, reconnect=Backoff(initial=0.2, max_delay=1.0)
                    ) as (relay, url), client(url, tokens["a"]) as ws:
        assert (await subscribe(ws, "a"))["event"] == "init"
        proxy.refuse = True
        await proxy.drop()
        try:
            (await raw.patch(f"/users/{me}", json={"status": "suspended"})).raise_for_status()
            proxy.refuse = False
            frames = []
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    frames.append(await recv(ws))
            assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_UNAUTHENTICATED
            errors = [f for f in frames if f.get("status") == "error"]
            assert [_error(f) for f in errors] == [("subscribe", "a", "AUTH_FAILED")], frames
            _no_request_details(errors[0])
        finally:
            (await raw.patch(f"/users/{me}", json={"status": "active"})).raise_for_status()
        assert relay.metrics.clients == 0
    assert (await raw.get(f"/users/{me}", params={"fields": "status"})).json()["data"]["status"] == "active"


async def test_an_oversized_token_is_an_authentication_failure(
    directus_server: ServerInfo, tokens: dict[str, str]  # noqa: F811
) -> None:
    huge = "x" * 60_000
    async with running(url=directus_server.url) as (_, url):
        async with client(url, tokens["a"]) as ws:  # a renewal: refused, the session stays
            await ws.send(json.dumps({"type": "auth", "access_token": huge, "uid": "r"}))
            assert _error(await recv(ws)) == ("auth", "r", "AUTH_FAILED")
            assert (await subscribe(ws, "still"))["event"] == "init"
        async with client(url) as ws:  # as the first message
            await ws.send(json.dumps({"type": "auth", "access_token": huge}))
            assert _error(await recv(ws)) == ("auth", None, "AUTH_FAILED")
            assert await _closed(ws) == CLOSE_UNAUTHENTICATED


async def test_a_burst_of_subscribes_is_served_and_the_pending_cap_says_retry(
    directus_server: ServerInfo, tokens: dict[str, str]  # noqa: F811
) -> None:
    async with running(url=directus_server.url) as (relay, url), client(url, tokens["a"]) as ws:
        for i in range(40):  # a dashboard page loading
            await ws.send(json.dumps({"type": "subscribe", "collection": NOTES, "uid": f"b{i}",
                                      "query": {"filter": {"title": {"_eq": f"t{i}"}}}}))
        answers = [await recv(ws) for _ in range(40)]
        assert sorted(a["uid"] for a in answers if a.get("event") == "init") == sorted(
            f"b{i}" for i in range(40)), [a for a in answers if a.get("status") == "error"][:3]
        assert relay.metrics.client_subscriptions == 40
    async with TcpProxy(directus_server.url) as proxy, \
            running(url=proxy.url, upstream_timeout=TIMEOUT, max_pending=2) as (_, url), \
            client(url, tokens["a"]) as ws:
        proxy.freeze()
        for i in range(4):
            await ws.send(json.dumps({"type": "subscribe", "collection": NOTES, "uid": f"p{i}"}))
        refused = [_error(await recv(ws, 2.0)) for _ in range(2)]  # exactly max_pending wait
        assert refused == [("subscribe", f"p{i}", "REQUESTS_EXCEEDED") for i in (2, 3)]
        late = [_error(await recv(ws, 2 * TIMEOUT)) for _ in range(2)]
        assert late == [("subscribe", f"p{i}", "SERVICE_UNAVAILABLE") for i in (0, 1)]
        proxy.thaw()


async def test_the_cli_server_closes_clients_with_going_away(
    directus_server: ServerInfo, tokens: dict[str, str]  # noqa: F811
) -> None:
    relay = Relay(RelayConfig(url=directus_server.url, collections={NOTES: None}))
    clients = []
    async with serve_app(relay.app, _server_class(), relay=relay) as url:
        for _ in range(3):
            ws = await client(url, tokens["a"])
            assert (await subscribe(ws, "s"))["event"] == "init"
            clients.append(ws)
    for ws in clients:  # the server stopped (as on SIGTERM): every client was told "going away"
        assert await _closed(ws) == CLOSE_GOING_AWAY
    assert relay.metrics.clients == 0 and relay.metrics.subscriptions == 0


async def test_small_input_edges_get_answers_that_say_what_is_wrong(
    directus_server: ServerInfo, tokens: dict[str, str]  # noqa: F811
) -> None:
    async with running(url=directus_server.url, path="/rt") as (relay, url):
        for path in ("/rt", "/rt/"):  # both, as relay.mount serves them
            async with connect(url + path, additional_headers={"Authorization": f"Bearer {tokens['a']}"},
                               open_timeout=WAIT) as ws:
                assert (await subscribe(ws, "x"))["event"] == "init"
        async with client(url + "/rt", tokens["a"]) as ws:
            await ws.send(json.dumps({"uid": "t"}))
            answer = await recv(ws)
            assert _error(answer) == ("server", "t", "INVALID_PAYLOAD")
            assert "type" in answer["error"]["message"]
            await ws.send(f'{{"type": "subscribe", "collection": "{NOTES}", "uid": {"9" * 4400}}}')
            answer = await recv(ws)
            assert answer["error"]["code"] == "LIMIT_EXCEEDED" and "digits" in answer["error"]["message"]
            for query in ({"limit": "abc"}, {"limit": -2}, {"offset": 1.5}, {"page": True}):
                answer = await subscribe(ws, "q", query=query)
                assert _error(answer) == ("subscribe", "q", "INVALID_QUERY"), query
            assert (await subscribe(ws, "q", query={"limit": 1, "offset": 0}))["event"] == "init"
        assert relay.metrics.client_subscriptions == 0
