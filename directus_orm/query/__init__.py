"""Queries: ``Q``, lookups, the filter compiler (``where``), the query state (``query``), ``QuerySet``,
aggregates, dict collections."""

from .aggregates import Aggregate, Avg, Count, Max, Min, Sum
from .batched import AggregateOf, CountOf, aggregate_of, count_of
from .collection import collection
from .dynamic import CurrentPolicies, CurrentRole, CurrentRoles, CurrentUser, DynamicVariable, Now
from .q import Q
from .query import Query
from .queryset import Page, Prefetch, QuerySet, ResultStream
from .where import EVERYTHING, NOTHING

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "Aggregate",
    "AggregateOf",
    "Avg",
    "Count",
    "CountOf",
    "CurrentPolicies",
    "CurrentRole",
    "CurrentRoles",
    "CurrentUser",
    "DynamicVariable",
    "Max",
    "Min",
    "Now",
    "Page",
    "Prefetch",
    "Q",
    "Query",
    "QuerySet",
    "ResultStream",
    "Sum",
    "aggregate_of",
    "collection",
    "count_of",
]
