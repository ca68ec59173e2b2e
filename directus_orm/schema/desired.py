"""The schema a set of models declares, as a :class:`Snapshot` (what ``migrate`` and ``check`` compare
with the server's).

Reads, per model: ``_meta.collection``, ``_meta.pk_name``, ``_meta.abstract``, ``_meta.meta_attrs``
(``singleton``), ``_meta.relations`` (kind, related model, ``ManyToMany`` marker) and pydantic's
``model_fields`` (annotation, metadata, default).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from ..connection.serverinfo import Version
from ..models.many_to_any import ManyToAny
from ..models.relations import ManyToMany
from .errors import SchemaError
from .snapshot import CollectionSpec, FieldSpec, RelationSpec, Snapshot
from .types import DirectusType, canonical_type, default_special, family, unwrap, without_type_flag

if TYPE_CHECKING:
    from ..models.base import DirectusModel

__all__ = ["Declared", "desired_schema"]

_SIMPLE_DEFAULTS = (str, int, float, bool)
_MAX_DIGITS = 1000
"""The most digits a PostgreSQL ``numeric`` column holds."""


class Declared(Snapshot):
    """The declared schema; ``exact`` holds the fields whose type a :class:`DirectusType` marker gives."""

    def __init__(self) -> None:
        super().__init__()
        self.exact: set[tuple[str, str]] = set()
        self.exact_special: set[tuple[str, str]] = set()
        """The fields whose marker says their ``special`` flags (``check`` compares them)."""
        self.origin: dict[tuple[str, str], str] = {}
        self.library: set[tuple[str, str]] = set()
        """Fields a model inherits from the library's model of a system collection (Directus's own: the
        library's business, not compared)."""


M = TypeVar("M", DirectusType, ManyToAny)


def _find(finfo: Any, kind: type[M], where: str) -> M | None:
    """The field's ``kind`` marker, checked: a wrong one is refused before anything is sent."""
    annotated: list[Any] = unwrap(finfo.annotation)[2]
    marker = next((m for m in [*annotated, *finfo.metadata] if isinstance(m, kind)), None)
    problem = marker.problem() if marker is not None else None
    if problem is not None:
        raise SchemaError(f"{where}: {problem}")
    return marker


def _marker(finfo: Any, where: str) -> tuple[Any, bool, DirectusType | None]:
    inner, nullable, _ = unwrap(finfo.annotation)
    return inner, nullable, _find(finfo, DirectusType, where)


def _pk_type(model: type[DirectusModel]) -> str:
    meta = model._meta
    finfo = model.model_fields[meta.pk_name]
    inner, _, marker = _marker(finfo, f"{model.__name__}.{meta.pk_name}")
    typ = marker.type if marker else canonical_type(inner)
    if typ is None:
        raise SchemaError(f"{model.__name__}.{meta.pk_name}: cannot tell the primary key's Directus type")
    return typ


_SCALAR = frozenset({"string", "integer", "float", "boolean", "datetime", "date", "time", "uuid"})


def _contradicts(marker_type: str, written: str) -> bool:
    """A marker naming a scalar type of another family than the annotation's (``str`` as ``boolean``);
    a string annotation may hold a uuid column and the reverse."""
    a, b = family(marker_type), family(written)
    return a in _SCALAR and b in _SCALAR and a != b and {a, b} != {"string", "uuid"}


def _plain(model: type[DirectusModel], name: str, finfo: Any, sort: int, out: Declared) -> FieldSpec:
    meta = model._meta
    inner, nullable, marker = _marker(finfo, f"{model.__name__}.{name}")
    typ = marker.type if marker else canonical_type(inner)
    if typ is None:
        raise SchemaError(
            f"{model.__name__}.{name}: cannot tell the Directus type of {finfo.annotation!r}; "
            "say it with Annotated[..., DirectusType('<type>')]"
        )
    if typ == "alias" and not (marker and marker.special):
        raise SchemaError(f"{model.__name__}.{name}: DirectusType('alias') without special flags: an alias "
                          "is a relation's other side (which the relation declares) or a presentation "
                          "field (special=('no-data',)); a field holding a value needs a column type")
    written = canonical_type(inner) if marker is not None else None
    if written is not None and _contradicts(typ, written):
        raise SchemaError(f"{model.__name__}.{name}: DirectusType({typ!r}) contradicts the annotation "
                          f"{finfo.annotation!r} ({written})")
    pk = name == meta.pk_name
    nullable = nullable or inner is Any
    if marker is not None:
        out.exact.add((meta.collection, name))
        if marker.special is not None:
            out.exact_special.add((meta.collection, name))
    default = finfo.default if isinstance(finfo.default, _SIMPLE_DEFAULTS) else None
    if default is not None and isinstance(default, bool) != (typ == "boolean"):
        default = None
    if default is None and not finfo.is_required():
        # a default the column cannot hold (a datetime, a factory): the model sends it; other clients'
        # rows would be refused by NOT NULL without a default
        nullable = True
    precision, scale = _digits(model, name, finfo, typ)
    return FieldSpec(
        meta.collection, name, typ, nullable=nullable and not pk, default=None if pk else default,
        primary_key=pk, auto_increment=pk and typ in ("integer", "bigInteger"),
        special=without_type_flag(typ, marker.special) if marker and marker.special is not None
        else default_special(typ, pk),
        sort=sort, has_column=typ != "alias",
        max_length=next((m.max_length for m in finfo.metadata
                         if isinstance(getattr(m, "max_length", None), int) and typ == "string"), None),
        numeric_precision=precision, numeric_scale=scale,
    )


def _constraint(metadata: list[Any], name: str) -> int | None:
    return next((v for m in metadata if isinstance(v := getattr(m, name, None), int)), None)


def _digits(model: type[DirectusModel], name: str, finfo: Any, typ: str) -> tuple[int | None, int | None]:
    """A decimal column's precision and scale: pydantic's ``max_digits`` and ``decimal_places``, both or
    neither (as Django's ``DecimalField``: one alone would leave the other to Directus's default)."""
    if typ != "decimal":
        return None, None
    metadata = [*unwrap(finfo.annotation)[2], *finfo.metadata]
    digits, places = _constraint(metadata, "max_digits"), _constraint(metadata, "decimal_places")
    if digits is None and places is None:
        return None, None
    where = f"{model.__name__}.{name}"
    if digits is None or places is None:
        raise SchemaError(f"{where}: a decimal column is sized by both max_digits and decimal_places "
                          f"(Field(max_digits=..., decimal_places=...)); only "
                          f"{'max_digits' if places is None else 'decimal_places'} is given")
    if not 0 < digits <= _MAX_DIGITS or not 0 <= places <= digits:
        raise SchemaError(f"{where}: max_digits={digits}, decimal_places={places}: a decimal column needs "
                          f"1 <= max_digits <= {_MAX_DIGITS} and 0 <= decimal_places <= max_digits")
    return digits, places


def _reverse_m2o(model: type[DirectusModel], name: str, related: type[DirectusModel]) -> str:
    """The related model's many-to-one field that a one-to-many field goes through."""
    collection = model._meta.collection
    candidates = [f for f, rel in related._meta.relations.items()
                  if rel.kind == "m2o" and rel.model._meta.collection == collection]
    if len(candidates) != 1:
        found = "none" if not candidates else ", ".join(candidates)
        raise SchemaError(
            f"{model.__name__}.{name} (one-to-many) needs exactly one many-to-one field on "
            f"{related.__name__} pointing at {model.__name__}; found {found}"
        )
    return candidates[0]


def _put(relations: dict[tuple[str, str], RelationSpec], spec: RelationSpec) -> None:
    """Add a relation; what the other side of it declared (its alias, its junction) is kept."""
    key = (spec.many_collection, spec.many_field)
    old = relations.get(key)
    if old is not None:
        spec = RelationSpec(spec.many_collection, spec.many_field, spec.one_collection,
                            spec.one_field or old.one_field, spec.junction_field or old.junction_field,
                            spec.one_allowed_collections or old.one_allowed_collections,
                            spec.one_collection_field or old.one_collection_field)
    relations[key] = spec


def _merge(have: dict[str, FieldSpec], new: dict[str, FieldSpec], out: Declared,
           model: type[DirectusModel]) -> dict[str, FieldSpec]:
    """The fields of two models of one collection: each field once; a value is required when either
    model requires it; declaring it with another type (or key) is an error."""
    merged = dict(have)
    for name, spec in new.items():
        old = merged.get(name)
        if old is None:
            merged[name] = replace(spec, sort=len(merged) + 1)
            continue
        if (old.type, old.primary_key, old.has_column) != (spec.type, spec.primary_key, spec.has_column):
            first = out.origin[(spec.collection, name)]
            raise SchemaError(f"{model.__name__}.{name} ({spec.type}) and {first} ({old.type}) declare the "
                              f"field of {spec.collection!r} differently")
        sized = old if old.numeric_precision is not None else spec
        merged[name] = replace(old, nullable=old.nullable and spec.nullable,
                               default=old.default if old.default is not None else spec.default,
                               numeric_precision=sized.numeric_precision, numeric_scale=sized.numeric_scale)
    return merged


def desired_schema(models: Iterable[type[DirectusModel]], version: Version | None = None) -> Declared:
    """What ``models`` declare (abstract models are skipped). A model of a system collection
    (``directus_users`` ...) declares the project's own fields on it; ``plan`` only adds the missing
    ones (Directus's own fields are its business). With the server's ``version``, a field its
    ``Meta.fields_since`` says arrived later is left out (that server's Directus has no such field)."""
    out = Declared()
    relations: dict[tuple[str, str], RelationSpec] = {}
    # junction -> (its fields: name, Directus type; the model declaring it)
    junctions: dict[str, tuple[list[tuple[str, str]], str]] = {}
    listed = [m for m in models if not m._meta.abstract]
    for model in listed:
        meta = model._meta
        c = meta.collection
        singleton = bool(meta.meta_attrs.get("singleton", False))
        if c in out.collections:  # several models of one collection (a slimmer read model): merged
            singleton = singleton or out.collections[c].singleton
        out.collections[c] = CollectionSpec(c, singleton=singleton)
        fields: dict[str, FieldSpec] = {}
        rels = meta.relations
        for sort, (name, finfo) in enumerate(model.model_fields.items(), start=1):
            since = meta.fields_since.get(name)
            if version is not None and since is not None and version < since:
                continue
            rel = rels.get(name)
            out.origin.setdefault((c, name), f"{model.__name__}.{name}")
            declaring = next((k for k in model.__mro__ if name in getattr(k, "__annotations__", {})), model)
            if declaring.__module__.startswith("directus_orm."):
                out.library.add((c, name))
            m2a = _find(finfo, ManyToAny, f"{model.__name__}.{name}") if rel is None else None
            if m2a is not None:
                fields[name] = FieldSpec(c, name, "alias", special=("m2a",), sort=sort, has_column=False)
                _put(relations, RelationSpec(m2a.through, m2a.source, c, name, m2a.item))
                _put(relations, RelationSpec(m2a.through, m2a.item, None, None, m2a.source,
                                             tuple(m2a.allowed), m2a.collection_field))
                junctions[m2a.through] = ([(m2a.through_pk, "integer"), (m2a.source, _pk_type(model)),
                                           (m2a.item, "string"), (m2a.collection_field, "string")],
                                          model.__name__)
                continue
            if rel is None:
                fields[name] = _plain(model, name, finfo, sort, out)
                continue
            target = rel.model._meta.collection
            _, nullable, marker = _marker(finfo, f"{model.__name__}.{name}")
            if rel.kind == "m2o":
                typ = marker.type if marker else _pk_type(rel.model)
                special = marker.special if marker and marker.special is not None else ("m2o",)
                if marker is not None and marker.special is not None:
                    out.exact_special.add((c, name))
                fields[name] = FieldSpec(c, name, typ, nullable=nullable, special=special, sort=sort)
                _put(relations, RelationSpec(c, name, target))
            elif rel.kind == "o2m":
                fields[name] = FieldSpec(c, name, "alias", special=("o2m",), sort=sort, has_column=False)
                back = _reverse_m2o(model, name, rel.model)
                _put(relations, RelationSpec(target, back, c, name))
            elif rel.kind == "m2m":
                marker_m2m = next((m for m in finfo.metadata if isinstance(m, ManyToMany)), None)
                if not isinstance(marker_m2m, ManyToMany) or not marker_m2m.through or not marker_m2m.source:
                    raise SchemaError(f"{model.__name__}.{name}: ManyToMany needs through= and source= "
                                      "to be created on the server")
                m = marker_m2m
                assert m.through is not None and m.source is not None
                fields[name] = FieldSpec(c, name, "alias", special=("m2m",), sort=sort, has_column=False)
                _put(relations, RelationSpec(m.through, m.source, c, name, m.target))
                _put(relations, RelationSpec(m.through, m.target, target, None, m.source))
                junctions[m.through] = ([(m.through_pk, "integer"), (m.source, _pk_type(model)),
                                         (m.target, _pk_type(rel.model))], model.__name__)
            else:  # pragma: no cover - the relation kinds are m2o, o2m, m2m
                raise SchemaError(f"{model.__name__}.{name}: unknown relation kind {rel.kind!r}")
        out.fields[c] = _merge(out.fields.get(c, {}), fields, out, model)
    for through, (columns, owner) in junctions.items():
        if through in out.collections:
            continue  # declared by a model of its own
        (pk, _), *others = columns
        out.collections[through] = CollectionSpec(through)
        out.fields[through] = {
            pk: FieldSpec(through, pk, "integer", nullable=False, primary_key=True, auto_increment=True,
                          sort=1),
            **{f: FieldSpec(through, f, typ, sort=i) for i, (f, typ) in enumerate(others, start=2)},
        }
        for f in out.fields[through]:
            out.origin[(through, f)] = f"the junction of {owner}"
    out.relations = sorted(relations.values(), key=lambda r: (r.many_collection, r.many_field))
    return out
