"""What a client may send: the message allow-list, checked before anything reaches Directus.

A refusal is :class:`Refused` (a ``DirectusError``), answered to the client as a Directus-shaped error
frame ``{"type", "status": "error", "error": {"code", "message"}, "uid"?}``; the socket stays open.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ...exceptions import DirectusError
from ...realtime.events import EVENT_TYPES

__all__ = ["ReadRequest", "Refused", "SubscribeRequest", "check_read", "check_shape", "check_subscribe",
           "check_token", "client_uid", "error_frame", "parse_message"]

QUERY_KEYS = frozenset({"fields", "filter", "sort", "limit", "offset", "page", "search", "meta"})
"""Query keys a client may use; anything else (``deep``, ``alias``, ``aggregate``, ``groupBy`` ...) is
refused, since it could read around the field allow-list."""
_NESTING = frozenset({"_and", "_or", "_some", "_none"})
"""Filter keys that hold more conditions (the others starting with "_" are operators taking values)."""
MAX_UID = 128
MAX_DEPTH = 16
MAX_DIGITS = 128
"""Digits a number in a message may have (a uid at most ``MAX_UID`` characters, a key far fewer)."""
MAX_TOKEN = 8 * 1024
"""Bytes an access token may have (Directus's are a few hundred; a longer one is no token)."""
_INTEGER_PARAMS = {"limit": -1, "offset": 0, "page": 1}
"""Integer query parameters and their smallest value (Directus refuses the others)."""


class Refused(DirectusError):
    """A client message the relay does not forward; ``code`` is sent to the client."""

    def __init__(self, message: str, code: str = "FORBIDDEN") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SubscribeRequest:
    uid: str
    collection: str
    query: dict[str, Any]
    event: str | None
    item: Any
    echo: Any = None  # the uid as the client sent it (a number stays a number in replies)

    def group_key(self) -> str:
        """Requests with one key (for one identity) share an upstream subscription."""
        return json.dumps([self.collection, self.query, self.item], sort_keys=True, default=str)


@dataclass(frozen=True)
class ReadRequest:
    uid: str | int | None
    collection: str
    query: dict[str, Any]
    id: Any


def error_frame(kind: str, code: str, message: str, uid: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": kind, "status": "error", "error": {"code": code, "message": message}}
    if uid is not None:
        frame["uid"] = uid
    return frame


def parse_message(raw: str | bytes | None) -> dict[str, Any]:
    """The client's message as a JSON object (raises :class:`Refused` saying why it is not one)."""
    try:
        frame = json.loads(raw, parse_int=_bounded_int) if raw is not None else None
    except Refused:
        raise
    except RecursionError:
        raise Refused("the message is nested too deeply", "LIMIT_EXCEEDED") from None
    except ValueError:
        frame = None
    if not isinstance(frame, dict):
        raise Refused("a message must be a JSON object", "INVALID_PAYLOAD")
    return frame


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise Refused(f"a number may have at most {MAX_DIGITS} digits (a uid at most {MAX_UID} characters)",
                      "LIMIT_EXCEEDED")
    return int(digits)


def check_token(token: Any) -> str:
    """An ``auth`` message's access token, checked for shape (Directus checks the rest)."""
    if not isinstance(token, str) or not token:
        raise Refused("auth needs an access_token", "INVALID_PAYLOAD")
    if len(token) > MAX_TOKEN:
        raise Refused(f"authentication failed: a token has at most {MAX_TOKEN} characters", "AUTH_FAILED")
    return token


def check_shape(value: Any, max_depth: int, max_nodes: int) -> None:
    """Refuse a message nested deeper than ``max_depth`` or with more than ``max_nodes`` values (a
    filter is walked, compiled and sent upstream: its cost grows with both). Iterative: a deep message
    never exhausts the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise Refused(f"the message has more than {max_nodes} values", "LIMIT_EXCEEDED")
        if isinstance(node, (dict, list)):
            if depth > max_depth:
                raise Refused(f"the message is nested more than {max_depth} levels deep", "LIMIT_EXCEEDED")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


def client_uid(frame: Mapping[str, Any], *, required: bool) -> str | None:
    uid = frame.get("uid")
    if uid is None:
        if required:
            raise Refused("a uid is required", "INVALID_PAYLOAD")
        return None
    if isinstance(uid, bool) or not isinstance(uid, (str, int)) or len(str(uid)) > MAX_UID or str(uid) == "":
        raise Refused(f"uid must be a string or an integer of at most {MAX_UID} characters",
                      "INVALID_PAYLOAD")
    return str(uid)  # Directus stores uids as strings too


def check_subscribe(frame: Mapping[str, Any],
                    allowed: Mapping[str, Collection[str] | None]) -> SubscribeRequest:
    uid = client_uid(frame, required=True)
    assert uid is not None
    collection, fields = _collection(frame, allowed)
    event = frame.get("event")
    if event is not None and event not in EVENT_TYPES:
        raise Refused(f"event must be one of {', '.join(EVENT_TYPES)}", "INVALID_PAYLOAD")
    item = frame.get("item")
    if item is not None and (isinstance(item, bool) or not isinstance(item, (str, int))):
        raise Refused("item must be a primary key (string or integer)", "INVALID_PAYLOAD")
    return SubscribeRequest(uid, collection, _query(frame.get("query"), fields), event, item, frame["uid"])


def check_read(frame: Mapping[str, Any], allowed: Mapping[str, Collection[str] | None]) -> ReadRequest:
    client_uid(frame, required=False)  # checked; replies carry it as sent
    if frame.get("action") != "read":
        raise Refused("only the read action is relayed", "FORBIDDEN")
    collection, fields = _collection(frame, allowed)
    key = frame.get("id")
    if key is not None and (isinstance(key, bool) or not isinstance(key, (str, int))):
        raise Refused("id must be a primary key (string or integer)", "INVALID_PAYLOAD")
    return ReadRequest(frame.get("uid"), collection, _query(frame.get("query"), fields), key)


def _collection(frame: Mapping[str, Any],
                allowed: Mapping[str, Collection[str] | None]) -> tuple[str, Collection[str] | None]:
    name = frame.get("collection")
    if not isinstance(name, str) or name not in allowed:
        raise Refused(f"collection {name!r} is not relayed", "FORBIDDEN")
    return name, allowed[name]


def _query(query: Any, allowed: Collection[str] | None) -> dict[str, Any]:
    if query is None:
        query = {}
    if not isinstance(query, Mapping):
        raise Refused("query must be an object", "INVALID_PAYLOAD")
    unknown = set(query) - QUERY_KEYS
    if unknown:
        raise Refused(f"query keys not relayed: {', '.join(sorted(map(str, unknown)))}", "FORBIDDEN")
    out = dict(query)
    for name, least in _INTEGER_PARAMS.items():
        value = out.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
            raise Refused(f"query {name} must be an integer of at least {least}", "INVALID_QUERY")
    for name in ("search", "meta"):
        if name in out and not isinstance(out[name], str):
            raise Refused(f"query {name} must be a string", "INVALID_QUERY")
    if allowed is None:
        return out
    if "search" in out:  # it matches every readable text field, the hidden ones too
        raise Refused("search is not relayed on a collection with a field allow-list", "FORBIDDEN")
    fields = out.get("fields")
    if fields is None or fields == "*" or fields == ["*"]:
        out["fields"] = sorted(allowed)  # "everything" means everything allowed
    else:
        names = fields.split(",") if isinstance(fields, str) else fields
        if not isinstance(names, list) or not all(isinstance(f, str) for f in names):
            raise Refused("fields must be a list of strings", "INVALID_PAYLOAD")
        for name in names:
            _check_path(name, allowed, "field")
        out["fields"] = names
    if "filter" in out:
        _check_filter(out["filter"], allowed, "", 0)
    sort = out.get("sort")
    if sort is not None:
        names = sort.split(",") if isinstance(sort, str) else sort
        if not isinstance(names, list) or not all(isinstance(f, str) for f in names):
            raise Refused("sort must be a list of strings", "INVALID_PAYLOAD")
        for name in names:
            _check_path(name.lstrip("-"), allowed, "sort field")
    return out


def _check_path(path: str, allowed: Collection[str], what: str) -> None:
    if path in allowed:
        return
    parts = path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:i]) + ".*" in allowed:
            return
    raise Refused(f"{what} {path!r} is not relayed", "FORBIDDEN")


def _check_filter(node: Any, allowed: Collection[str], prefix: str, depth: int) -> None:
    """Every field a filter names must be allowed: a filter on a hidden field would reveal it, one
    match at a time."""
    if depth > MAX_DEPTH:
        raise Refused("the filter is nested too deeply", "INVALID_PAYLOAD")
    if isinstance(node, list):
        for entry in node:
            _check_filter(entry, allowed, prefix, depth + 1)
        return
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        if not isinstance(key, str):
            raise Refused("filter keys must be strings", "INVALID_PAYLOAD")
        if key in _NESTING:
            _check_filter(value, allowed, prefix, depth + 1)
        elif key.startswith("_"):
            continue  # an operator: it takes values, not fields
        else:
            name = key[key.index("(") + 1:-1] if "(" in key and key.endswith(")") else key  # year(date)
            path = f"{prefix}.{name}" if prefix else name
            if not isinstance(value, Mapping):
                _check_path(path, allowed, "filter field")
                continue
            operators = {k for k in value if isinstance(k, str) and k.startswith("_") and k not in _NESTING}
            if operators or not value:  # a condition on this field (else a step along a relation)
                _check_path(path, allowed, "filter field")
            _check_filter({k: v for k, v in value.items() if k not in operators}, allowed, path, depth + 1)
