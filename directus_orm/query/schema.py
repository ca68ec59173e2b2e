"""What a query knows about its collection's fields, and the one place paths are resolved.

Models describe their fields (``Options`` implements :class:`Schema`); dict collections use
:class:`OpenSchema`, which accepts any field name. A field may carry a :class:`Relation`; resolving a
Django path (``author__name``, ``books__title``, ``tags__name``, ``published__year``) walks the related
schemas segment by segment, so an unknown name fails here, before any request.

Directus paths: a many-to-one or one-to-many field is followed by the related collection's field
(``author.name``); a many-to-many field goes through its junction collection (``tags.tags_id.name``).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from ..exceptions import FieldError, ImproperlyConfigured, InvalidArgument, UnsupportedLookup
from .lookups import DATE_PARTS, LOOKUPS, UNSUPPORTED_LOOKUPS, Lookup, lookups_for_kind

__all__ = [
    "FieldInfo",
    "FieldPath",
    "OpenSchema",
    "RelatedPath",
    "Relation",
    "ResolvedKey",
    "Schema",
    "ToManySplit",
    "key_relations",
    "relation_paths",
    "resolve_field_path",
    "resolve_filter_key",
    "resolve_sort_term",
    "split_to_many",
]

LOOKUP_SEP = "__"
QUANTIFIERS = ("some", "none")

RelationKind = Literal["m2o", "o2m", "m2m"]


@dataclass(frozen=True)
class Relation:
    """A relational field: the one description queries, loading and writes read. ``schema()`` gives
    the related collection's schema (resolved lazily: the related model may be declared after this
    one).

    A many-to-many relation goes through its junction collection: ``junction_field`` is the junction's
    field pointing at the related collection (``tags_id``; ``ManyToMany(target=...)``), set for
    many-to-many only; ``through`` is the junction collection when declared, ``through_pk`` its primary
    key. :meth:`hop`, :meth:`wrap` and :meth:`unwrap` are the only places that rule is applied."""

    kind: RelationKind
    schema: Callable[[], Schema] = field(compare=False)
    junction_field: str | None = None
    through: str | None = None
    through_pk: str = "id"

    def __post_init__(self) -> None:
        if (self.kind == "m2m") != (self.junction_field is not None):
            raise ImproperlyConfigured(
                f"a {self.kind} relation {'needs' if self.kind == 'm2m' else 'has no'} junction field")

    @property
    def many(self) -> bool:
        return self.kind != "m2o"

    def hop(self, name: str) -> tuple[str, ...]:
        """The Directus path segments that lead from the owning collection's field ``name`` into the
        related collection (``("tags", "tags_id")`` through a junction)."""
        return (name, self.junction_field) if self.junction_field is not None else (name,)

    def wrap(self, value: Any) -> Any:
        """A related row, key or condition as the owner's field holds it: inside its junction row
        (``{"tags_id": ...}``) for many-to-many."""
        return {self.junction_field: value} if self.junction_field is not None else value

    def unwrap(self, item: Any) -> Any:
        """The related row or key inside a junction row (many-to-many); anything else as it is."""
        if self.junction_field is not None and isinstance(item, Mapping):
            return item.get(self.junction_field)
        return item


@dataclass(frozen=True)
class FieldInfo:
    """One field: its Directus kind, whether it may be null, and how to check/serialise values
    (``validate`` returns the JSON-ready value or raises ``ValueError``; None: pass through). A
    relational field's kind and validator are those of the related key. ``validate_list`` does the
    same for a list of values in one call (an ``in`` lookup may hold thousands); None: value by value."""

    name: str
    kind: str = "any"
    nullable: bool = True
    validate: Any = field(default=None, compare=False)
    relation: Relation | None = None
    parse: Any = field(default=None, compare=False)  # server value -> Python value (None: as is)
    validate_list: Any = field(default=None, compare=False)
    described_as: str = field(default="", compare=False)
    """What messages call the field when its kind's name would mislead ("many-to-any", read as json)."""
    validate_write: Any = field(default=None, compare=False)
    """``validate`` holding the value to the field's constraints too (None: ``validate``'s answer)."""

    @property
    def kind_name(self) -> str:
        """The field's kind as messages name it."""
        return self.described_as or self.kind


class Schema(Protocol):
    """A collection's field description, as queries need it."""

    @property
    def collection(self) -> str: ...

    @property
    def pk_name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def get_field(self, name: str) -> FieldInfo | None:
        """The field called ``name`` (``"pk"`` is resolved by the caller), or None if unknown."""
        ...

    def field_names(self) -> list[str]: ...

    @property
    def resolution_is_final(self) -> bool:
        """True when resolving a path against this schema always gives the same answer (the
        resolvers then remember it)."""
        ...

    def m2m_default_fields(self) -> list[str]:
        """The Directus paths that read each many-to-many field as the related keys
        (``tags.tags_id``) where a bare ``*`` would give the junction rows' keys."""
        ...


UUID_KEYED_SYSTEM_COLLECTIONS = frozenset({
    "directus_users", "directus_roles", "directus_policies", "directus_files", "directus_folders",
    "directus_flows", "directus_operations", "directus_shares", "directus_dashboards", "directus_panels",
    "directus_comments", "directus_versions", "directus_translations", "directus_access",
})
INTEGER_KEYED_SYSTEM_COLLECTIONS = frozenset({
    "directus_activity", "directus_fields", "directus_notifications", "directus_permissions",
    "directus_presets", "directus_relations", "directus_revisions", "directus_settings", "directus_webhooks",
})
"""System collections whose ``id`` is an integer on every supported Directus version: a key that is no
integer is refused before sending (Directus 10 answers every row to ``{"id": {"_eq": "me"}}``)."""
"""System collections whose ``id`` is a UUID on every supported Directus version: a non-UUID key is refused
before sending, as a model's UUID key is (PostgreSQL answers 500 to it, SQLite no row)."""


def _uuid_text(value: Any) -> str:
    """A UUID (or its text) -> the canonical text; anything else raises ``ValueError``."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


_UUID_KEY = FieldInfo("id", "uuid", False, _uuid_text,
                      validate_list=lambda values: [_uuid_text(v) for v in values])


def _integer(value: Any) -> int:
    """An integer (or its decimal text) -> the integer; anything else raises ``InvalidArgument``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    raise InvalidArgument("not an integer")


_INTEGER_KEY = FieldInfo("id", "integer", False, _integer,
                         validate_list=lambda values: [_integer(v) for v in values])


@dataclass(frozen=True)
class OpenSchema:
    """Schema of a collection with no model: every name is a field of unknown kind, nullable (but the
    UUID key of a system collection)."""

    collection: str
    pk_name: str = "id"

    @property
    def label(self) -> str:
        return f"collection {self.collection!r}"

    def get_field(self, name: str) -> FieldInfo | None:
        if name == "id" == self.pk_name and self.collection in UUID_KEYED_SYSTEM_COLLECTIONS:
            return _UUID_KEY
        if name == "id" == self.pk_name and self.collection in INTEGER_KEYED_SYSTEM_COLLECTIONS:
            return _INTEGER_KEY
        return FieldInfo(name)

    def field_names(self) -> list[str]:
        return []

    @property
    def resolution_is_final(self) -> bool:
        return False  # any name is a field: nothing to remember

    def m2m_default_fields(self) -> list[str]:
        return []


@dataclass(frozen=True)
class ResolvedKey:
    """``author__name__icontains`` -> path ``("author", "name")``, the field info of the last segment
    as far as known, and the lookup. ``path[-1]`` is a Directus function (``year(published)``) when
    the key used a date part; ``nullable`` is true when any step of the path may be NULL."""

    path: tuple[str, ...]
    field: FieldInfo
    lookup: Lookup
    nullable: bool = True


@dataclass(frozen=True)
class ToManySplit:
    """A filter keyword crossing a to-many relation: ``prefix`` is the Directus path up to and
    including the to-many field (m2o steps before it included), ``relation`` the to-many relation,
    ``rest`` the keyword relative to the related collection ("" when the key ends at the relation),
    ``quantifier`` "some" / "none" when written explicitly (``books__none__title``)."""

    prefix: tuple[str, ...]
    relation: Relation
    rest: str
    quantifier: str | None

    @property
    def top_level(self) -> bool:
        """Directus allows ``_some`` / ``_none`` only on a to-many field of the filtered collection."""
        return len(self.prefix) == 1


_FIELD_SEGMENT = re.compile(r"^(?:\*|[^\s/\\?#%,.()]+|\w+\([^\s/\\?#%,.()]+\))$")
"""A segment of a field path on a collection without a model (``only("author.name")``): a field name,
``*`` or a function (``count(books)``); never a path or a list (``..``, ``/``, ``,`` ...)."""


def _check_name(schema: Schema, name: str, context: str) -> None:
    if not all(_FIELD_SEGMENT.match(s) for s in name.split(".")):
        raise FieldError(f"{schema.label}: {name[:200]!r} is not a field name (in {context[:300]}): a name "
                         "is data, never a path (no empty segment, whitespace, or any of / \\ ? # % ,)")


def _first_field(schema: Schema, name: str, context: str) -> FieldInfo:
    if name == "pk":
        name = schema.pk_name
    if not schema.resolution_is_final:
        _check_name(schema, name, context)
    info = schema.get_field(name)
    if info is None:
        raise FieldError(
            f"{schema.label} has no field {name!r} (in {context}); fields: {', '.join(schema.field_names())}"
        )
    return info


R = TypeVar("R")

_MEMO_SIZE = 4096
"""How many (schema, keyword) resolutions each memo keeps (beyond that, resolve without storing)."""


def _memoised(fn: Callable[[Schema, str], R]) -> Callable[[Schema, str], R]:
    """Resolving a keyword is a pure function of (schema, keyword) once the schema is complete (a
    model whose related models are all declared), and applications repeat the same keywords in every
    query: remember the answers (errors are not remembered). Schemas that cannot say they are
    complete (``OpenSchema`` for dict collections) are resolved every time."""
    memo: dict[tuple[Schema, str], R] = {}

    @functools.wraps(fn)
    def resolve(schema: Schema, key: str) -> R:
        try:
            return memo[schema, key]  # only final schemas are ever stored
        except TypeError:  # an unhashable schema: nothing to remember it by
            return fn(schema, key)
        except KeyError:
            found = fn(schema, key)
            if len(memo) < _MEMO_SIZE and schema.resolution_is_final:
                memo[schema, key] = found
            return found

    return resolve


@_memoised
def split_to_many(schema: Schema, key: str) -> ToManySplit | None:
    """If ``key`` crosses a to-many relation (through m2o steps only), where; else None."""
    parts = key.split(LOOKUP_SEP)
    if not all(parts):
        raise FieldError(f"malformed filter keyword {key!r}")
    prefix: list[str] = []
    current = schema
    for i, part in enumerate(parts):
        info = current.get_field(current.pk_name if part == "pk" else part)
        if info is None or info.relation is None:
            return None  # a lookup, a date part, a plain field, or unknown (resolve_filter_key says so)
        rel = info.relation
        if rel.many:
            rest = parts[i + 1:]
            quantifier = None
            if rest and rest[0] in QUANTIFIERS:
                quantifier, rest = rest[0], rest[1:]
            return ToManySplit((*prefix, info.name), rel, LOOKUP_SEP.join(rest), quantifier)
        prefix.append(info.name)
        current = rel.schema()
    return None


def _lookup(key: str, lookup_name: str, info: FieldInfo) -> Lookup:
    reason = UNSUPPORTED_LOOKUPS.get(lookup_name)
    if reason is not None:
        raise UnsupportedLookup(f"{key!r}: lookup {lookup_name!r} is not supported: {reason}")
    lookup = LOOKUPS.get(lookup_name)
    if lookup is None:
        raise UnsupportedLookup(
            f"{key!r}: unknown lookup {lookup_name!r} for {info.kind_name} field {info.name!r}; "
            f"valid lookups: {', '.join(lookups_for_kind(info.kind))}"
        )
    return lookup


def _int_validate(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidArgument("a date part is an integer")
    return int(value)


def _date_part(key: str, info: FieldInfo, part: str) -> FieldInfo:
    if info.kind not in ("date", "datetime", "time", "any") or info.relation is not None:
        raise FieldError(
            f"{key!r}: {part!r} applies to date/datetime fields; {info.name!r} is a {info.kind_name} field"
        )
    # PostgreSQL answers date parts as strings ("1968"), SQLite as numbers: parse both to int.
    return FieldInfo(f"{DATE_PARTS[part]}({info.name})", "integer", info.nullable, _int_validate,
                     parse=_int_validate)


@_memoised
def resolve_filter_key(schema: Schema, key: str) -> ResolvedKey:
    """Split a ``filter()`` keyword (not crossing a to-many relation: see :func:`split_to_many`) into
    a Directus path and a lookup, validating each segment against its collection."""
    parts = key.split(LOOKUP_SEP)
    if not all(parts):
        raise FieldError(f"malformed filter keyword {key!r}")
    info = _first_field(schema, parts[0], f"filter keyword {key!r}")
    path = [info.name]
    nullable = info.nullable
    rest = parts[1:]
    current = schema
    while True:
        if info.relation is not None and rest and not (rest[0] in LOOKUPS or rest[0] in UNSUPPORTED_LOOKUPS):
            if info.relation.many:
                raise FieldError(f"{key!r}: {info.name!r} is a to-many relation")  # split_to_many's job
            current = info.relation.schema()
            info = _first_field(current, rest[0], f"filter keyword {key!r}")
            path.append(info.name)
            nullable = nullable or info.nullable
            rest = rest[1:]
            continue
        break
    if rest and rest[0] in DATE_PARTS:
        info = _date_part(key, info, rest[0])
        path[-1] = info.name
        rest = rest[1:]
    if info.kind == "any" and info.relation is None:
        # Unknown or untyped field: leading segments are a path, the last may be a lookup.
        if rest and (rest[-1] in LOOKUPS or rest[-1] in UNSUPPORTED_LOOKUPS):
            extra, lookup_name = rest[:-1], rest[-1]
        else:
            extra, lookup_name = rest, "exact"
        for part in extra:
            _check_name(current, part, f"filter keyword {key!r}")
        path.extend(extra)
        if extra:
            info = FieldInfo(path[-1])
            nullable = True
    elif not rest:
        lookup_name = "exact"
    elif len(rest) == 1:
        lookup_name = rest[0]
    else:
        what = "a relation" if info.relation is not None else f"a {info.kind_name} field, not a relation"
        raise FieldError(
            f"{key!r}: {info.name!r} is {what}; it takes one lookup, got {LOOKUP_SEP.join(rest)!r}"
        )
    return ResolvedKey(tuple(path), info, _lookup(key, lookup_name, info), nullable)


@dataclass(frozen=True)
class FieldPath:
    """A ``values()`` / ``only()`` path resolved: the Directus field path (``author.name``,
    ``year(published)``), the key path in the answer (``("author", "name")``, ``("published_year",)``),
    the index of each to-many step in it, and the last field's info."""

    directus: str
    keys: tuple[str, ...]
    many_at: tuple[int, ...]
    field: FieldInfo
    relation_end: bool = False  # the path ends on a relational field (its key(s))


def resolve_field_path(schema: Schema, name: str, context: str, *, date_parts: bool = True) -> FieldPath:
    """``author__name`` -> ``author.name``; ``tags__name`` -> ``tags.tags_id.name``;
    ``published__year`` -> ``year(published)`` (answered as ``published_year``)."""
    parts = name.split(LOOKUP_SEP)
    if not all(parts):
        raise FieldError(f"malformed field path {name!r} in {context}")
    segments: list[str] = []
    many_at: list[int] = []
    current = schema
    info: FieldInfo | None = None
    i = 0
    while i < len(parts):
        part = parts[i]
        if info is not None and part in DATE_PARTS and date_parts:
            info = _date_part(name, info, part)
            if i != len(parts) - 1:
                raise FieldError(f"{context}: {part!r} must be the last segment of {name!r}")
            base = segments.pop()
            segments.append(info.name)
            return FieldPath(".".join(segments), (*segments[:-1], f"{base}_{DATE_PARTS[part]}"),
                             tuple(many_at), info)
        if info is not None:
            if info.relation is None and info.kind != "any":
                raise FieldError(
                    f"{context}: {info.name!r} in {name!r} is a {info.kind_name} field, not a relation"
                )
            if info.relation is not None:
                if info.relation.many:
                    many_at.append(len(segments) - 1)
                segments.extend(info.relation.hop(info.name)[1:])
                current = info.relation.schema()
            elif info.kind == "any":
                for part in parts[i:]:
                    _check_name(current, part, context)
                segments.extend(parts[i:])
                return FieldPath(".".join(segments), tuple(segments), tuple(many_at), FieldInfo(parts[-1]))
        info = _first_field(current, part, context)
        segments.append(info.name)
        i += 1
    assert info is not None
    return FieldPath(".".join(segments), tuple(segments), tuple(many_at), info,
                     relation_end=info.relation is not None)


RelatedPath = tuple[tuple[str, ...], Schema, "str | None"]
"""A relation loaded with the rows: its Directus path, the related schema, the m2m junction field."""


def relation_paths(schema: Schema, name: str, method: str, to_many: bool) -> list[RelatedPath]:
    """``author__books`` -> the Directus path of each relation along it, with its schema:
    ``("author",)`` then ``("author", "books")``; a many-to-many hop ends in its junction field."""
    parts = name.split(LOOKUP_SEP) if isinstance(name, str) else []
    if not parts or not all(parts):
        raise FieldError(f"{method}(): invalid relation path {name!r}")
    out: list[RelatedPath] = []
    for i in range(1, len(parts) + 1):
        fp = resolve_field_path(schema, LOOKUP_SEP.join(parts[:i]), f"{method}({name!r})",
                                date_parts=False)
        rel = fp.field.relation
        if not fp.relation_end or rel is None:
            raise FieldError(f"{method}({name!r}): {parts[i - 1]!r} is not a relation")
        if rel.many and not to_many:
            raise FieldError(
                f"select_related({name!r}): {parts[i - 1]!r} is a to-many relation; "
                "use prefetch_related()"
            )
        path = (*fp.directus.split("."), *rel.hop(fp.field.name)[1:])
        out.append((path, rel.schema(), rel.junction_field))
    return out


@_memoised
def resolve_sort_term(schema: Schema, term: str) -> str:
    """``-author__name`` -> ``-author.name`` (Directus's sort syntax), validating each segment;
    ``published__year`` -> ``year(published)``. To-many paths cannot be sorted by."""
    if not isinstance(term, str) or not term or term in ("-", "?"):
        raise FieldError(f"invalid order_by term {term!r} (random ordering is not supported by Directus)")
    desc = term.startswith("-")
    name = term[1:] if desc else term
    parts = name.split(LOOKUP_SEP)
    if not all(parts):
        raise FieldError(f"malformed order_by term {term!r}")
    fp = resolve_field_path(schema, name, f"order_by({term!r})")
    if fp.many_at:
        raise FieldError(f"order_by({term!r}): cannot sort by a to-many relation")
    if fp.relation_end and fp.field.relation is not None and fp.field.relation.many:
        raise FieldError(f"order_by({term!r}): cannot sort by a to-many relation")
    return ("-" if desc else "") + fp.directus


class AnnotatedSchema:
    """A schema plus row annotations (``annotate(n=Count("books"))``): filters and ordering may name
    them (``n__gte=2`` -> ``{"count(books)": {"_gte": 2}}``)."""

    def __init__(self, base: Schema, extra: dict[str, FieldInfo]) -> None:
        self.base: Schema = base.base if isinstance(base, AnnotatedSchema) else base
        previous: dict[str, FieldInfo] = base.extra if isinstance(base, AnnotatedSchema) else {}
        self.extra: dict[str, FieldInfo] = {**previous, **extra}

    @property
    def collection(self) -> str:
        return self.base.collection

    @property
    def pk_name(self) -> str:
        return self.base.pk_name

    @property
    def label(self) -> str:
        return self.base.label

    def get_field(self, name: str) -> FieldInfo | None:
        return self.extra.get(name) or self.base.get_field(name)

    def field_names(self) -> list[str]:
        return self.base.field_names()

    @property
    def fields_since(self) -> dict[str, tuple[int, int, int]]:
        """The base's fields only newer servers have (a model's ``Meta.fields_since``)."""
        return dict(getattr(self.base, "fields_since", None) or {})

    @property
    def resolution_is_final(self) -> bool:
        return self.base.resolution_is_final

    def m2m_default_fields(self) -> list[str]:
        return self.base.m2m_default_fields()


def key_relations(schema: Schema) -> dict[str, FieldInfo]:
    """The fields ``schema`` holds as keys of another collection without loading them as related rows
    (a model's ``Meta.related_keys``), as relations: what a GraphQL read must select as objects."""
    base = schema.base if isinstance(schema, AnnotatedSchema) else schema
    found = getattr(base, "key_relations", None)
    return dict(found()) if callable(found) else {}
