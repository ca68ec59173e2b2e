"""Where a collection and an item live on the server, and how query parameters travel.

A key is data, never a route: ``item_path`` refuses keys that the server (or httpx) would read as
something else, and :func:`key_in_path` lets callers read such keys with a filter query instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from ..exceptions import ImproperlyConfigured, InvalidCollectionName, InvalidKey

__all__ = [
    "MAX_KEY_IN_PATH",
    "SYSTEM_ENDPOINTS",
    "check_collection_name",
    "collection_path",
    "collection_settings_path",
    "encode_params",
    "item_path",
    "key_in_path",
    "path_segment",
]

SYSTEM_ENDPOINTS: dict[str, str] = {
    "directus_access": "access",
    "directus_activity": "activity",
    "directus_collections": "collections",
    "directus_comments": "comments",
    "directus_dashboards": "dashboards",
    "directus_extensions": "extensions",
    "directus_fields": "fields",
    "directus_files": "files",
    "directus_flows": "flows",
    "directus_folders": "folders",
    "directus_notifications": "notifications",
    "directus_operations": "operations",
    "directus_panels": "panels",
    "directus_permissions": "permissions",
    "directus_policies": "policies",
    "directus_presets": "presets",
    "directus_relations": "relations",
    "directus_revisions": "revisions",
    "directus_roles": "roles",
    "directus_settings": "settings",
    "directus_shares": "shares",
    "directus_translations": "translations",
    "directus_users": "users",
    "directus_versions": "versions",
}
"""System collections live on their own endpoints, not under /items."""

RESERVED_KEYS: dict[str, frozenset[str]] = {
    "users": frozenset({"me", "invite", "register"}),
    "roles": frozenset({"me"}),
    "permissions": frozenset({"me"}),
    "policies": frozenset({"me"}),
    "files": frozenset({"import", "tus"}),
    "shares": frozenset({"auth", "invite", "info"}),
    "flows": frozenset({"trigger"}),
    "extensions": frozenset({"registry", "sources"}),
}
"""Words a system endpoint routes itself in the key position (``/users/me`` is the current user, not the
user whose key is "me"). Directus (Express) matches routes case-insensitively."""

MAX_KEY_IN_PATH = 1024
"""Longest quoted key put in a path; a longer one is read with a filter query (sent as SEARCH when long)."""

# httpx (like browsers) resolves "." and ".." segments: encoded, they reach Directus as the key.
_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


# Characters that would make a collection name a route, a query or a fragment (or that no Directus
# collection name holds): refused, so a name never reaches another endpoint.
_NOT_IN_NAMES = frozenset("/\\?#%")


def check_collection_name(collection: Any) -> str:
    """``collection`` if it can name a Directus collection; else :class:`InvalidCollectionName`
    (empty, ``.``/``..``, or holding ``/ \\ ? # %``, whitespace or control characters)."""
    if not isinstance(collection, str) or not collection or collection in (".", ".."):
        raise InvalidCollectionName(f"{collection!r} is not a collection name")
    bad = sorted({ch for ch in collection if ch in _NOT_IN_NAMES or ch.isspace() or not ch.isprintable()})
    if bad:
        raise InvalidCollectionName(f"{collection!r} is not a collection name (it holds {''.join(bad)!r}); "
                                    "a name is data, never a path")
    return collection


def collection_path(collection: str) -> str:
    """``/items/<collection>``, or the system endpoint (``directus_users`` -> ``/users``); the name is
    checked (:func:`check_collection_name`) and travels as one path segment."""
    system = SYSTEM_ENDPOINTS.get(collection)
    if system is not None:
        return f"/{system}"
    check_collection_name(collection)
    if collection.startswith("directus_"):
        raise ImproperlyConfigured(f"{collection!r} is not a system collection directus-orm knows")
    return f"/items/{path_segment(collection)}"


def collection_settings_path(collection: str) -> str:
    """``/collections/<collection>`` (its settings: ``meta``, ``schema``); the name is checked
    (:func:`check_collection_name`) and travels as one path segment."""
    return f"/collections/{path_segment(check_collection_name(collection))}"


def _quoted_key(collection: str, key: Any) -> str | None:
    text = str(key)
    if not text:
        return None  # "/items/c/" is the collection
    system = SYSTEM_ENDPOINTS.get(collection)
    if system is not None and text.lower() in RESERVED_KEYS.get(system, ()):
        return None
    quoted = path_segment(text)
    return quoted if len(quoted) <= MAX_KEY_IN_PATH else None


def path_segment(text: str) -> str:
    """``text`` as one path segment, never a route: ``/``, ``?`` ... quoted, dot segments encoded."""
    return _DOT_SEGMENTS.get(text) or quote(text, safe="")


def key_in_path(collection: str, key: Any) -> bool:
    """Whether ``key`` can address ``collection``'s item endpoint (else read it with a filter)."""
    return _quoted_key(collection, key) is not None


def item_path(collection: str, key: Any) -> str:
    """``/items/<collection>/<key>`` (the key URL-quoted, dot segments encoded), or the system
    endpoint's item path. Raises :class:`InvalidKey` for a key the server would read as a route
    (``me`` on ``directus_users`` ...), an empty key, or one too long for a URL."""
    quoted = _quoted_key(collection, key)
    if quoted is None:
        shown = str(key) if len(str(key)) <= 40 else f"{str(key)[:40]}... ({len(str(key))} chars)"
        raise InvalidKey(
            f"key {shown!r} of {collection!r} cannot address an item endpoint (empty, too long for a URL, "
            "or a word the endpoint routes itself); read it with a filter on the primary key"
        )
    return f"{collection_path(collection)}/{quoted}"


def as_json(key: str, value: Any) -> bool:
    """Whether the parameter travels as JSON (a list of names travels comma-separated)."""
    return isinstance(value, (dict, list, tuple)) and not (
        key in ("fields", "sort", "groupBy") and all(isinstance(v, str) for v in value)
    )


def encode_value(key: str, value: Any) -> str | None:
    """One query parameter as Directus reads it in a URL (JSON for structured values)."""
    if value is None:
        return None
    if isinstance(value, (dict, list, tuple)):
        if not as_json(key, value):
            return ",".join(value)
        return json.dumps(value, separators=(",", ":"), default=str)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Directus reads JSON for structured query parameters (filter, deep, aggregate, alias ...)."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        encoded = encode_value(key, value)
        if encoded is not None:
            out[key] = encoded
    return out


def query_body(params: Mapping[str, Any], encoded: Mapping[str, str]) -> bytes:
    """``{"query": {...}}`` for a ``SEARCH``, reusing the JSON already encoded for the URL (a filter
    over 20,000 keys is serialised once)."""
    members = [
        f"{json.dumps(key)}:{encoded[key] if as_json(key, value) else json.dumps(value, default=str)}"
        for key, value in params.items() if value is not None
    ]
    return ('{"query":{' + ",".join(members) + "}}").encode()


def query_string_length(encoded: Mapping[str, str], limit: int) -> int:
    """The length of the encoded query string, or a lower bound past ``limit`` (percent-encoding only
    lengthens, so a long raw length needs no encoding to be known too long)."""
    raw = sum(len(k) + len(v) + 2 for k, v in encoded.items())
    if raw > limit or raw * 3 <= limit:  # percent-encoding at most triples a character
        return raw
    return len(urlencode(encoded))
