"""Compile ``Q`` trees and keyword conditions to Directus filters (Django's ``sql/where.py``). Pure: no
I/O, so unit tests pin the exact JSON. The query state they go into is :mod:`.query`.

Negation is pushed down to the leaves (Directus has no ``_not``): De Morgan swaps ``_and``/``_or`` and
each operator becomes its complement (``_eq`` -> ``_neq``, ``_gt`` -> ``_lte`` ...). SQL comparisons are
never true for NULL, so a negated comparison on a nullable field also matches NULL
(``{"_or": [{f: {"_neq": v}}, {f: {"_null": true}}]}``), which is what Django's ``exclude()`` does.

Two constants stand for filters that need no server: ``NOTHING`` (e.g. ``in=[]``, or ``none()``) and
``EVERYTHING`` (no condition).

What Directus cannot evaluate (a LIKE wildcard in a value, ``exclude(name__icontains=...)``, ``iexact``,
``regex``, ``_none`` around a compound condition or behind a many-to-one) compiles to a node of
:mod:`.keysets` instead; :mod:`.emulation` turns the nodes into key lists right before the query is sent.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Union, cast

from pydantic_core import to_jsonable_python

from ..exceptions import FieldError, UnsupportedLookup
from .dynamic import DynamicVariable
from .keysets import (
    Deferred,
    KeySet,
    Pending,
    folds_beyond_ascii,
    has_nodes,
    has_wildcard,
    literal_keyset,
    regex_keyset,
)
from .keysets import nest as _nest
from .lookups import LOOKUPS, NEGATED, NULL_AWARE, OPERATORS_BY_KIND, lookups_for_kind
from .q import Q
from .schema import (
    LOOKUP_SEP,
    FieldInfo,
    ResolvedKey,
    Schema,
    ToManySplit,
    resolve_filter_key,
    split_to_many,
)

__all__ = ["EVERYTHING", "NOTHING", "Filter", "FilterConstant", "combine", "compile_condition", "compile_q"]


class FilterConstant(enum.Enum):
    NOTHING = "NOTHING"
    EVERYTHING = "EVERYTHING"

    def __repr__(self) -> str:
        return self.value


NOTHING = FilterConstant.NOTHING
"""A filter no row matches (``QuerySet.none()``): answered without a request."""
EVERYTHING = FilterConstant.EVERYTHING
"""The filter every row matches (no ``filter`` parameter is sent)."""

Filter = Union[dict[str, Any], FilterConstant, Deferred]  # noqa: UP007 (a runtime alias on 3.10)

_STRING_PREFIX_LOOKUPS = frozenset({"contains", "icontains", "startswith", "istartswith", "endswith",
                                    "iendswith"})
_PATTERNS = frozenset({"contains", "icontains", "starts_with", "istarts_with", "ends_with", "iends_with"})
"""Directus's LIKE operators, by their positive form."""
_FOLDING = frozenset({"icontains", "istarts_with", "iends_with"})
"""The case-insensitive ones: each also sent in its plain form for a value that folds beyond ASCII."""


# --- filters ---------------------------------------------------------------------------------------
def combine(connector: str, parts: Iterable[Filter]) -> Filter:
    """AND / OR filters, flattening nested groups of the same kind and folding the constants."""
    key, absorbing, neutral = ("_and", NOTHING, EVERYTHING) if connector == "AND" else ("_or", EVERYTHING,
                                                                                          NOTHING)
    out: list[Any] = []  # dicts and emulated nodes
    for part in parts:
        if part is absorbing:
            return absorbing
        if part is neutral or isinstance(part, FilterConstant):
            continue
        if isinstance(part, dict) and len(part) == 1 and key in part:
            out.extend(part[key])
        else:
            out.append(part)
    if not out:
        return neutral
    return out[0] if len(out) == 1 else {key: out}


def _flatten(q: Q) -> list[Q | tuple[str, Any]]:
    """Children of ``q``, with un-negated sub-Qs of the same connector inlined: ``Q(a) & Q(b)`` is one
    group of conditions, as ``Q(a, b)`` (what matters for conditions on the same to-many relation)."""
    out: list[Q | tuple[str, Any]] = []
    for child in q.children:
        if isinstance(child, Q) and not child.negated and child.connector == q.connector and child.children:
            out.extend(_flatten(child))
        else:
            out.append(child)
    return out


def compile_q(q: Q, schema: Schema, negated: bool = False) -> Filter:
    """A ``Q`` tree -> a Directus filter (or a constant). Raises before any request on bad input.

    Conditions AND-ed in one ``Q`` (one ``filter()`` call) on the same to-many relation must hold for
    the *same* related row, as in Django: ``filter(books__title="X", books__pages__gt=100)``. Negated,
    each condition is its own (Django's ``exclude(books__title="X", books__pages=1)``: "no book titled X,
    or no book of 1 page").
    """
    if not q.children:
        return EVERYTHING
    neg = negated != q.negated
    connector = q.connector if not neg else ("OR" if q.connector == "AND" else "AND")
    parts: list[Filter] = []
    groups: dict[tuple[str, ...], list[tuple[str, Any, ToManySplit]]] = {}
    slots: list[tuple[str, ...] | Filter] = []
    for child in _flatten(q):
        if isinstance(child, Q):
            slots.append(compile_q(child, schema, neg))
            continue
        key, value = child
        split = split_to_many(schema, key)
        if split is None:
            slots.append(compile_condition(schema, key, value, neg))
        elif q.connector == "AND" and not neg and split.quantifier is None and split.rest != "isnull":
            if split.prefix not in groups:
                groups[split.prefix] = []
                slots.append(split.prefix)
            groups[split.prefix].append((key, value, split))
        else:
            slots.append(_to_many(schema, [(key, value, split)], neg))
    for slot in slots:
        if isinstance(slot, tuple):
            parts.append(_to_many(schema, groups[slot], neg))
        else:
            parts.append(slot)
    return combine(connector, parts)


def _simple(node: Any) -> bool:
    """True when ``node`` is one chain of fields ending in one operator: the only shape Directus
    12.4 evaluates inside ``_some`` / ``_none`` (it silently drops the whole condition otherwise)."""
    while isinstance(node, dict):
        if len(node) != 1:
            return False
        key, node = next(iter(node.items()))
        if key in ("_and", "_or"):
            return False
        if key.startswith("_") and key not in ("_some", "_none"):
            return True
    return False


def _related_q(key: str, value: Any, split: ToManySplit, related: Schema) -> tuple[Q, bool]:
    """The condition on the related collection, and whether it is inverted (``books__isnull=True``:
    no related row at all)."""
    rest = split.rest
    if split.quantifier is not None and not rest:
        if isinstance(value, Q):
            return value, False
        if isinstance(value, Mapping):
            return Q(**value), False
        raise FieldError(f"{key!r} takes a Q object (or a dict of conditions) on the related rows")
    if not rest:
        return Q(pk=value), False
    if LOOKUP_SEP not in rest and related.get_field(rest) is None and rest != "pk" and rest in LOOKUPS:
        if rest == "isnull":
            if not isinstance(value, bool):
                raise FieldError(f"{key!r} takes True or False, got {value!r}")
            return Q(pk__isnull=False), value
        return Q(**{f"pk__{rest}": value}), False
    return Q(**{rest: value}), False


def _to_many(schema: Schema, members: list[tuple[str, Any, ToManySplit]], negated: bool) -> Filter:
    """Conditions on one to-many relation -> ``{rel: {"_some"|"_none": ...}}`` (the related rows'
    filter, through the junction field for many-to-many)."""
    split = members[0][2]
    related = split.relation.schema()
    none = split.quantifier == "none"
    qs: list[Q] = []
    for key, value, sp in members:
        q, inverted = _related_q(key, value, sp, related)
        none = none != inverted
        qs.append(q)
    if negated:
        none = not none
    inner = compile_q(Q(*qs) if len(qs) > 1 else qs[0], related)
    if has_nodes(inner):
        return Pending(inner, lambda resolved: _wrap_to_many(schema, split, related, none, resolved))
    return _wrap_to_many(schema, split, related, none, inner)


def _wrap_to_many(schema: Schema, split: ToManySplit, related: Schema, none: bool, inner: Filter) -> Filter:
    """The related rows' filter -> the condition on ours: ``_some`` / ``_none`` where Directus evaluates
    it, the plain join form for a compound "some", the keys of the rows having one (``_nin``) for a
    "none" Directus would ignore or refuses."""
    rel = split.relation
    if inner is NOTHING:
        return EVERYTHING if none else NOTHING
    if inner is EVERYTHING:
        inner = {related.pk_name: {"_nnull": True}}
    assert isinstance(inner, dict)
    wrapped: dict[str, Any] = rel.wrap(inner)
    quantifier = "_none" if none else "_some"
    if split.top_level and _simple(wrapped):
        return {split.prefix[0]: {quantifier: wrapped}}
    # Directus ignores _some / _none around a compound condition and refuses them behind a many-to-one;
    # the plain relational form joins the related rows once, so every condition on this relation in
    # the filter holds for the same related row. "None" is its complement: the keys having one, _nin.
    joined = _nest(split.prefix, wrapped)
    if not none:
        return joined
    return KeySet(schema.collection, _pk(schema, "a negated to-many condition"), joined, True,
                  f"no related {'.'.join(split.prefix)} row matches")


def _check_allowed(key: str, rk: ResolvedKey, operator: str, why: str = "") -> None:
    kind, name = rk.field.kind, rk.field.kind_name
    if operator not in OPERATORS_BY_KIND[kind]:
        raise UnsupportedLookup(
            f"{key!r}: Directus does not allow _{operator}{why} on {name} field {rk.field.name!r}; "
            f"lookups for {name} fields: {', '.join(lookups_for_kind(kind))}"
        )


def _atom(key: str, rk: ResolvedKey, operator: str, value: Any, negated: bool) -> Filter:
    """One operator on one field, negated if asked (with the NULL branch Django semantics need). A
    case-insensitive operator whose value folds beyond ASCII is or-ed with its plain form
    (:func:`.keysets.insensitive`: SQLite would miss the identical string)."""
    operators = [operator]
    if operator in _FOLDING and folds_beyond_ascii(value):
        operators.append(operator[1:])
    nodes = []
    for positive in operators:
        sent = NEGATED[positive] if negated else positive
        for op in dict.fromkeys((positive, sent)):
            _check_allowed(key, rk, op, "" if op == positive else
                           f" (the complement of _{positive}, needed to negate {key!r})")
        nodes.append(_nest(rk.path, {f"_{sent}": value}))
    node = nodes[0] if len(nodes) == 1 else {"_and" if negated else "_or": nodes}
    if negated and operator not in NULL_AWARE and rk.nullable:
        return {"_or": [node, _nest(rk.path, {"_null": True})]}
    return node


def _pk(schema: Schema, why: str) -> str:
    """The primary key a key list is read by (Directus collections have exactly one)."""
    if not schema.pk_name:
        raise UnsupportedLookup(f"{schema.label} has no primary key, which {why} needs (its matching keys "
                                "are read with a sub-query)")
    return schema.pk_name


def _emulated(schema: Schema, key: str, rk: ResolvedKey, operator: str, value: Any, raw: Any,
              negated: bool) -> Filter | None:
    """A LIKE operator Directus would get wrong (a wildcard in the value) or cannot negate
    (``_nicontains``), as a key set; None when the operator can be sent as it is."""
    sent = NEGATED[operator] if negated else operator
    positive = sent if sent in _PATTERNS else NEGATED.get(sent, "")
    if positive not in _PATTERNS:
        return None
    literal = has_wildcard(value) and not isinstance(raw, DynamicVariable)
    if not literal and sent in OPERATORS_BY_KIND[rk.field.kind]:
        return None
    _check_allowed(key, rk, positive)
    pk = _pk(schema, f"{key!r}")
    node = literal_keyset(schema.collection, pk, rk.path, positive, value, exclude=sent != positive,
                          literal=literal)
    if sent != positive and not negated:
        # A Directus negation written as such (ncontains): SQL's NOT LIKE drops NULL rows, so do we.
        return combine("AND", [node, _nest(rk.path, {"_nnull": True})])
    if sent == positive and negated and rk.nullable:
        return {"_or": [node, _nest(rk.path, {"_null": True})]}
    return node


def _value(key: str, info: FieldInfo, value: Any) -> Any:
    if isinstance(value, DynamicVariable):
        return value.value  # resolved by the server ($NOW, $CURRENT_USER ...)
    if value is None:
        raise FieldError(
            f"{key!r}: None is only valid with exact/isnull (use {key.split('__')[0]}__isnull=True)"
        )
    if isinstance(value, str) and value == "":
        raise FieldError(
            f"{key!r}: Directus refuses empty strings in filters; use the empty / nempty lookups instead"
        )
    if info.validate is None:
        return to_jsonable_python(value)
    try:
        return info.validate(value)
    except ValueError as exc:
        raise FieldError(
            f"{key!r}: invalid value {value!r} for {info.kind_name} field {info.name!r}: {exc}"
        ) from None


def _values(key: str, info: FieldInfo, values: list[Any]) -> list[Any]:
    """``_value`` over a list, in one call where the field can validate a list and no value needs a
    rule of its own; when that call refuses the list, value by value, which names the value at fault."""
    if not any(isinstance(v, DynamicVariable) or (isinstance(v, str) and v == "") for v in values):
        if info.validate is None:
            return cast("list[Any]", to_jsonable_python(values))
        if info.validate_list is not None:
            try:
                return cast("list[Any]", info.validate_list(values))
            except ValueError:
                pass
    return [_value(key, info, v) for v in values]


def compile_condition(schema: Schema, key: str, value: Any, negated: bool = False) -> Filter:
    """One ``field__lookup=value`` keyword -> filter."""
    rk = resolve_filter_key(schema, key)
    lk = rk.lookup
    if lk.shape == "bool":
        if not isinstance(value, bool):
            raise FieldError(f"{key!r} takes True or False, got {value!r}")
        return _atom(key, rk, lk.operator if value else NEGATED[lk.operator], True, negated)
    if lk.name in ("exact", "eq", "neq", "iexact") and value is None:
        # exact=None means IS NULL, as in Django (Directus would also accept _eq: null).
        return _atom(key, rk, "null" if lk.name != "neq" else "nnull", True, negated)
    if lk.name in ("exact", "eq", "iexact") and value == "":
        if "empty" not in OPERATORS_BY_KIND[rk.field.kind]:  # a uuid, a number: "" is no value of it
            raise FieldError(f"{key!r}: invalid value '' for {rk.field.kind_name} field {rk.field.name!r}")
        # Directus refuses "" in filters; "= ''" is "empty (NULL or '') and not NULL".
        parts = [_atom(key, rk, "empty", True, negated), _atom(key, rk, "nnull", True, negated)]
        return combine("OR" if negated else "AND", parts)
    if lk.name in _STRING_PREFIX_LOOKUPS and value == "":
        # Every non-NULL string contains / starts with "".
        return _atom(key, rk, "nnull", True, negated)
    if lk.shape == "list" and isinstance(value, DynamicVariable):
        return _atom(key, rk, lk.operator, [value.value], negated)  # e.g. role__in=CurrentRoles()
    if lk.shape == "list":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise FieldError(f"{key!r} takes a list of values, got {value!r}")
        items = _values(key, rk.field, [v for v in value if v is not None])  # Django drops None from __in
        if not items:
            # Directus refuses an empty list; "in nothing" matches no row.
            matches_nothing = (lk.operator == "in") != negated
            return NOTHING if matches_nothing else EVERYTHING
        return _atom(key, rk, lk.operator, items, negated)
    if lk.shape == "pair":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise FieldError(f"{key!r} takes (low, high), got {value!r}")
        pair = list(value)
        if len(pair) != 2:
            # Directus silently ignores _between with any other length.
            raise FieldError(f"{key!r} takes exactly 2 values (low, high), got {len(pair)}")
        return _atom(key, rk, lk.operator, [_value(key, rk.field, v) for v in pair], negated)
    if lk.shape == "geojson":
        if not isinstance(value, dict):
            raise FieldError(f"{key!r} takes a GeoJSON object (dict), got {value!r}")
        return _atom(key, rk, lk.operator, value, negated)
    if lk.operator in ("regex", "iregex"):
        if rk.field.kind not in ("string", "any"):
            raise UnsupportedLookup(f"{key!r}: {lk.name} applies to string fields; {rk.field.name!r} is a "
                                    f"{rk.field.kind_name} field")
        return regex_keyset(schema.collection, _pk(schema, f"{key!r}"), rk.path, key, value,
                            lk.operator == "iregex", negated)
    sent = _value(key, rk.field, value)
    if lk.operator == "ieq":
        if rk.field.kind not in ("string", "any") or not isinstance(sent, str):
            return _atom(key, rk, "eq", sent, negated)  # no case to ignore: Django's iexact is exact here
        return literal_keyset(schema.collection, _pk(schema, f"{key!r}"), rk.path, "ieq", sent, negated,
                              literal=True)
    emulated = _emulated(schema, key, rk, lk.operator, sent, value, negated)
    if emulated is not None:
        return emulated
    return _atom(key, rk, lk.operator, sent, negated)
