"""The declaration of a many-to-any field (``directus_orm.schema.ManyToAny``).

The ORM reads a many-to-any field as the list of its junction rows' keys (queries and writes have no
many-to-any relation yet: a query takes only ``isnull`` on it, and its messages name it a many-to-any
field); this marker says what ``migrate`` creates and ``check`` compares::

    blocks: Annotated[list[int], ManyToAny(through="pages_blocks", source="pages_id",
                                           allowed=("quotes", "headings"))] = Field(default_factory=list)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ManyToAny"]


@dataclass(frozen=True)
class ManyToAny:
    """A many-to-any field through the junction collection ``through``: ``source`` is the junction's
    field pointing back at this model, ``item`` the one holding the related row's key and
    ``collection_field`` the one naming its collection, one of ``allowed``; ``through_pk`` is the
    junction's primary key. The defaults are the names the Directus app gives them."""

    through: str
    source: str
    allowed: tuple[str, ...]
    item: str = "item"
    collection_field: str = "collection"
    through_pk: str = "id"

    def problem(self) -> str | None:
        """What is wrong with this declaration (None: nothing), said before anything is sent."""
        names = (self.through, self.source, self.item, self.collection_field, self.through_pk)
        if not all(isinstance(n, str) and n for n in names):
            return "ManyToAny(...): through, source, item, collection_field and through_pk must be names"
        if len({self.source, self.item, self.collection_field, self.through_pk}) != 4:
            return "ManyToAny(...): the junction's fields (source, item, collection_field, through_pk) " \
                   "must differ"
        if (not isinstance(self.allowed, tuple) or not self.allowed
                or not all(isinstance(c, str) and c for c in self.allowed)):
            return "ManyToAny(allowed=...) must be a non-empty tuple of collection names"
        return None
