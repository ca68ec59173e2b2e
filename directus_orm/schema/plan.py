"""Differences between the declared schema and the server's, as steps ``migrate`` applies and
``check`` reports. Nothing is dropped unless asked (``prune``), and only fields of declared collections."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from .desired import Declared
from .errors import SchemaError
from .snapshot import FieldSpec, RelationSpec, Snapshot, is_system
from .types import compatible, with_type_flag

__all__ = ["Step", "plan"]


@dataclass(frozen=True)
class Step:
    """One change. ``kind``: ``create_collection``, ``create_field``, ``alter_field``, ``create_relation``,
    ``alter_relation``, ``drop_field``. ``drift`` is what ``check`` calls it (``field_missing``,
    ``type_mismatch`` ...)."""

    kind: str
    drift: str
    collection: str
    field: str | None
    message: str
    body: dict[str, Any] = dc_field(default_factory=dict, compare=False)
    """What the apply step sends (the request body)."""
    narrows: bool = dc_field(default=False, compare=False)
    """The change may lose values (a shorter column): refused while the column holds values, unless
    ``convert``, as a type change is."""

    def as_dict(self) -> dict[str, Any]:
        """The step as JSON-ready data (kind, drift, collection, field, message), as ``check --json`` prints
        it."""
        return {"kind": self.kind, "drift": self.drift, "collection": self.collection, "field": self.field,
                "message": self.message}


def field_body(spec: FieldSpec) -> dict[str, Any]:
    """The ``/fields`` (or ``/collections`` ``fields[]``) body creating ``spec``."""
    meta: dict[str, Any] = {"special": list(spec.special) or None, "sort": spec.sort}
    if spec.primary_key:
        meta["hidden"] = True
    body: dict[str, Any] = {"field": spec.field, "type": spec.type, "meta": meta}
    if not spec.has_column:
        return body
    schema: dict[str, Any] = {"is_nullable": spec.nullable}
    if spec.default is not None:
        schema["default_value"] = spec.default
    if spec.max_length is not None:
        schema["max_length"] = spec.max_length
    if spec.numeric_precision is not None:
        schema.update(numeric_precision=spec.numeric_precision, numeric_scale=spec.numeric_scale)
    if spec.primary_key:
        schema = {"is_primary_key": True, "is_nullable": False, "has_auto_increment": spec.auto_increment}
    body["schema"] = schema
    return body


def relation_body(rel: RelationSpec) -> dict[str, Any]:
    """The ``/relations`` body creating ``rel``; a many-to-any's item field has no foreign key (it holds
    keys of several collections), as the Directus app makes it."""
    meta: dict[str, Any] = {"one_field": rel.one_field, "junction_field": rel.junction_field}
    if rel.one_allowed_collections:
        meta.update(one_allowed_collections=list(rel.one_allowed_collections),
                    one_collection_field=rel.one_collection_field)
    body = {"collection": rel.many_collection, "field": rel.many_field,
            "related_collection": rel.one_collection, "meta": meta}
    if rel.one_collection is not None:
        body["schema"] = {"on_delete": "SET NULL"}
    return body


def _resized(spec: FieldSpec, cur: FieldSpec) -> tuple[bool, str] | None:
    """A decimal column whose precision or scale is not the declared one: (whether it would hold fewer
    digits, why); None when it is, or when either side does not say (an unsized ``Decimal``; SQLite,
    which keeps no precision)."""
    want, have = (spec.numeric_precision, spec.numeric_scale), (cur.numeric_precision, cur.numeric_scale)
    if want[0] is None or spec.type != "decimal" or cur.type != "decimal" or want == have:
        return None
    fewer = _fewer_digits(spec, cur)
    return fewer, (f"declared max_digits={want[0]}, decimal_places={want[1]}, the server's column is "
                   f"numeric({have[0]}, {have[1]})"
                   + (" (values with more digits would be rounded or refused: migrate refuses it while the "
                      "column holds values, unless convert=True / --convert)" if fewer else ""))


def _fewer_digits(spec: FieldSpec, cur: FieldSpec) -> bool:
    """Whether a decimal column resized to ``spec`` holds fewer digits before or after the point."""
    if cur.numeric_precision is None or cur.numeric_scale is None:
        return True  # the server does not say: assume the worst
    assert spec.numeric_precision is not None and spec.numeric_scale is not None
    return (spec.numeric_scale < cur.numeric_scale
            or spec.numeric_precision - spec.numeric_scale < cur.numeric_precision - cur.numeric_scale)


def _field_steps(declared: Declared, server: Snapshot, c: str, prune: bool) -> list[Step]:
    steps: list[Step] = []
    have = server.fields.get(c, {})
    want = declared.fields[c]
    for name, spec in want.items():
        where = declared.origin.get((c, name), f"{c}.{name}")
        cur = have.get(name)
        if cur is None:
            steps.append(Step("create_field", "field_missing", c, name,
                              f"{where}: the field {c}.{name} ({spec.type}) is missing on the server",
                              field_body(spec)))
            continue
        exact = (c, name) in declared.exact
        if spec.primary_key and cur.has_column and not compatible(spec.type, cur.type, exact):
            # the keys and every many-to-one pointing at them would have to change together
            steps.append(Step("alter_field", "pk_type_mismatch", c, name,
                              f"{where}: the primary key is declared {spec.type}, the server has {cur.type}; "
                              "migrate does not change a primary key's type", {}))
            continue
        if spec.primary_key or (c, name) in declared.library:
            continue
        changes: dict[str, Any] = {}
        why = []
        if not spec.has_column or not cur.has_column:
            if spec.has_column != cur.has_column:
                steps.append(Step("alter_field", "type_mismatch", c, name,
                                  f"{where}: declared {spec.type}, the server has {cur.type}; migrate cannot "
                                  "turn an alias field into a column (or back)", {}))
            continue
        if not compatible(spec.type, cur.type, exact):
            # Directus changes a column's type only when the body has a ``schema`` (measured)
            changes.update(type=spec.type, schema={})
            if spec.numeric_precision is not None:
                changes["schema"].update(numeric_precision=spec.numeric_precision,
                                         numeric_scale=spec.numeric_scale)
            why.append(f"declared {spec.type}, the server has {cur.type} (the column's values are converted, "
                       "possibly with loss: migrate refuses it while the column holds values, unless "
                       "convert=True / --convert)")
        drifts = ["type_mismatch"] if "type" in changes else []
        if cur.nullable and not spec.nullable:
            changes.setdefault("schema", {})["is_nullable"] = False
            drifts.append("nullable_mismatch")
            why.append("the model requires a value but the server allows NULL")
        narrows = False
        if (spec.max_length is not None and spec.type == "string" and cur.type == "string"
                and cur.max_length != spec.max_length):
            changes.setdefault("schema", {})["max_length"] = spec.max_length
            drifts.append("max_length_mismatch")
            narrows = cur.max_length is None or spec.max_length < cur.max_length
            why.append(f"declared max_length={spec.max_length}, the server's column holds "
                       f"{cur.max_length if cur.max_length is not None else 'text of any length'}"
                       + (" (values longer than that would be cut or refused: migrate refuses it while the "
                          "column holds values, unless convert=True / --convert)" if narrows else ""))
        resized = _resized(spec, cur)
        if resized is not None:
            changes.setdefault("schema", {}).update(numeric_precision=spec.numeric_precision,
                                                    numeric_scale=spec.numeric_scale)
            drifts.append("precision_mismatch")
            narrows = narrows or resized[0]
            why.append(resized[1])
        if (c, name) in declared.exact_special and sorted(cur.special) != sorted(spec.special):
            changes["meta"] = {"special": list(with_type_flag(spec.type, spec.special)) or None}
            drifts.append("special_mismatch")
            why.append(f"declared special={spec.special!r}, the server has {cur.special!r}")
        if changes:
            if is_system(c):  # reported, never altered: the model is what must change
                why.append("migrate does not alter fields of a system collection")
                changes = {}
            steps.append(Step("alter_field", drifts[0], c, name, f"{where}: {'; '.join(why)}", changes,
                              narrows=narrows))
    if prune and not is_system(c):
        for name, cur in have.items():
            if name not in want and not cur.primary_key:
                steps.append(Step("drop_field", "field_not_declared", c, name,
                                  f"{c}.{name} is on the server but no model declares it"))
    return steps


def _relation_steps(declared: Declared, server: Snapshot) -> list[Step]:
    steps: list[Step] = []
    for rel in declared.relations:
        c, f = rel.many_collection, rel.many_field
        cur = server.relation_of(c, f)
        where = declared.origin.get((c, f), f"{c}.{f}")
        target = rel.one_collection or f"any of {', '.join(rel.one_allowed_collections)}"
        if cur is None:
            steps.append(Step("create_relation", "relation_missing", c, f,
                              f"{where}: no relation from {c}.{f} to {target} on the server",
                              relation_body(rel)))
            continue
        diffs = []
        if cur.one_collection != rel.one_collection:
            diffs.append(f"it points at {cur.one_collection or 'any collection'}, the model at {target}")
        if sorted(cur.one_allowed_collections) != sorted(rel.one_allowed_collections):
            diffs.append(f"it allows {', '.join(cur.one_allowed_collections) or 'no collection'}, the model "
                         f"{', '.join(rel.one_allowed_collections) or 'none'}")
        if rel.one_collection_field and cur.one_collection_field != rel.one_collection_field:
            diffs.append(f"its collection field is {cur.one_collection_field}, the model's "
                         f"{rel.one_collection_field}")
        if rel.one_field and cur.one_field != rel.one_field:
            diffs.append(f"its other side is {cur.one_field or 'not declared'}, the model's {rel.one_field}")
        if rel.junction_field and cur.junction_field != rel.junction_field:
            diffs.append(f"its junction field is {cur.junction_field}, the model's {rel.junction_field}")
        if diffs:
            body = relation_body(rel)
            body.pop("schema", None)
            steps.append(Step("alter_relation", "relation_mismatch", c, f,
                              f"{where}: the relation {c}.{f}: {'; '.join(diffs)}", body))
    return steps


def plan(declared: Declared, server: Snapshot, *, prune: bool = False) -> list[Step]:
    """The steps that make ``server`` hold what ``declared`` declares, in the order to apply them:
    collections, fields, alterations, relations, then drops."""
    creates: list[Step] = []
    fields: list[Step] = []
    for c, spec in declared.collections.items():
        if is_system(c) and c not in server.collections:
            raise SchemaError(f"the system collection {c} is not on this server (another Directus "
                              "version?); its model cannot be migrated")
        if c not in server.collections:
            want = declared.fields[c]
            cols = [field_body(f) for f in want.values() if f.has_column]
            creates.append(Step("create_collection", "collection_missing", c, None,
                                f"the collection {c} is missing on the server",
                                {"collection": c, "schema": {}, "meta": {"singleton": spec.singleton},
                                 "fields": cols}))
            fields += [Step("create_field", "field_missing", c, f.field, f"the alias field {c}.{f.field}",
                            field_body(f)) for f in want.values() if not f.has_column]
            continue
        fields += _field_steps(declared, server, c, prune)
    for rel in declared.relations:
        missing = [a for a in rel.one_allowed_collections
                   if a not in declared.collections and a not in server.collections]
        if missing:
            back = declared.relation_of(rel.many_collection, rel.junction_field or "")
            alias = (back.one_collection or "", back.one_field or "") if back else ("", "")
            where = declared.origin.get(alias, rel.many_collection)
            raise SchemaError(f"{where}: ManyToAny(allowed=...) names {', '.join(missing)}, which no model "
                              "declares and the server does not have")
    drops = [s for s in fields if s.kind == "drop_field"]
    fields = [s for s in fields if s.kind != "drop_field"]
    return [*creates, *fields, *_relation_steps(declared, server), *drops]
