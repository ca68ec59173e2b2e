"""Deciding a row rule (``objects_filter``'s ``Q``) for one row in Python, without asking Directus.

:func:`decide` answers True (the database would match the row), False (it would not, or the values are
ones a database could only match under a lenient collation) or None (Python cannot tell exactly: the
write path then asks Directus). Conditions are combined with three-valued logic, so one undecidable
leaf does not hide a decided answer (``False AND ?`` is False, ``True OR ?`` is True).

Exactly decided, on the row's own fields (a many-to-one field compares its key):

* ``isnull``/``null``/``nnull`` and ``exact=None`` on any field;
* ``exact``/``eq``/``neq``/``in``/``nin`` on integer, boolean, uuid, date and string fields;
* ``gt``/``gte``/``lt``/``lte``/``range``/``between``/``nbetween`` on integer and date fields;
* ``contains``/``startswith``/``endswith`` (and their ``i`` and ``n`` forms) and ``empty``/``nempty``
  on string fields.

Values are compared in their JSON form after the field's own validation, so ``"3"`` and ``3`` or two
spellings of one UUID compare as the server would. Strings compare exactly (SQLite's and Postgres's
default collations); two strings that differ only in case, accents or trailing spaces, which a
case-insensitive collation (MySQL's default) may call equal, are undecided, and so are pattern lookups
whose value holds a SQL wildcard (``%``, ``_``). SQL's NULL rules hold: a comparison with a NULL value
is false, and negation (``~Q``) keeps NULL rows as the compiler's ``exclude()`` does.

Undecided: paths through relations, to-many fields, date parts (``published__year``), dynamic values
(``CurrentUser()``, ``Now()``), floats, decimals, datetimes and times (rounding and time zones), JSON and
geometry fields, fields absent from the row (a server default the client did not send).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic_core import to_jsonable_python

from ...exceptions import DirectusError, InvalidArgument
from ...query import Q
from ...query.dynamic import DynamicVariable
from ...query.lookups import NEGATED
from ...query.schema import FieldInfo, Schema, resolve_filter_key, split_to_many

__all__ = ["decide"]

Verdict = bool | None

_EQUAL_KINDS = frozenset({"integer", "boolean", "uuid", "date", "string"})
_ORDERED_KINDS = frozenset({"integer", "date"})
_NEGATIVE = frozenset({"neq", "nin", "nbetween", "ncontains", "nicontains", "nstarts_with", "nistarts_with",
                       "nends_with", "niends_with"})
"""Operators that are the negation of another one (``lt``/``lte`` are comparisons in their own right)."""
_PATTERNS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda row, value: value in row,
    "starts_with": lambda row, value: row.startswith(value),
    "ends_with": lambda row, value: row.endswith(value),
}


def decide(q: Q, schema: Schema, row: Mapping[str, Any]) -> Verdict:
    """Whether ``row`` (field name -> Python value; missing fields are unknown) matches ``q``."""
    verdicts = (decide(c, schema, row) if isinstance(c, Q) else _leaf(schema, row, *c) for c in q.children)
    verdict = _all(verdicts) if q.connector == "AND" else _any(verdicts)
    return _not(verdict) if q.negated and q.children else verdict


def _not(v: Verdict) -> Verdict:
    return None if v is None else not v


def _all(verdicts: Iterable[Verdict]) -> Verdict:
    return _kleene(verdicts, decisive=False)


def _any(verdicts: Iterable[Verdict]) -> Verdict:
    return _kleene(verdicts, decisive=True)


def _kleene(verdicts: Iterable[Verdict], decisive: bool) -> Verdict:
    """AND (``decisive=False``) or OR (``decisive=True``) in three-valued logic: one decisive verdict
    settles it, else any unknown makes the result unknown."""
    out: Verdict = not decisive
    for v in verdicts:
        if v is decisive:
            return decisive
        if v is None:
            out = None
    return out


def _fold(text: str) -> str:
    """What the most lenient common collation still tells apart (case, accents, trailing spaces not)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().rstrip()


def _json(info: FieldInfo, value: Any) -> Any:
    """``value`` as the server would compare it; raises ValueError when it is not a value of the field."""
    if isinstance(value, (DynamicVariable, Q, Mapping)):
        raise InvalidArgument("not a plain value")
    return info.validate(value) if info.validate is not None else to_jsonable_python(value)


def _leaf(schema: Schema, row: Mapping[str, Any], key: str, value: Any) -> Verdict:
    try:
        if split_to_many(schema, key) is not None:
            return None
        rk = resolve_filter_key(schema, key)
    except DirectusError:
        return None  # the query compiler will say what is wrong with the rule
    if len(rk.path) != 1 or rk.path[0] not in row:
        return None  # a related row's field, a date part, or a value the server chooses
    info = rk.field
    operator = rk.lookup.operator
    if rk.lookup.shape == "bool":
        if not isinstance(value, bool):
            return None
        operator = operator if value else NEGATED[operator]
    elif rk.lookup.name in ("exact", "eq", "neq") and value is None:
        operator = "null" if rk.lookup.name != "neq" else "nnull"
    elif operator in ("in", "nin") and not isinstance(value, (str, bytes, DynamicVariable)) \
            and isinstance(value, Iterable):
        value = [v for v in value if v is not None]  # the compiler drops None from __in too
    try:
        current = None if row[rk.path[0]] is None else _json(info, row[rk.path[0]])
    except ValueError:
        return None
    return _operator(operator, info.kind, current, value, info)


def _operator(op: str, kind: str, current: Any, value: Any, info: FieldInfo) -> Verdict:
    if op in ("null", "nnull"):
        return (current is None) == (op == "null")
    if op in ("empty", "nempty"):
        if kind != "string":
            return None
        return (current is None or current == "") == (op == "empty")
    if op in _NEGATIVE:
        if current is None:
            return False  # NOT LIKE / != / NOT IN / NOT BETWEEN with NULL: not a match
        return _not(_operator(NEGATED[op], kind, current, value, info))
    if current is None:
        return False  # a SQL comparison with NULL
    try:
        if op == "eq":
            return _equal(kind, current, _json(info, value))
        if op == "in":
            if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                return None
            return _any(_equal(kind, current, _json(info, v)) for v in value)
        if op in ("gt", "gte", "lt", "lte", "between"):
            return _ordered(op, kind, current, value, info)
        return _pattern(op, kind, current, value)
    except ValueError:
        return None


def _equal(kind: str, current: Any, value: Any) -> Verdict:
    if kind not in _EQUAL_KINDS:
        return None
    if current == value:
        return True
    if isinstance(current, str) and isinstance(value, str) and _fold(current) == _fold(value):
        return None  # equal under a case/accent-insensitive collation
    return False


def _ordered(op: str, kind: str, current: Any, value: Any, info: FieldInfo) -> Verdict:
    if kind not in _ORDERED_KINDS:
        return None
    if op == "between":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            return None
        pair = [_json(info, v) for v in value]
        if len(pair) != 2:
            return None
        return bool(pair[0] <= current <= pair[1])
    bound = _json(info, value)
    return bool({"gt": current > bound, "gte": current >= bound, "lt": current < bound,
                 "lte": current <= bound}[op])


def _pattern(op: str, kind: str, current: Any, value: Any) -> Verdict:
    insensitive = op.startswith("i")
    test = _PATTERNS.get(op[1:] if insensitive else op)
    if test is None or kind != "string" or not isinstance(value, str) or not isinstance(current, str):
        return None
    if value == "":
        return True  # every non-NULL string contains "" (the compiler sends _nnull)
    if "%" in value or "_" in value:
        return None
    if insensitive and current.isascii() and value.isascii():
        return test(current.lower(), value.lower())
    if not insensitive and test(current, value):
        return True
    if not test(_fold(current), _fold(value)):
        return False  # no collation in use folds more than this
    return None
