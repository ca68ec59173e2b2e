"""Queries: ``Q``, lookups, the pure compiler, ``QuerySet`` and dict collections."""

from .collection import collection
from .compiler import EVERYTHING, NOTHING, Query
from .q import Q
from .queryset import QuerySet

__all__ = ["EVERYTHING", "NOTHING", "Q", "Query", "QuerySet", "collection"]
