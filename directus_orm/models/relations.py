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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from ..exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .base import DirectusModel

__all__ = ["ManyToMany", "ManyToOne", "OneToMany", "RelationMarker", "analyse"]


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
    #: The junction collection's primary key (removing a link deletes its junction row by this key).
    through_pk: str = "id"

    def __post_init__(self) -> None:
        if not self.target:
            raise ImproperlyConfigured(
                "ManyToMany(...) needs target=: the junction collection's field that points at the "
                "related collection (e.g. target='tags_id')"
            )


@dataclass(frozen=True)
class Analysed:
    """What an annotation says about a relation: the related model, the key type(s), many or one."""

    kind: str
    model: type[DirectusModel]
    key_types: tuple[Any, ...]
    marker: RelationMarker | None


def _is_model(tp: Any) -> bool:
    from .base import DirectusModel

    return isinstance(tp, type) and issubclass(tp, DirectusModel)


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
    models = [m for m in members if _is_model(m)]
    if not models:
        if marker is not None:
            raise ImproperlyConfigured(
                f"{owner}.{name}: {type(marker).__name__} needs a model in the annotation, e.g. "
                f"{'list[Tag | int]' if marker.kind != 'm2o' else 'Author | int | None'}"
            )
        return None
    if len(models) > 1:
        raise ImproperlyConfigured(f"{owner}.{name}: a relation relates to one model, got {models}")
    keys = tuple(m for m in members if not _is_model(m))
    kind = marker.kind if marker is not None else ("o2m" if many else "m2o")
    if (kind == "m2o") == many:
        raise ImproperlyConfigured(
            f"{owner}.{name}: {kind} relations are annotated as "
            f"{'Model | key | None' if kind == 'm2o' else 'list[Model | key]'}"
        )
    return Analysed(kind, models[0], keys, marker)
