"""Relations between models, declared with plain annotations that pydantic and type checkers read.

* many-to-one: ``author: Author | int | None = None`` - the key (``int``) until loaded, then an
  ``Author``;
* one-to-many (Directus's o2m alias field): ``books: list[Book | int] = []`` - the related keys, or
  ``Book`` instances once loaded;
* many-to-many through a junction collection::

      tags: Annotated[list[Tag | int],
                      ManyToMany(through="rel_books_tags", source="books_id", target="tags_id")] = []

  ``target`` is the junction's field pointing at ``Tag``; it is what Directus paths go through
  (``tags.tags_id.name``). Unloaded, the list holds the *tags'* keys (not the junction rows').

The kind is inferred from the annotation's shape (a model or a list of models); ``ManyToOne()`` /
``OneToMany()`` markers in ``Annotated[...]`` may say it explicitly. The related model may be declared
later in the module (``from __future__ import annotations``): it is looked up at first use.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Union, cast, get_args, get_origin

from pydantic_core import to_jsonable_python

from ..exceptions import ImproperlyConfigured
from ..query.schema import Relation, RelationKind
from .registry import is_model, is_model_class

if TYPE_CHECKING:
    from .base import DirectusModel

__all__ = [
    "ManyToMany", "ManyToOne", "OneToMany", "RelationMarker", "analyse", "attach_answer", "load_related",
    "load_related_column", "nested_value", "related_keys",
]


@dataclass(frozen=True)
class RelationMarker:
    kind: str = ""


@dataclass(frozen=True)
class ManyToOne(RelationMarker):
    """Marks a many-to-one field (optional: a ``Model | key | None`` annotation already says so)."""

    kind: str = "m2o"


@dataclass(frozen=True)
class OneToMany(RelationMarker):
    """Marks Directus's o2m alias field (optional: ``list[Model | key]`` already says so)."""

    kind: str = "o2m"


@dataclass(frozen=True)
class ManyToMany(RelationMarker):
    """A many-to-many field through the junction collection ``through``: ``source`` is the junction's
    field pointing back at this model, ``target`` the one pointing at the related model, ``through_pk``
    the junction's primary key (``id`` in junctions the Directus app creates)."""

    through: str | None = None
    source: str | None = None
    target: str = ""
    kind: str = "m2m"
    through_pk: str = "id"
    """The junction collection's primary key (removing a link deletes its junction row by this key)."""

    def __post_init__(self) -> None:
        if not self.target:
            raise ImproperlyConfigured(
                "ManyToMany(...) needs target=: the junction collection's field that points at the "
                "related collection (e.g. target='tags_id')"
            )


@dataclass(frozen=True)
class Analysed:
    """What an annotation says about a relation: the related model, the key type(s), and the
    :class:`~directus_orm.query.schema.Relation` (kind, junction) that queries, loading and writes read."""

    model: type[DirectusModel]
    key_types: tuple[Any, ...]
    relation: Relation

    @property
    def kind(self) -> RelationKind:
        return self.relation.kind


def _strip(annotation: Any) -> tuple[Any, list[Any]]:
    """Remove ``Annotated`` and ``None`` from a union; returns (inner, union members)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
    else:
        members = [annotation]
    out = []
    for m in members:
        while get_origin(m) is Annotated:
            m = get_args(m)[0]
        out.append(m)
    return annotation, out


def analyse(annotation: Any, metadata: list[Any], owner: str, name: str) -> Analysed | None:
    """The relation a field's annotation declares, or None for a plain field."""
    marker = next((m for m in metadata if isinstance(m, RelationMarker)), None)
    _, members = _strip(annotation)
    lists = [m for m in members if get_origin(m) in (list, tuple, set, frozenset)]
    many = bool(lists)
    if many:
        args = get_args(lists[0])
        _, members = _strip(args[0] if args else Any)
    models = [m for m in members if is_model_class(m)]
    if not models:
        if marker is not None:
            raise ImproperlyConfigured(
                f"{owner}.{name}: {type(marker).__name__} needs a model in the annotation, e.g. "
                f"{'list[Tag | int]' if marker.kind != 'm2o' else 'Author | int | None'}"
            )
        return None
    if len(models) > 1:
        raise ImproperlyConfigured(f"{owner}.{name}: a relation relates to one model, got {models}")
    keys = tuple(m for m in members if not is_model_class(m))
    kind = marker.kind if marker is not None else ("o2m" if many else "m2o")
    if kind not in get_args(RelationKind):
        raise ImproperlyConfigured(f"{owner}.{name}: unknown relation kind {kind!r}")
    if (kind == "m2o") == many:
        raise ImproperlyConfigured(
            f"{owner}.{name}: {kind} relations are annotated as "
            f"{'Model | key | None' if kind == 'm2o' else 'list[Model | key]'}"
        )
    model = models[0]
    junction = marker if isinstance(marker, ManyToMany) else None
    relation = Relation(
        cast(RelationKind, kind), lambda: model._meta,
        junction_field=junction.target if junction else None,
        through=junction.through if junction else None,
        through_pk=junction.through_pk if junction else "id",
    )
    return Analysed(model, keys, relation)


# -- related rows in payloads and answers ----------------------------------------------------------
def related_keys(value: Any) -> Any:
    """A relation's value as key(s): instances -> their pk (JSON form), unsaved -> None."""
    if isinstance(value, list):
        return [related_keys(v) for v in value]
    if is_model(value):
        return to_jsonable_python(value.pk)
    return value


def distinct_items(items: Iterable[Any]) -> list[Any]:
    """A to-many list without repeats: a row (by key) or an unsaved instance (by identity) is related
    once, as Django's ``add()`` relates a pair once - ``tags=[t, t.id]`` makes one junction row."""
    seen: set[Any] = set()
    out = []
    for item in items:
        key = item_key(item)
        mark = ("new", id(item)) if key is None else ("key", str(key))
        if mark not in seen:
            seen.add(mark)
            out.append(item)
    return out


def item_key(item: Any) -> Any:
    """An item of a to-many list -> its key in JSON form; None for an unsaved instance."""
    if is_model(item):
        return to_jsonable_python(item.pk) if item.is_stored else None
    return to_jsonable_python(item)


def nested_value(value: Any, rel: Analysed) -> Any:
    """A relation's value in a write: keys as they are; an unsaved instance as its fields (Directus
    creates it); a stored one with changes as ``{pk, changes}`` (Directus updates it); many-to-many
    items wrapped in their junction row (``{"tags_id": ...}``)."""
    if isinstance(value, list):
        return [rel.relation.wrap(_nested_item(v)) for v in distinct_items(value)]
    return _nested_item(value)


def _nested_item(value: Any) -> Any:
    """One related row or key in a write (``nested_value``), outside any junction row."""
    if isinstance(value, list):
        return [_nested_item(v) for v in value]
    if is_model(value):
        if not value.is_stored:
            return value._insert_payload()
        current = value._snapshot()
        changed = value._changed(current)
        key = current.get(value._meta.pk_name)
        if not changed:
            return key
        return {value._meta.pk_name: key, **value._payload(changed, current)}
    if isinstance(value, (dict, list)):
        return value
    return to_jsonable_python(value)


def load_related(rel: Analysed, value: Any, alias: str | None) -> Any:
    """Related rows in an answer -> stored instances; keys stay keys; junction rows are unwrapped."""
    if isinstance(value, list):
        out = []
        for item in value:
            item = rel.relation.unwrap(item)
            out.append(rel.model._from_db(item, alias) if isinstance(item, Mapping) else item)
        return out
    if isinstance(value, Mapping):
        return rel.model._from_db(value, alias)
    return value


def load_related_column(rel: Analysed, values: list[Any], alias: str | None) -> list[Any]:
    """``load_related`` for one relation's values across a page of rows: the related rows of the whole
    page are loaded as one page of the related model (one validation call where it allows)."""
    nested: list[Mapping[str, Any]] = []
    spots: list[tuple[list[Any], int]] = []
    out = list(values)
    if rel.kind == "m2o":
        for i, value in enumerate(out):
            if isinstance(value, (dict, Mapping)):  # dict first: no ABC check
                spots.append((out, i))
                nested.append(value)
    else:
        unwrap = rel.relation.unwrap
        for i, value in enumerate(out):
            if isinstance(value, list):
                items = [unwrap(v) for v in value]
                out[i] = items
                for j, item in enumerate(items):
                    if isinstance(item, Mapping):
                        spots.append((items, j))
                        nested.append(item)
    if nested:
        for (holder, j), obj in zip(spots, rel.model._from_db_page(nested, alias), strict=True):
            holder[j] = obj
    return out


def attach_answer(current: Any, rel: Analysed, value: Any, alias: str | None) -> Any:
    """The server's answer for a relation we wrote: the instances we sent take the answered rows (new
    keys, server values) and stay the same objects; keys stay keys."""
    if not isinstance(value, list):
        if is_model(current) and isinstance(value, Mapping):
            current._apply_row(value, alias)
            return current
        return load_related(rel, value, alias)
    if not (isinstance(current, list) and any(is_model(c) for c in current)):
        return load_related(rel, value, alias)
    rows = [rel.relation.unwrap(v) for v in value]
    pk = rel.model._meta.pk_name
    dict_rows = [r for r in rows if isinstance(r, Mapping)]
    known = {str(c.pk) if is_model(c) else str(c) for c in current
             if not is_model(c) or c.is_stored}
    by_key = {str(r.get(pk)): r for r in dict_rows}
    # Directus creates nested rows in the order sent: new keys ascend in that order.
    fresh = sorted((r for r in dict_rows if str(r.get(pk)) not in known),
                   key=lambda r: (isinstance(r.get(pk), str), r.get(pk)))
    for item in current:
        if is_model(item):
            match = by_key.get(str(item.pk)) if item.is_stored else (fresh.pop(0) if fresh else None)
            if match is not None:
                item._apply_row(match, alias)
    return list(current)
