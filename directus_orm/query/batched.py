"""``count_of(qs)`` / ``aggregate_of(qs, ...)``: a count or an aggregate as one read of
:func:`directus_orm.gather` (awaited alone, they run by themselves, over GraphQL)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from .. import graphql
from ..sync import SyncFace
from .aggregates import Aggregate

if TYPE_CHECKING:
    from .queryset import QuerySet

__all__ = ["AggregateOf", "CountOf", "aggregate_of", "count_of"]


class CountOf(SyncFace):
    """``qs.count()`` as a read of :func:`~directus_orm.gather`."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.queryset = queryset

    async def _graphql_read(self) -> graphql.Read[int]:
        qs = self.queryset
        query = await qs._sendable(over_graphql=True)
        if query.is_empty:
            return graphql.constant_read(0)
        if query.group_by is not None or qs._client_distinct or any(c.many for c in query.columns or ()):
            rows = await qs._graphql_read()
            return graphql.Read(rows.conn, rows.system, rows.root, rows.fix, lambda r: len(rows.finish(r)),
                                rows.page, rows.low, rows.high)
        return qs._graphql_count_read(await qs._described(query))

    async def result(self) -> int:
        """The count, read alone (``await count_of(qs)`` does the same; ``.sync.result()`` blocks)."""
        return int(await _alone(self))

    def __await__(self) -> Generator[Any, None, int]:
        return self.result().__await__()

    def __repr__(self) -> str:
        return f"<count_of {self.queryset.query}>"


class AggregateOf(SyncFace):
    """``qs.aggregate(...)`` as a read of :func:`~directus_orm.gather`."""

    def __init__(self, queryset: QuerySet[Any], *args: Aggregate, **kwargs: Aggregate) -> None:
        self.queryset = queryset
        self.columns = queryset._aggregate_columns(*args, **kwargs)  # checked now, before any request

    async def _graphql_read(self) -> graphql.Read[dict[str, Any]]:
        query = await self.queryset._sendable(over_graphql=True)
        if query.is_empty:
            return self.queryset._graphql_aggregate_read(query, self.columns)
        return self.queryset._graphql_aggregate_read(await self.queryset._described(query), self.columns)

    async def result(self) -> dict[str, Any]:
        """The aggregate, read alone (``await aggregate_of(...)`` does the same; ``.sync.result()``
        blocks)."""
        return dict(await _alone(self))

    def __await__(self) -> Generator[Any, None, dict[str, Any]]:
        return self.result().__await__()

    def __repr__(self) -> str:
        return f"<aggregate_of {', '.join(c.name for c in self.columns)} {self.queryset.query}>"


async def _alone(item: CountOf | AggregateOf) -> Any:
    return await (await item._graphql_read())


def count_of(queryset: QuerySet[Any]) -> CountOf:
    """The number of rows ``queryset`` matches, as a read of :func:`~directus_orm.gather`."""
    return CountOf(queryset)


def aggregate_of(queryset: QuerySet[Any], *args: Aggregate, **kwargs: Aggregate) -> AggregateOf:
    """``queryset.aggregate(*args, **kwargs)`` as a read of :func:`~directus_orm.gather`."""
    return AggregateOf(queryset, *args, **kwargs)
