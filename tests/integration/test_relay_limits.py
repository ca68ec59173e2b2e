"""The relay's own limits and edges: message size and nesting, the app callback's refusals, uids echoed
as sent, origin checks and mounting in an app (through the relay to the real server)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from directus_orm import Directus
from directus_orm.contrib.relay import (
    CLOSE_TOO_LARGE,
    AuthenticationError,
    Forbidden,
    Identity,
    Relay,
    RelayConfig,
)
from tests.conftest import ServerInfo
from tests.integration.test_relay import client, recv, running, subscribe
from tests.integration.test_relay_resilience import NOTES, notes  # noqa: F401 (a fixture)
from tests.support.relay_server import serve_app

pytestmark = [pytest.mark.integration, pytest.mark.live_only]


def _nested(depth: int) -> str:
    """A filter ``depth`` ``_and`` steps deep, as JSON text (too deep for json.dumps)."""
    return '{"_and":[' * depth + '{"title":{"_eq":"x"}}' + "]}" * depth


async def test_too_large_or_too_deep_messages_get_typed_answers_never_a_silent_close(
    directus_server: ServerInfo, notes: httpx.AsyncClient  # noqa: F811
) -> None:
    async with running(url=directus_server.url, max_message_size=16 * 1024) as (relay, url):
        async with client(url, directus_server.token) as ws:
            head = json.dumps({"type": "subscribe", "collection": NOTES, "uid": "deep"})[:-1]
            for text in [head + ', "query": {"filter": ' + _nested(900) + "}}",
                         "[" * 5000 + "]" * 5000]:  # deeper than the JSON parser goes
                await ws.send(text)
                answer = await recv(ws)
                assert (answer["status"], answer["error"]["code"]) == ("error", "LIMIT_EXCEEDED"), answer
            await ws.send(json.dumps({"type": "ping"}))
            assert await recv(ws) == {"type": "pong"}  # the connection stays
            assert (await subscribe(ws, "ok", query={"filter": json.loads(_nested(10))}))["event"] == "init"
            assert relay.metrics.subscriptions == 1
        async with client(url, directus_server.token) as ws:
            await ws.send(json.dumps({"type": "ping", "uid": "x" * 20_000}))
            answer = await recv(ws)
            assert (answer["status"], answer["error"]["code"]) == ("error", "MESSAGE_TOO_LARGE")
            with pytest.raises(ConnectionClosed) as closed:
                await recv(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_TOO_LARGE


async def test_the_callback_refuses_with_the_librarys_errors_as_they_are_raised(
    directus_server: ServerInfo, notes: httpx.AsyncClient  # noqa: F811
) -> None:
    reader = Directus(directus_server.url, token=directus_server.token)

    async def authenticate(request: Any) -> Identity | None:
        user = request.headers.get("x-app-user")
        if user == "banned":
            raise Forbidden("banned")  # no status given: still 403
        if user == "stale":
            raise AuthenticationError("session expired")  # 401
        return Identity(f"app:{user}", reader) if user else None

    async with running(url=directus_server.url, authenticate=authenticate) as (relay, url):
        for user, status in [("banned", 403), ("stale", 401)]:
            with pytest.raises(InvalidStatus) as refused:
                async with client(url, additional_headers={"X-App-User": user}):
                    pytest.fail("a socket was opened")
            assert refused.value.response.status_code == status
        async with client(url, additional_headers={"X-App-User": "alice"}) as ws:
            assert (await subscribe(ws, "n"))["event"] == "init"
        assert relay.metrics.denied == 2
    await reader.aclose()


async def test_a_numeric_uid_comes_back_a_number(
    directus_server: ServerInfo, notes: httpx.AsyncClient  # noqa: F811
) -> None:
    async with running(url=directus_server.url) as (_, url), client(url, directus_server.token) as ws:
        init = await subscribe(ws, 7)  # type: ignore[arg-type]
        assert (init["event"], init["uid"]) == ("init", 7)
        row = (await notes.post(f"/items/{NOTES}", json={"title": "t"})).json()["data"]
        event = await recv(ws)
        assert (event["event"], event["uid"], event["data"][0]["id"]) == ("create", 7, row["id"])
        await ws.send(json.dumps({"type": "unsubscribe", "uid": 7}))
        assert await recv(ws) == {"type": "subscription", "event": "unsubscribe", "uid": 7}
        await ws.send(json.dumps({"type": "subscribe", "collection": "nope", "uid": 8}))
        assert (await recv(ws))["uid"] == 8


async def _status(url: str, token: str, headers: dict[str, str]) -> int:
    """101 when the upgrade succeeds, else the HTTP status of the refusal."""
    try:
        async with client(url, token, additional_headers=headers):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


async def test_origins_are_compared_as_scheme_host_and_port(
    directus_server: ServerInfo, notes: httpx.AsyncClient  # noqa: F811
) -> None:
    token = directus_server.token
    async with running(url=directus_server.url, origins=["https://app.example"]) as (_, url):
        for origin, status in [("https://app.example", 101), ("HTTPS://App.Example:443", 101),
                                   ("https://app.example/", 403),  # an Origin never has a path
                               ("http://app.example", 403), ("https://app.example:8443", 403),
                               ("null", 403), (None, 403)]:
            headers = {"Origin": origin} if origin is not None else {}
            assert await _status(url, token, headers) == status, origin
    async with running(url=directus_server.url, origins=["https://app.example"],
                       allow_missing_origin=True) as (_, url):
        assert await _status(url, token, {}) == 101  # a server-side client, explicitly allowed
        assert await _status(url, token, {"Origin": "https://evil.example"}) == 403
    async with running(url=directus_server.url) as (_, url):  # no list: the relay's own origin only
        own = url.replace("ws://", "http://")
        for origin, status in [(own, 101), (own.replace("http://", "https://"), 403),
                               (own.rsplit(":", 1)[0] + ":1", 403), (None, 101)]:
            headers = {"Origin": origin} if origin is not None else {}
            assert await _status(url, token, headers) == status, origin


async def test_mounted_in_an_app_the_path_works_with_and_without_the_slash(
    directus_server: ServerInfo, notes: httpx.AsyncClient  # noqa: F811
) -> None:
    relay = Relay(RelayConfig(url=directus_server.url, collections={NOTES: None}))
    app = Starlette()
    relay.mount(app, "/realtime")
    try:
        async with serve_app(app) as base:
            for path in ("/realtime", "/realtime/"):
                async with _raw_client(base + path, directus_server.token) as ws:
                    assert (await subscribe(ws, "s"))["event"] == "init", path
            async with httpx.AsyncClient() as http:
                metrics = await http.get(base.replace("ws://", "http://") + "/realtime/metrics")
            assert metrics.status_code == 200 and "directus_relay_clients" in metrics.text
    finally:
        await relay.aclose()


def _raw_client(url: str, token: str) -> Any:
    """A client for exactly ``url`` (``client()`` appends a slash)."""
    return connect(url, additional_headers={"Authorization": f"Bearer {token}"}, ping_interval=None)
