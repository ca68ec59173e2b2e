"""The query string of the generated routes, read into ORM terms: filters (``?author__name__icontains=le``),
sort terms and sparse fieldsets (``?fields=id,author.name`` / ``?omit=price``). Pure logic, no FastAPI:
what is refused raises a :class:`~directus_orm.FieldError` made by :func:`param_error`, which the router
answers as a ``400`` whose JSON body is :func:`detail_of` the error.

Every name is checked through the model's relations before anything is sent to Directus, and an unknown
one is refused with the valid names at the level where it went wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_jsonable_python

from ...exceptions import FieldError, ImproperlyConfigured
from ...models import DirectusModel
from ...query import QuerySet
from ...query.lookups import DATE_PARTS, LOOKUPS, UNSUPPORTED_LOOKUPS
from ...query.schema import LOOKUP_SEP, QUANTIFIERS, FieldPath, Schema, resolve_field_path

__all__ = ["FieldTree", "QueryString", "Selection", "detail_of", "param_error", "pick", "refuse_repeats",
           "sort_terms"]

RESERVED = frozenset({"sort", "search", "limit", "offset", "page", "fields", "omit", "fields!", "expand",
                      "count", "cursor"})
"""Query parameters of the list route that are not filters; each is single-valued."""
WILDCARD = "*"
"""``?fields=*`` / ``?fields=author.*``: every field at that level."""
DirectusPath = tuple[str, ...]
"""A Directus field path to a to-many relation (``("tags",)``, ``("books", "tags")``)."""
LIST_LOOKUPS = frozenset({"in", "range", "between", "nin", "nbetween"})
"""Lookups whose value is a comma-separated list."""
BOOL_LOOKUPS = frozenset({"isnull", "empty", "null", "nnull", "nempty"})
FieldTree = dict[str, "FieldTree"]
"""A ``?fields=`` selection as a tree: ``{"id": {}, "author": {"name": {}}}`` (``{}``: a leaf)."""


def param_error(message: str, code: str, **extra: Any) -> FieldError:
    """A refused query parameter: a :class:`~directus_orm.FieldError` (bad input, caught before any
    request) carrying its answer's body: ``code`` says why, ``extra`` what would have been right
    (``valid=[...]``, ``at="author"``)."""
    exc = FieldError(message)
    vars(exc)["detail"] = {"message": message, "code": code, **extra}
    return exc


def detail_of(exc: FieldError) -> dict[str, Any]:
    """The JSON body of the 400 answering ``exc``."""
    detail = vars(exc).get("detail")
    return dict(detail) if isinstance(detail, dict) else {"message": str(exc), "code": "INVALID_QUERY"}


def refuse_repeats(items: Iterable[tuple[str, str]], single: Iterable[str]) -> None:
    """A single-valued parameter given twice is refused (400) rather than one of its values winning
    silently; several values go comma-separated into one (``?fields=id,title``)."""
    wanted, seen = frozenset(single), set()
    for key, _ in items:
        if key in wanted:
            if key in seen:
                raise param_error(f"?{key}= is given more than once: give it once (comma-separated where "
                                      "it takes several names)", "REPEATED_PARAMETER", parameter=key)
            seen.add(key)


def names(raw: str | None) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [f.strip() for f in (raw or "").split(",") if f.strip()]


def segments(name: str) -> tuple[str, ...]:
    """``author.name`` (or ``author__name``) -> ``("author", "name")``."""
    return tuple(name.replace(".", LOOKUP_SEP).split(LOOKUP_SEP))


def sort_terms(raw: str | None) -> list[str]:
    """``?sort=-name,author.name`` -> ``["-name", "author__name"]`` (``order_by`` checks them)."""
    return [t.replace(".", LOOKUP_SEP) for t in names(raw)]


def pick(value: Any, tree: FieldTree) -> Any:
    """The JSON form of the ``tree`` part of ``value`` (a model instance, a ``values()`` dict, a list of
    them, or a leaf value); a relation without a related row stays ``None``."""
    if not tree or value is None:
        return to_jsonable_python(value)
    if isinstance(value, list):
        return [pick(item, tree) for item in value]
    if isinstance(value, Mapping):
        return {name: pick(value.get(name), sub) for name, sub in tree.items()}
    if isinstance(value, DirectusModel):
        return {name: pick(getattr(value, name), sub) for name, sub in tree.items()}
    return to_jsonable_python(value)  # a key where a related row was asked for


@dataclass(frozen=True)
class Selection:
    """A checked ``?fields=`` / ``?omit=`` selection: Django paths (``author__name``), their tree, and
    whether it is flat (no path reads through a relation, no to-many field).

    Flat selections run as ``values(*names)``: Directus's ``fields`` are exactly the names. Others run
    as ``only(*names)``, which also reads the primary key and the key of each related row read through
    (``id,title,author.id,author.name``): those tell "no related row" (``"author": null``) from a
    related row with null fields, and keep to-many rows apart (``values()`` fans them out)."""

    names: tuple[str, ...]
    tree: FieldTree
    flat: bool
    through_many: tuple[tuple[tuple[str, ...], DirectusPath], ...] = ()
    """the to-many relations read through: (path in the answer, Directus path)"""
    max_nested_rows: int | None = None
    """the most related rows one to-many relation read through may bring (None: no limit)"""

    def apply(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """``values()`` or ``only()`` of the names; each to-many relation read through asks Directus for
        one row more than ``max_nested_rows`` (``deep[books][_limit]``), so :meth:`check` can tell a full
        list from a cut one, or for all of them without a limit."""
        out = qs.values(*self.names) if self.flat else qs.only(*self.names)
        if not self.through_many:
            return out
        # Every level gets its limit (-1: all rows), applied after the ORM's own deep entries.
        limit = -1 if self.max_nested_rows is None else self.max_nested_rows + 1
        deep = [(path, {"_limit": limit}) for _, path in self.through_many]
        return out._clone(deep=(*out.query.deep, *deep))

    def check(self, rows: Iterable[Any]) -> None:
        """Refuse an answer in which a to-many relation read through holds more than
        ``max_nested_rows`` rows: it would be cut, or not fit the route's bounds."""
        if self.max_nested_rows is None:
            return
        for path, _ in self.through_many:
            for related in _lists_at(list(rows), path):
                if len(related) > self.max_nested_rows:
                    raise param_error(
                        f"{'.'.join(path)!r} in ?fields= holds more than {self.max_nested_rows} related rows "
                        "for a row of this answer: ask for fewer, or list them through their own route",
                        "TOO_MANY_NESTED_ROWS", field=".".join(path), max_nested_rows=self.max_nested_rows)

    def render(self, row: Any) -> dict[str, Any]:
        if not self.tree:  # ?fields= (empty): no fields
            return {}
        out: dict[str, Any] = pick(row, self.tree)
        return out


def _lists_at(values: list[Any], path: tuple[str, ...]) -> Iterable[list[Any]]:
    """The related lists found at ``path`` under each of ``values`` (models or dicts, lists flattened)."""
    for value in values:
        if isinstance(value, list):
            yield from _lists_at(value, path)
            continue
        if value is None or not path:
            continue
        child = value.get(path[0]) if isinstance(value, Mapping) else getattr(value, path[0], None)
        if len(path) == 1:
            if isinstance(child, list):
                yield child
        else:
            yield from _lists_at([child], path[1:])


class QueryString:
    """The query-string rules of one model's routes.

    ``read_fields``: the top-level names ``?fields=`` may ask for (the read schema's fields);
    ``filter_fields``: the field paths filters may name (default: every model field; relation paths
    such as ``"author__name"`` when listed, checked through the relations now: ``FieldError``);
    ``max_depth``: the most relations one ``?fields=``/``?omit=`` path may read through
    (``author.name``: 1); ``max_nested_rows``: the most related rows a to-many relation read through
    may bring per row (None: no limit).
    """

    def __init__(self, schema: Schema, read_fields: Iterable[str],
                 filter_fields: Iterable[str] | None = None, *, max_depth: int = 3,
                 max_nested_rows: int | None = 100) -> None:
        if max_depth < 0 or (max_nested_rows is not None and max_nested_rows < 1):
            raise ImproperlyConfigured(f"max_depth must be >= 0 and max_nested_rows >= 1 or None, got "
                                       f"{max_depth} and {max_nested_rows}")
        self.schema = schema
        self.max_depth = max_depth
        self.max_nested_rows = max_nested_rows
        self.read_fields: list[str] = list(read_fields)
        self.filter_fields: set[str] = set(schema.field_names())
        if filter_fields is not None:
            self.filter_fields = set()
            for entry in filter_fields:
                path = entry.replace(".", LOOKUP_SEP)
                resolve_field_path(schema, path, f"filter_fields ({entry!r})", date_parts=False)
                self.filter_fields.add(schema.pk_name if path == "pk" else path)

    # -- sparse fieldsets ----------------------------------------------------------------------------
    def resolve_selected(self, path: tuple[str, ...], param: str) -> FieldPath:
        """Check a ``?fields=``/``?omit=`` path segment by segment: the first against the read fields,
        the others against the related model (the model layer resolves the path)."""
        dotted = ".".join(path)
        if len(path) - 1 > self.max_depth:
            raise param_error(f"{dotted!r} in ?{param}= reads through {len(path) - 1} relations; this "
                                  f"route allows {self.max_depth}", "FIELD_TOO_DEEP", field=dotted,
                                  max_depth=self.max_depth)
        valid: list[str] = self.read_fields
        fp: FieldPath | None = None
        for i, segment in enumerate(path):
            at = ".".join(path[:i])
            if i and fp is not None and fp.field.relation is None:
                raise param_error(f"unknown field {dotted!r} in ?{param}=: {path[i - 1]!r} is not a "
                                      f"relation of the model ({fp.field.kind_name} field)", "UNKNOWN_FIELD",
                                      valid=valid, at=".".join(path[:i - 1]))
            if segment not in valid:
                where = f"{at!r} ({fp.field.relation.schema().label})" if fp is not None and \
                    fp.field.relation is not None else self.schema.label
                raise param_error(f"unknown field {dotted!r} in ?{param}=: {where} has no field "
                                      f"{segment!r}", "UNKNOWN_FIELD", valid=valid, at=at)
            try:
                fp = resolve_field_path(self.schema, LOOKUP_SEP.join(path[:i + 1]), f"?{param}=",
                                        date_parts=False)
            except FieldError as exc:  # a read field the model does not have
                raise param_error(str(exc), "UNKNOWN_FIELD", valid=valid, at=at) from None
            if fp.field.relation is not None:
                valid = fp.field.relation.schema().field_names()
        assert fp is not None
        return fp

    def selection(self, fields: str | None, omit: str | None, *, expand: str | None = None,
                  deferred: Iterable[str] = ()) -> Selection | None:
        """What ``?fields=``/``?omit=``/``?expand=`` select (None: every read field). Dotted paths
        (``author.name``; ``author__name`` also works) reach through the model's relations; ``*``
        stands for every field at its level (``*``, ``author.*``); ``expand=author`` adds the related
        row with every field (``author.*``) to what is selected; ``deferred`` fields are left out
        unless named (or ``*``). ``fields=""`` selects no field (the rows answer ``{}``)."""
        deferred = [d for d in deferred if d in self.read_fields]
        if fields == "" and not expand:
            return Selection((self.schema.pk_name,), {}, True)
        if not fields and not omit and not expand and not deferred:
            return None
        if fields:
            wanted = [p for f in names(fields) for p in self.expand_wildcard(segments(f), "fields")]
        else:
            wanted = [(f,) for f in self.read_fields if f not in deferred]
        for name in names(expand):
            path = segments(name)
            fp = self.resolve_selected(path, "expand")
            if fp.field.relation is None:
                raise param_error(f"?expand={name!r} is not a relation", "NOT_A_RELATION", field=name)
            wanted.extend(self.expand_wildcard((*path, WILDCARD), "expand"))
        omitted = [segments(f) for f in names(omit)]
        resolved = {path: self.resolve_selected(path, "fields") for path in wanted}
        for path in omitted:
            self.resolve_selected(path, "omit")
        selected = [p for p in dict.fromkeys(wanted)
                    if not any(p[:len(o)] == o for o in omitted)]
        # author and author.name together: the deeper path says what to read of the relation
        selected = [p for p in selected if not any(len(q) > len(p) and q[:len(p)] == p for q in selected)]
        if not selected:
            raise param_error("no field left to return", "UNKNOWN_FIELD", valid=self.read_fields)
        relations = [resolved[p].field.relation for p in selected]
        flat = all(len(p) == 1 for p in selected) and not any(r is not None and r.many for r in relations)
        tree: FieldTree = {}
        for path in selected:
            node = tree
            for segment in path:
                node = node.setdefault(segment, {})
        return Selection(tuple(LOOKUP_SEP.join(p) for p in selected), tree, flat,
                         self._through_many(selected), self.max_nested_rows)

    def expand_wildcard(self, path: tuple[str, ...], param: str) -> list[tuple[str, ...]]:
        """``path`` itself, or for ``(..., "*")`` one path per field of the level it ends at."""
        if path[-1] != WILDCARD:
            return [path]
        prefix = path[:-1]
        if not prefix:
            return [(f,) for f in self.read_fields]
        fp = self.resolve_selected(prefix, param)
        if fp.field.relation is None:
            raise param_error(f"{'.'.join(path)!r} in ?{param}=: {'.'.join(prefix)!r} is not a relation",
                              "NOT_A_RELATION", field=".".join(prefix))
        return [(*prefix, f) for f in fp.field.relation.schema().field_names()]

    def _through_many(self, selected: Iterable[tuple[str, ...]]) -> tuple[tuple[tuple[str, ...],
                                                                              DirectusPath], ...]:
        """The to-many relations the selected paths read through (not those they end on: keys only)."""
        found: dict[tuple[str, ...], DirectusPath] = {}
        for path in selected:
            for end in range(1, len(path)):
                prefix = path[:end]
                if prefix in found:
                    continue
                fp = resolve_field_path(self.schema, LOOKUP_SEP.join(prefix), "?fields=", date_parts=False)
                if fp.field.relation is not None and fp.field.relation.many:
                    found[prefix] = fp.keys
        return tuple(found.items())

    # -- filters -------------------------------------------------------------------------------------
    def filter_path(self, key: str) -> tuple[str, bool]:
        """The field path a filter keyword names (``author__name__icontains`` -> ``author__name``,
        ``books__none__title`` -> ``books__title``), resolved through the model's relations; and
        whether it stopped at a name that is neither a field nor a lookup (unknown)."""
        schema = self.schema
        parts = key.split(LOOKUP_SEP)
        if parts[0] == "pk":
            parts[0] = schema.pk_name
        path: list[str] = []
        many = False
        for part in parts:
            if path and (part in LOOKUPS or part in UNSUPPORTED_LOOKUPS or part in DATE_PARTS):
                return LOOKUP_SEP.join(path), False
            if path and many and part in QUANTIFIERS:
                continue
            try:
                fp = resolve_field_path(schema, LOOKUP_SEP.join([*path, part]), f"filter {key!r}",
                                        date_parts=False)
            except FieldError:
                return LOOKUP_SEP.join(path), True
            path.append(part)
            rel = fp.field.relation
            if rel is None:
                break  # a plain field: what follows is its lookup, which filter() checks
            many = rel.many
        return LOOKUP_SEP.join(path), False

    def filters(self, items: Iterable[tuple[str, str]], reserved: Iterable[str] = RESERVED) -> dict[str, Any]:
        """``path__lookup=value`` from the query string's ``(key, value)`` pairs (everything but the
        reserved parameters); the path must be one of ``filter_fields``. All go into one ``filter()``
        call, so conditions on the same to-many relation hold for the same related row (Django's
        meaning)."""
        out: dict[str, Any] = {}
        skip = frozenset(reserved)
        for key, raw in items:
            if key in skip:
                continue
            if key in out:
                raise param_error(f"{key!r} is given more than once (use __in for several values)",
                                      "REPEATED_PARAMETER", parameter=key)
            path, unknown = self.filter_path(key)
            if unknown or path not in self.filter_fields:
                raise param_error(f"cannot filter on {key!r}", "UNKNOWN_FILTER",
                                      valid=sorted(self.filter_fields))
            last = key.rsplit(LOOKUP_SEP, 1)[-1] if LOOKUP_SEP in key else ""
            value: Any = raw
            if last in LIST_LOOKUPS:
                value = [v for v in raw.split(",") if v != ""]
            elif last in BOOL_LOOKUPS:
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise param_error(f"{key!r} takes true or false", "INVALID_FILTER")
                value = raw.lower() in ("true", "1")
            out[key] = value
        return out
