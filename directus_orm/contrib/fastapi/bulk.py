"""Bulk routes: ``POST /<collection>/bulk`` (a list of rows), ``PATCH /<collection>/bulk`` (a list of
partial rows, each with its key), ``DELETE /<collection>/bulk?keys=1,2,3``.

Each is **one** request to Directus (an array ``POST``, an array ``PATCH``, a ``DELETE`` of the key
list), which Directus runs in one database transaction: if any row is refused (validation, a unique
value, a permission) nothing is written and the route answers that row's error (409, 422, 403 ...)
as a single write would. Before it, everything that can be checked here is, for every row: the
bodies (422, ``loc`` starting with the row's index), ``server_values`` (403), the row rule in Python
(403 ``OUTSIDE_OBJECTS_FILTER`` with ``"index"``), and for updates and deletes that every key is a
row this request may see (404 with the ``"missing"`` keys). A rule only Directus can decide is
checked after the write, on all rows at once: if any row fell outside it the whole batch is undone
(created rows deleted, updated fields put back; a failed undo answers 500
``OUTSIDE_OBJECTS_FILTER_NOT_UNDONE``), with the same window as a single write. At most
``max_bulk`` rows per request (400 ``TOO_MANY_ROWS``). ``If-Match`` is refused (400
``IF_MATCH_UNSUPPORTED``): one header cannot stand for several rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from ...connection.paths import collection_path
from ...connection.registry import connections
from ...query import QuerySet
from .etag import no_if_match
from .querystring import names, param_error
from .rowrule import decide

if TYPE_CHECKING:
    from .router import DirectusRouter

__all__ = ["bulk_create", "bulk_delete", "bulk_update"]

UNPROCESSABLE = 422


def _too_many(router: DirectusRouter[Any], count: int) -> None:
    if count > router.max_bulk:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail={
            "message": f"{count} rows in one request; this route takes at most {router.max_bulk}",
            "code": "TOO_MANY_ROWS", "max_bulk": router.max_bulk})
    if count == 0:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            detail={"message": "no rows given", "code": "NO_ROWS"})


def _invalid(index: int, exc: ValidationError) -> HTTPException:
    return HTTPException(UNPROCESSABLE, detail=[{**e, "loc": ["body", index, *e["loc"]]}
                                                for e in exc.errors(include_url=False, include_input=False)])


def _outside(router: DirectusRouter[Any], index: int) -> HTTPException:
    exc = router.outside_rule()
    assert isinstance(exc.detail, dict)
    exc.detail["index"] = index
    return exc


async def _visible(router: DirectusRouter[Any], request: Request, kw: Mapping[str, Any],
                   keys: Sequence[Any]) -> tuple[QuerySet[Any], dict[str, Any]]:
    """The rows of ``keys`` this request may see (by key as text); 404 naming those it may not."""
    if len(set(map(str, keys))) != len(keys):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail={"message": "a key is given twice",
                                                                 "code": "REPEATED_KEY"})
    qs = await router.get_queryset(request, kw)
    found = {str(obj.pk): obj for obj in await qs.filter(**{f"{router.pk_name}__in": list(keys)})}
    missing = [k for k in keys if str(k) not in found]
    if missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={
            "message": f"{len(missing)} {router.model.__name__} row(s) not found", "code": "NOT_FOUND",
            "missing": missing})
    return qs, found


async def _after(router: DirectusRouter[Any], request: Request, kw: Mapping[str, Any], keys: list[Any],
                 undecided: bool, undo: Callable[[], Awaitable[Any]]) -> None:
    """After the write: every row must be inside the rule (asked of Directus when Python could not
    decide), else the whole batch is undone and the request answers 403."""
    if not undecided:
        return
    qs = await router.get_queryset(request, kw)
    inside = await qs.filter(**{f"{router.pk_name}__in": keys}).count()
    if inside != len(keys):
        await router.undo_or_fail(undo, f"{len(keys) - inside} of {len(keys)} rows")
        raise router.outside_rule()


async def bulk_create(router: DirectusRouter[Any], request: Request, kw: Mapping[str, Any]) -> Any:
    bodies: list[BaseModel] = kw["body"]
    _too_many(router, len(bodies))
    objs = []
    for index, body in enumerate(bodies):
        values = body.model_dump(exclude_unset=True)
        values.update(await router.server_set(request, values))
        await router.refuse_archived(request, values)
        if router.parent is not None:
            values[router.parent[1]] = kw[f"{router.parent[1]}_id"]
        try:
            objs.append(router.model(**values))
        except ValidationError as exc:
            raise _invalid(index, exc) from None
    if router.parent is not None:
        await router.get_queryset(request, kw)  # the parent must be visible
    rule = await router.row_rule(request)
    for index, obj in enumerate(objs):
        if rule is not None and decide(rule, router.model._meta, router.known_row(obj)) is False:
            raise _outside(router, index)
    created = await router.model.objects.bulk_create(objs)  # one POST of an array: all rows or none
    if rule is not None:
        verdicts = [decide(rule, router.model._meta, router.known_row(obj)) for obj in created]
        keys = [obj.pk for obj in created]

        async def undo() -> None:
            await connections[router.model.objects.all().db].delete(
                collection_path(router.collection), json=keys)

        if False in verdicts:
            await router.undo_or_fail(undo, f"{verdicts.count(False)} of {len(keys)} rows")
            raise router.outside_rule()
        await _after(router, request, kw, keys, None in verdicts, undo)
    return JSONResponse([router.public(obj) for obj in created], status_code=status.HTTP_201_CREATED)


async def bulk_update(router: DirectusRouter[Any], request: Request, kw: Mapping[str, Any]) -> Any:
    no_if_match(request)
    bodies: list[BaseModel] = kw["body"]
    _too_many(router, len(bodies))
    pk = router.pk_name
    keys = [getattr(body, pk) for body in bodies]
    qs, found = await _visible(router, request, kw, keys)
    rule = await router.row_rule(request)
    payload: list[dict[str, Any]] = []
    before: list[dict[str, Any]] = []
    undecided = False
    for index, body in enumerate(bodies):
        obj = found[str(keys[index])]
        changes = body.model_dump(exclude_unset=True, exclude={pk})
        forced = await router.server_set(request, changes)
        old = {name: obj.__dict__.get(name) for name in {**changes, **forced}}
        try:
            for name, value in {**changes, **forced}.items():
                setattr(obj, name, value)
        except ValidationError as exc:
            raise _invalid(index, exc) from None
        sent = [*changes, *(f for f in forced if f not in changes
                            and router.wire(f, obj.__dict__.get(f)) != router.wire(f, old[f]))]
        if not sent:
            continue
        verdict = decide(rule, router.model._meta, router.known_row(obj)) if rule is not None else True
        if verdict is False:
            raise _outside(router, index)
        undecided = undecided or verdict is None
        payload.append({pk: obj.pk, **{name: router.wire(name, obj.__dict__.get(name)) for name in sent}})
        before.append({pk: obj.pk, **{name: router.wire(name, old[name]) for name in sent}})
    conn = connections[qs.db]
    path = collection_path(router.collection)
    if payload:
        await conn.patch(path, json=payload, params={"fields": [pk]})  # one transaction for the batch

        async def undo() -> None:
            await conn.patch(path, json=before, params={"fields": [pk]})

        await _after(router, request, kw, [row[pk] for row in payload], rule is not None and undecided, undo)
    fresh = {str(obj.pk): obj for obj in await qs.filter(**{f"{pk}__in": keys})}
    return JSONResponse([router.public(fresh[str(k)]) for k in keys if str(k) in fresh])


async def bulk_delete(router: DirectusRouter[Any], request: Request, kw: Mapping[str, Any]) -> Any:
    no_if_match(request)
    raw = names(kw.get("keys"))
    _too_many(router, len(raw))
    info = router.model._meta.get_field(router.pk_name)
    try:
        keys = [info.validate(k) if info is not None and info.validate is not None else k for k in raw]
    except ValueError:
        raise param_error(f"?keys= must be {router.model.__name__} keys", "INVALID_QUERY") from None
    qs, _ = await _visible(router, request, kw, keys)
    conn = connections[qs.db]
    path = collection_path(router.collection)
    archive = await router.archive_rule(request)
    if archive is not None:  # soft delete: one PATCH of every key
        await conn.patch(path, json={"keys": keys, "data": archive.changes()},
                         params={"fields": [router.pk_name]})
    else:
        await conn.delete(path, json=keys)  # one transaction: every row or none
    return Response(status_code=status.HTTP_204_NO_CONTENT)
