"""How each collection's endpoint behaves, in one declarative table (measured on Directus 12.4).

Most system endpoints are items endpoints under another path (``/roles``, ``/flows``). A few are not:
``/permissions`` answers every matching row whatever the ``limit`` and appends, for users with app
access, the app's minimal permissions (rows without a key, filtered leniently: ``id = 999999`` keeps
them) to every read, so its ``aggregate`` answers are rows, not counts, and ``GET /permissions/<missing
key>`` answers one of them; ``/collections``, ``/fields``, ``/relations`` and ``/extensions`` ignore
every query parameter (filter, sort, limit, offset, fields, aggregate) and answer the whole list;
``/activity`` and ``/revisions`` have no write routes; ``/settings`` (like any singleton) is one
object. The QuerySet and
the model layer consult :func:`endpoint_profile` before each request: what a profile refuses raises
:class:`~directus_orm.exceptions.UnsupportedOperation` before anything is sent; what it can emulate
honestly (a slice of a list read whole, a count of the rows read) is done client-side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..exceptions import UnsupportedOperation
from .serverinfo import require_version

if TYPE_CHECKING:
    from .client import Directus

__all__ = ["SYSTEM_PROFILES", "EndpointProfile", "endpoint_profile", "require_endpoint"]

Reads = Literal["query", "unlimited", "listing", "singleton"]
"""``query``: filter, sort, limit, offset and aggregate are honoured (an items endpoint). ``unlimited``:
filter, sort and offset are honoured, ``limit`` is not (every matching row comes back): slices are cut
client-side, counts are the rows read. ``listing``: no query parameter is honoured: the whole list is
read in one request; filters of equality (``exact``, ``in``, ``isnull`` and their negations, and/or) on
the rows' own fields and slices are applied client-side, anything else is refused. ``singleton``: one
object, read with ``objects.get()`` and written with ``save()``."""

_ALL_WRITES = frozenset({"create", "update", "delete"})


@dataclass(frozen=True)
class EndpointProfile:
    """What a collection's endpoint offers. ``writes``: the row writes it has routes for
    (``create``, ``update``, ``delete``); ``bulk_writes``: ``update()``/``delete()`` by query,
    ``bulk_create()``, ``bulk_update()``; ``item_reads``: ``GET <path>/<key>`` answers that row (and
    403 for a missing one); ``why``: the reason given when an operation is refused."""

    reads: Reads = "query"
    writes: frozenset[str] = _ALL_WRITES
    bulk_writes: bool = True
    item_reads: bool = True
    keyed_rows_only: bool = False
    """Rows without a key in the answer are not rows of the collection (``/permissions`` appends the app's
    minimal permissions to every read, whatever its filter): they are left out."""
    why: str = ""
    since: str | None = None
    """The Directus version the endpoint arrived in (``"11.0.0"``): on an older server every request
    for the collection raises ``UnsupportedByServer`` before it is sent (:func:`require_endpoint`)."""

    @property
    def counts(self) -> bool:
        """Whether ``aggregate`` answers are what was asked (else counts are the rows read)."""
        return self.reads == "query"

    def refuse(self, collection: str, operation: str, reason: str | None = None) -> UnsupportedOperation:
        """The :class:`~directus_orm.exceptions.UnsupportedOperation` to raise for ``operation`` on
        ``collection`` (``reason``, else why the endpoint lacks it), before any request."""
        return UnsupportedOperation(collection, operation, reason or self.why)

    def check_write(self, collection: str, operation: str) -> None:
        """Raise before any request when ``operation`` (create/update/delete) has no route."""
        if operation not in self.writes:
            raise self.refuse(collection, operation, self.why or "the endpoint has no such route")

    def check_bulk(self, collection: str, operation: str) -> None:
        """Raise before any request when writes by query or in bulk are not offered."""
        if not self.bulk_writes:
            raise self.refuse(collection, operation, self.why)


ITEMS = EndpointProfile()

_SCHEMA_WHY = ("it answers the whole list and ignores query parameters; schema changes go through "
               "directus_orm.schema (or the raw connection)")

SYSTEM_PROFILES: dict[str, EndpointProfile] = {
    "directus_permissions": EndpointProfile(
        reads="unlimited", item_reads=False, keyed_rows_only=True,
        why="/permissions ignores `limit` and appends the app's minimal permissions (rows without a key) "
            "to every read, so its aggregates are not counts"),
    "directus_activity": EndpointProfile(writes=frozenset(), bulk_writes=False,
                                         why="the activity log is read-only"),
    "directus_revisions": EndpointProfile(writes=frozenset(), bulk_writes=False,
                                          why="revisions are read-only"),
    "directus_settings": EndpointProfile(
        reads="singleton", writes=frozenset({"update"}), bulk_writes=False,
        why="settings is a singleton: read it with objects.get(), change it with save()"),
    "directus_collections": EndpointProfile(reads="listing", writes=frozenset(), bulk_writes=False,
                                            why=f"/collections {_SCHEMA_WHY}"),
    "directus_fields": EndpointProfile(reads="listing", writes=frozenset(), bulk_writes=False,
                                       item_reads=False, why=f"/fields {_SCHEMA_WHY}"),
    "directus_relations": EndpointProfile(reads="listing", writes=frozenset(), bulk_writes=False,
                                          item_reads=False, why=f"/relations {_SCHEMA_WHY}"),
    "directus_policies": EndpointProfile(since="11.0.0", why="/policies is new in Directus 11; Directus 10 "
                                         "keeps permissions and app/admin access on the role"),
    "directus_access": EndpointProfile(since="11.0.0", why="/access (policies attached to roles and users) "
                                       "is new in Directus 11"),
    "directus_comments": EndpointProfile(since="11.0.0", why="/comments is new in Directus 11; Directus 10 "
                                         "keeps comments in the activity log (directus_activity)"),
    "directus_extensions": EndpointProfile(
        reads="listing", writes=frozenset({"update", "delete"}), bulk_writes=False, item_reads=False,
        why="/extensions answers the whole list, ignores query parameters and installs through the "
            "marketplace routes"),
}
"""The system collections whose endpoints differ from an items endpoint, with how each differs."""

SINGLETON = EndpointProfile(
    reads="singleton", writes=frozenset({"update"}), bulk_writes=False,
    why="a singleton is one object: read it with objects.get(), change it with save()")


async def require_endpoint(profile: EndpointProfile, conn: Directus, collection: str) -> None:
    """Raise ``UnsupportedByServer`` before any request when the server predates the endpoint
    (``profile.since``); a server whose version is not visible is let through."""
    if profile.since is not None:
        await require_version(conn, profile.since, f"collection {collection!r} ({profile.why})")


def endpoint_profile(collection: str, singleton: bool = False) -> EndpointProfile:
    """The profile of ``collection``'s endpoint; ``singleton``: the model declares ``Meta.singleton``."""
    profile = SYSTEM_PROFILES.get(collection)
    if profile is not None:
        return profile
    return SINGLETON if singleton else ITEMS
