"""What the connection's role sees of collections in GraphQL (introspection), and :class:`View`: how the
compiler reads a relation - as the model says, or as the role's schema says.

Directus serves each role its own GraphQL schema. A relation to a collection the role may not read is
no object there: a many-to-one is its bare key (``author: Int``), a to-many field a ``String`` that
answers null, and a many-to-many junction's target field its bare key. REST answers those reads all
the same: the key for ``author`` (nothing for ``author.*``), nothing for the to-many field, and for a
many-to-many whose junction is readable the target keys (``tags.tags_id``), or the junction keys when
fields of the target were asked (``tags.tags_id.name``). The compiler follows the model; when the
server refuses the document, the reads are compiled again with the role's view (:func:`role_view`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..connection.client import Directus

__all__ = ["TYPE_REF", "View", "read_types", "role_view", "unwrap"]

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"

Seen = Literal["object", "scalar", "absent"]
"""How a relational field appears: an object (or a list of them), a bare value, or not at all."""


def unwrap(ref: Mapping[str, Any] | None) -> tuple[str, str | None, bool]:
    """A field's type reference -> (kind, name, whether it is a list)."""
    many = False
    while ref is not None and ref.get("kind") in ("NON_NULL", "LIST"):
        many = many or ref.get("kind") == "LIST"
        ref = ref.get("ofType")
    if ref is None:
        return "SCALAR", None, many
    return str(ref.get("kind")), ref.get("name"), many


async def read_types(conn: Directus, names: Iterable[str], system: bool
                     ) -> dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """The fields of each type in ``names`` and the input fields of its ``<name>_filter``, in one request
    (a type the role does not see is left out)."""
    names = list(dict.fromkeys(names))
    parts = []
    variables: dict[str, Any] = {}
    for i, name in enumerate(names):
        variables[f"t{i}"], variables[f"f{i}"] = name, f"{name}_filter"
        parts.append(f"t{i}: __type(name: $t{i}) {{ fields {{ name type {{ {TYPE_REF} }} }} }} "
                     f"f{i}: __type(name: $f{i}) {{ inputFields {{ name type {{ {TYPE_REF} }} }} }}")
    if not parts:
        return {}
    declared = ", ".join(f"${v}: String!" for v in variables)
    data = await conn.graphql(f"query ({declared}) {{ {' '.join(parts)} }}", variables, system=system)
    out = {}
    for i, name in enumerate(names):
        described = data.get(f"t{i}")
        if isinstance(described, dict) and isinstance(described.get("fields"), list):
            filters = data.get(f"f{i}") or {}
            out[name] = (described["fields"], list(filters.get("inputFields") or []))
    return out


class View:
    """How relations are read. The default view takes every relation as the model says and notes the
    collections the compiler looked at (``touched``); a role's view (``kinds`` from introspection) says
    how each relational field appears to the role."""

    def __init__(self, kinds: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.kinds = kinds
        self.touched: set[str] = set()
        # Relations the role sees otherwise than the model says (none: the view changes nothing).
        self.differs = False

    def relation(self, collection: str | None, name: str) -> Seen:
        """How the relational field ``name`` of ``collection`` appears."""
        if collection is None:
            return "object"
        if self.kinds is None:
            self.touched.add(collection)
            return "object"
        fields = self.kinds.get(collection)
        if fields is None:
            return "object"  # a collection the role cannot see at all: the server says why
        kind = fields.get(name)
        seen: Seen = "absent" if kind is None else "object" if kind in ("OBJECT", "UNION") else "scalar"
        if seen != "object":
            self.differs = True
        return seen

    def lacks(self, collection: str | None, name: str) -> bool:
        """Whether the role's schema shows ``collection`` without a field ``name`` (never, in the
        model's view)."""
        fields = self.kinds.get(collection) if self.kinds is not None and collection is not None else None
        return fields is not None and name not in fields


async def role_view(conn: Directus, collections: Iterable[str], system: bool) -> View:
    """The view of the role ``conn`` reads as, for ``collections`` (one introspection request)."""
    found = await read_types(conn, collections, system)
    return View({name: {str(f["name"]): unwrap(f.get("type"))[0] for f in fields}
                 for name, (fields, _filters) in found.items()})
