"""Optimistic concurrency for the generated routes: an ``ETag`` on every answer carrying a whole row,
``If-Match`` on ``PATCH`` / ``PUT`` / ``DELETE`` (412 when the row changed), ``If-None-Match`` on a
retrieve (304 when it did not).

The ETag is a strong validator computed from the row's values as read from Directus: a SHA-256 of
the canonical JSON of every model field (a related row by its key), the ones the read schema leaves
out included. Any change to a field the model declares changes it; a change to a column the model
does not declare does not. It says nothing about Directus's ``date_updated``, which a model need
not have, and two rows with equal values have equal ETags (that is the point).

The check is read-then-write: the row is read, its ETag compared, then the write is sent. Directus
has no conditional write over REST, so a write landing between that read and ours (a few
milliseconds, one round trip) is not seen: it is overwritten by a PATCH of the same fields, or
deleted. Clients that must never lose such a race need a lock or a version column checked by a
Directus hook; this check catches the common case (a client editing a copy it read minutes ago).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException, Request, status
from pydantic_core import to_jsonable_python

__all__ = ["etag_of", "if_match", "no_if_match", "not_modified"]


def etag_of(values: Mapping[str, Any]) -> str:
    """The quoted strong ETag of a row's values (``'"3f2a..."'``)."""
    canonical = json.dumps(to_jsonable_python(dict(values)), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:40] + '"'


def _tags(header: str) -> list[str]:
    """The entity tags of an ``If-Match`` / ``If-None-Match`` header (weak ones as their strong form)."""
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def if_match(request: Request, current: str) -> None:
    """412 ``PRECONDITION_FAILED`` when ``If-Match`` is given and names neither ``*`` nor ``current``.
    Weak tags never match (RFC 9110: If-Match uses the strong comparison)."""
    header = request.headers.get("if-match")
    if header is None:
        return
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if "*" in tags or current in tags:
        return
    raise HTTPException(status.HTTP_412_PRECONDITION_FAILED, headers={"ETag": current}, detail={
        "message": "the row changed since it was read (If-Match does not name its current ETag)",
        "code": "PRECONDITION_FAILED", "etag": current})


def no_if_match(request: Request) -> None:
    """400 ``IF_MATCH_UNSUPPORTED`` when ``If-Match`` is given to a route that cannot honour it (a bulk
    route: one header cannot name the ETags of several rows), rather than writing regardless."""
    if request.headers.get("if-match") is not None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail={
            "message": "If-Match is not supported on bulk routes (it names one row's ETag); send one "
                       "PATCH / DELETE per row to write conditionally", "code": "IF_MATCH_UNSUPPORTED"})


def not_modified(request: Request, current: str) -> bool:
    """True when ``If-None-Match`` names ``current`` (or ``*``): answer 304."""
    header = request.headers.get("if-none-match")
    return header is not None and ("*" in _tags(header) or current in _tags(header))
