"""System models: typed models of Directus's own collections (``directus_files``, ``directus_users`` ...).

A system model names its collection once; subclasses (the same collection with the project's custom
fields) inherit it instead of deriving a new collection from their class name. Their endpoints are the
system ones (``/files``, not ``/items/directus_files``):
:func:`~directus_orm.connection.paths.collection_path` maps every collection in ``SYSTEM_ENDPOINTS``.
"""

from __future__ import annotations

from typing import Any

from .base import DirectusModel, ModelBase

__all__ = ["SystemModel", "SystemModelBase"]


class SystemModelBase(ModelBase):
    """The metaclass: a subclass of a concrete system model keeps its parent's collection."""

    def __new__(
        mcs, name: str, bases: tuple[type[Any], ...], namespace: dict[str, Any], **kwargs: Any
    ) -> type:
        meta = namespace.get("Meta")
        if meta is None or not getattr(meta, "collection", None):
            implied = next((b.__dict__["_meta"].collection for base in bases for b in base.__mro__
                            if "_meta" in b.__dict__ and not b.__dict__["_meta"].abstract), None)
            if implied is not None:
                attrs = {k: v for k, v in vars(meta).items() if not k.startswith("_")} if meta else {}
                namespace["Meta"] = type("Meta", (), {**attrs, "collection": implied})
        return super().__new__(mcs, name, bases, namespace, **kwargs)


class SystemModel(DirectusModel, metaclass=SystemModelBase):
    """Base of the models of Directus's system collections. Subclass a concrete one to add the custom
    fields a project put on that collection::

        class File(directus_orm.files.File):   # still directus_files
            license: str | None = None
    """

    class Meta:
        abstract = True
