"""The schema tools as coroutines: ``inspect``, ``plan_migration``, ``migrate``, ``check``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..connection import DEFAULT_ALIAS, Directus, connections
from .apply import apply
from .codegen import generate
from .desired import desired_schema
from .plan import Step, plan
from .snapshot import read_snapshot

if TYPE_CHECKING:
    from ..models.base import DirectusModel

__all__ = ["check", "inspect", "migrate", "plan_migration"]


def _conn(models: Sequence[type[DirectusModel]], connection: Directus | None) -> Directus:
    if connection is not None:
        return connection
    aliases = sorted({m._meta.connection for m in models})
    return connections[aliases[0] if aliases else DEFAULT_ALIAS]


async def inspect(collections: Iterable[str] | None = None, *, connection: Directus | None = None) -> str:
    """Model source for the server's collections (all user collections when ``collections`` is empty)."""
    conn = connection if connection is not None else connections["default"]
    return generate(await read_snapshot(conn), collections)


async def plan_migration(models: Iterable[type[DirectusModel]], *, prune: bool = False,
                         connection: Directus | None = None) -> list[Step]:
    """What ``migrate`` would change on the server to match ``models`` (nothing is sent)."""
    models = list(models)
    declared = desired_schema(models)
    return plan(declared, await read_snapshot(_conn(models, connection)), prune=prune)


async def migrate(models: Iterable[type[DirectusModel]], *, prune: bool = False,
                  connection: Directus | None = None,
                  progress: Callable[[int, int, Step], None] | None = None) -> list[Step]:
    """Make the server match ``models``; returns the steps applied (none when it already does)."""
    models = list(models)
    conn = _conn(models, connection)
    steps = plan(desired_schema(models), await read_snapshot(conn), prune=prune)
    await apply(conn, steps, progress)
    return steps


async def check(models: Iterable[type[DirectusModel]], *,
                connection: Directus | None = None) -> list[Step]:
    """Every difference between ``models`` and the server (an empty list when there is none): fields the
    models declare that the server lacks, type and nullability mismatches, missing or different
    relations. Fields on the server that no model declares are not differences."""
    return await plan_migration(models, connection=connection)
