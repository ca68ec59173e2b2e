"""Realtime subscriptions against the real server's REST websocket.

Writes are made through raw REST (httpx with the admin token), so what the events say is compared with
what the server really did. Connection faults come from a loopback TCP relay (tests/support/tcp_proxy.py);
token expiry and the heartbeat use a second server with a short ``ACCESS_TOKEN_TTL`` and
``WEBSOCKETS_HEARTBEAT_PERIOD``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from directus_orm import Directus, DirectusModel, collection, connections
from directus_orm.exceptions import Forbidden, RequestsExceeded
from directus_orm.realtime import (
    Backoff,
    ConnectionLost,
    RealtimeUnavailable,
    SocketAuthFailed,
    Subscription,
    SubscriptionEvent,
    SubscriptionOverflow,
)
from directus_orm.realtime import socket as rt_socket
from tests.conftest import ServerInfo, create_collection, create_user
from tests.support import server_database, server_version
from tests.support.server import another_server
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

AUTHORS = "rt_authors"
ARTICLES = "rt_articles"
USER_EMAIL = "rt-user@example.com"
USER_PASSWORD = "rt-user-password-1"
WAIT = 15.0  # seconds an expected event may take at most (a loaded 2-core machine)


class Author(DirectusModel):
    id: int | None = None
    name: str | None = None

    class Meta:
        collection = AUTHORS


class Article(DirectusModel):
    id: int | None = None
    title: str | None = None
    status: str | None = None
    author: Author | int | None = None

    class Meta:
        collection = ARTICLES


def _field(name: str, kind: str) -> dict[str, Any]:
    return {"field": name, "type": kind, "schema": {}, "meta": {}}


async def build_schema(conn: Directus) -> None:
    await create_collection(conn, AUTHORS, [_field("name", "string")])
    await create_collection(conn, ARTICLES, [_field("title", "string"), _field("status", "string"),
                                             _field("author", "integer")])
    await conn.post("/relations", json={"collection": ARTICLES, "field": "author",
                                        "related_collection": AUTHORS, "schema": {"on_delete": "SET NULL"}})


async def drop_schema(conn: Directus) -> None:
    for name in (ARTICLES, AUTHORS):
        await conn.delete(f"/collections/{name}")


@pytest.fixture(scope="module")
async def schema(directus_server: ServerInfo) -> AsyncIterator[None]:
    async with Directus(directus_server.url, token=directus_server.token) as admin:
        await build_schema(admin)
        try:
            yield
        finally:
            await drop_schema(admin)


@pytest.fixture
async def raw(directus_server: ServerInfo) -> AsyncIterator[httpx.AsyncClient]:
    """The admin's plain httpx client: what the server really holds, writes the library did not make."""
    async with httpx.AsyncClient(base_url=directus_server.url, timeout=30,
                                 headers={"Authorization": f"Bearer {directus_server.token}"}) as client:
        yield client


@pytest.fixture
async def default(directus_server: ServerInfo, schema: None, raw: httpx.AsyncClient) -> AsyncIterator[None]:
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    yield
    await raw.request("DELETE", f"/items/{ARTICLES}", json={"query": {"limit": -1}})
    await raw.request("DELETE", f"/items/{AUTHORS}", json={"query": {"limit": -1}})
    await connections.aclose_all()
    connections.reset()


async def post(raw: httpx.AsyncClient, name: str, data: Any) -> Any:
    for _ in range(20):
        response = await raw.post(f"/items/{name}", json=data)
        if response.status_code != 503:  # Directus's pressure limiter, before it handles anything
            break
        await asyncio.sleep(0.5)
    response.raise_for_status()
    return response.json()["data"]


async def patch(raw: httpx.AsyncClient, key: Any, data: Any) -> None:
    (await raw.patch(f"/items/{ARTICLES}/{key}", json=data)).raise_for_status()


async def next_event(sub: Subscription[Any], timeout: float = WAIT) -> SubscriptionEvent[Any]:
    return await asyncio.wait_for(sub.__anext__(), timeout)


async def no_event(sub: Subscription[Any], seconds: float = 1.5) -> None:
    with pytest.raises(asyncio.TimeoutError):
        event = await asyncio.wait_for(sub.__anext__(), seconds)
        pytest.fail(f"unexpected {event!r}")


# --- events carry the QuerySet's instances, only for matching rows ----------------------------------
async def test_create_update_delete_events_match_the_filter(default: None, raw: httpx.AsyncClient) -> None:
    old = await post(raw, ARTICLES, {"title": "before", "status": "published"})
    await post(raw, ARTICLES, {"title": "draft before", "status": "draft"})
    qs = Article.objects.filter(status="published")
    async with qs.subscribe() as sub:
        init = await next_event(sub)
        assert init.type == "init"
        assert [(a.id, a.title) for a in init.instances] == [(old["id"], "before")]
        assert all(isinstance(a, Article) for a in init.instances)

        draft = await post(raw, ARTICLES, {"title": "a draft", "status": "draft"})  # not matching: nothing
        new = await post(raw, ARTICLES, {"title": "news", "status": "published"})
        created = await next_event(sub)
        assert created.type == "create"
        assert [(a.id, a.title, a.status) for a in created.instances] == [(new["id"], "news", "published")]

        await patch(raw, draft["id"], {"title": "still a draft"})
        await patch(raw, new["id"], {"title": "news, updated"})
        updated = await next_event(sub)
        assert updated.type == "update"
        assert [(a.id, a.title) for a in updated.instances] == [(new["id"], "news, updated")]

        (await raw.delete(f"/items/{ARTICLES}/{new['id']}")).raise_for_status()  # path delete: key "N"
        deleted = await next_event(sub)
        assert deleted.type == "delete"
        assert deleted.keys == [new["id"]] and isinstance(deleted.keys[0], int)
        await no_event(sub)
    rows = (await raw.get(f"/items/{ARTICLES}", params={"sort": "id"})).json()["data"]
    assert [r["title"] for r in rows] == ["before", "draft before", "still a draft"]


async def test_events_filter_init_skip_and_fields(default: None, raw: httpx.AsyncClient) -> None:
    await post(raw, ARTICLES, {"title": "existing", "status": "x"})
    async with Article.objects.only("title").subscribe(events=("create", "delete"), init=False) as sub:
        row = await post(raw, ARTICLES, {"title": "t1", "status": "s1"})
        (await raw.patch(f"/items/{ARTICLES}/{row['id']}", json={"title": "t2"})).raise_for_status()
        (await raw.request("DELETE", f"/items/{ARTICLES}", json=[row["id"]])).raise_for_status()  # body: 7
        created = await next_event(sub)
        assert created.type == "create"  # no init, no update
        article = created.instances[0]
        assert (article.id, article.title) == (row["id"], "t1")
        with pytest.raises(AttributeError):  # only("title"): status was not loaded, and says so
            article.status  # noqa: B018
        deleted = await next_event(sub)
        assert (deleted.type, deleted.keys) == ("delete", [row["id"]])
        await no_event(sub)


async def test_search_is_part_of_the_query(default: None, raw: httpx.AsyncClient) -> None:
    async with Article.objects.search("needle").subscribe(init=False) as sub:
        await post(raw, ARTICLES, {"title": "hay"})
        found = await post(raw, ARTICLES, {"title": "a needle here"})
        event = await next_event(sub)
        assert [a.id for a in event.instances] == [found["id"]]
        await no_event(sub, 1)


async def test_select_related_instances_and_item(default: None, raw: httpx.AsyncClient) -> None:
    author = await post(raw, AUTHORS, {"name": "Ursula"})
    first = await post(raw, ARTICLES, {"title": "one", "author": author["id"]})
    other = await post(raw, ARTICLES, {"title": "two", "author": author["id"]})
    async with Article.objects.select_related("author").subscribe(item=first["id"]) as sub:
        init = await next_event(sub)
        assert init.instances[0].author.name == "Ursula"  # type: ignore[union-attr]
        (await raw.patch(f"/items/{ARTICLES}/{other['id']}", json={"title": "two!"})).raise_for_status()
        (await raw.patch(f"/items/{ARTICLES}/{first['id']}", json={"title": "one!"})).raise_for_status()
        event = await next_event(sub)
        assert event.type == "update"
        assert [(a.id, a.title, a.author.name) for a in event.instances] == [  # type: ignore[union-attr]
            (first["id"], "one!", "Ursula")]
        await no_event(sub)


async def test_dict_collections_and_system_collections(default: None, raw: httpx.AsyncClient) -> None:
    async with collection(ARTICLES).filter(status="d").subscribe(init=False) as sub:
        row = await post(raw, ARTICLES, {"title": "as dict", "status": "d"})
        event = await next_event(sub)
        assert event.instances == [{"id": row["id"], "title": "as dict", "status": "d", "author": None}]
        (await raw.delete(f"/items/{ARTICLES}/{row['id']}")).raise_for_status()  # the key comes as "N"
        assert (await next_event(sub)).keys == [row["id"]]  # the pk's type, read from the server
    async with collection("directus_roles").subscribe(init=False) as sub:
        role = (await raw.post("/roles", json={"name": "rt role"})).json()["data"]
        try:
            event = await next_event(sub)
            assert (event.type, event.instances[0]["name"]) == ("create", "rt role")
        finally:
            await raw.delete(f"/roles/{role['id']}")


async def test_subscriptions_share_one_socket(default: None, raw: httpx.AsyncClient) -> None:
    async with Article.objects.filter(status="a").subscribe(init=False) as a, \
            Article.objects.filter(status="b").subscribe(init=False) as b:
        socket = rt_socket.socket_for(connections["default"])
        assert socket.connects == 1 and len(socket._subs) == 2
        await post(raw, ARTICLES, [{"title": "1", "status": "b"}, {"title": "2", "status": "a"}])
        assert (await next_event(a)).instances[0].title == "2"
        assert (await next_event(b)).instances[0].title == "1"


# --- volume ---------------------------------------------------------------------------------------
async def test_a_thousand_rapid_creates_arrive_complete_and_in_order(
    default: None, raw: httpx.AsyncClient
) -> None:
    async with Article.objects.subscribe(events="create", init=False) as sub:
        created: list[int] = []
        for start in range(0, 1000, 100):  # 10 requests of 100 rows, back to back
            batch = [{"title": f"r{i}", "status": "bulk"} for i in range(start, start + 100)]
            rows = await post(raw, ARTICLES, batch)
            created.extend(r["id"] for r in rows)
        seen: list[int] = []
        while len(seen) < 1000:
            event = await next_event(sub, 60)
            seen.extend(a.id for a in event.instances)
        assert sorted(seen) == sorted(created) and len(set(seen)) == 1000
        if server_database() == "sqlite":
            # Directus re-reads each created row for its event: on SQLite's single connection they
            # finish in order; PostgreSQL runs them in parallel, so events of one request may swap.
            assert seen == sorted(created)
        await no_event(sub, 1)


async def test_a_slow_consumer_gets_an_overflow_error_not_a_silent_gap(
    default: None, raw: httpx.AsyncClient
) -> None:
    async with Article.objects.subscribe(init=False, max_queue=5) as sub:
        await post(raw, ARTICLES, [{"title": str(i)} for i in range(8)])
        await asyncio.sleep(2)  # the reader queues, nobody consumes
        titles = [(await next_event(sub)).instances[0].title for _ in range(5)]
        if server_database() == "sqlite":
            assert titles == ["0", "1", "2", "3", "4"]
        else:  # the first five events to arrive: PostgreSQL may deliver one request's events swapped
            assert len(set(titles)) == 5 and set(titles) <= {str(i) for i in range(8)}
        with pytest.raises(SubscriptionOverflow):
            await next_event(sub)
        with pytest.raises(SubscriptionOverflow):  # stays failed
            await next_event(sub)


# --- refusals are typed ---------------------------------------------------------------------------
async def test_a_user_who_cannot_read_gets_forbidden(
    directus_server: ServerInfo, schema: None, raw: httpx.AsyncClient
) -> None:
    async with _admin(directus_server) as admin:
        user = await create_user(admin, USER_EMAIL, USER_PASSWORD, role=None)
    try:
        connections.configure({"default": {"url": directus_server.url, "email": USER_EMAIL,
                                           "password": USER_PASSWORD}})
        # Directus 10 does not name the collection ("You don't have permission to access this.")
        with pytest.raises(Forbidden, match=ARTICLES if server_version() >= (11, 0, 0) else "permission"):
            async with Article.objects.subscribe():
                pass
        with pytest.raises(Forbidden):  # again, on the same socket: a refusal is not a broken socket
            async with Article.objects.filter(status="x").subscribe(events="delete", init=False):
                pass
    finally:
        await connections.aclose_all()
        connections.reset()
        await raw.delete(f"/users/{user['id']}")


def _admin(server: ServerInfo) -> Directus:
    return Directus(server.url, token=server.token)


async def test_a_refused_socket_login_is_typed(default: None, monkeypatch: pytest.MonkeyPatch) -> None:
    async def forged(conn: Any, **kwargs: Any) -> str:
        return "not-a-token"

    monkeypatch.setattr(rt_socket, "socket_token", forged)
    with pytest.raises(SocketAuthFailed) as caught:
        async with Article.objects.subscribe():
            pass
    assert caught.value.code == "AUTH_FAILED" and "not-a-token" not in str(caught.value)


async def test_a_server_without_websockets_is_reported() -> None:
    with another_server(WEBSOCKETS_ENABLED="false") as server:
        async with Directus(server.url, token=server.token) as conn, connections.override(conn):
            with pytest.raises(RealtimeUnavailable, match="WEBSOCKETS_ENABLED"):
                async with collection("directus_users").subscribe():
                    pass


@pytest.mark.directus("12", reason="the websocket rate limiter (RATE_LIMITER_WEBSOCKETS_*) is in 12.4.0, "
                                   "not in 11.17.4 or 10.13.4")
async def test_requests_exceeded_is_typed() -> None:
    with another_server(RATE_LIMITER_ENABLED="true", RATE_LIMITER_WEBSOCKETS_POINTS="1",
                        RATE_LIMITER_WEBSOCKETS_DURATION="60") as server:
        async with Directus(server.url, token=server.token) as conn, connections.override(conn), \
                collection("directus_users").subscribe():  # the one message allowed
            with pytest.raises(RequestsExceeded):
                async with collection("directus_roles").subscribe():
                    pass


# --- reconnecting ---------------------------------------------------------------------------------
@pytest.fixture
async def proxied(
    directus_server: ServerInfo, schema: None, raw: httpx.AsyncClient
) -> AsyncIterator[TcpProxy]:
    async with TcpProxy(directus_server.url) as proxy:
        connections.configure({"default": {"url": proxy.url, "token": directus_server.token}})
        try:
            yield proxy
        finally:
            await connections.aclose_all()
            connections.reset()
            await raw.request("DELETE", f"/items/{ARTICLES}", json={"query": {"limit": -1}})


async def test_a_dropped_connection_reconnects_resubscribes_and_says_so(
    proxied: TcpProxy, raw: httpx.AsyncClient
) -> None:
    before = await post(raw, ARTICLES, {"title": "before", "status": "p"})
    fast = Backoff(initial=0.1, max_delay=0.5)
    async with Article.objects.filter(status="p").subscribe(reconnect=fast) as sub:
        assert [a.id for a in (await next_event(sub)).instances] == [before["id"]]
        old_uid = sub.uid
        await proxied.drop()
        during = await post(raw, ARTICLES, {"title": "while away", "status": "p"})  # may be missed
        marker = await next_event(sub)
        assert marker.type == "reconnected" and marker.reason
        snapshot = await next_event(sub)
        assert snapshot.type == "init"  # the current rows: what was missed can be reconciled
        assert sorted(a.id for a in snapshot.instances) == [before["id"], during["id"]]
        assert sub.uid != old_uid  # never reused across reconnects
        after = await post(raw, ARTICLES, {"title": "after", "status": "p"})
        event = await next_event(sub)
        assert (event.type, [a.id for a in event.instances]) == ("create", [after["id"]])


async def test_reconnect_backs_off_then_gives_up_with_a_typed_error(
    proxied: TcpProxy, raw: httpx.AsyncClient
) -> None:
    policy = Backoff(initial=0.05, max_delay=0.2, max_attempts=3)
    async with Article.objects.subscribe(init=False, reconnect=policy) as sub:
        accepted = proxied.accepted
        proxied.refuse = True
        await proxied.drop()
        with pytest.raises(ConnectionLost, match="3 attempts"):
            await next_event(sub)
        assert proxied.accepted > accepted
        given_up = proxied.accepted
        await asyncio.sleep(1)
        assert proxied.accepted == given_up  # no more attempts


def admin_client(server: ServerInfo) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"})


# --- heartbeat and token expiry (a second server) -------------------------------------------------
@pytest.fixture(scope="module")
def short_server() -> Iterator[ServerInfo]:
    with another_server(ACCESS_TOKEN_TTL="5s", WEBSOCKETS_HEARTBEAT_PERIOD="2") as server:
        yield server


@pytest.fixture
async def short(short_server: ServerInfo) -> AsyncIterator[ServerInfo]:
    async with Directus(short_server.url, token=short_server.token) as admin:
        await build_schema(admin)
        try:
            yield short_server
        finally:
            await drop_schema(admin)


async def test_heartbeat_keeps_an_idle_socket_and_the_watchdog_finds_a_dead_one(short: ServerInfo) -> None:
    async with TcpProxy(short.url) as proxy, Directus(proxy.url, token=short.token) as conn, \
            connections.override(conn):
        fast = Backoff(initial=0.1, max_delay=0.5)
        async with Article.objects.subscribe(reconnect=fast) as sub:
            assert (await next_event(sub)).type == "init"
            socket = rt_socket.socket_for(conn)
            await no_event(sub, 7)  # 3 heartbeat periods idle: still the same connection
            assert socket.connects == 1
            proxy.freeze()  # nothing passes, nothing closes: only the watchdog can tell
            started = time.monotonic()
            while socket._ws is not None and time.monotonic() - started < WAIT:
                await asyncio.sleep(0.1)
            silent = time.monotonic() - started
            assert socket._ws is None and silent < 2 * 2 + 3  # about twice the heartbeat period
            proxy.thaw()  # the reconnect's requests pass again
            marker = await next_event(sub)
            assert marker.type == "reconnected" and "no message" in marker.reason
            assert (await next_event(sub)).type == "init"
            assert socket.connects == 2


async def test_token_expiry_reauthenticates_without_losing_events(short: ServerInfo) -> None:
    async with Directus(short.url, email=short.email, password=short.password) as conn, \
            admin_client(short) as raw, connections.override(conn), \
            Article.objects.subscribe(init=False) as sub:
        socket = rt_socket.socket_for(conn)
        for i in range(4):  # 4 x 4 s: three token lifetimes
            await asyncio.sleep(4)
            row = await post(raw, ARTICLES, {"title": f"t{i}"})
            event = await next_event(sub)
            assert (event.type, event.instances[0].id) == ("create", row["id"])
        assert socket.connects == 1  # renewed on the same socket, before it expired


async def test_a_late_reauth_after_token_expired_renews_and_tells(
    short: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rt_socket.RealtimeSocket, "_schedule_reauth", lambda self, token: None)
    async with Directus(short.url, email=short.email, password=short.password) as conn, \
            admin_client(short) as raw, connections.override(conn), Article.objects.subscribe() as sub:
        assert (await next_event(sub)).type == "init"
        marker = await next_event(sub, 10)  # TOKEN_EXPIRED at 5 s, answered with a fresh token
        assert marker.type == "reconnected" and "expired" in marker.reason
        assert (await next_event(sub)).type == "init"
        row = await post(raw, ARTICLES, {"title": "after expiry"})
        event = await next_event(sub)
        assert (event.type, event.instances[0].id) == ("create", row["id"])


# --- the sync face --------------------------------------------------------------------------------
def test_sync_face_iterates_events(directus_server: ServerInfo, schema: None) -> None:
    connections.configure({"default": {"url": directus_server.url, "token": directus_server.token}})
    writer_done = threading.Event()

    def write() -> None:
        with httpx.Client(base_url=directus_server.url,
                          headers={"Authorization": f"Bearer {directus_server.token}"}) as client:
            time.sleep(1.0)
            client.post(f"/items/{ARTICLES}", json={"title": "sync", "status": "sync"}).raise_for_status()
        writer_done.set()

    try:
        thread = threading.Thread(target=write)
        thread.start()
        seen = []
        for event in Article.objects.filter(status="sync").sync.subscribe(init=False):
            seen.append(event)
            break
        thread.join(10)
        assert [(e.type, e.instances[0].title) for e in seen] == [("create", "sync")]
        with Article.objects.filter(status="sync").subscribe() as sub:
            first = next(iter(sub))
            assert first.type == "init" and [a.title for a in first.instances] == ["sync"]
    finally:
        with httpx.Client(base_url=directus_server.url,
                          headers={"Authorization": f"Bearer {directus_server.token}"}) as client:
            client.request("DELETE", f"/items/{ARTICLES}", json={"query": {"limit": -1}})
        connections.reset()
