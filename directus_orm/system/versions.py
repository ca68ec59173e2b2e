"""``conn.versions``: content versions (``directus_versions``) - create one for an item, write to it,
compare it with the published item and promote it. Reading a version: ``qs.version("draft")``;
writing an instance to one: ``await obj.save(version="draft")``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import PydanticSerializationError, to_jsonable_python

from ..connection.client import Directus
from ..connection.paths import path_segment
from ..exceptions import (
    InvalidArgument,
    ObjectDoesNotExist,
    UnexpectedResponse,
    UnprocessableContent,
    VersionHashMismatch,
)
from ..models.base import DirectusModel
from ..models.registry import registered_models
from ..query.sendable import refuse_unsendable
from ..query.versioning import check_version_key, find_version, save_delta, save_to_version, version_of
from ..sync import SyncFace
from .content import DirectusVersion
from .endpoints import Endpoints, data_of
from .fieldcheck import server_fields
from .utils import collection_name, model_values, pk_field

__all__ = ["VersionComparison", "VersionRef", "Versions"]

VersionRef = str | uuid.UUID | DirectusVersion | Mapping[str, Any]
"""A version: its id (a UUID, or its text), its row (``DirectusVersion``), or a dict with ``id``."""


@dataclass(frozen=True)
class VersionComparison:
    """``GET /versions/<id>/compare``: ``current`` the version's changes (with the item's key),
    ``main`` the published item, ``main_hash`` its hash now (promote with it), ``outdated`` whether
    the published item changed since the version was made or last saved."""

    outdated: bool
    main_hash: str
    current: dict[str, Any] = field(default_factory=dict)
    main: dict[str, Any] = field(default_factory=dict)

    @property
    def changed_fields(self) -> list[str]:
        """The fields whose version value differs from the published one (the key left out)."""
        return [name for name, value in self.current.items()
                if name in self.main and self.main[name] != value and str(self.main[name]) != str(value)]


# Directus 11 refuses a stale hash with a plain UNPROCESSABLE_CONTENT and this reason (12 added the
# VERSION_HASH_MISMATCH code): the same refusal, so the same error.
_STALE_HASH_REASON = "Main item has changed since this version was last updated"


def _is_stale_hash(exc: UnprocessableContent) -> bool:
    return not isinstance(exc, VersionHashMismatch) and exc.extensions.get("reason") == _STALE_HASH_REASON


def _version_id(version: VersionRef) -> str:
    key: Any = version
    if isinstance(version, DirectusVersion):
        key = version.id
    elif isinstance(version, Mapping):
        key = version.get("id")
    if isinstance(key, uuid.UUID):
        return str(key)
    if not isinstance(key, str) or not key:
        raise InvalidArgument(f"expected a version id (or its row), got {version!r}")
    return key


def _collection_of(version: VersionRef) -> str | None:
    """The version's collection when ``version`` is a row that says it."""
    coll = version.collection if isinstance(version, DirectusVersion) else (
        version.get("collection") if isinstance(version, Mapping) else None)
    return coll if isinstance(coll, str) and coll else None


def typed_version(row: Any, method: str, path: str) -> DirectusVersion:
    """A version row as Directus answered it -> ``DirectusVersion`` (``InvalidRow`` when it cannot be
    one, ``UnexpectedResponse`` when the answer is not a row)."""
    if not isinstance(row, Mapping) or not row.get("id"):
        raise UnexpectedResponse(f"{method} {path} answered {type(row).__name__}, not a version row",
                                 status=200, method=method, path=path)
    return DirectusVersion._from_db(row)


class Versions(Endpoints, SyncFace):
    """``conn.versions`` (blocking: ``conn.versions.sync.compare(version_id)``). A version is named by
    its id (a UUID) or its row (a dict with ``id``); ``for_item`` finds one by item and key."""

    async def create(
        self, collection: str | type[DirectusModel], item: Any, key: str = "draft", *, name: str | None = None
    ) -> DirectusVersion:
        """A new version ``key`` of ``item`` (a key or a stored instance), named ``name`` (default: the
        key); its row. A second version with the same key for the item is refused by Directus."""
        coll, key_of_item = collection_name(collection), _item_key(item)
        body = await self._conn().post("/versions", json={
            "key": check_version_key(key), "name": name or key, "collection": coll, "item": str(key_of_item)})
        return typed_version(data_of(body, "POST", "/versions"), "POST", "/versions")

    async def for_item(
        self, collection: str | type[DirectusModel], item: Any, key: str = "draft", *, create: bool = False
    ) -> DirectusVersion | None:
        """The version ``key`` of ``item``: its row, None when there is none (``create=True``: made then)."""
        coll, key_of_item = collection_name(collection), _item_key(item)
        check_version_key(key)
        if create:
            row: dict[str, Any] | None = await version_of(self._conn(), coll, key_of_item, key)
        else:
            row = await find_version(self._conn(), coll, key_of_item, key)
        return None if row is None else typed_version(row, "GET", "/versions")

    async def save(self, version: VersionRef, delta: Mapping[str, Any]) -> dict[str, Any]:
        """Add ``delta`` (field -> value) to the version's changes; the published item is not touched.
        Returns the item as the version now has it (the published row with every change applied).
        Checked before sending, since Directus keeps whatever a delta holds: ``delta`` maps field
        names to JSON values, never the item's key (``InvalidArgument``); its names are fields of the
        collection and its values fit their types (``FieldError``), and fit the model registered for
        the collection, if any. An answer without every sent field raises ``UnexpectedResponse``."""
        vid, conn = _version_id(version), self._conn()
        coll = _collection_of(version)
        if coll is None:
            path = f"/versions/{path_segment(vid)}"
            coll = str(data_of(await conn.get(path, params={"fields": ["collection"]}), "GET", path)
                       .get("collection"))
        values = await _checked_delta(conn, coll, registered_models().get(coll), delta, "versions.save()")
        return dict(await save_delta(conn, vid, values))

    async def save_item(
        self, collection: str | type[DirectusModel], item: Any, key: str, delta: Mapping[str, Any]
    ) -> dict[str, Any]:
        """:meth:`save` to the version ``key`` of ``item``, created when missing. With a model class,
        ``delta`` is checked against it first (``FieldError``: a field it lacks, a value of the wrong
        type); and always, as :meth:`save` checks it, against the server's fields."""
        coll, conn = collection_name(collection), self._conn()
        model = collection if not isinstance(collection, str) else registered_models().get(coll)
        values = await _checked_delta(conn, coll, model, delta, "save_item()")
        return await save_to_version(conn, coll, _item_key(item), key, values)

    async def compare(self, version: VersionRef) -> VersionComparison:
        """The version next to the published item (``GET /versions/<id>/compare``)."""
        path = f"/versions/{path_segment(_version_id(version))}/compare"
        data = data_of(await self._conn().get(path), "GET", path)
        main_hash = data.get("mainHash")
        if not isinstance(main_hash, str):
            raise UnexpectedResponse(f"GET {path} answered without mainHash", status=200, method="GET",
                                     path=path)
        return VersionComparison(outdated=bool(data.get("outdated")), main_hash=main_hash,
                                 current=dict(data.get("current") or {}), main=dict(data.get("main") or {}))

    async def promote(
        self,
        version: VersionRef,
        main_hash: str | None = None,
        *,
        fields: Sequence[str] | None = None,
    ) -> Any:
        """Write the version's changes (or only ``fields``) to the published item; returns the item's
        key. ``main_hash``: the published item's hash the changes were reviewed against (from
        :meth:`compare`); when the item changed since, Directus refuses with
        :class:`~directus_orm.exceptions.VersionHashMismatch` and nothing is written. Without it, the
        hash is read now (a plain "promote what the version holds")."""
        vid = _version_id(version)
        if main_hash is None:
            main_hash = (await self.compare(vid)).main_hash
        body: dict[str, Any] = {"mainHash": main_hash}
        if fields is not None:
            if isinstance(fields, str) or not fields:
                raise InvalidArgument("fields= is a non-empty list of field names")
            body["fields"] = list(fields)
        conn = self._conn()
        coll = _collection_of(version)
        if coll is None:
            row = data_of(await conn.get(f"/versions/{path_segment(vid)}", params={"fields": ["collection"]}),
                          "GET", "/versions/<id>")
            coll = str(row.get("collection"))
        path = f"/versions/{path_segment(vid)}/promote"
        try:
            answer = data_of(await conn.post(path, json=body), "POST", path, (str, int))
        except UnprocessableContent as exc:
            if _is_stale_hash(exc):
                raise VersionHashMismatch(exc.message, status=exc.status, code=exc.code,
                                          extensions=exc.extensions, errors=exc.errors, method=exc.method,
                                          path=exc.path) from exc
            raise
        # Directus answers the key as the version holds it (a string): an integer key comes back an int.
        pk = await pk_field(conn, coll)
        numeric = pk.get("type") in ("integer", "bigInteger")
        if isinstance(answer, str) and numeric and answer.lstrip("-").isdigit():
            return int(answer)
        return answer

    async def delete(self, version: VersionRef) -> None:
        """Drop the version (its changes are lost; the published item stays). A version that does not
        exist (already deleted) raises ``ObjectDoesNotExist``: Directus answers its delete like any."""
        conn, vid = self._conn(), _version_id(version)
        body = await conn.get("/versions", params={"filter": {"id": {"_eq": vid}}, "fields": ["id"],
                                                   "limit": 1})
        if not (body or {}).get("data"):
            raise ObjectDoesNotExist(f"version {vid} does not exist (already deleted?); nothing was deleted")
        await conn.delete(f"/versions/{path_segment(vid)}")


async def _checked_delta(conn: Directus, collection: str, model: type[DirectusModel] | None,
                         delta: Mapping[str, Any], context: str) -> dict[str, Any]:
    """``delta`` as JSON values, checked against ``model`` (if any) and the server's fields."""
    if not isinstance(delta, Mapping) or not all(isinstance(k, str) and k for k in delta):
        raise InvalidArgument(f"{context}: the delta maps field names to values, got {delta!r}")
    if model is not None:
        values = model_values(model, delta, context)
    else:
        try:
            values = dict(to_jsonable_python(dict(delta)))
        except PydanticSerializationError as exc:
            raise InvalidArgument(f"{context}: a value is not JSON data: {exc}") from None
        refuse_unsendable(collection, (), values, values)
    fields = await server_fields(conn, collection)
    fields.check_json(values, context)
    if fields.pk is not None and fields.pk in values:
        raise InvalidArgument(f"{context}: a version cannot change the item's key {fields.pk!r} (Directus "
                              "keeps the item's own); nothing was sent")
    return values


def _item_key(item: Any) -> Any:
    if isinstance(item, DirectusModel):
        if not item.is_stored:
            raise InvalidArgument(f"{type(item).__name__} is not stored yet: a version belongs to a "
                                  "stored row")
        return item.pk
    if isinstance(item, bool) or not isinstance(item, (str, int)) or item == "":
        raise InvalidArgument(f"expected an item key (str or int) or a stored instance, got {item!r}")
    return item
