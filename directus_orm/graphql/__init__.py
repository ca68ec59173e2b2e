"""QuerySets over GraphQL: the same compiled ``Query`` the REST path sends, as a GraphQL document
(``selection``: fields and relations; ``reads``: filter, sort, slice, aggregates), and ``gather()``:
several reads in one request.

This package sits between the connection and the query layers: it reads a ``Query`` through its
methods (``filter_params()``, ``fields()``, ``deep_param()``, ``sort()``, ``aggregate_param()``) and
never imports the query package at run time; the QuerySet passes in how answered rows become results.
"""

from __future__ import annotations

from .batch import Batch, Batchable, gather
from .document import Document, Field
from .reads import Read, aggregate_read, constant_read, rows_read

__all__ = ["Batch", "Batchable", "Document", "Field", "Read", "aggregate_read", "constant_read", "gather",
           "rows_read"]
