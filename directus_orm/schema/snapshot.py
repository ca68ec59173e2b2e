"""The server's schema as plain data: collections, fields and relations read from ``/collections``,
``/fields`` and ``/relations`` (admin only).

These endpoints are read rather than ``/schema/snapshot`` because the snapshot leaves out fields created
without ``meta`` (database-only columns), which models can still read and write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..connection import Directus
from ..connection.serverinfo import server_info
from ..exceptions import APIError, Forbidden, NetworkError
from .errors import NotDirectusServer, SchemaAccessDenied, SchemaError
from .types import without_type_flag

__all__ = ["CollectionSpec", "FieldSpec", "RelationSpec", "Snapshot", "ensure_admin", "is_system",
           "read_snapshot"]


def is_system(collection: str) -> bool:
    return collection.startswith("directus_")


@dataclass(frozen=True)
class FieldSpec:
    """One field as Directus describes it (``type`` is Directus's: ``string``, ``dateTime``, ``alias``...)."""

    collection: str
    field: str
    type: str
    nullable: bool = True
    default: Any = None
    primary_key: bool = False
    auto_increment: bool = False
    special: tuple[str, ...] = ()
    sort: int | None = None
    has_column: bool = True
    """False for alias fields (o2m, m2m, m2a, presentation): they have no column."""
    system: bool = False
    """One of Directus's own fields of a system collection (not a project's custom field)."""
    max_length: int | None = None
    """A string column's length: the one the model asks for (``Field(max_length=...)``; None: Directus's
    255), or the one the server reports."""
    numeric_precision: int | None = None
    """A decimal column's digits: the model's ``Field(max_digits=...)`` (None: Directus's 10), or the
    server's."""
    numeric_scale: int | None = None
    """A decimal column's digits after the point: the model's ``Field(decimal_places=...)`` (None:
    Directus's 5), or the server's."""


@dataclass(frozen=True)
class RelationSpec:
    """A Directus relation: ``many_collection.many_field`` points at ``one_collection`` (None for a
    many-to-any's item field); ``one_field`` is the alias field on the other side, if any."""

    many_collection: str
    many_field: str
    one_collection: str | None
    one_field: str | None = None
    junction_field: str | None = None
    one_allowed_collections: tuple[str, ...] = ()
    one_collection_field: str | None = None


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    singleton: bool = False
    has_table: bool = True
    """False for folders (a collection grouping others in the app, with no table)."""


@dataclass
class Snapshot:
    collections: dict[str, CollectionSpec] = field(default_factory=dict)
    fields: dict[str, dict[str, FieldSpec]] = field(default_factory=dict)
    """collection -> field name -> field, in Directus's sort order."""
    relations: list[RelationSpec] = field(default_factory=list)

    def pk(self, collection: str) -> FieldSpec | None:
        return next((f for f in self.fields.get(collection, {}).values() if f.primary_key), None)

    def relation_of(self, collection: str, field_name: str) -> RelationSpec | None:
        """The relation whose many side is ``collection.field_name`` (m2o, junction fields)."""
        return next((r for r in self.relations
                     if r.many_collection == collection and r.many_field == field_name), None)

    def relation_to_alias(self, collection: str, field_name: str) -> RelationSpec | None:
        """The relation whose alias (one side) is ``collection.field_name`` (o2m, m2m, m2a)."""
        return next((r for r in self.relations
                     if r.one_collection == collection and r.one_field == field_name), None)

    def junction_pair(self, relation: RelationSpec) -> RelationSpec | None:
        """For a junction relation, the junction's other relation (through ``junction_field``)."""
        if relation.junction_field is None:
            return None
        return self.relation_of(relation.many_collection, relation.junction_field)


def _directus_type(row: dict[str, Any], schema: dict[str, Any]) -> str:
    """The Directus type the field was created with. Where the database has no uuid type (SQLite,
    MySQL) Directus stores a ``uuid`` field as ``char(36)`` and reports it as ``string`` unless a
    ``special`` flag says uuid; a ``string`` field is ``varchar``, so ``char(36)`` tells them apart."""
    typ = str(row.get("type") or "unknown")
    data_type = str(schema.get("data_type") or "").lower()
    if typ == "string" and data_type in ("char", "character", "bpchar") and schema.get("max_length") == 36:
        return "uuid"
    return typ


def _default(value: Any) -> Any:
    """Directus reports a string default as the SQL literal's body: ``it's`` comes back ``it''s``."""
    return value.replace("''", "'") if isinstance(value, str) else value


def _field(row: dict[str, Any]) -> FieldSpec:
    schema = row.get("schema") or {}
    meta = row.get("meta") or {}
    special = meta.get("special") or ()
    special = tuple(special) if isinstance(special, (list, tuple)) else (str(special),)
    typ = _directus_type(row, schema)
    length = schema.get("max_length")
    return FieldSpec(
        collection=row["collection"],
        field=row["field"],
        type=typ,
        nullable=bool(schema.get("is_nullable", True)),
        default=_default(schema.get("default_value")),
        primary_key=bool(schema.get("is_primary_key", False)),
        auto_increment=bool(schema.get("has_auto_increment", False)),
        special=without_type_flag(typ, special),
        sort=meta.get("sort"),
        has_column=bool(row.get("schema")),
        system=bool(meta.get("system")),
        max_length=length if typ == "string" and isinstance(length, int) else None,
        numeric_precision=_digits(schema.get("numeric_precision")) if typ == "decimal" else None,
        numeric_scale=_digits(schema.get("numeric_scale")) if typ == "decimal" else None,
    )


def _digits(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _relation(row: dict[str, Any]) -> RelationSpec:
    meta = row.get("meta") or {}
    allowed = meta.get("one_allowed_collections") or ()
    return RelationSpec(
        many_collection=row["collection"],
        many_field=row["field"],
        one_collection=row.get("related_collection"),
        one_field=meta.get("one_field"),
        junction_field=meta.get("junction_field"),
        one_allowed_collections=tuple(allowed),
        one_collection_field=meta.get("one_collection_field"),
    )


def _public(url: str) -> str:
    """The URL without the credentials it may carry (``https://user:secret@host``)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host, query="", fragment=""))


async def _admin_access(conn: Directus) -> Any:
    """``{"data": {"admin_access": ...}}`` for the connection's user, as ``/policies/me/globals`` answers
    it; Directus 10 has no policies (404 there): its admin flag is the user's role's."""
    if (await server_info(conn)).at_least((11, 0, 0)) is not False:
        return await conn.get("/policies/me/globals")
    answer = await conn.get("/users/me", params={"fields": ["role.admin_access"]})
    user = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(user, dict):
        return answer
    role = user.get("role")
    return {"data": {"admin_access": bool(isinstance(role, dict) and role.get("admin_access"))}}


async def ensure_admin(conn: Directus) -> None:
    """Schema tools need admin access: a non-admin reads a filtered schema, which would look like drift."""
    try:
        answer = await _admin_access(conn)
    except Forbidden as exc:
        raise SchemaAccessDenied("the schema tools need an admin user; this connection is not one "
                                 f"({exc.code})") from None
    except NetworkError as exc:
        # the same class (a RequestTimeout stays one), the URL said
        raise type(exc)(f"cannot reach {_public(conn.url)}: {exc.message}", method=exc.method,
                        path=exc.path) from exc
    except APIError as exc:
        if exc.code is None:  # Directus names every error it sends; this answer is someone else's
            raise NotDirectusServer(f"not a Directus server at {_public(conn.url)}: {exc.method} {exc.path} "
                                    f"was answered HTTP {exc.status} without a Directus error") from None
        raise
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), dict):
        raise NotDirectusServer(f"not a Directus server at {_public(conn.url)}: GET /policies/me/globals was "
                                "answered without Directus's data")
    data = answer["data"]
    if not data.get("admin_access"):
        raise SchemaAccessDenied("the schema tools need an admin user; this connection's user has no "
                                 "admin access (use an admin token: --token, or another --alias)")


async def read_snapshot(conn: Directus) -> Snapshot:
    """Read the whole schema (user and system collections)."""
    await ensure_admin(conn)
    try:
        collections = (await conn.get("/collections"))["data"]
        fields = (await conn.get("/fields"))["data"]
        relations = (await conn.get("/relations"))["data"]
    except Forbidden as exc:  # pragma: no cover - admin was checked just before
        raise SchemaAccessDenied(f"reading the schema was refused: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise SchemaError(f"unexpected schema answer: {type(exc).__name__}") from None
    snap = Snapshot()
    for row in sorted(collections, key=lambda r: r["collection"]):
        meta = row.get("meta") or {}
        snap.collections[row["collection"]] = CollectionSpec(
            row["collection"], singleton=bool(meta.get("singleton")), has_table=bool(row.get("schema"))
        )
    specs = [_field(row) for row in fields]
    specs.sort(key=lambda f: (f.collection, f.sort if f.sort is not None else 1 << 30, f.field))
    for spec in specs:
        snap.fields.setdefault(spec.collection, {})[spec.field] = spec
    snap.relations = sorted((_relation(r) for r in relations),
                            key=lambda r: (r.many_collection, r.many_field))
    return snap
