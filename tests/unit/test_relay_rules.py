"""The relay's message allow-list and configuration, checked without a server."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from directus_orm.cli.relay_command import build_config
from directus_orm.contrib.relay import Metrics, Refused, RelayConfig
from directus_orm.contrib.relay.identity import RelayToken, bearer_token
from directus_orm.contrib.relay.rules import check_read, check_shape, check_subscribe
from directus_orm.exceptions import ImproperlyConfigured

ALLOWED: dict[str, Any] = {"notes": ["id", "title", "author.name", "tags.*"], "open": None}


def subscribe(**frame: Any) -> Any:
    return check_subscribe({"type": "subscribe", "uid": "u", **frame}, ALLOWED)


def refused(code: str, **frame: Any) -> None:
    with pytest.raises(Refused) as caught:
        subscribe(**frame)
    assert caught.value.code == code


def test_fields_default_to_the_allowed_ones_and_must_be_among_them() -> None:
    assert subscribe(collection="notes").query["fields"] == ["author.name", "id", "tags.*", "title"]
    assert subscribe(collection="notes", query={"fields": ["*"]}).query["fields"] == [
        "author.name", "id", "tags.*", "title"]
    assert subscribe(collection="notes", query={"fields": "id,tags.name.x"}).query["fields"] == [
        "id", "tags.name.x"]
    refused("FORBIDDEN", collection="notes", query={"fields": ["secret"]})
    refused("FORBIDDEN", collection="notes", query={"fields": ["author.email"]})
    refused("FORBIDDEN", collection="notes", query={"fields": ["author.*"]})


def test_filters_and_sorts_name_only_allowed_fields() -> None:
    ok = subscribe(collection="notes", query={"filter": {"_and": [{"title": {"_eq": "x"}},
                                                                  {"author": {"name": {"_in": ["a"]}}}]},
                                              "sort": ["-title"]})
    assert ok.query["sort"] == ["-title"]
    refused("FORBIDDEN", collection="notes", query={"filter": {"secret": {"_null": True}}})
    refused("FORBIDDEN", collection="notes", query={"filter": {"_or": [{"author": {"email": {"_eq": 1}}}]}})
    refused("FORBIDDEN", collection="notes", query={"filter": {"year(secret_date)": {"_eq": 2020}}})
    refused("FORBIDDEN", collection="notes", query={"sort": "-secret"})
    refused("FORBIDDEN", collection="notes", query={"search": "x"})
    refused("FORBIDDEN", collection="notes", query={"deep": {"author": {}}})
    refused("FORBIDDEN", collection="notes", query={"alias": {"x": "secret"}})


def test_collections_uids_events_and_items() -> None:
    refused("FORBIDDEN", collection="directus_users")
    refused("INVALID_PAYLOAD", collection="notes", uid=None)
    refused("INVALID_PAYLOAD", collection="notes", uid=True)
    refused("INVALID_PAYLOAD", collection="notes", uid="x" * 200)
    refused("INVALID_PAYLOAD", collection="notes", event="sort")
    refused("INVALID_PAYLOAD", collection="notes", item={"id": 1})
    refused("INVALID_PAYLOAD", collection="notes", query=[1])
    assert subscribe(collection="open", query={"search": "x", "deep": None} if False else {"search": "x"}
                     ).query == {"search": "x"}
    assert subscribe(collection="open", uid=7).uid == "7"  # Directus stores uids as strings too
    same = subscribe(collection="open", query={"filter": {"a": 1}, "fields": ["b"]})
    other = subscribe(collection="open", query={"fields": ["b"], "filter": {"a": 1}}, uid="v", event="create")
    assert same.group_key() == other.group_key()  # uid and event do not split the upstream subscription


def test_reads_are_read_only() -> None:
    assert check_read({"action": "read", "collection": "notes", "id": 3}, ALLOWED).id == 3
    with pytest.raises(Refused):
        check_read({"action": "update", "collection": "notes", "data": {}}, ALLOWED)


def test_tokens_come_from_the_header_or_the_cookie_never_the_url() -> None:
    assert bearer_token({"authorization": "Bearer abc"}, {}, "s") == "abc"
    assert bearer_token({}, {"s": "cookie"}, "s") == "cookie"
    assert bearer_token({"authorization": "Basic abc"}, {}, "s") is None
    token = RelayToken("static")
    token.offer("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.x")
    assert token._token == "static"  # a static token never expires: it is kept
    assert "static" not in repr(token)


def test_config_is_checked_and_metrics_render() -> None:
    with pytest.raises(ImproperlyConfigured):
        RelayConfig(url="http://x")  # no allow-list
    with pytest.raises(ImproperlyConfigured):
        RelayConfig(url="ftp://x", collections={"a": None})
    with pytest.raises(ImproperlyConfigured):
        RelayConfig(url="http://x", collections={"a": "title"})  # a string is not a field list
    text = Metrics(clients=2, slow_disconnects=1).text()
    assert "directus_relay_clients 2\n" in text and "directus_relay_slow_disconnects_total 1\n" in text


def test_the_cli_builds_the_allow_list() -> None:
    args = argparse.Namespace(config=None, collection=["notes:id,title", "open"], origin=["https://a.example"],
                              allow_reads=True, max_queue=50, path="/ws", metrics_path="",
                              allow_missing_origin=True, url="http://127.0.0.1:1", token=None,
                              alias="default")
    config = build_config(args)
    assert config.collections == {"notes": ["id", "title"], "open": None}
    assert (config.origins, config.allow_reads, config.max_queue, config.path, config.metrics_path) == (
        ["https://a.example"], True, 50, "/ws", None)
    assert config.allow_missing_origin


def test_the_shape_limits_count_every_level_and_value_without_recursing() -> None:
    deep: Any = "x"
    for _ in range(5000):  # deeper than a recursive walk could go
        deep = {"_and": [deep]}
    with pytest.raises(Refused) as refused:
        check_shape({"type": "subscribe", "query": {"filter": deep}}, max_depth=32, max_nodes=10_000)
    assert refused.value.code == "LIMIT_EXCEEDED"
    with pytest.raises(Refused):
        check_shape({"fields": list(range(50))}, max_depth=32, max_nodes=50)
    check_shape({"type": "subscribe", "query": {"filter": {"_and": [{"a": {"_eq": 1}}]}}}, max_depth=6,
                max_nodes=10)
    with pytest.raises(Refused):
        check_shape({"type": "subscribe", "query": {"filter": {"_and": [{"a": {"_eq": 1}}]}}}, max_depth=5,
                    max_nodes=10)
