"""What a subscription yields: :class:`SubscriptionEvent`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

__all__ = ["EVENT_TYPES", "EventType", "SubscriptionEvent"]

T = TypeVar("T")

EventType = Literal["init", "create", "update", "delete", "disconnected", "reconnected"]
"""The ``event`` of a :class:`SubscriptionEvent`: Directus's ``init``/``create``/``update``/``delete``,
plus ``disconnected``/``reconnected`` when the socket drops and comes back."""
EVENT_TYPES = ("create", "update", "delete")
"""The item events Directus sends (``init`` is the snapshot; ``disconnected`` and ``reconnected`` are our
own markers)."""


@dataclass(frozen=True)
class SubscriptionEvent(Generic[T]):
    """One message of a subscription.

    * ``init``: the snapshot of the matching rows when the subscription started (``instances``);
      again after each ``reconnected``, so a consumer can reconcile.
    * ``create`` / ``update``: the rows written, as the QuerySet would load them (``instances``); only
      rows matching the filter are sent.
    * ``delete``: ``keys`` of the deleted rows, normalised to the primary key's type. Directus sends
      them to every subscription on the collection, whatever its filter: a key may belong to a row
      that never matched.
    * ``disconnected`` (only with ``subscribe(disconnected=True)``): the socket was just lost, or the
      token expired (``reason``); from now on events are missed until the ``reconnected`` that follows
      (or the error that ends the subscription, when reconnecting gives up).
    * ``reconnected``: the socket was lost or the subscription had to be renewed (``reason``): events
      in between may be missing. An ``init`` with the current rows follows (unless ``init=False``).
    """

    type: EventType
    instances: list[T] = field(default_factory=list)
    keys: list[Any] = field(default_factory=list)
    reason: str = ""

    def __repr__(self) -> str:
        if self.type == "delete":
            detail = f" keys={self.keys!r}"
        elif self.type in ("disconnected", "reconnected"):
            detail = f" reason={self.reason!r}"
        else:
            detail = f" {len(self.instances)} instance(s)"
        return f"<SubscriptionEvent {self.type}{detail}>"
