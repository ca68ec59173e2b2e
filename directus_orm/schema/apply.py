"""Send the steps of a plan to the server, one request each, in order."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from urllib.parse import quote

from ..connection import Directus
from ..exceptions import APIError, NetworkError
from .errors import MigrationError
from .plan import Step
from .snapshot import is_system

__all__ = ["apply", "refuse_unsafe"]


def _seg(name: str) -> str:
    return quote(name, safe="")  # a name is data, never a path


async def _send(conn: Directus, step: Step) -> None:
    c, f = step.collection, step.field or ""
    if step.kind == "create_collection":
        await conn.post("/collections", json=step.body)
    elif step.kind == "create_field":
        await conn.post(f"/fields/{_seg(c)}", json=step.body)
    elif step.kind == "alter_field":
        if not step.body:
            raise MigrationError(f"{step.message}: cannot turn an alias field into a column (or back); "
                                 "change it by hand")
        await conn.patch(f"/fields/{_seg(c)}/{_seg(f)}", json=step.body)
    elif step.kind == "create_relation":
        await conn.post("/relations", json=step.body)
    elif step.kind == "alter_relation":
        await conn.patch(f"/relations/{_seg(c)}/{_seg(f)}", json=step.body)
    elif step.kind == "drop_field":
        await conn.delete(f"/fields/{_seg(c)}/{_seg(f)}")
    else:  # pragma: no cover - plan() makes only these
        raise MigrationError(f"unknown step {step.kind!r}")


async def _holds_values(conn: Directus, step: Step) -> bool:
    c, f = step.collection, step.field or ""
    found = await conn.get(f"/items/{_seg(c)}", params={
        "fields": f, "limit": 1, "filter": json.dumps({f: {"_nnull": True}})})
    data = found.get("data") if isinstance(found, dict) else None
    return bool(data)


async def _has_rows(conn: Directus, collection: str) -> bool:
    found = await conn.get(f"/items/{_seg(collection)}", params={"limit": 1})
    data = found.get("data") if isinstance(found, dict) else None
    return bool(data)


def _size(step: Step) -> str:
    schema = step.body["schema"]
    if "numeric_precision" in schema:
        return f"max_digits={schema['numeric_precision']}, decimal_places={schema['numeric_scale']}"
    return f"max_length={schema['max_length']}"


async def refuse_unsafe(conn: Directus, steps: Sequence[Step], *, convert: bool) -> None:
    """Refuse the whole plan, before anything is sent, when a step cannot be applied safely: a primary
    key's type change, an alias field turned into a column (or back), a field of a system collection
    altered, or a column's type change or shortening while the column holds values (unless ``convert``)."""
    problems = [s.message for s in steps if s.kind == "alter_field" and not s.body]
    if not convert:
        for s in steps:
            if s.kind == "alter_field" and "type" in s.body and await _holds_values(conn, s):
                problems.append(f"{s.collection}.{s.field} holds values that changing its type from the "
                                f"server's to {s.body['type']} would convert, possibly with loss "
                                "(convert=True / --convert allows it)")
            elif s.kind == "alter_field" and s.narrows and s.body and await _holds_values(conn, s):
                problems.append(f"{s.collection}.{s.field} holds values that a column of {_size(s)} could "
                                "cut, round or refuse (convert=True / --convert allows it)")
    created = {s.collection for s in steps if s.kind == "create_collection"}
    for s in steps:
        schema = s.body.get("schema") or {}
        if (s.kind == "create_field" and s.collection not in created and schema.get("is_nullable") is False
                and schema.get("default_value") is None and not schema.get("is_primary_key")
                and (is_system(s.collection) or await _has_rows(conn, s.collection))):
            problems.append(f"{s.collection}.{s.field} is required and has no default, but "
                            f"{s.collection} holds rows that would have no value for it (give it a default, "
                            "or allow None)")
    if problems:
        raise MigrationError("nothing was applied: " + "; ".join(problems))


async def apply(conn: Directus, steps: Sequence[Step],
                progress: Callable[[int, int, Step], None] | None = None) -> None:
    """Apply ``steps`` in order; ``progress(i, n, step)`` is called before each. A refused step raises
    :class:`MigrationError` saying how many were applied."""
    for i, step in enumerate(steps, start=1):
        if progress is not None:
            progress(i, len(steps), step)
        try:
            await _send(conn, step)
        except APIError as exc:
            raise MigrationError(f"step {i} of {len(steps)} was refused ({step.message}): {exc}; "
                                 f"the {i - 1} step(s) before it were applied") from exc
        except NetworkError as exc:  # the server may have acted on it: only a new plan can tell
            raise MigrationError(f"step {i} of {len(steps)} got no answer ({step.message}): {exc}; "
                                 f"the {i - 1} step(s) before it were applied, step {i} may have been; "
                                 "run migrate again (it plans from what the server has)") from exc
