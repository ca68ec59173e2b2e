"""Realtime subscriptions: how they start, end and fail, against the real server.

Interrupting a sync loop, closing, a dropped socket announced as ``disconnected``, a server that cannot
be reached at start, a token nobody can renew, ``item=`` and ``collection()`` without ``pk=``. Faults
come from the loopback TCP relay; token expiry from a second server with a short ``ACCESS_TOKEN_TTL``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from directus_orm import Directus, collection, connections
from directus_orm.exceptions import ConnectionClosed
from directus_orm.realtime import Backoff, ConnectionLost, SocketTokenExpired, SubscriptionEvent
from directus_orm.realtime import socket as rt_socket
from tests.conftest import ServerInfo, create_collection
from tests.integration.test_realtime import (  # noqa: F401 - fixtures used by name
    ARTICLES,
    WAIT,
    Article,
    default,
    next_event,
    no_event,
    post,
    proxied,
    raw,
    schema,
    short,
    short_server,
)
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.live_only]


def _wait_until(done: Any, seconds: float = WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(done())


def _socket_closed(socket: rt_socket.RealtimeSocket) -> bool:
    return socket._runner is None and socket._ws is None and not socket._subs


# --- Ctrl-C in a sync loop ------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["waiting", "body"])
def test_ctrl_c_in_a_sync_loop_is_a_keyboard_interrupt_and_unsubscribes(
    directus_server: ServerInfo, schema: None, where: str  # noqa: F811
) -> None:
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    # Ctrl-C is Python's default handler: a process started in the background by a shell without job
    # control inherits SIGINT ignored, and the loop would wait on.
    ignored = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sub = Article.objects.filter(status="ctrl-c").sync.subscribe()
        sockets: list[rt_socket.RealtimeSocket] = []
        main = threading.main_thread().ident
        # Bounded: with no init event the watchdog's Ctrl-C ends the loop, and the test fails below.
        watchdog = threading.Timer(WAIT, signal.pthread_kill, (main, signal.SIGINT))
        watchdog.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                for event in sub:
                    watchdog.cancel()
                    assert event.type == "init" and not sockets
                    assert sub._socket is not None
                    sockets.append(sub._socket)
                    if where == "body":
                        raise KeyboardInterrupt
                    # A real SIGINT, delivered while the loop waits for the next event (no event comes).
                    threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT)).start()
        finally:
            watchdog.cancel()
        assert sockets, f"no init event within {WAIT} s"
        assert sub._closed and sub._socket is None
        assert list(sub) == []  # over, not restartable by accident
        # Unsubscribed: the socket, left without subscriptions, closes itself (no stray task or socket).
        assert _wait_until(lambda: _socket_closed(sockets[0]), rt_socket.LINGER + WAIT)
    finally:
        signal.signal(signal.SIGINT, ignored)
        connections.reset()


# --- a process that used a sync subscription exits clean -----------------------------------------
_CHILD = """
import asyncio, os, sys
import httpx
import directus_orm
from directus_orm import DirectusModel, connections

URL, TOKEN = os.environ["RT_URL"], os.environ["RT_TOKEN"]

class Article(DirectusModel):
    id: int | None = None
    title: str | None = None
    class Meta:
        collection = "rt_articles"

def follow() -> None:
    with Article.objects.sync.subscribe(events="create", init=False) as sub:
        httpx.post(f"{URL}/items/rt_articles", json={"title": sys.argv[2]},
                   headers={"Authorization": f"Bearer {TOKEN}"}).raise_for_status()
        for event in sub:
            print(event.type, event.instances[0].title, flush=True)
            break

async def app() -> None:  # the docs' pattern: a sync subscription in a worker thread of an async app
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    await asyncio.to_thread(follow)
    await connections.aclose_all()

if sys.argv[1] == "to_thread":
    asyncio.run(app())
else:  # plain sync code, nothing closed explicitly
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    follow()
print("exited", flush=True)
"""


@pytest.mark.parametrize(("pattern", "runs"), [("to_thread", 8), ("plain", 3)])
async def test_a_process_that_used_a_sync_subscription_exits_clean(
    directus_server: ServerInfo, schema: None, raw: httpx.AsyncClient, tmp_path: Path,  # noqa: F811
    pattern: str, runs: int,
) -> None:
    """The socket of a sync subscription lives on the sync face's loop and lingers there after its last
    subscription; at exit that loop is shut down like asyncio.run's (tasks cancelled and unwound), so
    the interpreter never destroys a pending socket task ("Task was destroyed but it is pending!",
    "Event loop is closed"). Before, about half of the to_thread runs printed those."""
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(_CHILD))
    env = {**os.environ, "RT_URL": directus_server.url, "RT_TOKEN": directus_server.token}
    for run in range(runs):
        title = f"exit-{pattern}-{run}"
        result = await asyncio.to_thread(
            subprocess.run, [sys.executable, str(script), pattern, title], env=env, capture_output=True,
            text=True, timeout=120)
        assert (result.returncode, result.stderr) == (0, ""), f"run {run}"
        assert result.stdout.splitlines() == [f"create {title}", "exited"]
        stored = (await raw.get(f"/items/{ARTICLES}", params={"filter[title][_eq]": title})).json()["data"]
        assert len(stored) == 1


# --- aclose_all() closes the sockets on every loop -------------------------------------------------
async def test_aclose_all_closes_the_sockets_of_every_loop_before_returning(default: None) -> None:  # noqa: F811
    """A connection's sockets live one per event loop: here on the test's loop and on the sync face's
    (a sync subscription in a worker thread, as an async app running sync code does). aclose_all() closes
    both before it returns (before, the sync face's socket lingered, its task still running, and was
    only torn down by the interpreter's exit); subscriptions left open end with ConnectionClosed rather
    than waiting forever on a socket that is gone."""
    here = Article.objects.subscribe(init=False)
    await here.start()
    there = await asyncio.to_thread(Article.objects.subscribe(init=False).__enter__)
    sockets = [here._socket, there._socket]
    assert sockets[0] is not None and sockets[1] is not None and sockets[0] is not sockets[1]
    await connections.aclose_all()
    assert [_socket_closed(socket) for socket in sockets] == [True, True]  # type: ignore[arg-type]
    with pytest.raises(ConnectionClosed, match="connection was closed"):
        await asyncio.wait_for(here.__anext__(), WAIT)
    with pytest.raises(ConnectionClosed, match="connection was closed"):
        await asyncio.to_thread(next, iter(there))
    await here.aclose()
    await asyncio.to_thread(there.__exit__, None, None, None)


# --- closing ends the iteration at once -----------------------------------------------------------
async def test_a_closed_subscription_yields_nothing_more(default: None, raw: httpx.AsyncClient) -> None:  # noqa: F811
    sub = Article.objects.subscribe(init=False)
    await sub.start()
    await post(raw, ARTICLES, [{"title": str(i)} for i in range(3)])
    deadline = time.monotonic() + WAIT
    while len(sub._queue) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert len(sub._queue) == 3  # three events wait, unread
    seen = []
    async for event in sub:
        seen.append(event.instances[0].title)
        await sub.aclose()  # the consumer stops: the two queued events are not delivered
    assert seen == ["0"]
    assert [event async for event in sub] == []
    await post(raw, ARTICLES, {"title": "after close"})
    await asyncio.sleep(1)
    assert not [item for item in sub._queue if isinstance(item, SubscriptionEvent)]  # nothing kept


# --- "disconnected" before "reconnected" ----------------------------------------------------------
async def test_a_lost_socket_is_announced_then_reconnected(proxied: TcpProxy, raw: httpx.AsyncClient) -> None:  # noqa: F811
    fast = Backoff(initial=0.1, max_delay=0.5)
    async with Article.objects.subscribe(reconnect=fast, disconnected=True) as sub:
        assert (await next_event(sub)).type == "init"
        await proxied.drop()
        lost = await next_event(sub)
        assert lost.type == "disconnected" and "closed" in lost.reason
        assert repr(lost).startswith("<SubscriptionEvent disconnected reason=")
        assert (await next_event(sub)).type == "reconnected"
        assert (await next_event(sub)).type == "init"
        row = await post(raw, ARTICLES, {"title": "after"})
        event = await next_event(sub)
        assert (event.type, event.instances[0].id) == ("create", row["id"])
    async with Article.objects.subscribe(reconnect=fast) as sub:  # not asked for: not delivered
        assert (await next_event(sub)).type == "init"
        await proxied.drop()
        assert (await next_event(sub)).type == "reconnected"


# --- starting while the server cannot be reached --------------------------------------------------
async def test_subscribing_to_an_unreachable_server_follows_the_reconnect_policy(
    proxied: TcpProxy  # noqa: F811
) -> None:
    proxied.refuse = True
    before = proxied.accepted
    with pytest.raises(ConnectionLost, match="3 attempts") as caught:
        async with Article.objects.subscribe(reconnect=Backoff(initial=0.05, max_delay=0.1, max_attempts=3)):
            pass
    assert caught.value.__cause__ is not None  # what the last attempt met
    tried = proxied.accepted - before
    assert tried >= 3
    await asyncio.sleep(0.5)
    assert proxied.accepted - before == tried  # given up: no attempt after

    # The server comes back while the attempts go on: the subscription starts.
    before = proxied.accepted

    async def come_back() -> None:
        while proxied.accepted == before:
            await asyncio.sleep(0.01)
        proxied.refuse = False

    task = asyncio.create_task(come_back())
    async with Article.objects.subscribe(reconnect=Backoff(initial=0.2, max_delay=0.5)) as sub:
        assert (await next_event(sub)).type == "init"
    await task


# --- a token that expires and cannot be renewed ---------------------------------------------------
@pytest.mark.parametrize("how", ["token", "access_token"])
async def test_an_expiring_token_that_cannot_be_renewed_ends_with_a_typed_error(
        short: ServerInfo, how: str) -> None:  # noqa: F811
    async with httpx.AsyncClient(base_url=short.url) as client:
        login = await client.post("/auth/login", json={"email": short.email, "password": short.password})
        jwt = login.raise_for_status().json()["data"]["access_token"]  # lives 5 s
    fast = Backoff(initial=0.05, max_delay=0.2)
    async with TcpProxy(short.url) as proxy, Directus(proxy.url, **{how: jwt}) as conn, \
            connections.override(conn):
        async with Article.objects.subscribe(reconnect=fast, disconnected=True) as sub:
            assert (await next_event(sub)).type == "init"
            with pytest.raises(SocketTokenExpired) as caught:
                await next_event(sub, 15)  # at expiry, at once: no reconnect loop
            assert jwt not in str(caught.value)
            accepted = proxy.accepted
            await asyncio.sleep(1.5)
            assert proxy.accepted == accepted  # nothing retried
        with pytest.raises(SocketTokenExpired):  # a new subscription with the expired token
            async with Article.objects.subscribe(reconnect=fast):
                pass


# --- item= and collection() -----------------------------------------------------------------------
async def test_item_follows_one_row_however_it_is_written(default: None, raw: httpx.AsyncClient) -> None:  # noqa: F811
    rows = await post(raw, ARTICLES, [{"title": "followed"}, {"title": "other"}])
    followed, other = rows[0]["id"], rows[1]["id"]
    async with Article.objects.subscribe(item=followed) as sub:
        assert [a.id for a in (await next_event(sub)).instances] == [followed]
        # update() is a PATCH by query: Directus's own ``item`` never matched its numeric keys.
        assert await Article.objects.filter(pk=followed).update(title="via update()") == 1
        event = await next_event(sub)
        assert event.type == "update"
        assert [(a.id, a.title) for a in event.instances] == [(followed, "via update()")]
        await Article.objects.filter(pk=other).update(title="not followed")
        (await raw.request("DELETE", f"/items/{ARTICLES}", json=[other])).raise_for_status()
        (await raw.delete(f"/items/{ARTICLES}/{followed}")).raise_for_status()
        deleted = await next_event(sub)
        assert (deleted.type, deleted.keys) == ("delete", [followed])  # not the other row's key
        await no_event(sub, 1)
    assert (await raw.get(f"/items/{ARTICLES}")).json()["data"] == []


async def test_item_of_a_missing_row_is_does_not_exist(default: None, raw: httpx.AsyncClient) -> None:  # noqa: F811
    with pytest.raises(Article.DoesNotExist, match="no row with id=987654"):
        async with Article.objects.subscribe(item=987654):
            pass
    with pytest.raises(Article.DoesNotExist):  # no snapshot: checked with a read
        async with Article.objects.subscribe(item=987654, events="update", init=False):
            pass
    draft = await post(raw, ARTICLES, {"title": "a draft", "status": "draft"})
    for init in (True, False):  # there, but not matching the QuerySet
        with pytest.raises(Article.DoesNotExist):
            async with Article.objects.filter(status="published").subscribe(
                    item=draft["id"], events="update", init=init):
                pass
    async with Article.objects.filter(status="draft").subscribe(item=draft["id"], events="update",
                                                                init=False) as sub:
        await Article.objects.filter(pk=draft["id"]).update(title="still a draft")
        assert (await next_event(sub)).instances[0].title == "still a draft"


CODES = "rt_codes"


@pytest.fixture
async def codes(default: None, directus_server: ServerInfo) -> AsyncIterator[str]:  # noqa: F811
    async with Directus(directus_server.url, token=directus_server.token) as admin:
        label = {"field": "label", "type": "string", "schema": {}, "meta": {}}
        num = {"field": "num", "type": "integer",
               "schema": {"is_primary_key": True, "has_auto_increment": True}}
        await create_collection(admin, CODES, [label], pk=num)
        try:
            yield CODES
        finally:
            await admin.delete(f"/collections/{CODES}")


async def test_collection_reads_its_primary_key_from_the_schema(codes: str, raw: httpx.AsyncClient) -> None:  # noqa: F811
    async with collection(codes).subscribe(events="delete", init=False) as sub:  # no pk= given
        row = await post(raw, codes, {"label": "x"})
        (await raw.delete(f"/items/{codes}/{row['num']}")).raise_for_status()  # the key comes as "N"
        assert (await next_event(sub)).keys == [row["num"]]
    row = await post(raw, codes, {"label": "followed"})
    async with collection(codes).subscribe(item=row["num"]) as sub:
        assert (await next_event(sub)).instances == [{"num": row["num"], "label": "followed"}]

