"""Pure pieces of the FastAPI layer's second round: the token cache, ETags, cursors, documented
filter parameters (no server)."""

from __future__ import annotations

import pytest
from starlette.datastructures import URL
from starlette.requests import Request

from directus_orm import DirectusModel
from directus_orm.contrib.fastapi import TokenCache
from directus_orm.contrib.fastapi.etag import etag_of, if_match, not_modified
from directus_orm.contrib.fastapi.filterdocs import filter_parameters
from directus_orm.contrib.fastapi.paging import cursor_order, decode_cursor, encode_cursor, links
from directus_orm.exceptions import FieldError, ImproperlyConfigured


class UnitRow(DirectusModel):
    id: int | None = None
    rank: int
    name: str | None = None

    class Meta:
        collection = "unit_round2_rows"


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_cache_ttl_bound_and_repr() -> None:
    clock = Clock()
    cache = TokenCache(ttl=10, max_size=2, clock=clock)
    keys = [cache.key(f"secret-token-{i}") for i in range(3)]
    assert len(set(keys)) == 3 and all("secret" not in k for k in keys)
    assert TokenCache().key("x") != cache.key("x")            # keyed per cache
    for key in keys:
        cache.put(key, "id", {"id": key})
    assert len(cache) == 2 and cache.get(keys[0], "id") is None  # least recently used dropped
    assert cache.get(keys[2], "id") == {"id": keys[2]}
    assert cache.get(keys[2], "id,email") is None                  # per field list
    clock.now = 10.0
    assert cache.get(keys[2], "id") is None                        # expired
    cache.put(keys[1], "id", {"id": 1})
    cache.forget(keys[1])
    assert cache.get(keys[1], "id") is None
    assert repr(cache) == "<TokenCache ttl=10s max_size=2 entries=0>"
    with pytest.raises(ImproperlyConfigured):
        TokenCache(ttl=0)


def _request(**headers: str) -> Request:
    raw = [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "query_string": b""})


def test_etags() -> None:
    tag = etag_of({"id": 1, "name": "x"})
    assert tag == etag_of({"name": "x", "id": 1}) and tag != etag_of({"id": 1, "name": "y"})
    if_match(_request(), tag)                                      # no header: no condition
    if_match(_request(if_match=f'"other", {tag}'), tag)
    if_match(_request(if_match="*"), tag)
    with pytest.raises(Exception) as refused:
        if_match(_request(if_match=f"W/{tag}"), tag)
    assert getattr(refused.value, "status_code", None) == 412
    assert not_modified(_request(if_none_match=f"W/{tag}"), tag)   # If-None-Match compares weakly
    assert not not_modified(_request(if_none_match='"x"'), tag)


def test_cursors() -> None:
    cursor = cursor_order(UnitRow._meta, ["-rank"])
    assert cursor is not None and cursor.order == ("-rank", "id")
    token = encode_cursor(cursor, [3, 12])
    assert decode_cursor(cursor, token) == [3, 12]
    other = cursor_order(UnitRow._meta, ["rank"])
    assert other is not None
    with pytest.raises(FieldError):
        decode_cursor(other, token)                                 # another order
    with pytest.raises(FieldError):
        decode_cursor(cursor, "not base64 json")
    assert cursor_order(UnitRow._meta, ["name"]) is None            # a nullable string column
    assert str(cursor.after([3, 12])) == str(cursor.after([3, 12]))
    url = URL("http://t/rows?limit=2&offset=4&x=1")
    nxt, prev = links(url, offset=4, limit=2, page=None, has_next=True, next_cursor=None, keyset=False)
    assert nxt == "http://t/rows?limit=2&x=1&offset=6" and prev == "http://t/rows?limit=2&x=1&offset=2"
    nxt, prev = links(url, offset=0, limit=2, page=None, has_next=True, next_cursor="abc", keyset=True)
    assert nxt is not None and "cursor=abc" in nxt and prev is None


def test_filter_parameters_are_typed() -> None:
    params = {p["name"]: p for p in filter_parameters(UnitRow._meta, ["rank", "name"], {"name__in"})}
    assert params["rank__gt"]["schema"] == {"type": "integer"}
    assert "rank__isnull" not in params and "name__isnull" in params
    assert "name__in" not in params                                  # a route parameter's name
    assert "name__gt" not in params and params["name__icontains"]["schema"] == {"type": "string"}


def test_a_row_the_model_cannot_hold_is_a_bad_gateway() -> None:
    """A stored value the model cannot hold (1e+30 in an integer) is the upstream's fault: 502, typed."""
    from directus_orm.contrib.fastapi.errors import error_response, http_status_for
    from directus_orm.exceptions import InvalidRow

    exc = InvalidRow("Project", 3, ["priority: out of range"])
    assert http_status_for(exc) == 502
    assert b'"INVALID_ROW"' in error_response(exc).body


def test_only_a_logout_without_a_session_is_the_callers_fault() -> None:
    """``NoSession`` follows from the credentials the caller sent (400, typed); the rest of
    ``InvalidUsage`` is a mistake in the route's code and stays with the server's error handling."""
    from directus_orm.contrib.fastapi.errors import error_response, http_status_for
    from directus_orm.exceptions import InvalidUsage, NoSession

    exc = NoSession("logout() ends a session, and a static token has none")
    assert http_status_for(exc) == 400
    assert b'"NO_SESSION"' in error_response(exc).body
    assert http_status_for(InvalidUsage("bool(qs)")) == 500
