"""``conn.versions``: content versions (``directus_versions``) - create one for an item, write to it,
compare it with the published item and promote it. Reading a version: ``qs.version("draft")``;
writing an instance to one: ``await obj.save(version="draft")``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..connection.paths import path_segment
from ..exceptions import (
    InvalidArgument,
    ObjectDoesNotExist,
    UnexpectedResponse,
    UnprocessableContent,
    VersionHashMismatch,
)
from ..models.base import DirectusModel
from ..query.versioning import check_version_key, find_version, save_delta, save_to_version, version_of
from ..sync import SyncFace
from .endpoints import Endpoints, data_of
from .utils import collection_name, model_values, pk_field

__all__ = ["VersionComparison", "Versions"]


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


def _version_id(version: str | Mapping[str, Any]) -> str:
    key = version.get("id") if isinstance(version, Mapping) else version
    if not isinstance(key, str) or not key:
        raise InvalidArgument(f"expected a version id (or its row), got {version!r}")
    return key


class Versions(Endpoints, SyncFace):
    """``conn.versions`` (blocking: ``conn.versions.sync.compare(version_id)``). A version is named by
    its id (a UUID) or its row (a dict with ``id``); ``for_item`` finds one by item and key."""

    async def create(
        self, collection: str | type[DirectusModel], item: Any, key: str = "draft", *, name: str | None = None
    ) -> dict[str, Any]:
        """A new version ``key`` of ``item`` (a key or a stored instance), named ``name`` (default: the
        key); its row. A second version with the same key for the item is refused by Directus."""
        coll, key_of_item = collection_name(collection), _item_key(item)
        body = await self._conn().post("/versions", json={
            "key": check_version_key(key), "name": name or key, "collection": coll, "item": str(key_of_item)})
        return dict(data_of(body, "POST", "/versions"))

    async def for_item(
        self, collection: str | type[DirectusModel], item: Any, key: str = "draft", *, create: bool = False
    ) -> dict[str, Any] | None:
        """The version ``key`` of ``item``: its row, None when there is none (``create=True``: made then)."""
        coll, key_of_item = collection_name(collection), _item_key(item)
        check_version_key(key)
        if create:
            return await version_of(self._conn(), coll, key_of_item, key)
        return await find_version(self._conn(), coll, key_of_item, key)

    async def save(self, version: str | Mapping[str, Any], delta: Mapping[str, Any]) -> dict[str, Any]:
        """Add ``delta`` (field -> value) to the version's changes; the published item is not touched.
        Returns the item as the version now has it (the published row with every change applied)."""
        return dict(await save_delta(self._conn(), _version_id(version), delta))

    async def save_item(
        self, collection: str | type[DirectusModel], item: Any, key: str, delta: Mapping[str, Any]
    ) -> dict[str, Any]:
        """:meth:`save` to the version ``key`` of ``item``, created when missing. With a model class,
        ``delta`` is checked against it first (``FieldError``: a field it lacks, a value of the wrong
        type)."""
        values = model_values(collection, delta, "save_item()")
        return await save_to_version(self._conn(), collection_name(collection), _item_key(item), key, values)

    async def compare(self, version: str | Mapping[str, Any]) -> VersionComparison:
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
        version: str | Mapping[str, Any],
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
        coll = version.get("collection") if isinstance(version, Mapping) else None
        if not isinstance(coll, str):
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

    async def delete(self, version: str | Mapping[str, Any]) -> None:
        """Drop the version (its changes are lost; the published item stays). A version that does not
        exist (already deleted) raises ``ObjectDoesNotExist``: Directus answers its delete like any."""
        conn, vid = self._conn(), _version_id(version)
        body = await conn.get("/versions", params={"filter": {"id": {"_eq": vid}}, "fields": ["id"],
                                                   "limit": 1})
        if not (body or {}).get("data"):
            raise ObjectDoesNotExist(f"version {vid} does not exist (already deleted?); nothing was deleted")
        await conn.delete(f"/versions/{path_segment(vid)}")


def _item_key(item: Any) -> Any:
    if isinstance(item, DirectusModel):
        if not item.is_stored:
            raise InvalidArgument(f"{type(item).__name__} is not stored yet: a version belongs to a "
                                  "stored row")
        return item.pk
    if isinstance(item, bool) or not isinstance(item, (str, int)) or item == "":
        raise InvalidArgument(f"expected an item key (str or int) or a stored instance, got {item!r}")
    return item
