"""Telling whether a bulk write stored every field it sent.

Directus drops fields a collection does not have without an error. Bulk writes ask the answer to
carry the fields they wrote (``fields=pk,name,...``): a row read back holds them, and a field the
collection lacks makes Directus answer ``204 No Content`` (its read-back fails) - as it does for a
role that may write but not read. One or two reads after such a 204 tell the two apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..connection.client import Directus
from ..exceptions import Forbidden, SchemaMismatch

__all__ = ["confirm_fields", "mismatch", "missing_fields"]


def mismatch(label: str, names: Sequence[str], detail: str) -> SchemaMismatch:
    return SchemaMismatch(
        f"{label}: the collection has no field(s) among {list(names)} (or the role may not read them): "
        f"Directus dropped their values without an error. {detail}"
    )


async def confirm_fields(conn: Directus, path: str, pk: str, names: Sequence[str], label: str) -> None:
    """After a write whose read-back of ``[pk, *names]`` answered 204: raise ``SchemaMismatch`` when
    the role can read the collection but not those fields; return when it cannot read at all."""
    try:
        await conn.get(path, params={"fields": [pk], "limit": 1})
    except Forbidden:
        return  # the role may write but not read: Directus's 204 is all there is
    try:
        await conn.get(path, params={"fields": [pk, *names], "limit": 1})
    except Forbidden as exc:
        raise mismatch(label, names, "The other fields were written.") from exc


def missing_fields(
    declared: Iterable[str], payloads: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]
) -> list[str]:
    """The declared fields sent in ``payloads`` that the rows read back (with ``*``) lack: the
    collection does not have them."""
    known = set(declared)
    sent = {name for payload in payloads for name in payload if name in known}
    return sorted(name for name in sent if rows and any(name not in row for row in rows))
