"""``DirectusRouter(Model)``: list / retrieve / create / partial update / delete routes for a model.

::

    router = DirectusRouter(Language, directus=directus,
                            dependencies_for={"create": [require_role("Editor")]},
                            objects_filter=lambda request: Q(family__isnull=False))
    app.include_router(router)        # /languages, /languages/{pk}

Every route runs as the caller (through the :class:`DirectusDependency`), so Directus's permissions
apply; ``objects_filter(request) -> Q | None`` (sync or async) narrows every read, update and delete
further (rows outside it answer 404) and bounds every write: a create or update whose row would fall
outside it answers 403 (``OUTSIDE_OBJECTS_FILTER``), decided in Python before the write when the rule
allows (:mod:`.rowrule`), else checked after it and undone. ``server_values={"tenant": fn}`` forces
fields onto creates and updates from ``fn(request)``; clients cannot set them.

List query parameters: Django-style filters (``?name__icontains=en&speakers__gte=10``, across relations
``?author__name__icontains=le`` / ``?books__title=X`` when ``filter_fields`` names the path;
``__in``/``__range`` take comma-separated values, ``__isnull`` true/false), ``?sort=-name,author.name``,
``?search=``, ``?limit=&offset=`` or ``?page=`` (1-based, ``limit`` per page); the answer carries the
``count`` of matching rows. Sparse fieldsets: ``?fields=id,title,author.name`` / ``?omit=price`` become
a ``values()`` / ``only()`` query, so only those columns travel, and nested paths come back nested
(``{"id": 1, "title": ..., "author": {"name": ...}}``); every segment is checked through the model's
relations, an unknown one answers 400 with the valid names at its level. Nested children:
``companies.nested(Department, fk="company")`` serves ``/companies/{company_id}/departments``.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar, Union, get_args

from fastapi import APIRouter, HTTPException, Query, Request, Response, WebSocket, params, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import to_jsonable_python

from ...connection.registry import connections
from ...exceptions import DirectusError, FieldError, InvalidArgument, UnsupportedLookup
from ...models import DirectusModel
from ...query import Q, QuerySet
from . import bulk
from .aggregate import AGGREGATE_PARAMETERS, aggregate_rows
from .archive import Archive, ArchiveRule, ArchiveSetting
from .dependency import DirectusDependency
from .etag import etag_of, if_match, not_modified
from .filterdocs import filter_parameters
from .guards import get_directus
from .live import check_guards, serve_subscription
from .paging import cursor_order, decode_cursor, encode_cursor, links
from .querystring import RESERVED, QueryString, Selection, detail_of, pick, refuse_repeats, sort_terms
from .related import RelatedRules
from .rowrule import decide
from .values import check_values

__all__ = ["ALL_ROUTE_NAMES", "ROUTE_NAMES", "DirectusRouter", "Page", "RouteName", "Selection",
           "derive_schema", "pick"]

RouteName = Literal["list", "retrieve", "create", "update", "delete", "replace", "aggregate", "bulk_create",
                    "bulk_update", "bulk_delete"]
ROUTE_NAMES: tuple[RouteName, ...] = ("list", "retrieve", "create", "update", "delete")
"""The routes a :class:`DirectusRouter` generates by default."""
ALL_ROUTE_NAMES: tuple[RouteName, ...] = (*ROUTE_NAMES, "replace", "aggregate", "bulk_create", "bulk_update",
                                          "bulk_delete")
"""Every route a router can generate (the others on request: ``routes=ALL_ROUTE_NAMES``)."""
GUARDED_AS: dict[RouteName, RouteName] = {"replace": "update", "aggregate": "list", "bulk_create": "create",
                                          "bulk_update": "update", "bulk_delete": "delete"}
"""A route that does what another does also takes that route's guards (``dependencies_for``), so enabling
it never opens a way around them."""

M = TypeVar("M", bound=DirectusModel)
T = TypeVar("T")
ObjectsFilter = Callable[[Request], "Q | Awaitable[Q | None] | None"]
ServerValue = Callable[[Request], Any]
"""A server-set field's value for this request (sync, or async returning it)."""
UNPROCESSABLE = 422
"""422 by number: Starlette renamed its constant (``HTTP_422_UNPROCESSABLE_CONTENT``), warns on the old
one."""
logger = logging.getLogger("directus_orm.fastapi")


class Page(BaseModel, Generic[T]):
    """A page of a list route: ``count`` is the total number of matching rows (None with
    ``?count=false``); ``next`` / ``previous`` the URLs of the neighbouring pages (None at an end);
    ``next_cursor`` the keyset cursor of the next page when the order allows one."""

    count: int | None
    limit: int
    offset: int | None
    page: int | None = None
    next: str | None = None
    previous: str | None = None
    next_cursor: str | None = None
    results: list[T]


def derive_schema(model: type[BaseModel], name: str, *, exclude: Iterable[str] = (),
                  optional: bool = False) -> type[BaseModel]:
    """A pydantic model with ``model``'s fields (minus ``exclude``); ``optional=True`` makes every
    field optional with a default of None (partial updates, sparse reads)."""
    fields: dict[str, Any] = {}
    skip = set(exclude)
    _complete(model)
    for field_name, info in model.model_fields.items():
        if field_name in skip:
            continue
        annotation: Any = info.annotation
        if optional:
            if type(None) not in get_args(annotation):
                annotation = Union[annotation, None]  # noqa: UP007 - a runtime type, not an annotation
            fields[field_name] = (annotation, Field(None, description=info.description))
        else:
            fields[field_name] = (annotation, info)
    # Created in the model's module: an annotation naming a model declared later there (``list[Book]`` on
    # Author) is resolved from that module when pydantic rebuilds the schema at first use (OpenAPI too).
    schema: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="forbid"),
                                           __module__=model.__module__, **fields)
    return schema


def _complete(model: type[BaseModel]) -> None:
    """Resolve ``model``'s forward references now if the models they name exist (a DirectusModel does it
    on first use of its field table), so derived schemas carry real types rather than names."""
    if issubclass(model, DirectusModel) and not model.__pydantic_complete__:
        _ = model._meta.fields


def bad_request(message: str, code: str, **extra: Any) -> HTTPException:
    """A 400 whose JSON body says what was wrong (and, with ``valid=``, what would have been right)."""
    return HTTPException(status.HTTP_400_BAD_REQUEST, detail={"message": message, "code": code, **extra})


def _related(value: Any) -> bool:
    return isinstance(value, DirectusModel) or (isinstance(value, list) and
                                                 any(isinstance(v, DirectusModel) for v in value))


def _as_keys(value: Any) -> Any:
    """A related row (or a list of them) as its key(s); anything else as it is."""
    if isinstance(value, DirectusModel):
        return value.pk
    if isinstance(value, list):
        return [_as_keys(v) for v in value]
    return value


def _route_names(names: Iterable[RouteName], what: str) -> list[RouteName]:
    """``names`` as a list, once checked against :data:`ROUTE_NAMES` (ValueError names the unknown)."""
    found = list(names)
    unknown = sorted(set(found) - set(ALL_ROUTE_NAMES))
    if unknown:
        raise InvalidArgument(f"{what}: unknown route name(s) {unknown}; known: {', '.join(ALL_ROUTE_NAMES)}")
    return found


def _unique(deps: Iterable[params.Depends]) -> list[params.Depends]:
    """``deps`` without repeats (the same guard inherited twice runs once)."""
    return list({id(d): d for d in deps}.values())


def _bad(exc: FieldError) -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, detail=detail_of(exc))


def _signature(func: Callable[..., Any], extra: Sequence[inspect.Parameter]) -> None:
    """Give ``func`` (which takes ``**kwargs``) a signature FastAPI reads: its own named parameters plus
    ``extra`` (path parameters with the model's pk type, dependencies ...)."""
    own = [p for p in inspect.signature(func).parameters.values()
           if p.kind is not inspect.Parameter.VAR_KEYWORD]
    func.__signature__ = inspect.Signature([*own, *extra])  # type: ignore[attr-defined]


class DirectusRouter(APIRouter, Generic[M]):
    """An ``APIRouter`` with generated CRUD routes for ``model``.

    * ``read_schema`` / ``create_schema`` / ``update_schema``: pydantic models for the answers and the
      request bodies (default: derived from the model; the pk is left out of create when it is
      optional, update is partial);
    * ``routes``: which routes to generate (default all of :data:`ROUTE_NAMES`);
    * ``dependencies_for``: extra dependencies (guards, ``Security(...)`` with scopes) per route name;
      router-wide ones go in ``dependencies=`` as for any ``APIRouter``;
    * ``objects_filter(request) -> Q | None``: the row-level rule: every query is narrowed by it, and a
      create or update whose row would fall outside it is refused (403 ``OUTSIDE_OBJECTS_FILTER``);
    * ``related_rules``: ``{relation: the related model's router, or None (open)}``: with an
      ``objects_filter``, a relation not named here cannot be read, filtered, sorted or written through
      (400 ``RELATION_RULE_UNKNOWN``; :mod:`.related`);
    * ``server_values``: ``{field: fn(request)}`` (sync or async) forced onto creates and updates (a
      tenant, an owner); left out of the derived create/update schemas, and a client value that differs
      answers 403 ``SERVER_SET_FIELD``;
    * ``filter_fields``: the field paths list filters may name (default: every model field; relation
      paths such as ``"author__name"`` or ``"books__title"`` when listed);
    * ``page_size`` / ``max_page_size``: the default and the largest ``limit``;
    * ``max_depth``: the most relations a ``?fields=`` path reads through (400 ``FIELD_TOO_DEEP``);
      ``max_nested_rows``: the most related rows a to-many relation read through may hold per row
      (400 ``TOO_MANY_NESTED_ROWS``; None: no limit);
    * ``deferred_fields``: read fields left out of answers unless ``?fields=`` names them (or ``*``);
    * ``archive``: soft delete through Directus's archive field (:mod:`.archive`);
    * ``etags``: ``ETag`` on answers carrying a whole row, ``If-Match`` / ``If-None-Match`` honoured
      (:mod:`.etag`);
    * ``max_bulk``: the most rows a bulk route takes (default ``max_page_size``; :mod:`.bulk`);
    * ``realtime``: a websocket at ``/<collection>/subscribe`` (:mod:`.live`).

    ``routes`` may also name ``replace`` (PUT), ``aggregate``, ``bulk_create``, ``bulk_update`` and
    ``bulk_delete`` (:data:`ALL_ROUTE_NAMES`); each of those also takes the guards of the route it
    resembles (:data:`GUARDED_AS`).

    A single-valued query parameter given twice answers 400 ``REPEATED_PARAMETER``; every route answers
    a related row as its key unless ``?fields=`` reads through it; a nested router inherits the guards
    of its parent (see :meth:`nested`).
    """

    def __init__(
        self,
        model: type[M],
        *,
        directus: DirectusDependency | None = None,
        prefix: str | None = None,
        tags: list[str | Any] | None = None,
        read_schema: type[BaseModel] | None = None,
        create_schema: type[BaseModel] | None = None,
        update_schema: type[BaseModel] | None = None,
        routes: Iterable[RouteName] = ROUTE_NAMES,
        dependencies_for: Mapping[RouteName, Sequence[params.Depends]] | None = None,
        objects_filter: ObjectsFilter | None = None,
        server_values: Mapping[str, ServerValue] | None = None,
        related_rules: Mapping[str, DirectusRouter[Any] | None] | None = None,
        filter_fields: Iterable[str] | None = None,
        page_size: int = 50,
        max_page_size: int = 500,
        max_depth: int = 3,
        max_nested_rows: int | None = 100,
        deferred_fields: Iterable[str] = (),
        archive: ArchiveSetting = None,
        etags: bool = True,
        max_bulk: int | None = None,
        realtime: bool = False,
        parent: tuple[DirectusRouter[Any], str] | None = None,
        **router_kwargs: Any,
    ) -> None:
        meta = model._meta
        self.model = model
        self.collection = meta.collection
        self.pk_name = meta.pk_name
        self.directus = directus or get_directus
        self.objects_filter = objects_filter
        self.related = RelatedRules(meta, model.__name__, {**({parent[1]: parent[0]} if parent else {}),
                                                           **(related_rules or {})},
                                    bound=objects_filter is not None)
        """how a rule-bound router crosses relations (:mod:`.related`); a nested router's parent key is
        ruled by the parent router"""
        self.server_values: dict[str, ServerValue] = dict(server_values or {})
        unknown_forced = sorted(set(self.server_values) - set(model.model_fields))
        if unknown_forced or self.pk_name in self.server_values:
            raise FieldError(f"server_values: {model.__name__} has no settable field(s) "
                             f"{unknown_forced or [self.pk_name]} (fields: {', '.join(model.model_fields)})")
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.max_bulk = max_bulk if max_bulk is not None else max_page_size
        self.etags = etags
        self.realtime = realtime
        self.archive = ArchiveRule(meta, archive)
        self.parent = parent
        self.field_names: list[str] = list(model.model_fields)
        routes = _route_names(routes, "routes")
        self.route_names = tuple(r for r in ALL_ROUTE_NAMES if r in set(routes))
        pk_field = model.model_fields[self.pk_name]
        self.pk_type: Any = next((a for a in get_args(pk_field.annotation) if a is not type(None)),
                                 pk_field.annotation)
        fk = parent[1] if parent else None
        name = model.__name__
        self.read_schema = read_schema or derive_schema(model, f"{name}Read", optional=True)
        self.read_fields: list[str] = list(self.read_schema.model_fields)
        """what ?fields= may name: the read schema's fields (a field it leaves out is never served)"""
        self.query_string = QueryString(meta, self.read_fields, filter_fields, max_depth=max_depth,
                                        max_nested_rows=max_nested_rows)
        self.deferred_fields: tuple[str, ...] = tuple(deferred_fields)
        unknown_deferred = sorted(set(self.deferred_fields) - set(self.read_fields))
        if unknown_deferred:
            raise FieldError(f"deferred_fields: {unknown_deferred} are not read fields "
                             f"({', '.join(self.read_fields)})")
        self.filter_fields: set[str] = self.query_string.filter_fields
        """paths list filters may name (``author__name``); checked through the relations now"""
        pk_optional = not pk_field.is_required()
        server_set = [*self.server_values, *([fk] if fk else [])]
        self.create_schema = create_schema or derive_schema(
            model, f"{name}Create", exclude=[*([self.pk_name] if pk_optional else []), *server_set])
        self.update_schema = update_schema or derive_schema(
            model, f"{name}Update", exclude=[self.pk_name, *server_set], optional=True)
        if prefix is None:
            prefix = f"/{self.collection}"
        super().__init__(prefix=prefix, tags=tags if tags is not None else [name], **router_kwargs)
        per_route = dict(dependencies_for or {})
        _route_names(per_route, "dependencies_for")
        self.dependencies_for: dict[RouteName, list[params.Depends]] = {
            r: list(per_route.get(r, ())) for r in ALL_ROUTE_NAMES}
        """the dependencies of each route, those inherited from a parent router included"""
        self._add_routes(self.dependencies_for)

    # -- nested routers ----------------------------------------------------------------------------
    @property
    def parent_param(self) -> str | None:
        """The path parameter naming the parent row of a nested router (``"<fk>_id"``), else None."""
        return f"{self.parent[1]}_id" if self.parent else None

    def nested(self, model: type[DirectusModel], *, fk: str, **kwargs: Any) -> DirectusRouter[Any]:
        """A router for ``model`` rows belonging to one of ours through its ``fk`` field, served under
        ``/<ours>/{<fk>_id}/<theirs>`` (included in this router at once). The parent row must be
        visible to the caller (and pass this router's ``objects_filter``), else 404.

        The child's routes inherit this router's ``dependencies_for`` guards: each route those of the
        route of the same name here, and every route those of ``retrieve`` (reaching a child reads
        its parent); the child's own ``dependencies_for`` come on top."""
        if fk not in model.model_fields:
            raise FieldError(f"{model.__name__} has no field {fk!r} "
                             f"(fields: {', '.join(model.model_fields)})")
        own: Mapping[RouteName, Sequence[params.Depends]] = kwargs.pop("dependencies_for", None) or {}
        _route_names(own, "dependencies_for")
        kwargs["dependencies_for"] = {
            r: _unique([*self.dependencies_for["retrieve"], *self.dependencies_for[r], *own.get(r, ())])
            for r in ALL_ROUTE_NAMES}
        kwargs.setdefault("directus", self.directus)
        kwargs.setdefault("prefix", f"/{{{fk}_id}}/{model._meta.collection}")
        child = DirectusRouter(model, parent=(self, fk), **kwargs)
        self.include_router(child)
        return child

    # -- the QuerySet every route starts from ------------------------------------------------------
    async def get_queryset(self, request: Request, path_params: Mapping[str, Any]) -> QuerySet[M]:
        """``model.objects.all()``, narrowed by ``objects_filter`` and, for a nested router, by the
        parent (which must exist for the caller). Override to customise."""
        qs: QuerySet[M] = self.model.objects.all()
        q = await self.row_rule(request)
        if q is not None:
            qs = qs.filter(q)
        archive = await self.archive_rule(request)
        if archive is not None:
            qs = qs.filter(archive.visible())
        if self.parent is not None:
            parent, fk = self.parent
            parent_pk = path_params[f"{fk}_id"]
            parent_qs = await parent.get_queryset(request, path_params)
            if not await parent_qs.filter(**{parent.pk_name: parent_pk}).exists():
                raise HTTPException(status.HTTP_404_NOT_FOUND,
                                    detail=f"{parent.model.__name__} {parent_pk!r} not found")
            qs = qs.filter(**{fk: parent_pk})
        return qs

    async def row_rule(self, request: Request) -> Q | None:
        """``objects_filter(request)``, asked once per request and router."""
        if self.objects_filter is None:
            return None
        memo: dict[int, Q | None] | None = getattr(request.state, "directus_row_rules", None)
        if memo is None:
            memo = request.state.directus_row_rules = {}
        if id(self) not in memo:
            q = self.objects_filter(request)
            memo[id(self)] = (await q) if inspect.isawaitable(q) else q
        return memo[id(self)]

    async def archive_rule(self, request: Request) -> Archive | None:
        """The soft-delete rule (None: rows are deleted for real)."""
        if not self.archive.enabled:
            return None
        return await self.archive.get(connections[self.model.objects.all().db])

    async def list_queryset(self, request: Request, kw: Mapping[str, Any],
                            reserved: Iterable[str] = RESERVED) -> QuerySet[M]:
        """:meth:`get_queryset` narrowed by the query string's filters and ``?search=`` (400 for a
        filter it refuses); ``reserved``: the route's own parameters, never filters."""
        qs = await self.get_queryset(request, kw)
        try:
            filters = self.filters(request, reserved)
            if filters:
                qs = qs.filter(**filters)
        except (FieldError, UnsupportedLookup, ValueError) as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST,
                                detail={"message": str(exc), "code": "INVALID_QUERY"}) from None
        search = request.query_params.get("search")
        if search:
            qs = qs.search(search)
        return qs

    async def get_object(self, request: Request, path_params: Mapping[str, Any]) -> M:
        """The row ``path_params["pk"]`` of :meth:`get_queryset` (so invisible rows are missing), or 404.
        Override to customise how ``retrieve``, ``update`` and ``delete`` find their row."""
        qs = await self.get_queryset(request, path_params)
        try:
            return await qs.get(**{self.pk_name: path_params["pk"]})
        except self.model.DoesNotExist:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                detail=f"{self.model.__name__} {path_params['pk']!r} not found") from None

    # -- query parameters (read by .querystring; what it refuses answers 400) ---------------------------
    def selected_fields(self, fields: str | None, omit: str | None,
                        expand: str | None = None) -> Selection | None:
        """What ``?fields=``/``?omit=``/``?expand=`` select (None: the whole read schema). Dotted paths
        (``author.name``; ``author__name`` also works) reach through the model's relations."""
        try:
            selection = self.query_string.selection(fields, omit, expand=expand,
                                                    deferred=self.deferred_fields)
        except FieldError as exc:
            raise _bad(exc) from None
        if selection is not None:
            self.related.check_paths(selection.names, "reading through")
        return selection

    def selection_of(self, request: Request, kw: Mapping[str, Any]) -> Selection | None:
        """The selection of this request: ``?fields=`` (given empty: no fields), ``?omit=`` and its
        alias ``?fields!=``, ``?expand=``."""
        fields = kw.get("fields")
        if fields is None and "fields" in request.query_params:
            fields = ""
        omit = ",".join(v for v in (kw.get("omit"), kw.get("fields_not")) if v)
        return self.selected_fields(fields, omit or None, kw.get("expand"))

    def single_valued(self, request: Request, names: Iterable[str]) -> None:
        """400 ``REPEATED_PARAMETER`` when one of ``names`` is given more than once."""
        try:
            refuse_repeats(request.query_params.multi_items(), names)
        except FieldError as exc:
            raise _bad(exc) from None

    def filter_path(self, key: str) -> tuple[str, bool]:
        """See :meth:`.querystring.QueryString.filter_path`."""
        return self.query_string.filter_path(key)

    def filters(self, request: Request, reserved: Iterable[str] = RESERVED) -> dict[str, Any]:
        """``path__lookup=value`` from the query string (everything but the ``reserved`` parameters);
        the path must be one of ``filter_fields``. All go into one ``filter()`` call, so conditions on
        the same to-many relation hold for the same related row (Django's meaning)."""
        try:
            found = self.query_string.filters(request.query_params.multi_items(), reserved)
        except FieldError as exc:
            raise _bad(exc) from None
        self.related.check_filters(found)
        return found

    # -- output ------------------------------------------------------------------------------------
    def dump(self, obj: M) -> dict[str, Any]:
        """``obj`` as the read schema's JSON, a related row as its key (as every read answers it, and
        whatever a write loaded): the same shape from list, retrieve, create and update."""
        data = {name: _as_keys(obj.__dict__[name]) if _related(obj.__dict__.get(name)) else value
                for name, value in obj.model_dump().items() if name in self.read_schema.model_fields}
        out = self.read_schema.model_validate(data).model_dump(mode="json")
        for name in self.related.hidden():
            out.pop(name, None)
        return out

    def public(self, obj: M) -> dict[str, Any]:
        """:meth:`dump` without the deferred fields: every answer carrying whole rows (single, bulk,
        realtime) sends this."""
        return {k: v for k, v in self.dump(obj).items() if k not in self.deferred_fields}

    def etag(self, obj: M) -> str:
        """The ETag of ``obj``'s row: every model field as read (a related row by its key)."""
        return etag_of({name: _as_keys(value) for name, value in obj.__dict__.items()
                        if name in self.model.model_fields})

    def answer(self, obj: M, status_code: int = status.HTTP_200_OK) -> JSONResponse:
        """``obj`` as the read schema's JSON without the deferred fields, with its ``ETag`` (which
        stands for the whole row)."""
        headers = {"ETag": self.etag(obj)} if self.etags else None
        body = self.public(obj)
        return JSONResponse(body, status_code=status_code, headers=headers)

    # -- routes ------------------------------------------------------------------------------------
    def _path_params(self, with_pk: bool) -> list[inspect.Parameter]:
        out: list[inspect.Parameter] = []
        router: DirectusRouter[Any] | None = self
        while router is not None and router.parent is not None:
            parent, fk = router.parent
            out.insert(0, inspect.Parameter(f"{fk}_id", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=parent.pk_type))
            router = parent
        if with_pk:
            out.append(inspect.Parameter("pk", inspect.Parameter.KEYWORD_ONLY, annotation=self.pk_type))
        return out

    def _add_routes(self, per_route: Mapping[RouteName, Sequence[params.Depends]]) -> None:
        from fastapi import Depends

        name = self.model.__name__
        conn = inspect.Parameter("_directus", inspect.Parameter.KEYWORD_ONLY, annotation=Any,
                                 default=Depends(self.directus))
        deps = {r: _unique([*per_route.get(GUARDED_AS.get(r, r), ()), *per_route.get(r, ())])
                for r in ALL_ROUTE_NAMES}
        routes = self.route_names

        def query(param: str, annotation: Any, **query_kw: Any) -> inspect.Parameter:
            return inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                                     default=Query(None, **query_kw))

        deferred = (f" (deferred, returned only when named: {', '.join(self.deferred_fields)})"
                    if self.deferred_fields else "")
        fields_q = query("fields", str | None, description=(
            "Comma-separated fields to return; dotted paths reach into relations (author.name); `*` for "
            "every field of a level (`*`, `author.*`); given empty, no fields. Valid at the top level: "
            f"{', '.join(self.read_fields)}{deferred}"))
        omit_q = query("omit", str | None,
                       description="Comma-separated fields (or dotted paths) to leave out")
        not_q = query("fields_not", str | None, alias="fields!", description="The same as `omit`")
        expand_q = query("expand", str | None, description="Comma-separated relations to answer as "
                                                           "objects with every field (`author` = `author.*`)")
        select = [fields_q, omit_q, not_q, expand_q]
        json_404: dict[int | str, dict[str, Any]] = {404: {"description": "Not found"}}
        conditional: dict[int | str, dict[str, Any]] = {
            412: {"description": "If-Match names another ETag: the row changed"}}

        # Fixed paths before /{pk}, which would otherwise take "aggregate" and "bulk" as keys.
        if "list" in routes:
            async def list_items(request: Request, **kw: Any) -> Any:
                return await self._list(request, kw)

            _signature(list_items, [
                *self._path_params(False),
                query("sort", str | None, description="Comma-separated, '-' for descending"),
                query("search", str | None, description="Directus full-text search"),
                query("limit", int | None, ge=1, le=self.max_page_size),
                query("offset", int | None, ge=0),
                query("page", int | None, ge=1, description="1-based; 'limit' rows per page"),
                query("count", bool | None, description="false: no total count (one query less)"),
                query("cursor", str | None, description="Keyset paging: empty for the first page, then the "
                                                        "previous page's next_cursor"),
                *select, conn,
            ])
            self.add_api_route(
                "", list_items, methods=["GET"], response_model=Page[self.read_schema],  # type: ignore[name-defined]
                name=f"list_{self.collection}", summary=f"List {name} rows", dependencies=deps["list"],
                openapi_extra={"parameters": filter_parameters(self.model._meta, self.filter_fields,
                                                               RESERVED)},
                description="Filters: `path__lookup=value` for the paths "
                            f"{', '.join(sorted(self.filter_fields))} (e.g. `?name__icontains=en`), each "
                            "listed below with its type.",
            )

        if "aggregate" in routes:
            async def aggregate(request: Request, **kw: Any) -> Any:
                self.single_valued(request, AGGREGATE_PARAMETERS)
                qs = await self.list_queryset(request, kw, AGGREGATE_PARAMETERS)
                try:
                    return JSONResponse(to_jsonable_python(await aggregate_rows(
                        qs, request.query_params, self.read_fields)))
                except FieldError as exc:
                    raise _bad(exc) from None

            _signature(aggregate, [
                *self._path_params(False),
                *(query(f, str | None, description=f"Comma-separated fields to {f}") for f in
                  ("count", "sum", "avg", "min", "max")),
                query("group_by", str | None, description="Comma-separated fields to group by"),
                query("search", str | None, description="Directus full-text search"), conn])
            self.add_api_route(
                "/aggregate", aggregate, methods=["GET"], response_model=list[dict[str, Any]],
                name=f"aggregate_{self.collection}", summary=f"Aggregate {name} rows",
                dependencies=deps["aggregate"],
                openapi_extra={"parameters": filter_parameters(self.model._meta, self.filter_fields,
                                                               AGGREGATE_PARAMETERS)})

        if "bulk_create" in routes:
            async def create_many(request: Request, **kw: Any) -> Any:
                return await bulk.bulk_create(self, request, kw)

            _signature(create_many, [*self._path_params(False), inspect.Parameter(
                "body", inspect.Parameter.KEYWORD_ONLY, annotation=list[self.create_schema]), conn])  # type: ignore[name-defined]
            self.add_api_route("/bulk", create_many, methods=["POST"], response_model=list[self.read_schema],  # type: ignore[name-defined]
                               status_code=status.HTTP_201_CREATED, name=f"bulk_create_{self.collection}",
                               summary=f"Create several {name} rows (all or none)",
                               dependencies=deps["bulk_create"])

        if "bulk_update" in routes:
            keyed: type[BaseModel] = create_model(  # type: ignore[call-overload]
                f"{name}BulkUpdate", __base__=self.update_schema, **{self.pk_name: (self.pk_type, ...)})

            async def update_many(request: Request, **kw: Any) -> Any:
                return await bulk.bulk_update(self, request, kw)

            _signature(update_many, [*self._path_params(False), inspect.Parameter(
                "body", inspect.Parameter.KEYWORD_ONLY, annotation=list[keyed]), conn])
            self.add_api_route("/bulk", update_many, methods=["PATCH"], response_model=list[self.read_schema],  # type: ignore[name-defined]
                               name=f"bulk_update_{self.collection}",
                               summary=f"Update several {name} rows (all or none)",
                               dependencies=deps["bulk_update"], responses=json_404)

        if "bulk_delete" in routes:
            async def delete_many(request: Request, **kw: Any) -> Any:
                return await bulk.bulk_delete(self, request, kw)

            _signature(delete_many, [*self._path_params(False), inspect.Parameter(
                "keys", inspect.Parameter.KEYWORD_ONLY, annotation=str,
                default=Query(..., description="Comma-separated keys")), conn])
            self.add_api_route("/bulk", delete_many, methods=["DELETE"],
                               status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
                               name=f"bulk_delete_{self.collection}",
                               summary=f"Delete several {name} rows (all or none)",
                               dependencies=deps["bulk_delete"], responses=json_404)

        if self.realtime:
            check_guards(deps["list"])

            async def subscribe(websocket: WebSocket, **kw: Any) -> None:
                await serve_subscription(self, websocket, kw, deps["list"])

            _signature(subscribe, self._path_params(False))
            # The list route's guards are run by the route itself (they take a Request, which a
            # websocket endpoint's dependencies are not given).
            self.add_api_websocket_route("/subscribe", subscribe, name=f"subscribe_{self.collection}")

        if "retrieve" in routes:
            async def retrieve(request: Request, **kw: Any) -> Any:
                return await self._retrieve(request, kw)

            _signature(retrieve, [*self._path_params(True), *select, conn])
            self.add_api_route("/{pk}", retrieve, methods=["GET"], response_model=self.read_schema,
                               name=f"retrieve_{self.collection}", summary=f"Get one {name}",
                               dependencies=deps["retrieve"],
                               responses={**json_404, 304: {"description": "If-None-Match names its ETag"}})

        if "create" in routes:
            async def create(request: Request, **kw: Any) -> Any:
                return await self._create(request, kw)

            _signature(create, [*self._path_params(False),
                                inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                                  annotation=self.create_schema), conn])
            self.add_api_route("", create, methods=["POST"], response_model=self.read_schema,
                               status_code=status.HTTP_201_CREATED, name=f"create_{self.collection}",
                               summary=f"Create a {name}", dependencies=deps["create"],
                               responses={409: {"description": "Unique violation"}})

        if "update" in routes:
            async def update(request: Request, **kw: Any) -> Any:
                body: BaseModel = kw["body"]
                return await self._update(request, kw, body.model_dump(exclude_unset=True))

            _signature(update, [*self._path_params(True),
                                inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                                  annotation=self.update_schema), conn])
            self.add_api_route("/{pk}", update, methods=["PATCH"], response_model=self.read_schema,
                               name=f"update_{self.collection}", summary=f"Update a {name} (partial)",
                               dependencies=deps["update"], responses={**json_404, **conditional})

        if "replace" in routes:
            async def replace(request: Request, **kw: Any) -> Any:
                return await self._replace(request, kw)

            _signature(replace, [*self._path_params(True),
                                 inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                                   annotation=self.create_schema), conn])
            self.add_api_route("/{pk}", replace, methods=["PUT"], response_model=self.read_schema,
                               name=f"replace_{self.collection}", summary=f"Replace a {name} (every field)",
                               dependencies=deps["replace"], responses={**json_404, **conditional})

        if "delete" in routes:
            async def delete(request: Request, **kw: Any) -> Any:
                return await self._delete(request, kw)

            _signature(delete, [*self._path_params(True), conn])
            self.add_api_route("/{pk}", delete, methods=["DELETE"], status_code=status.HTTP_204_NO_CONTENT,
                               response_class=Response, name=f"delete_{self.collection}",
                               summary=f"Delete a {name}", dependencies=deps["delete"],
                               responses={**json_404, **conditional})

    # -- route bodies ------------------------------------------------------------------------------
    async def _list(self, request: Request, kw: Mapping[str, Any]) -> Any:
        self.single_valued(request, RESERVED)
        selection = self.selection_of(request, kw)
        qs = await self.list_queryset(request, kw)
        try:
            if kw.get("sort"):
                self.related.check_paths(sort_terms(kw["sort"]), "sorting through")
                qs = qs.order_by(*sort_terms(kw["sort"]))
        except (FieldError, UnsupportedLookup, ValueError) as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST,
                                detail={"message": str(exc), "code": "INVALID_QUERY"}) from None
        limit = int(kw.get("limit") or self.page_size)
        page, token = kw.get("page"), kw.get("cursor")
        if page is not None and kw.get("offset") is not None:
            raise bad_request("give either page or offset, not both", "INVALID_QUERY")
        if token is not None and (page is not None or kw.get("offset") is not None):
            raise bad_request("give either cursor or page/offset, not both", "INVALID_QUERY")
        offset = (int(page) - 1) * limit if page is not None else int(kw.get("offset") or 0)
        cursor = None
        if token is not None:  # keyset paging, on request: ?cursor= (empty) starts it
            cursor = cursor_order(self.model._meta, sort_terms(kw["sort"]) if kw.get("sort")
                                  else list(self.model._meta.ordering))
            if cursor is None:
                raise bad_request("this order cannot page by cursor (it needs non-null integer sort "
                                  "fields and an integer key); use page or offset", "CURSOR_UNSUPPORTED")
            qs = qs.order_by(*cursor.order)  # the key breaks ties, so the order is total
            if selection is not None:  # the cursor's columns are read, not answered
                extra = [n for n, _ in cursor.keyset.terms if n not in selection.names]
                selection = dataclasses.replace(selection, names=(*selection.names, *extra))
            if token:
                try:
                    qs = qs.filter(cursor.after(decode_cursor(cursor, token)))
                except FieldError as exc:
                    raise _bad(exc) from None
        counted = kw.get("count") is not False
        # With the count: one request, the rows and Directus's filter_count (rows matching filter +
        # search). Without: one row more than the page, which tells whether a next page exists.
        window = qs if selection is None else selection.apply(qs)
        window = window[offset:offset + limit + (0 if counted else 1)]
        found: Any = await window.with_meta() if counted else list(await window)
        if selection is not None:
            self._check(selection, found)
        rows = list(found)[:limit]
        count = found.filter_count if counted else None
        has_next = (offset + limit < count) if count is not None else len(found) > limit
        next_cursor = None
        if cursor is not None and rows and has_next:
            values = cursor.values_of(rows[-1])
            next_cursor = encode_cursor(cursor, values) if values is not None else None
        results = ([self.public(obj) for obj in rows] if selection is None
                   else [selection.render(r) for r in rows])
        nxt, previous = links(request.url, offset=offset, limit=limit, page=page, has_next=has_next,
                              next_cursor=next_cursor, keyset=token is not None)
        # Returned as a Response: sparse rows are not validated against the read schema (nested paths
        # such as author.name come back as objects); response_model documents the shape.
        return JSONResponse({"count": count, "limit": limit, "offset": None if token else offset,
                             "page": page, "next": nxt, "previous": previous, "next_cursor": next_cursor,
                             "results": results})

    async def _retrieve(self, request: Request, kw: Mapping[str, Any]) -> Any:
        self.single_valued(request, ("fields", "omit", "fields!", "expand"))
        chosen = any(name in request.query_params for name in ("fields", "omit", "fields!", "expand"))
        selection = self.selection_of(request, kw) if chosen else None
        if selection is None:  # the whole row (deferred fields left out of the answer only)
            obj = await self.get_object(request, kw)
            if self.etags and not_modified(request, self.etag(obj)):
                return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": self.etag(obj)})
            return self.answer(obj)
        qs = (await self.get_queryset(request, kw)).filter(**{self.pk_name: kw["pk"]})
        rows = await selection.apply(qs)[:1]
        if not rows:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                detail=f"{self.model.__name__} {kw['pk']!r} not found")
        self._check(selection, rows)
        return JSONResponse(selection.render(rows[0]))

    @staticmethod
    def _check(selection: Selection, rows: Iterable[Any]) -> None:
        try:
            selection.check(rows)
        except FieldError as exc:
            raise _bad(exc) from None

    async def _create(self, request: Request, kw: Mapping[str, Any]) -> Any:
        body: BaseModel = kw["body"]
        values = body.model_dump(exclude_unset=True)
        values.update(await self.server_set(request, values))
        await self.refuse_archived(request, values)
        if self.parent is not None:
            await self.get_queryset(request, kw)  # the parent must be visible
            values[self.parent[1]] = kw[f"{self.parent[1]}_id"]
        try:
            obj = self.model(**values)
        except ValidationError as exc:
            raise HTTPException(UNPROCESSABLE,
                                detail=exc.errors(include_url=False, include_input=False)) from None
        rule = await self.row_rule(request)
        if rule is not None and decide(rule, self.model._meta, self.known_row(obj)) is False:
            raise self.outside_rule()
        await obj.save()
        if rule is not None:
            await self._check_written(request, kw, rule, obj, undo=obj.delete)
        return self.answer(obj, status.HTTP_201_CREATED)

    async def _replace(self, request: Request, kw: Mapping[str, Any]) -> Any:
        """PUT: every field of the create schema is written, those the body leaves out with their
        default (Django REST framework's full update); fields outside the schema are left alone, and
        so is the archive field unless the body names it."""
        body: BaseModel = kw["body"]
        values = body.model_dump()
        if self.pk_name in values:
            if values[self.pk_name] is not None and self.wire(self.pk_name, values[self.pk_name]) != \
                    self.wire(self.pk_name, kw["pk"]):
                raise bad_request("the body's key differs from the path's", "KEY_MISMATCH")
            del values[self.pk_name]
        archive = await self.archive_rule(request)
        if archive is not None and archive.field not in body.model_fields_set:
            values.pop(archive.field, None)  # a replace does not un-archive or re-archive a row by default
        return await self._update(request, kw, values)

    async def _update(self, request: Request, kw: Mapping[str, Any], changes: dict[str, Any]) -> Any:
        obj = await self.get_object(request, kw)  # inside the rule before the change (else 404)
        if self.etags:
            if_match(request, self.etag(obj))
        forced = await self.server_set(request, changes)
        before = {name: obj.__dict__.get(name) for name in {**changes, **forced}}
        try:
            for key, value in changes.items():
                setattr(obj, key, value)
            for key, value in forced.items():
                setattr(obj, key, value)
        except ValidationError as exc:
            raise HTTPException(UNPROCESSABLE,
                                detail=exc.errors(include_url=False, include_input=False)) from None
        # A server-set field is sent only when it changes the row (a write sends what changed).
        names = [*changes, *(f for f in forced if f not in changes
                             and self.wire(f, obj.__dict__.get(f)) != self.wire(f, before[f]))]
        rule = await self.row_rule(request)
        if rule is not None and names and decide(rule, self.model._meta, self.known_row(obj)) is False:
            raise self.outside_rule()
        if names:
            await obj.save(update_fields=names)

            async def undo() -> None:
                for key in names:
                    setattr(obj, key, before[key])
                await obj.save(update_fields=names)

            if rule is not None:
                await self._check_written(request, kw, rule, obj, undo=undo)
        return self.answer(obj)

    # -- the row rule on writes --------------------------------------------------------------------
    async def server_set(self, request: Request, sent: Mapping[str, Any]) -> dict[str, Any]:
        """The ``server_values`` for this request; 403 when the client sent one with another value, 422
        for a value no write may send (:mod:`.values`)."""
        check_values(sent)
        forced: dict[str, Any] = {}
        for name, compute in self.server_values.items():
            value = compute(request)
            forced[name] = (await value) if inspect.isawaitable(value) else value
            if name in sent and self.wire(name, sent[name]) != self.wire(name, forced[name]):
                raise HTTPException(status.HTTP_403_FORBIDDEN, detail={
                    "message": f"{name!r} is set by the server", "code": "SERVER_SET_FIELD", "field": name})
        await self.related.check_write(request, sent, exempt=forced)
        return forced

    async def refuse_archived(self, request: Request, values: Mapping[str, Any]) -> None:
        """422 ``ARCHIVED_ON_CREATE`` for a create that would be archived at once (invisible to its
        creator, who could not even delete it)."""
        archive = await self.archive_rule(request)
        if archive is not None and archive.field in values and \
                self.wire(archive.field, values[archive.field]) == self.wire(archive.field, archive.value):
            raise HTTPException(UNPROCESSABLE, detail={
                "message": f"{archive.field}={archive.value!r} archives the row: a create cannot do that",
                "code": "ARCHIVED_ON_CREATE", "field": archive.field})

    def wire(self, name: str, value: Any) -> Any:
        """``value`` as Directus would store it in field ``name`` (a related row as its key)."""
        info = self.model._meta.fields.get(name)
        if value is None or info is None or info.validate is None:
            return to_jsonable_python(value)
        try:
            return info.validate(value)
        except ValueError:
            return to_jsonable_python(value)

    def known_row(self, obj: M) -> dict[str, Any]:
        """The values ``obj``'s row holds as far as known here: every field read from Directus or set,
        plus the non-None defaults an insert sends (a field left to the server's default is unknown)."""
        left_to_server = set(self.model._meta.load_plan().sent_only_if_set) - obj.model_fields_set
        return {name: value for name, value in obj.__dict__.items()
                if name in self.model.model_fields and name not in left_to_server}

    def outside_rule(self) -> HTTPException:
        """The 403 ``OUTSIDE_OBJECTS_FILTER`` answered when a write would leave the rows this request may
        write (``objects_filter``)."""
        return HTTPException(status.HTTP_403_FORBIDDEN, detail={
            "message": f"the {self.model.__name__} would be outside the rows this request may write "
                       "(objects_filter)", "code": "OUTSIDE_OBJECTS_FILTER"})

    async def undo_or_fail(self, undo: Callable[[], Awaitable[Any]], what: str) -> None:
        """Run ``undo`` after a write outside the rule; 500 ``OUTSIDE_OBJECTS_FILTER_NOT_UNDONE`` (and an
        error logged) when it fails."""
        try:
            await undo()
        except DirectusError as exc:
            logger.error("%s %s written outside objects_filter and could not be undone: %s",
                         self.model.__name__, what, type(exc).__name__)
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, detail={
                "message": f"the {self.model.__name__} {what} written outside objects_filter "
                           "could not be undone", "code": "OUTSIDE_OBJECTS_FILTER_NOT_UNDONE"}) from None

    async def _check_written(self, request: Request, kw: Mapping[str, Any], rule: Q, obj: M,
                             undo: Callable[[], Awaitable[Any]]) -> None:
        """After a write: the row as Directus answered it must match the rule (in Python when that is
        exact, else by asking Directus); otherwise the write is undone and the request answers 403."""
        inside = decide(rule, self.model._meta, self.known_row(obj))
        if inside is None:
            qs = await self.get_queryset(request, kw)
            inside = await qs.filter(**{self.pk_name: obj.pk}).exists()
        if inside:
            return
        await self.undo_or_fail(undo, f"{obj.pk!r} was")
        raise self.outside_rule()

    async def _delete(self, request: Request, kw: Mapping[str, Any]) -> Any:
        obj = await self.get_object(request, kw)
        if self.etags:
            if_match(request, self.etag(obj))
        archive = await self.archive_rule(request)
        if archive is None:
            await obj.delete()
        else:  # soft delete: only the archive field is written
            setattr(obj, archive.field, archive.value)
            await obj.save(update_fields=[archive.field])
        return Response(status_code=status.HTTP_204_NO_CONTENT)
