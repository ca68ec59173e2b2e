"""The model registry (Django's ``apps``): which model class stands for which collection.

A concrete model registers its ``Meta.collection`` when its class is created. Two different classes
claiming one collection is almost always a mistake (two modules modelling one table), so the second
one issues a :class:`~directus_orm.exceptions.ConflictingModelWarning` and replaces the first in the
registry; it is a warning rather than Django's error because a test suite or a script may declare a
collection again on purpose (each test module its own ``Book``). Declaring the same class again (same
module and qualified name: a module reloaded, a function defining its model called twice) replaces it
silently, and so does a project's model replacing the library's model of a system collection.

Modules below ``base.py`` recognise models through :func:`is_model` / :func:`is_model_class` (every
``DirectusModel`` derives from :class:`ModelRoot`), so they never import ``base``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, TypeGuard

from ..exceptions import ConflictingModelWarning

if TYPE_CHECKING:
    from .base import DirectusModel

__all__ = [
    "ModelRegistry", "ModelRoot", "get_model", "is_model", "is_model_class", "models", "registered_models",
]


class ModelRoot:
    """The root of every ``DirectusModel`` class, abstract ones included."""

    __slots__ = ()


def is_model(obj: object) -> TypeGuard[DirectusModel]:
    """``isinstance(obj, DirectusModel)``."""
    return isinstance(obj, ModelRoot)


def is_model_class(tp: Any) -> TypeGuard[type[DirectusModel]]:
    """``issubclass(tp, DirectusModel)`` for anything, not only classes."""
    return isinstance(tp, type) and issubclass(tp, ModelRoot)


def _name(model: type[Any]) -> str:
    return f"{model.__module__}.{model.__qualname__}"


class ModelRegistry:
    """Collection name -> the model class declared last for it."""

    def __init__(self) -> None:
        self._models: dict[str, type[DirectusModel]] = {}

    def register(self, model: type[DirectusModel]) -> None:
        collection = model._meta.collection
        previous = self._models.get(collection)
        # A subclass taking over its parent's collection (``class MyFile(File)``) is the point, not a clash;
        # so is a project's model of a system collection the library models (its custom fields).
        if (previous is not None and _name(previous) != _name(model) and not issubclass(model, previous)
                and not previous.__module__.startswith("directus_orm.")):
            warnings.warn(
                f"{_name(model)} claims collection {collection!r}, already modelled by {_name(previous)}: "
                f"get_model({collection!r}) now answers {model.__qualname__}",
                ConflictingModelWarning, stacklevel=3,  # the class statement
            )
        self._models[collection] = model

    def get_model(self, collection: str) -> type[DirectusModel]:
        """The model registered for ``collection`` (the last one declared, if several)."""
        try:
            return self._models[collection]
        except KeyError:
            raise LookupError(f"no model is registered for collection {collection!r}") from None

    def all(self) -> dict[str, type[DirectusModel]]:
        return dict(self._models)


models = ModelRegistry()
"""The registry every model registers in."""


def get_model(collection: str) -> type[DirectusModel]:
    """The model registered for ``collection`` (the last one declared, if several)."""
    return models.get_model(collection)


def registered_models() -> dict[str, type[DirectusModel]]:
    """Collection name -> model, for every concrete model declared so far."""
    return models.all()
