"""Managers: ``Model.objects``, the entry point to a model's QuerySets (as in Django)."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, overload

from typing_extensions import Self

from ..exceptions import ManagerUnavailable
from ..query.aggregates import Aggregate
from ..query.q import Q
from ..query.queryset import Page, Prefetch, QuerySet, ResultStream
from ..sync import SyncFace
from .adapter import ModelAdapter

if TYPE_CHECKING:
    from ..realtime.backoff import Backoff
    from ..realtime.subscription import Subscription
    from .base import DirectusModel

__all__ = ["BaseManager", "Manager", "ManagerDescriptor"]

M = TypeVar("M", bound="DirectusModel")
M2 = TypeVar("M2", bound="DirectusModel")


class ManagerDescriptor:
    """The ``objects`` declared on ``DirectusModel``: on ``Language`` it is ``Manager[Language]`` for
    the type checker, and the model's default manager at run time."""

    @overload
    def __get__(self, instance: None, owner: type[M2]) -> Manager[M2]: ...
    @overload
    def __get__(self, instance: object, owner: Any) -> NoReturn: ...
    def __get__(self, instance: object, owner: Any) -> Any:
        if instance is not None:
            raise ManagerUnavailable(f"Manager isn't accessible via {owner.__name__} instances")
        meta = owner.__dict__.get("_meta")
        if meta is None:
            raise ManagerUnavailable(f"Manager isn't available; {owner.__name__} is not a concrete model")
        return meta.default_manager


class BaseManager(SyncFace, ManagerDescriptor, Generic[M]):
    """Hands out QuerySets of ``_queryset_class`` for one model. Subclass it (or use
    :meth:`from_queryset`) for custom managers; override :meth:`get_queryset` to pre-filter."""

    _queryset_class: type[QuerySet[Any]] = QuerySet

    def __init__(self) -> None:
        self.model: type[M] | None = None
        self.name: str | None = None

    # A manager is a class attribute: read on the model it is itself (typed as its own class).
    @overload  # type: ignore[override]
    def __get__(self, instance: None, owner: Any) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: Any) -> NoReturn: ...
    def __get__(self, instance: object, owner: Any) -> Any:
        if instance is not None:
            raise ManagerUnavailable(f"Manager isn't accessible via {owner.__name__} instances")
        return self

    def contribute_to_class(self, model: type[M], name: str) -> None:
        """Attach this manager to ``model`` under ``name`` (called by the model's metaclass, as in Django)."""
        self.model = model
        self.name = name

    def copy(self) -> Self:
        """A shallow copy of this manager (each model class gets its own instance of an inherited manager)."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    @classmethod
    def from_queryset(cls, queryset_class: type[QuerySet[Any]], class_name: str | None = None) -> type[Self]:
        """A manager class whose QuerySets are ``queryset_class``, with its extra public methods."""
        attrs: dict[str, Any] = {"_queryset_class": queryset_class}
        for name, method in inspect.getmembers(queryset_class, predicate=inspect.isfunction):
            if name.startswith("_") or hasattr(cls, name) or getattr(method, "queryset_only", False):
                continue
            attrs[name] = _proxy(name, method)
        return type(class_name or f"{cls.__name__}From{queryset_class.__name__}", (cls,), attrs)

    def get_queryset(self) -> QuerySet[M]:
        """A new QuerySet over all the model's rows, of this manager's QuerySet class. Override it to
        pre-filter, as in Django::

            class PublishedManager(Manager["Article"]):
                def get_queryset(self) -> QuerySet["Article"]:
                    return super().get_queryset().filter(status="published")"""
        if self.model is None:
            raise ManagerUnavailable(f"{type(self).__name__} is not attached to a model")
        return self._queryset_class(ModelAdapter.for_model(self.model))


    def __repr__(self) -> str:
        model = self.model.__name__ if self.model is not None else "unbound"
        return f"<{type(self).__name__} {model}.{self.name}>"

    # -- QuerySet methods, spelled out so the type checker knows them --------------------------------
    def all(self) -> QuerySet[M]:
        """Every row, lazily: :meth:`QuerySet.all` of :meth:`get_queryset` (``Book.objects.all()``)."""
        return self.get_queryset()

    def none(self) -> QuerySet[M]:
        """A QuerySet matching nothing, answered without a request: see :meth:`QuerySet.none`."""
        return self.get_queryset().none()

    def filter(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """The rows matching the lookups (``Book.objects.filter(pages__gt=300)``): see
        :meth:`QuerySet.filter`."""
        return self.get_queryset().filter(*args, **kwargs)

    def exclude(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """The rows not matching the lookups, NULLs kept as in Django: see :meth:`QuerySet.exclude`."""
        return self.get_queryset().exclude(*args, **kwargs)

    def order_by(self, *fields: str) -> QuerySet[M]:
        """The rows ordered by these fields (``Book.objects.order_by("-year")``): see
        :meth:`QuerySet.order_by`."""
        return self.get_queryset().order_by(*fields)

    def reverse(self) -> QuerySet[M]:
        """The rows in reverse ``Meta.ordering``: see :meth:`QuerySet.reverse`."""
        return self.get_queryset().reverse()

    def search(self, term: str) -> QuerySet[M]:
        """The rows matching Directus's full-text ``search``: see :meth:`QuerySet.search`."""
        return self.get_queryset().search(term)

    def using(self, alias: str) -> QuerySet[M]:
        """The rows on another configured connection (``Book.objects.using("replica")``): see
        :meth:`QuerySet.using`."""
        return self.get_queryset().using(alias)

    def using_graphql(self, enabled: bool = True) -> QuerySet[M]:
        """The rows read over GraphQL instead of REST: see :meth:`QuerySet.using_graphql`."""
        return self.get_queryset().using_graphql(enabled)

    def version(self, key: str | None) -> QuerySet[M]:
        """The rows of a content version (``Article.objects.version("draft")``): see
        :meth:`QuerySet.version`."""
        return self.get_queryset().version(key)

    def select_related(self, *fields: str | None) -> QuerySet[M]:
        """The rows with these many-to-one relations loaded in the same request: see
        :meth:`QuerySet.select_related`."""
        return self.get_queryset().select_related(*fields)

    def prefetch_related(self, *lookups: str | Prefetch | None) -> QuerySet[M]:
        """The rows with these relations loaded in the same request: see :meth:`QuerySet.prefetch_related`."""
        return self.get_queryset().prefetch_related(*lookups)

    def only(self, *fields: str) -> QuerySet[M]:
        """The rows with only these fields read (and the key): see :meth:`QuerySet.only`."""
        return self.get_queryset().only(*fields)

    def defer(self, *fields: str | None) -> QuerySet[M]:
        """The rows with every field but these read: see :meth:`QuerySet.defer`."""
        return self.get_queryset().defer(*fields)

    def values(self, *fields: str, **expressions: str) -> QuerySet[dict[str, Any]]:
        """The rows as dicts of these fields (``Book.objects.values("title", "author__name")``): see
        :meth:`QuerySet.values`."""
        return self.get_queryset().values(*fields, **expressions)

    def values_list(self, *fields: str, flat: bool = False, named: bool = False) -> QuerySet[Any]:
        """The rows as tuples (``Book.objects.values_list("pk", flat=True)``): see
        :meth:`QuerySet.values_list`."""
        return self.get_queryset().values_list(*fields, flat=flat, named=named)

    def annotate(self, *args: Aggregate, **kwargs: Aggregate) -> QuerySet[M]:
        """The rows with aggregates per row or per group (``Author.objects.annotate(n=Count("books"))``): see
        :meth:`QuerySet.annotate`."""
        return self.get_queryset().annotate(*args, **kwargs)

    def distinct(self, *fields: str) -> QuerySet[M]:
        """Distinct ``values()`` results (Directus ``groupBy``): see :meth:`QuerySet.distinct`."""
        return self.get_queryset().distinct(*fields)

    async def aggregate(self, *args: Aggregate, **kwargs: Aggregate) -> dict[str, Any]:
        """Aggregates over all the rows in one request (``await Book.objects.aggregate(Sum("price"))``): see
        :meth:`QuerySet.aggregate`."""
        return await self.get_queryset().aggregate(*args, **kwargs)

    async def with_meta(self) -> Page[M]:
        """All the rows with Directus's ``total_count`` and ``filter_count``: see
        :meth:`QuerySet.with_meta`."""
        return await self.get_queryset().with_meta()

    def iterator(self, chunk_size: int | None = None) -> ResultStream[M]:
        """Stream all the rows, ``chunk_size`` per request (``async for b in Book.objects.iterator()``): see
        :meth:`QuerySet.iterator`."""
        return self.get_queryset().iterator(chunk_size)

    async def get(self, *args: Q, **kwargs: Any) -> M:
        """The one row matching the lookups (``await Book.objects.get(pk=1)``), else ``DoesNotExist`` or
        ``MultipleObjectsReturned``: see :meth:`QuerySet.get`."""
        return await self.get_queryset().get(*args, **kwargs)

    async def first(self) -> M | None:
        """The first row (by ``Meta.ordering``, else by key), or ``None``: see :meth:`QuerySet.first`."""
        return await self.get_queryset().first()

    async def last(self) -> M | None:
        """The last row (by ``Meta.ordering``, else by key), or ``None``: see :meth:`QuerySet.last`."""
        return await self.get_queryset().last()

    async def earliest(self, *fields: str) -> M:
        """The first row ordered by these fields (or ``Meta.get_latest_by``): see
        :meth:`QuerySet.earliest`."""
        return await self.get_queryset().earliest(*fields)

    async def latest(self, *fields: str) -> M:
        """The last row ordered by these fields (or ``Meta.get_latest_by``): see :meth:`QuerySet.latest`."""
        return await self.get_queryset().latest(*fields)

    async def get_first(self) -> M:
        """The first row, raising ``DoesNotExist`` when there is none: see :meth:`QuerySet.get_first`."""
        return await self.get_queryset().get_first()

    async def count(self) -> int:
        """The number of rows, counted by Directus (``await Book.objects.count()``): see
        :meth:`QuerySet.count`."""
        return await self.get_queryset().count()

    async def exists(self) -> bool:
        """Whether the collection has any row: see :meth:`QuerySet.exists`."""
        return await self.get_queryset().exists()

    async def in_bulk(self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk") -> dict[Any, M]:
        """``{key: obj}`` for these keys (``await Book.objects.in_bulk([1, 2])``): see
        :meth:`QuerySet.in_bulk`."""
        return await self.get_queryset().in_bulk(id_list, field_name=field_name)

    async def create(self, **kwargs: Any) -> M:
        """Insert a row and return it with the server's values (``await Book.objects.create(title="Dune")``):
        see :meth:`QuerySet.create`."""
        return await self.get_queryset().create(**kwargs)

    async def get_or_create(self, defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[M, bool]:
        """``(obj, created)``: the matching row, or a new one: see :meth:`QuerySet.get_or_create`."""
        return await self.get_queryset().get_or_create(defaults, **kwargs)

    async def update_or_create(
        self,
        defaults: Mapping[str, Any] | None = None,
        create_defaults: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[M, bool]:
        """``(obj, created)``: the matching row updated, or a new one: see
        :meth:`QuerySet.update_or_create`."""
        return await self.get_queryset().update_or_create(defaults, create_defaults, **kwargs)

    async def update(self, **values: Any) -> int:
        """Update every row of the collection in one request; returns the number updated. Prefer
        ``Book.objects.filter(...).update(...)``: see :meth:`QuerySet.update`."""
        return await self.get_queryset().update(**values)

    async def bulk_create(self, objs: Iterable[M], batch_size: int | None = None) -> list[M]:
        """Insert these objects, one ``POST`` per batch: see :meth:`QuerySet.bulk_create`."""
        return await self.get_queryset().bulk_create(objs, batch_size)

    async def bulk_update(
        self, objs: Iterable[M], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """Write ``fields`` of these objects, one ``PATCH`` per batch: see :meth:`QuerySet.bulk_update`."""
        return await self.get_queryset().bulk_update(objs, fields, batch_size)

    def subscribe(
        self,
        *,
        events: Sequence[str] | str | None = None,
        item: Any = None,
        init: bool = True,
        max_queue: int | None = None,
        reconnect: Backoff | None = None,
        heartbeat: float | None = None,
        disconnected: bool = False,
    ) -> Subscription[M]:
        """Follow the collection's changes over Directus's websocket (the ``realtime`` extra): see
        :meth:`QuerySet.subscribe`."""
        return self.get_queryset().subscribe(events=events, item=item, init=init, max_queue=max_queue,
                                             reconnect=reconnect, heartbeat=heartbeat,
                                             disconnected=disconnected)


def _proxy(name: str, method: Any) -> Any:
    """A manager method forwarding to a fresh QuerySet's ``name`` (async stays async, so ``.sync``
    and ``await`` both work on it)."""
    if inspect.iscoroutinefunction(method):
        async def async_proxy(self: BaseManager[Any], *args: Any, **kwargs: Any) -> Any:
            return await getattr(self.get_queryset(), name)(*args, **kwargs)

        proxy: Any = async_proxy
    else:
        def sync_proxy(self: BaseManager[Any], *args: Any, **kwargs: Any) -> Any:
            return getattr(self.get_queryset(), name)(*args, **kwargs)

        proxy = sync_proxy
    proxy.__name__ = proxy.__qualname__ = name
    proxy.__doc__ = method.__doc__
    return proxy


class Manager(BaseManager[M]):
    """The default manager (``Model.objects``)."""


