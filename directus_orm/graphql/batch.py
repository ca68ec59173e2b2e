"""``gather()``: several reads in one GraphQL request, results in order (as ``asyncio.gather``)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol

from ..exceptions import InvalidUsage
from ..sync import SyncFace
from .reads import Read, run_reads

__all__ = ["Batch", "Batchable", "gather"]


class Batchable(Protocol):
    """What :func:`gather` takes besides a :class:`Read`: a QuerySet (its rows), or what
    :func:`~directus_orm.count_of` / :func:`~directus_orm.aggregate_of` return."""

    async def _graphql_read(self) -> Read[Any]: ...


class Batch(SyncFace):
    """Reads to run together: ``await batch`` (or ``batch.sync.results()``) gives their results."""

    def __init__(self, reads: tuple[Batchable | Read[Any], ...]) -> None:
        for item in reads:
            if not isinstance(item, Read) and not callable(getattr(item, "_graphql_read", None)):
                raise InvalidUsage(f"gather() takes QuerySets, count_of(...) and aggregate_of(...), "
                                          f"got {type(item).__name__}")
        self.reads = reads

    async def results(self) -> list[Any]:
        """Run every read in one GraphQL request (one per connection when they use several) and
        return their results in the order given."""
        compiled: list[Read[Any]] = []
        for item in self.reads:
            compiled.append(item if isinstance(item, Read) else await item._graphql_read())
        return await run_reads(compiled)

    def __await__(self) -> Generator[Any, None, list[Any]]:
        return self.results().__await__()

    def __repr__(self) -> str:
        return f"<Batch of {len(self.reads)} reads>"


def gather(*reads: Batchable | Read[Any]) -> Batch:
    """``await gather(qs1, count_of(qs2), aggregate_of(qs3, total=Sum("price")))``: the reads' results in
    the order given (a QuerySet gives its list, as ``await qs``; ``count_of`` a count; ``aggregate_of``
    a dict), from one GraphQL request. Each read is compiled as its QuerySet would be for REST
    (conditions Directus cannot evaluate are read first, one request each; a ``collection("x")`` read
    with no model is described first by GraphQL introspection, one request per read and per level of
    relations, so only model reads cost exactly one request). Reads only."""
    return Batch(reads)
