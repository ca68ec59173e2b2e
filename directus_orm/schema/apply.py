"""Send the steps of a plan to the server, one request each, in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import quote

from ..connection import Directus
from ..exceptions import APIError
from .errors import MigrationError
from .plan import Step

__all__ = ["apply"]


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
