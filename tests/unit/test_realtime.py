"""The realtime package without a server: frames, errors, the reconnect policy, what can be subscribed."""

from __future__ import annotations

import importlib.util
import json
import uuid
from typing import Any

import pytest

from directus_orm import DirectusModel, collection
from directus_orm.exceptions import (
    AuthenticationError,
    DirectusError,
    Forbidden,
    InvalidArgument,
    RequestsExceeded,
    TokenExpired,
)
from directus_orm.realtime import (
    Backoff,
    RealtimeNotInstalled,
    SocketAuthFailed,
    Subscription,
    UnsupportedSubscription,
)
from directus_orm.realtime.errors import socket_error
from directus_orm.realtime.protocol import auth_frame, decode, socket_url, subscribe_frame
from directus_orm.realtime.spec import key_converter


class Note(DirectusModel):
    id: int | None = None
    title: str | None = None

    class Meta:
        collection = "rt_unit_notes"


def test_frames() -> None:
    assert json.loads(auth_frame("tok")) == {"type": "auth", "access_token": "tok"}
    frame = json.loads(subscribe_frame("a-1", "notes", {"limit": -1}, "create", 5))
    assert frame == {"type": "subscribe", "collection": "notes", "uid": "a-1", "query": {"limit": -1},
                     "event": "create", "item": 5}
    assert "event" not in json.loads(subscribe_frame("a-2", "notes", {}, None))
    assert decode("[1]") is None and decode("{nope") is None and decode('{"type":"ping"}') == {"type": "ping"}


def test_socket_url() -> None:
    assert socket_url("http://h:8055", "/websocket") == "ws://h:8055/websocket"
    assert socket_url("https://h/directus/", "/websocket") == "wss://h/directus/websocket"
    assert socket_url("http://h", "/websocket", "a/b+c") == "ws://h/websocket?access_token=a%2Fb%2Bc"


def test_socket_errors_are_typed() -> None:
    def frame(code: str, kind: str = "subscribe") -> dict[str, Any]:
        return {"type": kind, "status": "error", "error": {"code": code, "message": "m"}, "uid": "x"}

    assert isinstance(socket_error(frame("FORBIDDEN")), Forbidden)
    assert isinstance(socket_error(frame("REQUESTS_EXCEEDED", "server")), RequestsExceeded)
    assert isinstance(socket_error(frame("TOKEN_EXPIRED", "auth")), TokenExpired)
    failed = socket_error(frame("AUTH_FAILED", "auth"))
    assert isinstance(failed, SocketAuthFailed) and isinstance(failed, AuthenticationError)
    assert failed.code == "AUTH_FAILED" and failed.method == "auth"
    assert type(socket_error({"type": "server", "status": "error"})).__name__ == "APIError"


def test_backoff_grows_with_jitter_up_to_its_ceiling() -> None:
    policy = Backoff(initial=1, factor=2, max_delay=5, max_attempts=3)
    for attempt, ceiling in ((0, 1), (1, 2), (2, 4), (3, 5), (40, 5), (10_000, 5)):
        delays = [policy.delay(attempt) for _ in range(50)]
        assert all(0 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered
    assert not policy.gives_up(2) and policy.gives_up(3)
    assert not Backoff().gives_up(10**6)
    with pytest.raises(InvalidArgument):
        Backoff(initial=0)
    with pytest.raises(InvalidArgument):
        Backoff(max_attempts=0)


def test_deleted_keys_take_the_primary_key_type() -> None:
    assert key_converter("integer")("12") == 12 and key_converter("integer")(12) == 12
    key = uuid.uuid4()
    assert key_converter("uuid")(str(key)) == key
    assert key_converter("string")(7) == "7"
    assert key_converter("any")("7") == "7"


def test_what_cannot_be_subscribed_is_refused_before_any_request() -> None:
    with pytest.raises(UnsupportedSubscription, match="sliced"):
        Note.objects.all()[:10].subscribe()
    with pytest.raises(UnsupportedSubscription, match="values"):
        Note.objects.values("title").subscribe()
    with pytest.raises(UnsupportedSubscription, match="matches nothing"):
        Note.objects.none().subscribe()
    with pytest.raises(UnsupportedSubscription, match="Directus cannot evaluate"):
        Note.objects.filter(title__iexact="x").subscribe()
    with pytest.raises(UnsupportedSubscription, match="events must be among"):
        Note.objects.subscribe(events=("create", "upsert"))
    with pytest.raises(UnsupportedSubscription, match="max_queue"):
        Note.objects.subscribe(max_queue=0)
    with pytest.raises(UnsupportedSubscription, match="Backoff"):
        Note.objects.subscribe(reconnect=5)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedSubscription, match="init must be True or False"):
        Note.objects.subscribe(init="no")  # type: ignore[arg-type]
    with pytest.raises(UnsupportedSubscription, match="disconnected must be"):
        Note.objects.subscribe(disconnected=1)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedSubscription, match="one primary key"):
        Note.objects.subscribe(item=[1, 2])
    with pytest.raises(UnsupportedSubscription, match="heartbeat"):
        Note.objects.subscribe(heartbeat="5")  # type: ignore[arg-type]
    assert issubclass(UnsupportedSubscription, ValueError)


def test_distinct_on_rows_changes_nothing() -> None:
    # Directus never repeats a row: distinct() is a no-op on rows, for a read as for a subscription.
    assert Note.objects.distinct().subscribe().spec.query == Note.objects.subscribe().spec.query
    with pytest.raises(UnsupportedSubscription, match="values"):
        Note.objects.values("title").distinct().subscribe()


def test_item_is_sent_as_a_filter_on_the_primary_key() -> None:
    sub = Note.objects.filter(title="x").subscribe(item=3)
    sub.uid = "u-1"
    frame = json.loads(sub._frame())
    assert "item" not in frame
    assert frame["query"]["filter"] == {"_and": [{"title": {"_eq": "x"}}, {"id": {"_eq": 3}}]}
    assert json.loads(Note.objects.subscribe(item=4)._frame())["query"]["filter"] == {"id": {"_eq": 4}}


async def test_a_closed_subscription_ends_its_iteration() -> None:
    sub = Note.objects.subscribe()
    await sub.aclose()
    assert [event async for event in sub] == []


def test_the_subscription_query_is_the_querysets() -> None:
    sub = Note.objects.filter(title="x").only("title").subscribe(events="create", init=False)
    assert isinstance(sub, Subscription)
    spec = sub.spec
    assert spec.collection == "rt_unit_notes" and spec.server_event == "create"
    assert spec.query["filter"] == {"title": {"_eq": "x"}}
    assert spec.query["fields"] == ["id", "title"] and spec.query["limit"] == -1
    # A snapshot, or several events: no server-side event filter (it would drop the snapshot's rows).
    assert Note.objects.subscribe(events="create").spec.server_event is None
    assert Note.objects.subscribe(events=("create", "delete"), init=False).spec.server_event is None
    assert collection("rt_unit_dicts").subscribe().spec.needs_key_kind
    assert repr(sub) == "<Subscription rt_unit_notes not started>"


async def test_iterating_before_starting_says_how() -> None:
    sub = Note.objects.subscribe()
    with pytest.raises(DirectusError, match=r"async with qs\.subscribe"):
        await sub.__anext__()


def test_a_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "websockets" else real(name, *a))
    with pytest.raises(RealtimeNotInstalled, match=r"directus-orm\[realtime\]"):
        Note.objects.subscribe()


def test_bad_heartbeat_backoff_and_events_are_typed_before_any_request() -> None:
    """nan/inf would switch the dead-connection watchdog off; wrong types must not leak TypeError."""
    from directus_orm import DirectusModel
    from directus_orm.exceptions import InvalidArgument, UnsupportedSubscription
    from directus_orm.realtime import Backoff

    class Beat(DirectusModel):
        id: int | None = None

        class Meta:
            collection = "rt_unit_beats"

    for heartbeat in (float("nan"), float("inf"), True, "30"):
        with pytest.raises(UnsupportedSubscription):
            Beat.objects.subscribe(heartbeat=heartbeat)  # type: ignore[arg-type]
    for events in (1, ("create", "create"), [None]):
        with pytest.raises(UnsupportedSubscription):
            Beat.objects.subscribe(events=events)  # type: ignore[arg-type]
    for kwargs in ({"initial": float("nan")}, {"initial": "1"}, {"max_delay": float("inf")},
                   {"max_attempts": 1.5}):
        with pytest.raises(InvalidArgument):
            Backoff(**kwargs)  # type: ignore[arg-type]
