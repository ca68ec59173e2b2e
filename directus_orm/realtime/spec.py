"""A QuerySet -> what to subscribe to: collection, Directus query, event filter, row loading, key type.

Reads only the QuerySet's public surface (``qs.query``, ``qs.db``, ``qs.model``) and its row loading
(``qs._results``: the same conversion as a read, so events carry the instances a read would).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..exceptions import ObjectDoesNotExist
from ..query.queryset import QuerySet
from .errors import UnsupportedSubscription
from .events import EVENT_TYPES

__all__ = ["SubscriptionSpec", "spec_for"]


@dataclass(frozen=True)
class SubscriptionSpec:
    collection: str
    pk: str
    query: dict[str, Any]  # Directus's query object: filter, search, fields, deep, sort, limit
    events: frozenset[str]  # which item events the consumer wants
    server_event: str | None  # the server-side event filter (only when one event and no snapshot)
    item: Any
    init: bool
    alias: str
    load: Callable[[list[dict[str, Any]]], list[Any]]
    key_kind: str  # "integer", "uuid", "string" or "any" (dict collections: read from the server)
    needs_key_kind: bool  # a dict collection: ask the server the primary key's name and type
    does_not_exist: type[ObjectDoesNotExist] = ObjectDoesNotExist
    """What a missing ``item`` raises (the model's ``DoesNotExist``)."""


def spec_for(qs: QuerySet[Any], events: Sequence[str] | str | None, item: Any,
             init: bool) -> SubscriptionSpec:
    query = qs.query
    label = f"subscribe() on {query.schema.collection}"
    if query.is_sliced:
        raise UnsupportedSubscription(f"{label}: a sliced QuerySet cannot be followed (events are not "
                                      "paged); subscribe to the unsliced QuerySet")
    if query.columns is not None or query.group_by is not None or query.annotations:
        raise UnsupportedSubscription(f"{label}: values(), values_list() and annotate() cannot be "
                                      "subscribed to; subscribe to the rows")
    if query.is_empty:
        raise UnsupportedSubscription(f"{label}: the QuerySet matches nothing (none())")
    if query.needs_emulation:
        raise UnsupportedSubscription(
            f"{label}: the filter holds conditions Directus cannot evaluate (emulated with a key list "
            "read once), which would not apply to rows written later; rewrite the condition")
    wanted = _events(events, label)
    params = query.params()
    params.pop("offset", None)
    # limit -1: the snapshot is every matching row (the default would be 100), and events about many
    # rows are read whole (Directus reads them with the subscription's query).
    params["limit"] = -1
    server_event = next(iter(wanted)) if len(wanted) == 1 and not init else None
    pk = query.schema.pk_name
    info = query.schema.get_field(pk)
    alias = qs.db
    model = qs.model

    def load(rows: list[dict[str, Any]]) -> list[Any]:
        return list(qs._results(rows, alias))

    return SubscriptionSpec(
        collection=query.schema.collection, pk=pk, query=params, events=frozenset(wanted),
        server_event=server_event, item=item, init=init, alias=alias, load=load,
        key_kind=(info.kind if info is not None and model is not None else "any"),
        needs_key_kind=model is None, does_not_exist=qs._adapter.does_not_exist,
    )


def _events(events: Sequence[str] | str | None, label: str) -> set[str]:
    if events is None:
        return set(EVENT_TYPES)
    if not isinstance(events, (str, list, tuple, set, frozenset)):
        raise UnsupportedSubscription(f"{label}: events must be an event name or a list of them, "
                                      f"got {events!r}")
    listed = [events] if isinstance(events, str) else list(events)
    chosen = set(listed)
    if len(chosen) != len(listed):
        raise UnsupportedSubscription(f"{label}: events lists {listed!r} with repeats")
    unknown = {e for e in chosen if not isinstance(e, str)} | (chosen - set(EVENT_TYPES))
    if unknown or not chosen:
        raise UnsupportedSubscription(f"{label}: events must be among {', '.join(EVENT_TYPES)}, "
                                      f"got {sorted(map(str, unknown)) or 'none'}")
    return chosen


def key_converter(kind: str) -> Callable[[Any], Any]:
    """Directus sends deleted keys as strings or numbers depending on how the delete was made:
    one type, the primary key's."""
    if kind == "integer":
        return _to_int
    if kind == "uuid":
        return _to_uuid
    if kind == "string":
        return str
    return _same


def _to_int(key: Any) -> Any:
    if isinstance(key, str) and key.lstrip("-").isdigit():
        return int(key)
    return key


def _to_uuid(key: Any) -> Any:
    try:
        return uuid.UUID(str(key))
    except ValueError:
        return key


def _same(key: Any) -> Any:
    return key
