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

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar, Union, get_args

from fastapi import APIRouter, HTTPException, Query, Request, Response, params, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import to_jsonable_python

from ...exceptions import DirectusError, FieldError, InvalidArgument, UnsupportedLookup
from ...models import DirectusModel
from ...query import Q, QuerySet
from .dependency import DirectusDependency
from .guards import get_directus
from .querystring import RESERVED, QueryString, Selection, detail_of, pick, refuse_repeats, sort_terms
from .rowrule import decide

__all__ = ["ROUTE_NAMES", "DirectusRouter", "Page", "RouteName", "Selection", "derive_schema", "pick"]

RouteName = Literal["list", "retrieve", "create", "update", "delete"]
ROUTE_NAMES: tuple[RouteName, ...] = ("list", "retrieve", "create", "update", "delete")

M = TypeVar("M", bound=DirectusModel)
T = TypeVar("T")
ObjectsFilter = Callable[[Request], "Q | Awaitable[Q | None] | None"]
#: A server-set field's value for this request (sync, or async returning it).
ServerValue = Callable[[Request], Any]
#: 422 by number: Starlette renamed its constant (``HTTP_422_UNPROCESSABLE_CONTENT``), warns on the old one.
UNPROCESSABLE = 422
logger = logging.getLogger("directus_orm.fastapi")


class Page(BaseModel, Generic[T]):
    """A page of a list route: ``count`` is the total number of matching rows."""

    count: int
    limit: int
    offset: int
    page: int | None = None
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
    unknown = sorted(set(found) - set(ROUTE_NAMES))
    if unknown:
        raise InvalidArgument(f"{what}: unknown route name(s) {unknown}; known: {', '.join(ROUTE_NAMES)}")
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
    * ``server_values``: ``{field: fn(request)}`` (sync or async) forced onto creates and updates (a
      tenant, an owner); left out of the derived create/update schemas, and a client value that differs
      answers 403 ``SERVER_SET_FIELD``;
    * ``filter_fields``: the field paths list filters may name (default: every model field; relation
      paths such as ``"author__name"`` or ``"books__title"`` when listed);
    * ``page_size`` / ``max_page_size``: the default and the largest ``limit``;
    * ``max_depth``: the most relations a ``?fields=`` path reads through (400 ``FIELD_TOO_DEEP``);
      ``max_nested_rows``: the most related rows a to-many relation read through may hold per row
      (400 ``TOO_MANY_NESTED_ROWS``; None: no limit).

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
        filter_fields: Iterable[str] | None = None,
        page_size: int = 50,
        max_page_size: int = 500,
        max_depth: int = 3,
        max_nested_rows: int | None = 100,
        parent: tuple[DirectusRouter[Any], str] | None = None,
        **router_kwargs: Any,
    ) -> None:
        meta = model._meta
        self.model = model
        self.collection = meta.collection
        self.pk_name = meta.pk_name
        self.directus = directus or get_directus
        self.objects_filter = objects_filter
        self.server_values: dict[str, ServerValue] = dict(server_values or {})
        unknown_forced = sorted(set(self.server_values) - set(model.model_fields))
        if unknown_forced or self.pk_name in self.server_values:
            raise FieldError(f"server_values: {model.__name__} has no settable field(s) "
                             f"{unknown_forced or [self.pk_name]} (fields: {', '.join(model.model_fields)})")
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.parent = parent
        self.field_names: list[str] = list(model.model_fields)
        routes = _route_names(routes, "routes")
        self.route_names = tuple(r for r in ROUTE_NAMES if r in set(routes))
        pk_field = model.model_fields[self.pk_name]
        self.pk_type: Any = next((a for a in get_args(pk_field.annotation) if a is not type(None)),
                                 pk_field.annotation)
        fk = parent[1] if parent else None
        name = model.__name__
        self.read_schema = read_schema or derive_schema(model, f"{name}Read", optional=True)
        #: what ?fields= may name: the read schema's fields (a field it leaves out is never served)
        self.read_fields: list[str] = list(self.read_schema.model_fields)
        self.query_string = QueryString(meta, self.read_fields, filter_fields, max_depth=max_depth,
                                        max_nested_rows=max_nested_rows)
        #: paths list filters may name (``author__name``); checked through the relations now
        self.filter_fields: set[str] = self.query_string.filter_fields
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
        #: the dependencies of each route, those inherited from a parent router included
        self.dependencies_for: dict[RouteName, list[params.Depends]] = {
            r: list(per_route.get(r, ())) for r in ROUTE_NAMES}
        self._add_routes(self.dependencies_for)

    # -- nested routers ----------------------------------------------------------------------------
    @property
    def parent_param(self) -> str | None:
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
            for r in ROUTE_NAMES}
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

    async def get_object(self, request: Request, path_params: Mapping[str, Any]) -> M:
        qs = await self.get_queryset(request, path_params)
        try:
            return await qs.get(**{self.pk_name: path_params["pk"]})
        except self.model.DoesNotExist:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                detail=f"{self.model.__name__} {path_params['pk']!r} not found") from None

    # -- query parameters (read by .querystring; what it refuses answers 400) ---------------------------
    def selected_fields(self, fields: str | None, omit: str | None) -> Selection | None:
        """What ``?fields=``/``?omit=`` select (None: the whole read schema). Dotted paths
        (``author.name``; ``author__name`` also works) reach through the model's relations."""
        try:
            return self.query_string.selection(fields, omit)
        except FieldError as exc:
            raise _bad(exc) from None

    def single_valued(self, request: Request, names: Iterable[str]) -> None:
        """400 ``REPEATED_PARAMETER`` when one of ``names`` is given more than once."""
        try:
            refuse_repeats(request.query_params.multi_items(), names)
        except FieldError as exc:
            raise _bad(exc) from None

    def filter_path(self, key: str) -> tuple[str, bool]:
        """See :meth:`.querystring.QueryString.filter_path`."""
        return self.query_string.filter_path(key)

    def filters(self, request: Request) -> dict[str, Any]:
        """``path__lookup=value`` from the query string (everything but the reserved parameters); the
        path must be one of ``filter_fields``. All go into one ``filter()`` call, so conditions on the
        same to-many relation hold for the same related row (Django's meaning)."""
        try:
            return self.query_string.filters(request.query_params.multi_items())
        except FieldError as exc:
            raise _bad(exc) from None

    # -- output ------------------------------------------------------------------------------------
    def dump(self, obj: M) -> dict[str, Any]:
        """``obj`` as the read schema's JSON, a related row as its key (as every read answers it, and
        whatever a write loaded): the same shape from list, retrieve, create and update."""
        data = {name: _as_keys(obj.__dict__[name]) if _related(obj.__dict__.get(name)) else value
                for name, value in obj.model_dump().items() if name in self.read_schema.model_fields}
        return self.read_schema.model_validate(data).model_dump(mode="json")

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
        deps = {r: list(per_route.get(r, ())) for r in ROUTE_NAMES}
        fields_q = inspect.Parameter(
            "fields", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
            default=Query(None, description="Comma-separated fields to return; dotted paths reach into "
                                            "relations (author.name). Valid at the top level: "
                                            f"{', '.join(self.read_fields)}"))
        omit_q = inspect.Parameter("omit", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                   default=Query(None, description="Comma-separated fields (or dotted paths) "
                                                                   "to leave out"))

        if "list" in self.route_names:
            async def list_items(request: Request, **kw: Any) -> Any:
                return await self._list(request, kw)

            _signature(list_items, [
                *self._path_params(False),
                inspect.Parameter("sort", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                  default=Query(None, description="Comma-separated, '-' for descending")),
                inspect.Parameter("search", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                  default=Query(None, description="Directus full-text search")),
                inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY, annotation=int | None,
                                  default=Query(None, ge=1, le=self.max_page_size)),
                inspect.Parameter("offset", inspect.Parameter.KEYWORD_ONLY, annotation=int | None,
                                  default=Query(None, ge=0)),
                inspect.Parameter("page", inspect.Parameter.KEYWORD_ONLY, annotation=int | None,
                                  default=Query(None, ge=1, description="1-based; 'limit' rows per page")),
                fields_q, omit_q, conn,
            ])
            self.add_api_route(
                "", list_items, methods=["GET"], response_model=Page[self.read_schema],  # type: ignore[name-defined]
                name=f"list_{self.collection}", summary=f"List {name} rows", dependencies=deps["list"],
                description="Filters: `path__lookup=value` for the paths "
                            f"{', '.join(sorted(self.filter_fields))} (e.g. `?name__icontains=en`).",
            )

        if "retrieve" in self.route_names:
            async def retrieve(request: Request, **kw: Any) -> Any:
                return await self._retrieve(request, kw)

            _signature(retrieve, [*self._path_params(True), fields_q, omit_q, conn])
            self.add_api_route("/{pk}", retrieve, methods=["GET"], response_model=self.read_schema,
                               name=f"retrieve_{self.collection}", summary=f"Get one {name}",
                               dependencies=deps["retrieve"], responses={404: {"description": "Not found"}})

        if "create" in self.route_names:
            async def create(request: Request, **kw: Any) -> Any:
                return await self._create(request, kw)

            _signature(create, [*self._path_params(False),
                                inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                                  annotation=self.create_schema), conn])
            self.add_api_route("", create, methods=["POST"], response_model=self.read_schema,
                               status_code=status.HTTP_201_CREATED, name=f"create_{self.collection}",
                               summary=f"Create a {name}", dependencies=deps["create"],
                               responses={409: {"description": "Unique violation"}})

        if "update" in self.route_names:
            async def update(request: Request, **kw: Any) -> Any:
                return await self._update(request, kw)

            _signature(update, [*self._path_params(True),
                                inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                                  annotation=self.update_schema), conn])
            self.add_api_route("/{pk}", update, methods=["PATCH"], response_model=self.read_schema,
                               name=f"update_{self.collection}", summary=f"Update a {name} (partial)",
                               dependencies=deps["update"], responses={404: {"description": "Not found"}})

        if "delete" in self.route_names:
            async def delete(request: Request, **kw: Any) -> Any:
                return await self._delete(request, kw)

            _signature(delete, [*self._path_params(True), conn])
            self.add_api_route("/{pk}", delete, methods=["DELETE"], status_code=status.HTTP_204_NO_CONTENT,
                               response_class=Response, name=f"delete_{self.collection}",
                               summary=f"Delete a {name}", dependencies=deps["delete"],
                               responses={404: {"description": "Not found"}})

    # -- route bodies ------------------------------------------------------------------------------
    async def _list(self, request: Request, kw: Mapping[str, Any]) -> Any:
        self.single_valued(request, RESERVED)
        selection = self.selected_fields(kw.get("fields"), kw.get("omit"))
        qs = await self.get_queryset(request, kw)
        try:
            filters = self.filters(request)
            if filters:
                qs = qs.filter(**filters)
            if kw.get("sort"):
                qs = qs.order_by(*sort_terms(kw["sort"]))
        except (FieldError, UnsupportedLookup, ValueError) as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST,
                                detail={"message": str(exc), "code": "INVALID_QUERY"}) from None
        if kw.get("search"):
            qs = qs.search(str(kw["search"]))
        limit = int(kw.get("limit") or self.page_size)
        page = kw.get("page")
        if page is not None and kw.get("offset") is not None:
            raise bad_request("give either page or offset, not both", "INVALID_QUERY")
        offset = (int(page) - 1) * limit if page is not None else int(kw.get("offset") or 0)
        # One request: the rows and Directus's filter_count (rows matching filter + search).
        if selection is None:
            found = await qs[offset:offset + limit].with_meta()
            results = [self.dump(obj) for obj in found]
        else:
            sparse = await selection.apply(qs)[offset:offset + limit].with_meta()
            self._check(selection, sparse)
            found, results = sparse, [selection.render(row) for row in sparse]
        # Returned as a Response: sparse rows are not validated against the read schema (nested paths
        # such as author.name come back as objects); response_model documents the shape.
        return JSONResponse({"count": found.filter_count, "limit": limit, "offset": offset, "page": page,
                             "results": results})

    async def _retrieve(self, request: Request, kw: Mapping[str, Any]) -> Any:
        self.single_valued(request, ("fields", "omit"))
        selection = self.selected_fields(kw.get("fields"), kw.get("omit"))
        if selection is None:
            return JSONResponse(self.dump(await self.get_object(request, kw)))
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
        values.update(await self._server_set(request, values))
        if self.parent is not None:
            await self.get_queryset(request, kw)  # the parent must be visible
            values[self.parent[1]] = kw[f"{self.parent[1]}_id"]
        try:
            obj = self.model(**values)
        except ValidationError as exc:
            raise HTTPException(UNPROCESSABLE,
                                detail=exc.errors(include_url=False, include_input=False)) from None
        rule = await self.row_rule(request)
        if rule is not None and decide(rule, self.model._meta, self._known_row(obj)) is False:
            raise self._outside_rule()
        await obj.save()
        if rule is not None:
            await self._check_written(request, kw, rule, obj, undo=obj.delete)
        return JSONResponse(self.dump(obj), status_code=status.HTTP_201_CREATED)

    async def _update(self, request: Request, kw: Mapping[str, Any]) -> Any:
        obj = await self.get_object(request, kw)  # inside the rule before the change (else 404)
        body: BaseModel = kw["body"]
        changes = body.model_dump(exclude_unset=True)
        forced = await self._server_set(request, changes)
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
                             and self._wire(f, obj.__dict__.get(f)) != self._wire(f, before[f]))]
        rule = await self.row_rule(request)
        if rule is not None and names and decide(rule, self.model._meta, self._known_row(obj)) is False:
            raise self._outside_rule()
        if names:
            await obj.save(update_fields=names)

            async def undo() -> None:
                for key in names:
                    setattr(obj, key, before[key])
                await obj.save(update_fields=names)

            if rule is not None:
                await self._check_written(request, kw, rule, obj, undo=undo)
        return JSONResponse(self.dump(obj))

    # -- the row rule on writes --------------------------------------------------------------------
    async def _server_set(self, request: Request, sent: Mapping[str, Any]) -> dict[str, Any]:
        """The ``server_values`` for this request; 403 when the client sent one with another value."""
        forced: dict[str, Any] = {}
        for name, compute in self.server_values.items():
            value = compute(request)
            forced[name] = (await value) if inspect.isawaitable(value) else value
            if name in sent and self._wire(name, sent[name]) != self._wire(name, forced[name]):
                raise HTTPException(status.HTTP_403_FORBIDDEN, detail={
                    "message": f"{name!r} is set by the server", "code": "SERVER_SET_FIELD", "field": name})
        return forced

    def _wire(self, name: str, value: Any) -> Any:
        """``value`` as Directus would store it in field ``name`` (a related row as its key)."""
        info = self.model._meta.fields.get(name)
        if value is None or info is None or info.validate is None:
            return to_jsonable_python(value)
        try:
            return info.validate(value)
        except ValueError:
            return to_jsonable_python(value)

    def _known_row(self, obj: M) -> dict[str, Any]:
        """The values ``obj``'s row holds as far as known here: every field read from Directus or set,
        plus the non-None defaults an insert sends (a field left to the server's default is unknown)."""
        left_to_server = set(self.model._meta.load_plan().sent_only_if_set) - obj.model_fields_set
        return {name: value for name, value in obj.__dict__.items()
                if name in self.model.model_fields and name not in left_to_server}

    def _outside_rule(self) -> HTTPException:
        return HTTPException(status.HTTP_403_FORBIDDEN, detail={
            "message": f"the {self.model.__name__} would be outside the rows this request may write "
                       "(objects_filter)", "code": "OUTSIDE_OBJECTS_FILTER"})

    async def _check_written(self, request: Request, kw: Mapping[str, Any], rule: Q, obj: M,
                             undo: Callable[[], Awaitable[Any]]) -> None:
        """After a write: the row as Directus answered it must match the rule (in Python when that is
        exact, else by asking Directus); otherwise the write is undone and the request answers 403."""
        inside = decide(rule, self.model._meta, self._known_row(obj))
        if inside is None:
            qs = await self.get_queryset(request, kw)
            inside = await qs.filter(**{self.pk_name: obj.pk}).exists()
        if inside:
            return
        try:
            await undo()
        except DirectusError as exc:
            logger.error("%s %r was written outside objects_filter and could not be undone: %s",
                         self.model.__name__, obj.pk, type(exc).__name__)
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, detail={
                "message": f"the {self.model.__name__} {obj.pk!r} was written outside objects_filter "
                           "and could not be undone", "code": "OUTSIDE_OBJECTS_FILTER_NOT_UNDONE"}) from None
        raise self._outside_rule()

    async def _delete(self, request: Request, kw: Mapping[str, Any]) -> Any:
        obj = await self.get_object(request, kw)
        await obj.delete()
        return Response(status_code=status.HTTP_204_NO_CONTENT)
