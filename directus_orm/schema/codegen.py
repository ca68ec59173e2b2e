"""``inspect``: Python model source for a :class:`~directus_orm.schema.snapshot.Snapshot`.

The output depends on the schema only (no date, no server address), so regenerating over an unchanged
schema gives the identical text. Collections are written in name order, fields in Directus's order.
"""

from __future__ import annotations

import importlib
import json
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import SchemaError
from .snapshot import FieldSpec, RelationSpec, Snapshot, is_system
from .types import default_special, python_type

__all__ = ["generate", "select_collections"]

_STRING_DEFAULTS = ("string", "text", "hash")

SYSTEM_MODELS = {
    "directus_files": "directus_orm.files.File",
    "directus_folders": "directus_orm.files.Folder",
    "directus_users": "directus_orm.system.DirectusUser",
    "directus_roles": "directus_orm.system.DirectusRole",
    "directus_policies": "directus_orm.system.DirectusPolicy",
}
"""The library's models of system collections, referred to (imported) instead of writing a stub when they
are importable and the project added no field of its own to the collection."""


def library_model(collection: str) -> tuple[str, str] | None:
    """``(module, name)`` of the library's model of a system collection, when there is one."""
    target = SYSTEM_MODELS.get(collection)
    if target is None:
        return None
    module, _, name = target.rpartition(".")
    try:
        model = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    meta = getattr(model, "_meta", None)
    return (module, name) if getattr(meta, "collection", None) == collection else None


@dataclass
class _Module:
    imports: set[str] = field(default_factory=set)
    orm_names: set[str] = field(default_factory=lambda: {"DirectusModel"})
    uses_marker: bool = False
    uses_annotated: bool = False
    uses_field: bool = False
    """``Field(default_factory=list)``: a mutable default, as pydantic and ruff (RUF012) want it."""
    uses_m2a: bool = False


def q(value: object) -> str:
    """A Python literal in double quotes (strings, and tuples of strings)."""
    if isinstance(value, tuple):
        inner = ", ".join(q(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{q(k)}: {q(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _split_args(text: str) -> tuple[list[str], str]:
    """``a, f(b, c)], rest`` -> (["a", "f(b, c)"], ", rest"): the arguments up to the closing bracket
    (split at top-level commas) and what follows it."""
    args, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                args.append(text[start:i].strip())
                return [a for a in args if a], text[i + 1:]
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    return [a for a in args if a], ""


def _wrap(line: str, indent: int = 4) -> list[str]:
    """A field line longer than 88 characters (with the class body's ``indent``), split as a formatter
    would: one argument a line, and so on inside an argument that is still too long."""
    if len(line) + indent <= 88 or ": Annotated[" not in line:
        return [line]
    name, rest = line.split(": Annotated[", 1)
    args, tail = _split_args(rest)
    out = [f"{name}: Annotated["]
    for arg in args:
        call = re.match(r"^(\w+)\((.*)\)$", arg)
        if len(arg) + indent + 5 > 88 and call:
            inner, _ = _split_args(call[2] + ")")
            out += [f"    {call[1]}(", *(f"        {a}," for a in inner), "    ),"]
        else:
            out.append(f"    {arg},")
    return [*out, f"]{tail}"]


def _reserved() -> frozenset[str]:
    from ..models import DirectusModel

    return frozenset(dir(DirectusModel)) | frozenset(keyword.kwlist) | {"Meta"}


def class_names(collections: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """``rel_books_tags`` -> ``RelBooksTags``; unique, valid identifiers, stable for a given set, none of
    them in ``taken`` (names the module imports)."""
    names: dict[str, str] = {}
    taken = set(taken)
    for collection in sorted(collections):
        base = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", collection) if part)
        if not base or base[0].isdigit():
            base = f"C{base}"
        name, n = base, 2
        while name in taken or keyword.iskeyword(name) or name in ("DirectusModel", "DirectusType",
                                                                     "ManyToMany", "Any", "Annotated",
                                                                     "Field", "ManyToAny"):
            name, n = f"{base}{n}", n + 1
        taken.add(name)
        names[collection] = name
    return names


def select_collections(snap: Snapshot, wanted: Iterable[str] | None) -> list[str]:
    """The user collections to write (all when ``wanted`` is empty) plus every collection they relate
    to, transitively. Folders (no table) are left out. System collections are ends: what they relate
    to is not followed (the writer gives them a reference or a stub, never a full model)."""
    tables = {c for c, spec in snap.collections.items() if spec.has_table}
    if not wanted:
        return sorted(c for c in tables if not is_system(c))
    wanted = list(wanted)
    missing = [c for c in wanted if c not in tables]
    if missing:
        raise SchemaError(f"no such collection(s) on the server: {', '.join(sorted(missing))}")
    chosen: set[str] = set()
    todo = list(wanted)
    while todo:
        c = todo.pop()
        if c in chosen:
            continue
        chosen.add(c)
        if is_system(c):
            continue
        for rel in snap.relations:
            if rel.many_collection == c and rel.one_collection:
                todo.append(rel.one_collection)
            if rel.one_collection == c and rel.one_field:
                todo.append(rel.many_collection)
    return sorted(chosen)


def _literal(spec: FieldSpec) -> str | None:
    """The server default as a Python literal of the field's type, or None when it is not one
    (``CURRENT_TIMESTAMP``, a JSON object ...)."""
    value = spec.default
    if value is None:
        return None
    t = spec.type
    if t == "boolean" and value in (0, 1, True, False, "0", "1", "true", "false"):
        return "True" if value in (1, True, "1", "true") else "False"
    if t in ("integer", "bigInteger"):
        try:
            return repr(int(str(value)))
        except ValueError:
            return None
    if t == "float":
        try:
            return repr(float(str(value)))
        except ValueError:
            return None
    if t == "decimal":
        return f"decimal.Decimal({q(str(value))})" if re.fullmatch(r"-?\d+(\.\d+)?", str(value)) else None
    if t in _STRING_DEFAULTS and isinstance(value, str):
        return q(value)
    return None


class _Writer:
    def __init__(self, snap: Snapshot, collections: list[str]) -> None:
        self.snap = snap
        self.collections = collections
        self.collections = [c for c in collections if not is_system(c)]
        related_system = {r.one_collection for r in snap.relations
                          if r.many_collection in self.collections and r.one_collection
                          and is_system(r.one_collection) and r.one_collection in snap.collections}
        related_system |= {c for c in collections if is_system(c)}
        # a system collection: the library's model if there is one and the project added no field,
        # else a stub with its key and the project's own fields
        self.library: dict[str, tuple[str, str]] = {}
        for c in related_system:
            found = library_model(c)
            if found is not None and not any(not f.system and not f.primary_key
                                             for f in snap.fields.get(c, {}).values()):
                self.library[c] = found
        self.stubs = sorted(c for c in related_system if c not in self.library)
        self.names = class_names([*self.collections, *self.stubs],
                                 taken={name for _, name in self.library.values()})
        self.names.update({c: name for c, (_, name) in self.library.items()})
        self.module = _Module()
        self.reserved = _reserved()

    def key_type(self, collection: str) -> str:
        pk = self.snap.pk(collection)
        return self.python(pk.type) if pk is not None else "Any"

    def python(self, directus_type: str) -> str:
        pt = python_type(directus_type)
        self.module.imports.update(pt.imports)
        return pt.annotation

    def marker(self, spec: FieldSpec, canonical: str, default_flags: tuple[str, ...]) -> str | None:
        """``DirectusType(...)`` when the annotation does not say the Directus type and flags."""
        if spec.type == canonical and spec.special == default_flags:
            return None
        self.module.uses_marker = True
        if spec.special == default_special(spec.type, spec.primary_key):
            return f"DirectusType({q(spec.type)})"
        return f"DirectusType({q(spec.type)}, special={q(spec.special)})"

    def annotated(self, annotation: str, markers: list[str]) -> str:
        if not markers:
            return annotation
        self.module.uses_annotated = True
        return f"Annotated[{annotation}, {', '.join(markers)}]"

    def field_line(self, collection: str, spec: FieldSpec) -> str | None:
        snap = self.snap
        if spec.has_column:
            rel = snap.relation_of(collection, spec.field)
            if rel is not None and rel.one_collection and rel.one_collection in self.names:
                return self.m2o(spec, rel)
            return self.plain(spec)
        alias = snap.relation_to_alias(collection, spec.field)
        if alias is None:
            return None  # a presentation field (divider, notice ...): no data
        if "m2a" in spec.special:
            return self.m2a(spec, alias)
        pair = snap.junction_pair(alias)
        if pair is not None and pair.one_collection in self.names and alias.junction_field:
            target = pair.one_collection
            through_pk = snap.pk(alias.many_collection)
            self.module.orm_names.add("ManyToMany")
            self.module.uses_annotated = True
            args = f"through={q(alias.many_collection)}, source={q(alias.many_field)}, " \
                   f"target={q(alias.junction_field)}"
            if through_pk is not None and through_pk.field != "id":
                args += f", through_pk={q(through_pk.field)}"
            return (f"{spec.field}: Annotated[list[{self.names[target]} | {self.key_type(target)}], "
                    f"ManyToMany({args})] = {self.empty_list()}")
        if alias.many_collection not in self.names:
            return None  # the other side is not written (a system collection's relation)
        return f"{spec.field}: list[{self.names[alias.many_collection]} | " \
               f"{self.key_type(alias.many_collection)}] = {self.empty_list()}"

    def empty_list(self) -> str:
        self.module.uses_field = True
        return "Field(default_factory=list)"

    def plain(self, spec: FieldSpec) -> str:
        annotation = self.python(spec.type)
        canonical = {"str": "string", "int": "integer", "float": "float", "bool": "boolean",
                     "decimal.Decimal": "decimal", "datetime.date": "date", "datetime.datetime": "dateTime",
                     "datetime.time": "time", "uuid.UUID": "uuid", "Any": "json"}.get(annotation, "")
        marker = self.marker(spec, canonical, default_special(spec.type, spec.primary_key))
        generated = spec.primary_key and (spec.auto_increment or "uuid" in spec.special)
        default = _literal(spec)
        if generated or (spec.nullable and default is None) or (not spec.nullable and spec.default is not None
                                                                and default is None):
            # the server fills it in (a generated key, a default we cannot write as a literal)
            typ = "Any" if annotation == "Any" else f"{annotation} | None"
            line = f"{spec.field}: {self.annotated(typ, [marker] if marker else [])}"
            return f"{line} = {self.sized(spec, 'None')}"
        typ = annotation if not spec.nullable or annotation == "Any" else f"{annotation} | None"
        line = f"{spec.field}: {self.annotated(typ, [marker] if marker else [])}"
        value = self.sized(spec, default)
        return f"{line} = {value}" if value is not None else line

    def sized(self, spec: FieldSpec, default: str | None) -> str | None:
        """The default, as ``Field(default=..., max_digits=..., decimal_places=...)`` for a decimal column
        whose size the server reports: the model then refuses a value the column would round or refuse."""
        if spec.type != "decimal" or spec.numeric_precision is None or spec.numeric_scale is None:
            return default
        self.module.uses_field = True
        size = f"max_digits={spec.numeric_precision}, decimal_places={spec.numeric_scale}"
        return f"Field({size})" if default is None else f"Field(default={default}, {size})"

    def m2o(self, spec: FieldSpec, rel: RelationSpec) -> str:
        assert rel.one_collection is not None
        target = rel.one_collection
        markers = []
        if spec.special not in ((), ("m2o",)):
            self.module.uses_marker = True
            markers.append(f"DirectusType({q(spec.type)}, special={q(spec.special)})")
        typ = f"{self.names[target]} | {self.key_type(target)}"
        if spec.nullable:
            return f"{spec.field}: {self.annotated(typ + ' | None', markers)} = None"
        return f"{spec.field}: {self.annotated(typ, markers)}"

    def m2a(self, spec: FieldSpec, alias: RelationSpec) -> str:
        """Not a relation the ORM queries yet: the junction rows' keys, with what ``migrate`` needs."""
        self.module.uses_annotated = True
        key = self.key_type(alias.many_collection)
        pair = self.snap.junction_pair(alias)
        if pair is None or not pair.one_allowed_collections:  # an unfinished m2a: no item relation
            self.module.uses_marker = True
            marker = 'DirectusType("alias", special=("m2a",))'
            return f"{spec.field}: Annotated[list[{key}], {marker}] = {self.empty_list()}"
        self.module.uses_m2a = True
        args = [f"through={q(alias.many_collection)}", f"source={q(alias.many_field)}",
                f"allowed={q(tuple(pair.one_allowed_collections))}"]
        if pair.many_field != "item":
            args.append(f"item={q(pair.many_field)}")
        if pair.one_collection_field and pair.one_collection_field != "collection":
            args.append(f"collection_field={q(pair.one_collection_field)}")
        through_pk = self.snap.pk(alias.many_collection)
        if through_pk is not None and through_pk.field != "id":
            args.append(f"through_pk={q(through_pk.field)}")
        return f"{spec.field}: Annotated[list[{key}], ManyToAny({', '.join(args)})] = {self.empty_list()}"

    def model(self, collection: str, stub: bool) -> list[str]:
        lines = [f"class {self.names[collection]}(DirectusModel):"]
        skipped: list[str] = []
        fields = self.snap.fields.get(collection, {})
        specs = list(fields.values())
        if stub:  # the key and the project's fields, none of Directus's own
            specs = [f for f in specs if f.primary_key or not f.system]
        specs.sort(key=lambda f: not f.primary_key)  # the key first, whatever sort the server gives it
        for spec in specs:
            if not spec.field.isidentifier() or spec.field.startswith("_") or spec.field in self.reserved:
                skipped.append(spec.field)
                continue
            line = self.field_line(collection, spec)
            if line is not None:
                lines += [f"    {part}" for part in _wrap(line)]
        if skipped:
            lines.append(f"    # not declared (not usable as attribute names): {', '.join(skipped)}")
        pk = self.snap.pk(collection)
        lines += ["", "    class Meta:", f"        collection = {q(collection)}"]
        if pk is not None and pk.field != "id":
            lines.append(f"        pk = {q(pk.field)}")
        if self.snap.collections[collection].singleton:
            lines.append("        singleton = True")
        if any(f.type.startswith("geometry") for f in fields.values() if f.field not in skipped):
            kinds = {f.field: "geometry" for f in fields.values()
                     if f.type.startswith("geometry") and f.field not in skipped}
            self.module.imports.add("from typing import ClassVar")  # a mutable class attribute: RUF012
            lines.append(f"        field_kinds: ClassVar[dict[str, str]] = {q(kinds)}")
        return lines

    def write(self) -> str:
        body: list[str] = []
        for collection in [*self.collections, *self.stubs]:
            if collection in self.stubs:
                body.append(f"# {collection}: a system collection, its primary key and the project's "
                            "own fields")
            body += self.model(collection, stub=collection in self.stubs)
            body += ["", ""]
        m = self.module
        typing_names = sorted(({"Annotated"} if m.uses_annotated else set())
                              | {i.split()[-1] for i in m.imports if i.startswith("from typing")})
        stdlib = sorted(i for i in m.imports if i.startswith("import "))
        head = ['"""Models of a Directus schema, written by `directus-orm inspect`."""', "",
                "from __future__ import annotations", ""]
        head += stdlib
        if typing_names:
            head.append(f"from typing import {', '.join(typing_names)}")
        if stdlib or typing_names:
            head.append("")
        # one section: all are third-party packages in the project using the module
        packages: dict[str, set[str]] = {"directus_orm": set(m.orm_names)}
        if m.uses_marker:
            packages.setdefault("directus_orm.schema", set()).add("DirectusType")
        if m.uses_m2a:
            packages.setdefault("directus_orm.schema", set()).add("ManyToAny")
        for module, name in self.library.values():
            packages.setdefault(module, set()).add(name)
        if m.uses_field:
            packages.setdefault("pydantic", set()).add("Field")
        head += [f"from {module} import {', '.join(sorted(names))}"
                 for module, names in sorted(packages.items())]
        return "\n".join([*head, "", "", *body]).rstrip("\n") + "\n"


def generate(snap: Snapshot, collections: Iterable[str] | None = None) -> str:
    """The model module for ``collections`` (all user collections when empty) of ``snap``."""
    return _Writer(snap, select_collections(snap, collections)).write()
