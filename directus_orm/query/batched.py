"""``count_of(qs)`` / ``aggregate_of(qs, ...)``: a count or an aggregate as one read of
:func:`directus_orm.gather` (awaited alone, they run by themselves, over GraphQL)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from .. import graphql
from .aggregates import Aggregate

if TYPE_CHECKING:
    from .queryset import QuerySet

__all__ = ["AggregateOf", "CountOf", "aggregate_of", "count_of"]


class CountOf:
    """``qs.count()`` as a read of :func:`~directus_orm.gather`."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.queryset = queryset

    async def _graphql_read(self) -> graphql.Read[int]:
        qs = self.queryset
        query = await qs._sendable()
        if query.is_empty:
            return graphql.constant_read(0)
        if query.group_by is not None or qs._client_distinct or any(c.many for c in query.columns or ()):
            rows = await qs._graphql_read()
            return graphql.Read(rows.conn, rows.system, rows.root, rows.fix, lambda r: len(rows.finish(r)))
        return qs._graphql_count_read(query)

    def __await__(self) -> Generator[Any, None, int]:
        return _alone(self).__await__()

    def __repr__(self) -> str:
        return f"<count_of {self.queryset.query}>"


class AggregateOf:
    """``qs.aggregate(...)`` as a read of :func:`~directus_orm.gather`."""

    def __init__(self, queryset: QuerySet[Any], *args: Aggregate, **kwargs: Aggregate) -> None:
        self.queryset = queryset
        self.columns = queryset._aggregate_columns(*args, **kwargs)  # checked now, before any request

    async def _graphql_read(self) -> graphql.Read[dict[str, Any]]:
        query = await self.queryset._sendable()
        return self.queryset._graphql_aggregate_read(query, self.columns)

    def __await__(self) -> Generator[Any, None, dict[str, Any]]:
        return _alone(self).__await__()

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
