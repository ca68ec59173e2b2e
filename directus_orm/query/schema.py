"""What a query knows about its collection's fields, and the one place paths are resolved.

Models describe their fields (``Options`` implements :class:`Schema`); dict collections use
:class:`OpenSchema`, which accepts any field name. Relation support plugs in by resolving the segments
after the first one in :func:`resolve_filter_key` / :func:`resolve_sort_term`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..exceptions import FieldError, UnsupportedLookup
from .lookups import LOOKUPS, UNSUPPORTED_LOOKUPS, Lookup, lookups_for_kind

__all__ = ["FieldInfo", "OpenSchema", "ResolvedKey", "Schema", "resolve_filter_key", "resolve_sort_term"]

LOOKUP_SEP = "__"


@dataclass(frozen=True)
class FieldInfo:
    """One field: its Directus kind, whether it may be null, and how to check/serialise values
    (``validate`` returns the JSON-ready value or raises ``ValueError``; None: pass through)."""

    name: str
    kind: str = "any"
    nullable: bool = True
    validate: Any = field(default=None, compare=False)


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


@dataclass(frozen=True)
class OpenSchema:
    """Schema of a collection with no model: every name is a field of unknown kind, nullable."""

    collection: str
    pk_name: str = "id"

    @property
    def label(self) -> str:
        return f"collection {self.collection!r}"

    def get_field(self, name: str) -> FieldInfo | None:
        return FieldInfo(name)

    def field_names(self) -> list[str]:
        return []


@dataclass(frozen=True)
class ResolvedKey:
    """``author__name__icontains`` -> path ``("author", "name")``, the field info of the last segment
    as far as known, and the lookup."""

    path: tuple[str, ...]
    field: FieldInfo
    lookup: Lookup


def _first_field(schema: Schema, name: str, context: str) -> FieldInfo:
    if name == "pk":
        name = schema.pk_name
    info = schema.get_field(name)
    if info is None:
        raise FieldError(
            f"{schema.label} has no field {name!r} (in {context}); fields: {', '.join(schema.field_names())}"
        )
    return info


def resolve_filter_key(schema: Schema, key: str) -> ResolvedKey:
    """Split a ``filter()`` keyword into a field path and a lookup, validating both."""
    parts = key.split(LOOKUP_SEP)
    if not all(parts):
        raise FieldError(f"malformed filter keyword {key!r}")
    info = _first_field(schema, parts[0], f"filter keyword {key!r}")
    path = [info.name]
    rest = parts[1:]
    if info.kind == "any":
        # Unknown or relational field: leading segments are a path, the last may be a lookup.
        if rest and (rest[-1] in LOOKUPS or rest[-1] in UNSUPPORTED_LOOKUPS):
            path.extend(rest[:-1])
            lookup_name = rest[-1]
        else:
            path.extend(rest)
            lookup_name = "exact"
        if len(path) > 1:
            info = FieldInfo(path[-1])
    elif not rest:
        lookup_name = "exact"
    elif len(rest) == 1:
        lookup_name = rest[0]
    else:
        raise FieldError(
            f"{key!r}: {info.name!r} is a {info.kind} field, not a relation; it takes one lookup, "
            f"got {LOOKUP_SEP.join(rest)!r}"
        )
    reason = UNSUPPORTED_LOOKUPS.get(lookup_name)
    if reason is not None:
        raise UnsupportedLookup(f"{key!r}: lookup {lookup_name!r} is not supported: {reason}")
    lookup = LOOKUPS.get(lookup_name)
    if lookup is None:
        raise UnsupportedLookup(
            f"{key!r}: unknown lookup {lookup_name!r} for {info.kind} field {info.name!r}; "
            f"valid lookups: {', '.join(lookups_for_kind(info.kind))}"
        )
    return ResolvedKey(tuple(path), info, lookup)


def resolve_sort_term(schema: Schema, term: str) -> str:
    """``-author__name`` -> ``-author.name`` (Directus's sort syntax), validating the first segment."""
    if not isinstance(term, str) or not term or term in ("-", "?"):
        raise FieldError(f"invalid order_by term {term!r} (random ordering is not supported by Directus)")
    desc = term.startswith("-")
    name = term[1:] if desc else term
    parts = name.split(LOOKUP_SEP)
    if not all(parts):
        raise FieldError(f"malformed order_by term {term!r}")
    info = _first_field(schema, parts[0], f"order_by({term!r})")
    if len(parts) > 1 and info.kind != "any":
        raise FieldError(f"order_by({term!r}): {info.name!r} is a {info.kind} field, not a relation")
    return ("-" if desc else "") + ".".join([info.name, *parts[1:]])
