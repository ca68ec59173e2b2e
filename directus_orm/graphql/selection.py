"""Directus REST ``fields`` / ``deep`` -> a GraphQL selection, and the fixer turning each answered row
back into the row the REST endpoint would have sent, so the QuerySet's loading code reads both alike.

What differs over GraphQL: there is no ``*`` (the fields are listed, from the model); a relation is an
object, so a key the REST row holds as a value (``author: 3``, ``books: [1, 2]``) is selected as
``author { id }`` and flattened back; primary keys come back as strings and are turned back into the
key's type; ``count(books)`` is ``books_func { count }`` (REST names it ``books_count``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import Forbidden, InvalidArgument
from .document import Field, Fixer, fix_each
from .types import View

if TYPE_CHECKING:
    from ..query.schema import FieldInfo, Schema

__all__ = ["FUNCTION", "filter_type", "function_filter", "root_name", "select"]

FUNCTION = re.compile(r"^(\w+)\((\w+)\)$")
"""A Directus field function: ``year(published)``, ``count(books)``."""
_SYSTEM_PREFIX = "directus_"


def root_name(collection: str) -> tuple[str, bool]:
    """The query field of a collection and whether it lives on ``/graphql/system`` (which drops the
    ``directus_`` prefix)."""
    if collection.startswith(_SYSTEM_PREFIX):
        return collection[len(_SYSTEM_PREFIX):], True
    return collection, False


def filter_type(collection: str) -> str:
    """The filter input type (system collections keep their prefix here: ``directus_users_filter``)."""
    return f"{collection}_filter"


_GROUPS = ("_and", "_or")
_QUANTIFIERS = ("_some", "_none")


def function_filter(node: Any, schema: Schema | None = None, junction: tuple[str, Schema] | None = None,
                    view: View | None = None, here: str | None = None) -> Any:
    """A REST filter -> the GraphQL one. The same JSON but for two spellings: a function
    (``{"year(d)": c}`` is ``{"d_func": {"year": c}}``), and an operator on a relational field, which
    GraphQL types as the related collection's filter (``{"author": {"_null": true}}`` is
    ``{"author": {"id": {"_null": true}}}``). ``junction``: ``node`` filters many-to-many junction rows
    (of the collection ``here``). ``view``: how the role sees relations (a relation it sees as a bare key
    takes operators as they are; a condition on the related rows' fields is ``Forbidden``, as over REST)."""
    view = view if view is not None else View()
    if here is None and schema is not None and junction is None:
        here = schema.collection
    if isinstance(node, list):
        return [function_filter(n, schema, junction, view, here) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        found = FUNCTION.match(key)
        if key in _GROUPS:
            out[key] = function_filter(value, schema, junction, view, here)
        elif key.startswith("_"):
            out[key] = value  # an operator: its value is data
        elif found:
            out.setdefault(f"{found.group(2)}_func", {})[found.group(1)] = value
        else:
            out[key] = _field_filter(key, value, schema, junction, view, here)
    return out


_Hop = tuple["Schema | None", "tuple[str, Schema] | None", "str | None", bool, bool]
"""What a filter key leads to: the related schema, the junction (field, target) of a many-to-many, the
collection filtered next, whether the key is a relation, and whether the role sees it as an object."""


def _related(key: str, schema: Schema | None, junction: tuple[str, Schema] | None, view: View,
             here: str | None) -> _Hop:
    """Where a relational key leads (unknown fields: left as they are)."""
    if junction is not None:
        if key != junction[0]:
            return None, None, None, False, True
        return junction[1], None, junction[1].collection, True, view.relation(here, key) == "object"
    info = schema.get_field(key) if schema is not None else None
    rel = info.relation if info is not None else None
    if rel is None:
        return None, None, None, False, True
    target = rel.schema()
    seen = view.relation(here, key) == "object"
    if rel.kind == "m2m" and rel.junction_field:
        return None, (rel.junction_field, target), rel.through, True, seen
    return target, None, target.collection, True, seen


def _hidden(key: str, value: Any, target: Schema | None, here: str | None) -> Any:
    """A filter on a relation the role sees as a bare key: operators on the key go as they are; anything
    about the related rows is refused, as REST refuses it (``FORBIDDEN``)."""
    if isinstance(value, dict) and all(op.startswith("_") and op not in _GROUPS + _QUANTIFIERS
                                       for op in value):
        return value
    raise _bare_key(key, target, here)


def _bare_key(key: str, target: Schema | None, here: str | None) -> Forbidden:
    """What REST answers a read of the related rows through a relation the role sees as a bare key."""
    what = f'collection "{target.collection}"' if target is not None else f'the relation "{key}"'
    return Forbidden(f"You don't have permission to access {what} or it does not exist: the GraphQL schema "
                     f'this connection\'s role sees has "{key}" of "{here}" as a bare key, not a relation',
                     status=403, code="FORBIDDEN", method="POST", path="/graphql")


def _field_filter(key: str, value: Any, schema: Schema | None, junction: tuple[str, Schema] | None,
                  view: View, here: str | None) -> Any:
    target, inner_junction, inner, relational, seen = _related(key, schema, junction, view, here)
    if relational and not seen:
        return _hidden(key, value, target or (inner_junction[1] if inner_junction else None), here)
    if not relational or not isinstance(value, dict):
        plain = function_filter(value, target, inner_junction, view, inner)
        info = schema.get_field(key) if schema is not None and junction is None else None
        return _integers_as_text(plain) if info is not None and info.kind in _TEXT_OPERANDS else plain
    out: dict[str, Any] = {}
    operators: dict[str, Any] = {}
    for op, sub in value.items():
        if op in _QUANTIFIERS:
            out[op] = function_filter(sub, target, inner_junction, view, inner)
        elif op.startswith("_") and op not in _GROUPS:
            operators[op] = sub
        else:
            out.update(function_filter({op: sub}, target, inner_junction, view, inner))
    if operators:
        pk = target.pk_name if target is not None else "id"
        key_info = target.get_field(pk) if target is not None else None
        if key_info is not None and key_info.kind in _TEXT_OPERANDS:
            operators = _integers_as_text(operators)
        out.setdefault(pk, {}).update(operators)
    return out


_TEXT_OPERANDS = ("integer", "string")
"""Kinds whose integer operands go as strings: a string field's ``String`` refuses numbers too, and a
``collection()`` key on PostgreSQL's ``bigint`` reads as a string (as REST sends it there)."""
_COMPARISONS = frozenset({"_eq", "_neq", "_gt", "_gte", "_lt", "_lte", "_in", "_nin", "_between",
                          "_nbetween"})


def _integers_as_text(operators: Any) -> Any:
    """The integer operands of an integer (or string) field's comparisons as decimal strings: Directus types a
    ``bigInteger`` field's operands as ``GraphQLBigInt``, which takes strings only, and an ``integer``
    field's as ``GraphQLStringOrFloat``, which takes both (the model cannot tell which the column is)."""
    if not isinstance(operators, dict):
        return operators
    return {op: _as_text(value) if op in _COMPARISONS else value for op, value in operators.items()}


def _as_text(value: Any) -> Any:
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def key_parser(info: FieldInfo | None) -> Callable[[Any], Any]:
    """GraphQL's ``ID`` is a string: back to an integer key where the key is one."""
    if info is not None and info.kind == "integer":
        return lambda v: int(v) if isinstance(v, str) else v
    return lambda v: v


def _integer(value: Any) -> Any:
    try:
        return int(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _junction_key(value: Any) -> Any:
    # Junction collections have no model here; Directus creates them with an integer ``id``.
    return int(value) if isinstance(value, str) and value.isdigit() else value


Tree = dict[str, "Tree"]


def _tree(fields: list[str]) -> Tree:
    tree: Tree = {}
    for path in fields:
        node = tree
        for segment in path.split("."):
            node = node.setdefault(segment, {})
    return tree


def select(schema: Schema, fields: list[str] | None, deep: Mapping[str, Any] | None,
           view: View | None = None) -> tuple[Field, Fixer]:
    """The selection for rows of ``schema`` (REST ``fields``, None meaning ``*``) and their fixer, with
    relations read as ``view`` says (default: as the model says). ``Field.name`` of the result is left
    empty: the caller names the root."""
    root = Field("")
    fix = _select(root, schema, _tree(fields or ["*"]), dict(deep or {}), None,
                  view if view is not None else View(), schema.collection)
    return root, fix


def _args(node: Field, deep: Mapping[str, Any], collection: str | None, schema: Schema | None,
          junction: tuple[str, Schema] | None, view: View) -> None:
    """``deep[...]`` of a relation -> the nested field's arguments."""
    for key, (name, type_name) in {"_limit": ("limit", "Int"), "_offset": ("offset", "Int"),
                                   "_sort": ("sort", "[String]"), "_search": ("search", "String")}.items():
        if key in deep:
            node.arguments[name] = (type_name, deep[key])
    if "_filter" in deep:
        if collection is None:
            raise InvalidArgument("a Prefetch queryset on a many-to-many junction cannot run over GraphQL "
                                  "(its junction collection is not known); use the REST path")
        where = function_filter(deep["_filter"], schema, junction, view, collection)
        node.arguments["filter"] = (filter_type(collection), where)


def _select(node: Field, schema: Schema | None, tree: Tree, deep: dict[str, Any],
            junction: tuple[str, Schema] | None, view: View, here: str | None) -> Fixer:
    """Fill ``node`` (rows of the collection ``here``) from ``tree``; ``junction`` (field, target
    schema) when ``node`` is the junction row of a many-to-many relation."""
    fixers: list[Fixer] = []
    names = list(tree)
    if "*" in tree:
        names.remove("*")
        if junction is not None or schema is None or not schema.field_names():
            what = "a many-to-many junction" if junction is not None else getattr(schema, "label", "it")
            raise InvalidArgument(f"GraphQL has no '*': the fields of {what} must be known (declare a model "
                                  "with its fields, or read it with only())")
        names = [*schema.field_names(), *names]
    passed = False
    for name in dict.fromkeys(names):
        sub = tree.get(name, {})
        found = FUNCTION.match(name)
        if found:
            _check_function_relation(found.group(2), schema if junction is None else None, view, here)
            fixers.append(_function(node, found.group(2), found.group(1)))
            continue
        if junction is not None:
            info: FieldInfo | None = None
            target = junction[1] if name == junction[0] else None
            parse = key_parser(target.get_field(target.pk_name)) if target else _junction_key
        else:
            assert schema is not None
            info = schema.get_field(name)
            target = info.relation.schema() if info is not None and info.relation is not None else None
            parse = key_parser(info)
        rel = info.relation if info is not None else None
        if (target is not None or rel is not None) and view.relation(here, name) != "object":
            # The role sees a bare key (or nothing): REST answers the key of a many-to-one (or of a
            # junction's target) asked for as a field (``author``, or ``*``), and leaves out the fields
            # of the related row (``author.name``) and to-many fields.
            if rel is None or (not rel.many and (not sub or "*" in tree)):
                node.child(name)
                key = key_parser(target.get_field(target.pk_name)) if target else parse
                fixers.append(_scalar(name, key))
            continue
        if rel is not None and rel.kind == "m2m" and rel.junction_field and sub.get(rel.junction_field) \
                and view.relation(rel.through, rel.junction_field) != "object":
            sub = {}  # fields of a target the role cannot read: REST answers the junction rows' keys
        if sub and junction is None and info is not None and target is None and rel is None:
            passed = True  # a path through a plain field (``title.*``): REST answers nothing for it
            continue
        child = node.child(name)
        found_deep = deep.get(name)
        sub_deep: dict[str, Any] = found_deep if isinstance(found_deep, dict) else {}
        if target is None and not (rel is not None and rel.kind == "m2m"):
            if name == (schema.pk_name if schema is not None and junction is None else "id"):
                fixers.append(_scalar(name, parse))
            elif info is not None and info.kind == "integer":
                fixers.append(_scalar(name, _integer))  # GraphQL's BigInt is a string; REST sends a number
            continue
        many = rel is not None and rel.many
        if rel is not None and rel.kind == "m2m":
            collection = rel.through  # the junction rows are what a deep filter selects
        else:
            collection = target.collection if target is not None else None
        m2m_junction = (rel.junction_field, target) if rel is not None and rel.kind == "m2m" and \
            rel.junction_field and target is not None else None
        if many:
            _args(child, sub_deep, collection, None if m2m_junction else target, m2m_junction, view)
        if not sub or (m2m_junction is None and _through_plain(target, sub)):
            # a key (or keys) in the REST row: select the related key and flatten (REST answers the
            # key too when every path asked through the relation ends in a plain field's subpath)
            pk = "id" if rel is not None and rel.kind == "m2m" else (target.pk_name if target else "id")
            key = _junction_key if rel is not None and rel.kind == "m2m" else key_parser(
                target.get_field(pk) if target else None)
            child.children = [Field(pk)]
            fixers.append(_flatten(name, pk, key, many))
            continue
        inner = _select(child, None if m2m_junction else target, sub, sub_deep, m2m_junction, view,
                        collection)
        fixers.append(_nested(name, inner, many))
    if passed and not node.children and schema is not None:
        node.child(schema.pk_name)  # a selection cannot be empty: the key, dropped from the row
        fixers.append(_dropped(schema.pk_name))
    return fix_each(fixers)


def _through_plain(schema: Schema | None, tree: Tree) -> bool:
    """Whether every path of ``tree`` goes through a plain field (``name.x``): REST reads none of them."""
    if schema is None or "*" in tree:
        return False
    for name, sub in tree.items():
        info = None if FUNCTION.match(name) else schema.get_field(name)
        if not sub or info is None or info.relation is not None:
            return False
    return True


def _dropped(name: str) -> Fixer:
    def fix(row: Any) -> None:
        row.pop(name, None)
    return fix


def _scalar(name: str, parse: Callable[[Any], Any]) -> Fixer:
    def fix(row: Any) -> None:
        if row.get(name) is not None:
            row[name] = parse(row[name])
    return fix


def _flatten(name: str, pk: str, parse: Callable[[Any], Any], many: bool) -> Fixer:
    def fix(row: Any) -> None:
        value = row.get(name)
        if many and isinstance(value, list):
            row[name] = [parse(v.get(pk)) if isinstance(v, Mapping) else v for v in value]
        elif isinstance(value, Mapping):
            row[name] = parse(value.get(pk))
    return fix


def _nested(name: str, inner: Fixer, many: bool) -> Fixer:
    def fix(row: Any) -> None:
        value = row.get(name)
        if isinstance(value, list):
            for item in value:
                inner(item)
        elif value is not None:
            inner(value)
    return fix


def _check_function_relation(name: str, schema: Schema | None, view: View, here: str | None) -> None:
    """``count(tags)`` of a relation the role sees as a bare key, where the role's schema has no
    ``tags_func`` (Directus 10; 11 and 12 have it and refuse the count running): ``Forbidden`` as REST
    answers, instead of a document the server refuses as invalid."""
    info = schema.get_field(name) if schema is not None else None
    if info is not None and info.relation is not None and view.relation(here, name) != "object" \
            and view.lacks(here, f"{name}_func"):
        raise _bare_key(name, info.relation.schema(), here)


def _function(node: Field, field_name: str, function: str) -> Fixer:
    holder = node.child(f"{field_name}_func")
    holder.child(function)
    key = f"{field_name}_{function}"

    def fix(row: Any) -> None:
        values = row.get(f"{field_name}_func")
        row[key] = values.get(function) if isinstance(values, Mapping) else None
    return fix


def drop_functions(row: Any) -> Any:
    """Remove the ``<field>_func`` objects once their values have been copied out."""
    if isinstance(row, dict):
        for key in [k for k in row if k.endswith("_func") and isinstance(row[k], dict)]:
            del row[key]
    return row
