"""The schema of a collection with no model (``collection("x")``), read from the GraphQL schema the
connection's role sees, for reads run ``using_graphql()``.

GraphQL has no ``*`` and selects a relation as an object (``author { id }``), so compiling a read needs
what a model would have said: the collection's fields, which of them are relations and to which
collection, and the primary keys' types (GraphQL's ``ID`` is a string; an integer key is turned back
into an integer, as REST sends it). Introspection answers all of it: ``__type(name: "x")`` lists the
fields (an object is a many-to-one, a list of objects a to-many list, read as the related keys as REST
reads them), and the ``x_filter`` input type says whether a key filters as a number. Only the types the
read reaches are asked for, a level of relations per request; nothing is cached (a collection's fields
may change between reads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..exceptions import Forbidden, InvalidArgument
from ..graphql.types import read_types as _read_types
from ..graphql.types import unwrap as _unwrap
from .schema import FieldInfo, Relation

if TYPE_CHECKING:
    from ..connection.client import Directus

__all__ = ["IntrospectedSchema", "check_field_paths", "check_filter_fields", "introspect", "needed_depth"]

# ``year(published)``: a function of a field, as REST spells it in a filter.
FUNCTION_KEY = re.compile(r"^\w+\((\w+)\)$")

_NUMBER_FILTERS = frozenset({"number_filter_operators"})
_INTEGER_SCALARS = frozenset({"Int", "GraphQLBigInt"})
"""Scalars that REST sends as numbers (``bigInteger`` travels as a string in GraphQL)."""
_SCALAR_KINDS = {**dict.fromkeys(_INTEGER_SCALARS, "integer"), "Boolean": "boolean", "Date": "dateTime"}
"""The kinds a scalar type tells for sure (numeric aggregates are refused on the others before a read)."""
MAX_DEPTH = 8
"""Nested levels of relations one read may reach (a bound on introspection requests)."""


@dataclass
class _Field:
    name: str
    kind: str  # SCALAR, OBJECT, UNION, ENUM ...
    type_name: str | None
    many: bool


@dataclass
class IntrospectedSchema:
    """A collection's fields as its GraphQL type describes them (the query ``Schema`` protocol)."""

    collection: str
    pk_name: str
    system: bool
    fields: dict[str, _Field]
    integer_key: bool
    """Whether the primary key filters as a number (REST sends it as one)."""
    types: dict[str, IntrospectedSchema] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        return f"collection {self.collection!r}"

    @property
    def resolution_is_final(self) -> bool:
        return False

    def m2m_default_fields(self) -> list[str]:
        return []  # REST's ``*`` reads a many-to-many field as the junction rows' keys too

    def field_names(self) -> list[str]:
        unions = [f.name for f in self.fields.values() if f.kind == "UNION"]
        if unions:
            raise InvalidArgument(
                f"{self.label} has many-to-any field(s) {unions}, which GraphQL reads per related "
                "collection: name the fields to read with only() (without them), or read it over REST")
        return [f.name for f in self.fields.values() if not _helper(f)]

    def get_field(self, name: str) -> FieldInfo | None:
        found = self.fields.get(name)
        if found is None or _helper(found):
            return None
        if name == self.pk_name:
            return FieldInfo(name, "integer" if self.integer_key else "string", False)
        if found.kind != "OBJECT" or found.type_name is None:
            return FieldInfo(name, _SCALAR_KINDS.get(found.type_name or "", "any"))
        target = self.types.get(found.type_name)
        if target is None:
            raise InvalidArgument(f"{self.label}: the collection {found.type_name!r} that {name!r} leads to "
                                  "was not read (the read goes deeper than the library looked)")
        key = FieldInfo(target.pk_name, "integer" if target.integer_key else "string")
        return FieldInfo(name, key.kind, relation=Relation("o2m" if found.many else "m2o", lambda: target))


def _helper(f: _Field) -> bool:
    """``<field>_func`` objects (``count``, ``year`` ...): GraphQL's spelling of REST's functions."""
    return f.name.endswith("_func") and f.kind == "OBJECT"


def needed_depth(paths: Iterable[str], where: Any) -> int:
    """How many levels of collections a read needs described: one more than its field and sort paths'
    relation hops (a relation's own key type is the related collection's), and its filter's chain of
    field names."""
    depth = max((p.lstrip("-").count(".") + 1 for p in paths), default=1)
    return min(max(depth, _filter_chain(where)), MAX_DEPTH)


def _filter_chain(node: Any) -> int:
    """The most field names along one path through a filter (operators do not count)."""
    if isinstance(node, list):
        return max((_filter_chain(n) for n in node), default=0)
    if not isinstance(node, dict):
        return 0
    return max((_filter_chain(v) + (0 if k.startswith("_") else 1) for k, v in node.items()), default=0)


async def introspect(
    conn: Directus, collection: str, pk: str, system: bool, depth: int
) -> IntrospectedSchema:
    """The schema of ``collection`` and of the collections its relations reach, ``depth`` levels deep."""
    types: dict[str, IntrospectedSchema] = {}
    wanted = [collection]
    for level in range(depth + 1):
        wanted = [name for name in dict.fromkeys(wanted) if name not in types]
        if not wanted:
            break
        found = await _read_types(conn, wanted, system)
        for name in wanted:
            fields = found.get(name)
            if fields is None:
                if name == collection:
                    raise InvalidArgument(
                        f"collection {collection!r} is not in the GraphQL schema this connection sees (it "
                        "does not exist, or the role may not read it)")
                continue
            types[name] = _schema(name, pk if name == collection else None, system, fields[0], fields[1],
                                  types)
        if level == 0 and collection in types:
            _check_key(types[collection])
        if level < depth:
            wanted = [f.type_name for t in wanted if t in types for f in types[t].fields.values()
                      if f.kind == "OBJECT" and f.type_name and not _helper(f)]
    return types[collection]


def check_filter_fields(schema: IntrospectedSchema, where: Any, rest_path: str | None = None) -> None:
    """A filter naming a field the collection's GraphQL type lacks: ``Forbidden`` before the read, as
    REST answers it (over GraphQL the server would answer it with an internal error). ``rest_path``:
    the REST read checked (``unknown_fields.py``), else the GraphQL one."""
    if isinstance(where, list):
        for node in where:
            check_filter_fields(schema, node, rest_path)
        return
    if not isinstance(where, dict):
        return
    for key, value in where.items():
        if key.startswith("_"):
            check_filter_fields(schema, value, rest_path)
        elif FUNCTION_KEY.match(key) is None and not _known(schema, key):
            raise _unknown(schema, key, [], rest_path)


def check_field_paths(schema: IntrospectedSchema, paths: Iterable[str], rest_path: str | None = None) -> None:
    """Field and sort paths (``author.name``, ``-title``, ``count(books)``) naming a field the GraphQL
    types lack: ``Forbidden`` before the read, as REST answers (GraphQL would refuse the document as
    invalid). A path through a plain field (``title.*``) is left to the selection (REST reads nothing
    for it)."""
    for path in paths:
        here: IntrospectedSchema | None = schema
        seen: list[str] = []
        for segment in path.removeprefix("-").split("."):
            if here is None or segment == "*":
                break
            found = FUNCTION_KEY.match(segment)
            name = found.group(1) if found else segment
            if not _known(here, name):
                raise _unknown(here, name, seen, rest_path)
            info = here.fields[name]
            here = here.types.get(info.type_name) if info.kind == "OBJECT" and info.type_name else None
            seen.append(segment)


def _known(schema: IntrospectedSchema, name: str) -> bool:
    found = schema.fields.get(name)
    return found is not None and not _helper(found)


def _unknown(schema: IntrospectedSchema, name: str, where: list[str], rest_path: str | None) -> Forbidden:
    """What Directus's REST answer says of a field the role cannot see (or that does not exist)."""
    queried = f'"{".".join(where)}"' if where else "root"
    graphql_path = "/graphql/system" if schema.system else "/graphql"
    method, path = ("GET", rest_path) if rest_path else ("POST", graphql_path)
    return Forbidden(f'You don\'t have permission to access field "{name}" in collection '
                     f'"{schema.collection}" or it does not exist. Queried in {queried}.', status=403,
                     code="FORBIDDEN", method=method, path=path)


def _check_key(schema: IntrospectedSchema) -> None:
    """A key the collection does not have (``collection("c")`` assumes ``id``): say which it has, before
    a read the server would refuse field by field."""
    if schema.pk_name in schema.fields:
        return
    keys = [n for n, f in schema.fields.items() if f.kind == "SCALAR" and f.type_name == "ID"]
    hint = f": its primary key is {keys[0]!r}, pass collection({schema.collection!r}, pk={keys[0]!r})" \
        if keys else ""
    raise InvalidArgument(f"{schema.label} has no field {schema.pk_name!r} to use as its primary key{hint}")


def _schema(name: str, pk: str | None, system: bool, fields: Sequence[Mapping[str, Any]],
            filters: Sequence[Mapping[str, Any]], types: dict[str, IntrospectedSchema]) -> IntrospectedSchema:
    described = {}
    for f in fields:
        kind, type_name, many = _unwrap(f.get("type"))
        described[str(f["name"])] = _Field(str(f["name"]), kind, type_name, many)
    if pk is None:  # a related collection: its key is the field typed ID
        pk = next((n for n, f in described.items() if f.kind == "SCALAR" and f.type_name == "ID"), "id")
    operators = {str(f["name"]): _unwrap(f.get("type"))[1] for f in filters}
    return IntrospectedSchema(name, pk, system, described, operators.get(pk) in _NUMBER_FILTERS, types)
