"""Reads compiled from a query (duck-typed: the QuerySet layer passes its compiled ``Query`` in, and a
``finish`` callable turning the REST-shaped answer into the result), and how several run as one
request.

A :class:`Read` is one root field of a GraphQL document; :func:`run_reads` sends the reads of one
connection as one document (aliases ``r0``, ``r1`` ...) and finishes each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..exceptions import (
    FieldError,
    GraphQLError,
    GraphQLExecutionError,
    GraphQLValidationError,
    forbidden_document,
)
from ..query.aggregates import NUMERIC_KINDS
from .document import Document, Field, Fixer
from .quantifiers import for_server
from .selection import drop_functions, filter_type, function_filter, root_name, select
from .types import View, role_view

if TYPE_CHECKING:
    from ..connection.client import Directus
    from ..query.query import Query

__all__ = ["Read", "aggregate_read", "constant_read", "rows_read", "run_reads"]

T = TypeVar("T")


@dataclass
class Read(Generic[T]):
    """One read: ``root`` on ``conn`` (the system endpoint when ``system``), answered as a list of rows
    that ``fix`` turns into REST's shape and ``finish`` into the result. ``root`` None: nothing to ask
    (an empty query), ``finish([])`` is the result. Awaiting a read runs it alone."""

    conn: Directus | None
    system: bool
    root: Field | None
    fix: Fixer
    finish: Callable[[list[dict[str, Any]]], T]
    page: int | None = None
    """Rows per request when the read is sent in pages (the server's ``queryLimit.max``); None: at once."""
    low: int = 0
    """The rows wanted when paged: from ``low`` up to ``high`` (None: every row)."""
    high: int | None = None
    rebuild: Callable[[View], Read[T]] | None = None
    """The read compiled again with relations as a role sees them, and the collections it looked at."""
    touched: frozenset[str] = frozenset()

    def __await__(self) -> Generator[Any, None, T]:
        return _run_one(self).__await__()


async def _run_one(read: Read[T]) -> T:
    return (await run_reads([read]))[0]  # type: ignore[no-any-return]


def constant_read(value: T) -> Read[T]:
    """A read whose answer is known without asking (``value``, e.g. ``0`` for the count of an empty
    query): :func:`gather` sends nothing for it."""
    return Read(None, False, None, lambda row: row, lambda rows: value)


def _arguments(query: Query, view: View, *, sliced: bool) -> dict[str, tuple[str, Any]]:
    args: dict[str, tuple[str, Any]] = {}
    params = query.filter_params()
    if "filter" in params:
        where = function_filter(params["filter"], query.schema, view=view)
        args["filter"] = (filter_type(query.schema.collection), where)
    if "search" in params:
        args["search"] = ("String", params["search"])
    if sliced:
        args["limit"] = ("Int", -1 if query.high is None else query.high - query.low)
        if query.low:
            args["offset"] = ("Int", query.low)
    return args


def rows_read(query: Query, conn: Directus, finish: Callable[[list[dict[str, Any]]], T],
              fields: Sequence[str] | None = None, page: int | None = None, view: View | None = None
              ) -> Read[T]:
    """The rows of ``query`` (every matching row, or its slice), as ``GET /items`` would send them.
    ``page``: the most rows one request may ask for (the server's ``queryLimit.max``; None: no limit).
    Directus answers ``limit: -1`` past that maximum with the first ``max`` rows and no error, so a read
    that may want more is sent in pages of ``page`` rows."""
    if query.group_by is not None:
        grouped = aggregate_read(query, conn, finish, query.aggregate_param(query.columns or ()),
                                 group_by=query.group_by, view=view)
        grouped.rebuild = lambda role: rows_read(query, conn, finish, fields, page, role)
        return paged(grouped, query, page)
    name, system = root_name(query.schema.collection)
    selected = list(fields) if fields is not None else query.fields(spelled=True)
    seen = view if view is not None else View()
    root, fix = select(query.schema, selected, query.deep_param(), seen)
    root.name = name
    root.arguments = {**_arguments(query, seen, sliced=True), "sort": ("[String]", query.sort())}
    # Keep the argument order Directus documents (filter, sort, limit, offset): easier to read.
    root.arguments = dict(sorted(root.arguments.items(), key=lambda kv: _ORDER.index(kv[0])))

    def fixed(row: Any) -> Any:
        return drop_functions(fix(row))

    def rebuild(role: View) -> Read[T]:
        return rows_read(query, conn, finish, fields, page, role)
    return paged(Read(conn, system, root, fixed, finish, rebuild=rebuild, touched=frozenset(seen.touched)),
                 query, page)


def paged(read: Read[T], query: Query, page: int | None) -> Read[T]:
    """``read`` sent in pages of ``page`` rows when it may want more than that (offset paging, in the
    query's order, which always ends with the primary key)."""
    wanted = None if query.high is None else query.high - query.low
    if page is not None and page > 0 and (wanted is None or wanted > page):
        read.page, read.low, read.high = page, query.low, query.high
    return read


_ORDER = ("filter", "search", "groupBy", "sort", "limit", "offset")


def aggregate_read(query: Query, conn: Directus, finish: Callable[[list[dict[str, Any]]], T],
                   aggregate: Mapping[str, Sequence[str]], *, group_by: Sequence[str] | None = None,
                   count_all: bool = False, view: View | None = None) -> Read[T]:
    """``<collection>_aggregated``: each row in REST's shape (``{"sum": {"price": ...}}``, the group's
    fields beside, ``countAll`` as ``count_all`` when asked)."""
    name, system = root_name(query.schema.collection)
    root = Field(f"{name}_aggregated")
    seen = view if view is not None else View()
    args = _arguments(query, seen, sliced=group_by is not None)
    if group_by is not None:
        args["groupBy"] = ("[String]", list(group_by))
        args["sort"] = ("[String]", query.sort())
        root.child("group")
    root.arguments = dict(sorted(args.items(), key=lambda kv: _ORDER.index(kv[0])))
    if count_all:
        root.child("countAll")
    for operation, names in aggregate.items():
        if not operation.startswith("count"):
            _numeric_only(query, operation, names)
        node = root.child(operation)
        for field_name in names:
            node.child(field_name)
    pk_parsers = _group_parsers(query, group_by or ())

    def fix(row: Any) -> Any:
        group = row.pop("group", None)
        if isinstance(group, Mapping):
            for key, value in group.items():
                parse = pk_parsers.get(key)
                row[key] = parse(value) if parse is not None else value
        return row
    if not aggregate and not count_all:
        root.child("countAll")  # a selection cannot be empty

    def rebuild(role: View) -> Read[T]:
        return aggregate_read(query, conn, finish, aggregate, group_by=group_by, count_all=count_all,
                              view=role)
    return Read(conn, system, root, fix, finish, rebuild=rebuild, touched=frozenset(seen.touched))


def _numeric_only(query: Query, operation: str, names: Sequence[str]) -> None:
    """Directus's ``<c>_aggregated_fields`` hold numeric fields only: ``min`` of a date is REST's alone."""
    for field_name in names:
        info = query.schema.get_field(field_name)
        if info is not None and info.kind not in NUMERIC_KINDS:
            raise FieldError(f"{operation} over the {info.kind_name} field {field_name!r} is not offered by "
                             "Directus's GraphQL (numeric fields only): run this aggregate over REST")


def _group_parsers(query: Query, group_by: Sequence[str]) -> dict[str, Callable[[Any], Any]]:
    from .selection import key_parser
    out = {}
    for name in group_by:
        info = query.schema.get_field(name)
        if info is not None and (name == query.schema.pk_name or info.relation is not None):
            out[name] = key_parser(info)
    return out


async def run_reads(reads: Sequence[Read[Any]]) -> list[Any]:
    """Run ``reads``: one request per (connection, endpoint) among them, the requests concurrently;
    results in the order given. A paged read whose page came back full asks for its next page in the
    next round (with the other paged reads of its connection). A failed field raises the
    :class:`GraphQLExecutionError` of its request (its ``errors[].path`` start with ``r<position>``);
    its ``data`` holds what the others answered."""
    import asyncio

    reads = list(reads)
    answers: dict[int, list[Any]] = {i: [] for i in range(len(reads))}
    offsets = {i: read.low for i, read in enumerate(reads)}
    pending = [i for i, read in enumerate(reads) if read.root is not None]

    async def one(indexes: list[int]) -> None:
        doc = Document()
        for i in indexes:
            root = reads[i].root
            assert root is not None
            doc.add(f"r{i}", _page_of(reads[i], root, offsets[i]))
        conn = reads[indexes[0]].conn
        assert conn is not None
        try:
            variables = await for_server(conn, doc.variables)
            data = await conn.graphql(doc.text, variables, system=reads[indexes[0]].system)
        except (GraphQLValidationError, GraphQLExecutionError) as exc:
            if not await _as_the_role_sees(reads, indexes, exc):
                if isinstance(exc, GraphQLValidationError) and _unknown_root(reads, indexes, exc):
                    raise forbidden_document(exc) from None
                raise
            await one(indexes)
            return
        for i in indexes:
            rows = data.get(f"r{i}")
            answers[i] += rows if isinstance(rows, list) else [rows] if rows is not None else []

    while pending:
        groups: dict[tuple[int, bool], list[int]] = {}
        for i in pending:
            groups.setdefault((id(reads[i].conn), reads[i].system), []).append(i)
        before = {i: len(answers[i]) for i in pending}
        await asyncio.gather(*(one(indexes) for indexes in groups.values()))
        follow = []
        for i in pending:
            read, got = reads[i], len(answers[i]) - before[i]
            if read.page is not None and got == read.page:
                offsets[i] += got
                if read.high is None or offsets[i] < read.high:
                    follow.append(i)
        pending = follow
    return [read.finish([read.fix(row) for row in answers[i]]) for i, read in enumerate(reads)]


_UNKNOWN_ROOT = re.compile(r'^Cannot query field "([^"]+)" on type "Query"')


def _unknown_root(reads: list[Read[Any]], indexes: list[int], exc: GraphQLValidationError) -> bool:
    """Whether the document was refused for a collection the role's schema lacks (REST answers 403)."""
    roots = {root.name for i in indexes if (root := reads[i].root) is not None}
    found = exc.extensions.get("errors")
    return isinstance(found, list) and any(
        isinstance(e, Mapping) and (m := _UNKNOWN_ROOT.match(str(e.get("message")))) is not None
        and m.group(1) in roots for e in found)


async def _as_the_role_sees(reads: list[Read[Any]], indexes: list[int],
                            exc: GraphQLValidationError | GraphQLExecutionError) -> bool:
    """After the server refused the document (nothing ran), compile ``reads[indexes]`` again as the role
    sees their relations (one introspection request) when that changes them: True when it did. A role
    that may not read a related collection sees a bare key where the model declares a relation."""
    if isinstance(exc, GraphQLExecutionError) and (exc.data is not None
                                                   or exc.code != "INTERNAL_SERVER_ERROR"):
        return False  # fields that ran and failed (a variable the schema refused fails without data)
    if any(reads[i].rebuild is None for i in indexes):
        return False
    first = reads[indexes[0]]
    assert first.conn is not None
    collections = sorted(set().union(*(reads[i].touched for i in indexes)))
    if not collections:
        return False
    try:
        view = await role_view(first.conn, collections, first.system)
    except GraphQLError:
        return False  # the original refusal says more than a failed introspection
    rebuilt = {}
    for i in indexes:
        rebuild = reads[i].rebuild
        assert rebuild is not None
        rebuilt[i] = rebuild(view)
        rebuilt[i].rebuild = None  # once
    if not view.differs:
        return False
    for i, read in rebuilt.items():
        reads[i] = read
    return True


def _page_of(read: Read[Any], root: Field, offset: int) -> Field:
    """``root`` asking for the page of ``read`` starting at ``offset`` (``root`` itself when not paged)."""
    if read.page is None:
        return root
    size = read.page if read.high is None else min(read.page, read.high - offset)
    args = {k: v for k, v in root.arguments.items() if k not in ("limit", "offset")}
    args["limit"] = ("Int", size)
    if offset:
        args["offset"] = ("Int", offset)
    page = Field(root.name, children=root.children)
    page.arguments = dict(sorted(args.items(), key=lambda kv: _ORDER.index(kv[0])))
    return page
