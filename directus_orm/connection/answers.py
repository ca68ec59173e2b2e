"""Reading answers: a Directus error becomes its typed exception, anything that is not a Directus
answer (a redirect, an HTML page, a body that is not JSON) becomes :class:`UnexpectedResponse`."""

from __future__ import annotations

import json
from typing import Any

import httpx

from ..exceptions import UnexpectedResponse, error_from_response
from .paths import RESERVED_KEYS, SYSTEM_ENDPOINTS

_DATA_SEGMENTS = frozenset(SYSTEM_ENDPOINTS.values())

__all__ = ["check_status", "json_object", "raw_path", "unexpected"]


def _where(response: httpx.Response) -> tuple[str, str]:
    request = response.request
    return request.method, request.url.path


def unexpected(response: httpx.Response, why: str) -> UnexpectedResponse:
    """The typed error for an answer that is not Directus's (status, content type and path named)."""
    method, path = _where(response)
    content_type = response.headers.get("content-type", "")
    shown = content_type or "no content type"
    return UnexpectedResponse(
        f"not a Directus answer: HTTP {response.status_code}, {shown}, {len(response.content)} bytes ({why})",
        status=response.status_code, content_type=content_type, method=method, path=path,
    )


def _data_path(path: str) -> bool:
    """An ``/items/...`` or system collection path (the server may live under a path prefix)."""
    segments = path.strip("/").split("/")
    return "items" in segments[:-1] or (
        not {"utils", "auth", "server", "assets"} & set(segments) and bool(_DATA_SEGMENTS & set(segments))
    )


def raw_path(path: str) -> bool:
    """Whether a request path (relative to the server) names an endpoint answering content rather than
    JSON: ``/assets/<key>`` (a file, transformed or not)."""
    segments = [s for s in path.split("?", 1)[0].split("/") if s]
    return len(segments) >= 2 and segments[0] == "assets"


def _item_or_collection(path: str) -> bool:
    """``/items/<c>[/<key>]`` or ``/<system collection>[/<key>]``: the answers that always carry
    ``data`` (not the action routes under them: ``/flows/trigger/<id>`` answers what the flow says)."""
    segments = path.strip("/").split("/")
    if "items" in segments[:-1]:
        return len(segments) - segments.index("items") <= 3
    start = next((i for i, s in enumerate(segments) if s in _DATA_SEGMENTS), None)
    if start is None or {"utils", "auth", "server", "assets"} & set(segments):
        return False
    rest = segments[start + 1:]
    return not rest or (len(rest) == 1 and rest[0].lower() not in RESERVED_KEYS.get(segments[start], ()))


def check_status(response: httpx.Response) -> None:
    """Raise the typed error of an error answer (4xx/5xx), or :class:`UnexpectedResponse` for any
    status Directus does not answer with (1xx, 3xx: redirects are not followed)."""
    status = response.status_code
    if status >= 400:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        method, path = _where(response)
        raise error_from_response(status, body, method=method, path=path)
    if not 200 <= status < 300:
        location = " to another location" if response.headers.get("location") else ""
        raise unexpected(response, f"a redirect{location}" if 300 <= status < 400 else "not a final answer")


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The decoded JSON object of a successful answer, None when it has no body (204, or the few
    endpoints answering 200 with nothing); anything else - an item or collection answer without
    ``data`` included - raises :class:`UnexpectedResponse`."""
    check_status(response)
    if not response.content:
        if response.status_code != 204 and _data_path(response.request.url.path):
            # Directus answers an item or collection request with JSON, or 204 when there is nothing
            # to send back (a write whose row the role may not read).
            raise unexpected(response, "an empty answer where Directus sends data or 204")
        return None
    try:
        body = response.json()
    except ValueError as exc:
        # chained to a JSONDecodeError only: a UnicodeDecodeError's repr holds the whole body
        cause = exc if isinstance(exc, json.JSONDecodeError) else None
        raise unexpected(response, "the body is not JSON") from cause
    if not isinstance(body, dict):
        raise unexpected(response, f"JSON {type(body).__name__}, not an object")
    if "data" not in body and _item_or_collection(response.request.url.path):
        # Every item or collection answer carries "data": without it, nothing says what was done.
        raise unexpected(response, "a JSON object without \"data\"")
    return body
