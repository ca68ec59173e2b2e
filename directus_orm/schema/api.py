"""The schema tools in Python: :class:`SchemaTools` (``inspect``, ``plan``, ``migrate``, ``check``) and
:func:`check`, for an app's start-up (``await directus_orm.check(models)``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..connection import DEFAULT_ALIAS, Directus, connections
from ..connection.serverinfo import server_info
from ..sync import SyncFace
from .apply import apply, refuse_unsafe
from .codegen import generate
from .desired import Declared, desired_schema
from .plan import Step, plan
from .snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:
    from ..models.base import DirectusModel

__all__ = ["SchemaTools", "check"]


class SchemaTools(SyncFace):
    """The schema tools over one connection (default: the models' connection alias, else ``default``).
    Admin only: anything else raises :class:`~directus_orm.schema.SchemaAccessDenied`.
    Blocking forms: ``SchemaTools().sync.check(models)`` ..."""

    def __init__(self, connection: Directus | None = None) -> None:
        self.connection = connection

    def _conn(self, models: Sequence[type[DirectusModel]] = ()) -> Directus:
        if self.connection is not None:
            return self.connection
        aliases = sorted({m._meta.connection for m in models})
        return connections[aliases[0] if aliases else DEFAULT_ALIAS]

    async def inspect(self, collections: Iterable[str] | None = None) -> str:
        """Model source for the server's collections (all user collections when ``collections`` is
        empty; the collections they relate to are included)."""
        return generate(await read_snapshot(self._conn()), collections)

    async def plan(self, models: Iterable[type[DirectusModel]], *, prune: bool = False) -> list[Step]:
        """What :meth:`migrate` would change on the server to match ``models`` (nothing is sent)."""
        models = list(models)
        return plan(*await _compared(self._conn(models), models), prune=prune)

    async def migrate(self, models: Iterable[type[DirectusModel]], *, prune: bool = False,
                      convert: bool = False,
                      progress: Callable[[int, int, Step], None] | None = None) -> list[Step]:
        """Make the server match ``models``; returns the steps applied (none when it already does).
        Nothing is dropped unless ``prune`` (then: fields of the models' collections no model declares).
        A primary key's type change is refused, and so is a column's type change while the column
        holds values unless ``convert`` (:class:`MigrationError`, before anything is sent)."""
        models = list(models)
        conn = self._conn(models)
        steps = plan(*await _compared(conn, models), prune=prune)
        await refuse_unsafe(conn, steps, convert=convert)
        await apply(conn, steps, progress)
        return steps

    async def check(self, models: Iterable[type[DirectusModel]]) -> list[Step]:
        """Every difference between ``models`` and the server (empty when there is none): collections
        and fields the models declare that the server lacks, type and nullability mismatches, missing
        or different relations. Fields on the server that no model declares are not differences."""
        return await self.plan(models)


async def _compared(conn: Directus, models: Sequence[type[DirectusModel]]) -> tuple[Declared, Snapshot]:
    """What ``models`` declare for the server's version (its ``Meta.fields_since``), and the server's
    schema. A bad declaration is refused before any request."""
    desired_schema(models)
    snapshot = await read_snapshot(conn)
    return desired_schema(models, (await server_info(conn)).version), snapshot


def check(models: Iterable[type[DirectusModel]], *,
          connection: Directus | None = None) -> Awaitable[list[Step]]:
    """``await directus_orm.check([Book, Author])``: :meth:`SchemaTools.check` (empty list: no drift)."""
    return SchemaTools(connection).check(models)
