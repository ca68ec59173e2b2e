"""``conn.utils``: random strings, manual sorting, the cache, import / export and reverting a revision
(``/utils/*``). ``/utils/hash/*`` was removed in Directus 12.1 and is not offered."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..connection.client import Directus
from ..connection.paths import collection_path, path_segment
from ..connection.serverinfo import require_version
from ..exceptions import (
    ExportFailed,
    Forbidden,
    InvalidArgument,
    ObjectDoesNotExist,
    RequestTimeout,
    UnexpectedResponse,
)
from ..files.multipart import FilePart, MultipartBody
from ..files.sources import UploadSource, source_from
from ..models.adapter import ModelAdapter
from ..models.base import DirectusModel
from ..query.queryset import QuerySet
from ..query.sendable import refuse_unsendable
from ..sync import SyncFace, SyncProxy, unwrap
from .endpoints import Endpoints, data_of
from .importcheck import check_import_answer, checked_content
from .keys import key_of

__all__ = ["ExportFormat", "ImportResult", "Utils"]

ExportFormat = Literal["csv", "csv_utf8", "json", "xml", "yaml"]
_IMPORT_TYPES = {"json": "application/json", "csv": "text/csv"}
_EXPORT_FORMATS = ("csv", "csv_utf8", "json", "xml", "yaml")


@dataclass(frozen=True)
class ImportResult:
    """What ``POST /utils/import`` did (or, with ``dry_run``, would do) per collection: the keys that
    existed (``existing``), were created (``new``) or deleted (``deleted``); ``mapped``: keys given in
    the items and the keys they got (``add`` mode gives existing keys new ones)."""

    applied: bool
    mode: str
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def created(self, collection: str) -> list[Any]:
        """The keys the import created in ``collection`` (``[]`` when none)."""
        return list(self.collections.get(collection, {}).get("new") or [])


def collection_name(target: str | type[DirectusModel]) -> str:
    """A collection name, or a model class's collection."""
    if isinstance(target, str):
        if not target:
            raise InvalidArgument("a collection name is a non-empty string")
        return target
    if isinstance(target, type) and issubclass(target, DirectusModel):
        return target._meta.collection
    raise InvalidArgument(f"expected a collection name or a model class, got {target!r}")


def _flag(value: bool) -> dict[str, str]:
    return {"true": "true"} if value else {}


class Utils(Endpoints, SyncFace):
    """``conn.utils`` (blocking: ``conn.utils.sync.random_string(32)``)."""

    async def random_string(self, length: int = 32) -> str:
        """A random URL-safe string of ``length`` characters (1 to 500), made by the server."""
        if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 500:
            raise InvalidArgument(f"length must be an int from 1 to 500, got {length!r}")
        path = "/utils/random/string"
        text = data_of(await self._conn().get(path, params={"length": length}), "GET", path, str)
        if len(text) != length:
            raise UnexpectedResponse(f"{path} answered {len(text)} characters for length={length}",
                                     status=200, method="GET", path=path)
        return str(text)

    async def sort(self, collection: str | type[DirectusModel], item: Any, to: Any) -> None:
        """Move ``item`` (a key or an instance) to the place of ``to`` in the collection's manual order
        (its ``sort`` field, the one ``meta.sort_field`` names); the rows between shift by one."""
        name = collection_name(collection)
        keys = [key_of(obj, "sort()") for obj in (item, to)]
        conn = self._conn()
        # Directus answers a key that matches no row with a 500: both are looked up first.
        pk = await _pk_name(conn, collection, name)
        body = await conn.get(collection_path(name), params={
            "filter": {pk: {"_in": keys}}, "fields": [pk], "limit": 2})
        found = {str(row.get(pk)) for row in (body or {}).get("data") or []}
        missing = [key for key in keys if str(key) not in found]
        if missing:
            raise ObjectDoesNotExist(f"sort(): {name!r} has no row with key(s) {missing}; nothing was moved")
        await conn.post(f"/utils/sort/{path_segment(name)}", json={"item": keys[0], "to": keys[1]})

    async def clear_cache(self, *, system: bool = False) -> None:
        """Clear the data cache (``system=True``: the schema and permissions caches too). Admin only."""
        await self._conn().post("/utils/cache/clear", params={"system": "true"} if system else None)

    async def revert(self, revision: int | str | DirectusModel) -> None:
        """Restore the item a revision belongs to (``directus_revisions``) to the data of that revision
        (its key, or the ``DirectusRevision`` row)."""
        key = key_of(revision, "revert()")
        await self._conn().post(f"/utils/revert/{path_segment(str(key))}")

    async def import_file(
        self,
        collection: str | type[DirectusModel],
        source: UploadSource,
        *,
        format: Literal["json", "csv"] | None = None,
        filename: str | None = None,
        background: bool = False,
    ) -> None:
        """Import a JSON (a list of objects) or CSV (a header row) file into ``collection``
        (``POST /utils/import/<collection>``). Rows with an existing key update it, others are created;
        columns the collection lacks are dropped by Directus. ``format`` defaults to the file name's
        extension. ``background=True`` returns at once (Directus notifies the user when done); else
        this returns once every row is written, or raises the server's refusal (nothing written: the
        import runs in one transaction). A file in memory or on disk is checked first (see
        :mod:`.importcheck`): a name the collection lacks or a value of the wrong type raises
        ``FieldError`` and nothing is sent."""
        name = collection_name(collection)
        guessed = format or _format_of(filename or _name_of(source))
        if guessed not in _IMPORT_TYPES:
            raise InvalidArgument(f"import_file() reads json or csv: give format=, got {format!r}")
        conn, path = self._conn(), f"/utils/import/{path_segment(name)}"
        model_row = None if isinstance(collection, str) else (
            lambda row: model_values(collection, row, f"import_file({name!r})"))
        content = await checked_content(conn, name, guessed, source, model_row)
        part = source_from(source if content is None else content, filename=filename or f"import.{guessed}",
                           content_type=_IMPORT_TYPES[guessed])
        body = MultipartBody([FilePart(part, {})])
        answer = await conn.send("POST", path, content=body, headers=body.headers(),
                                 params={"background": "true"} if background else None)
        check_import_answer(answer, path)

    async def import_items(
        self,
        items: Mapping[str | type[DirectusModel], Sequence[Mapping[str, Any]]],
        *,
        mode: Literal["add", "merge"] = "add",
        dry_run: bool = False,
        allow_delete: bool = False,
    ) -> ImportResult:
        """Import items into several collections at once (``POST /utils/import``), related keys mapped
        between them: ``{"authors": [{...}], "books": [{...}]}``. ``mode="add"`` creates every item
        (keys given in it are remapped to new ones: ``result.collections[c]["mapped"]``);
        ``mode="merge"`` updates the items whose key exists and creates the others. ``dry_run``
        reports without writing (``result.applied`` False). ``allow_delete`` is Directus's
        ``dangerouslyAllowDelete``. Rows keyed by a model class are checked against it first (a field it
        lacks or a value of the wrong type: ``FieldError``, nothing sent). The endpoint is new in
        Directus 12: older servers raise ``UnsupportedByServer`` before anything is sent."""
        if mode not in ("add", "merge"):
            raise InvalidArgument(f"mode must be 'add' or 'merge', got {mode!r}")
        batch = []
        for coll, rows in items.items():
            rows = list(rows)
            if not all(isinstance(row, Mapping) for row in rows):
                raise InvalidArgument(f"items of {coll!r} must be mappings")
            checked = [model_values(coll, row, "import_items()") for row in rows]
            batch.append({"collection": collection_name(coll), "items": checked})
        if not batch:
            raise InvalidArgument("import_items() needs at least one collection")
        params = {"mode": mode, **{k: "true" for k, on in (("dryRun", dry_run),
                                                          ("dangerouslyAllowDelete", allow_delete)) if on}}
        path = "/utils/import"
        await require_version(self._conn(), "12.0.0", "import_items() (POST /utils/import)")
        data = data_of(await self._conn().post(path, json=batch, params=params), "POST", path)
        return ImportResult(applied=bool(data.get("applied")), mode=str(data.get("mode")),
                            collections=dict(data.get("collections") or {}))

    async def export(
        self,
        source: str | type[DirectusModel] | QuerySet[Any] | SyncProxy[QuerySet[Any]],
        *,
        format: ExportFormat = "csv",
        query: Mapping[str, Any] | None = None,
        file: Mapping[str, Any] | None = None,
        wait: float | None = 60.0,
    ) -> dict[str, Any]:
        """Export rows to a new file in Directus's file library (``POST /utils/export/<collection>``)
        and return that file's row (``directus_files``). ``source``: a collection, a model class, or a
        QuerySet (its filter, ordering, fields and slice are the export's query); ``query`` a
        Directus query object instead (default: every row). ``file``: the file's metadata (``title``,
        ``folder`` ...). The query is checked first with a read of no rows (a refusal raises here).
        Directus writes the file in the background: this waits up to ``wait`` seconds
        for it to be stored (``RequestTimeout`` after; ``wait=None`` returns at once with only its
        ``id``)."""
        if format not in _EXPORT_FORMATS:
            raise InvalidArgument(f"format must be one of {', '.join(_EXPORT_FORMATS)}, got {format!r}")
        if isinstance(source, SyncProxy):  # Book.objects.sync.filter(...) too
            source = unwrap(source)
        if isinstance(source, QuerySet):
            if query is not None:
                raise InvalidArgument("export() takes a QuerySet or query=, not both")
            name = source._adapter.schema.collection
            sendable = await source._sendable()
            # Directus reads limit 0 as "no limit": a QuerySet that matches nothing exports no row.
            pk = source._adapter.schema.pk_name
            query = ({"filter": {pk: {"_null": True}}} if sendable.is_empty
                     else _query_object(sendable.params()))
        else:
            name = collection_name(source)
        query = dict(query) if query is not None else {}
        query.setdefault("limit", -1)  # Directus's default is 100 rows
        key = str(uuid.uuid4())
        meta = {**(file or {}), "id": key}
        conn = self._conn()
        # Directus answers the export at once and runs its query later, where a refusal only becomes a
        # notification: the query is checked first by reading with it (no rows).
        await conn.get(collection_path(name), params={**query, "limit": 0, "offset": 0})
        # A failure later (e.g. the role may not create files) only becomes a notification to the user:
        # the ones newer than this are watched while waiting.
        seen = await _last_notification(conn) if wait is not None else None
        await conn.post(f"/utils/export/{path_segment(name)}",
                        json={"query": query, "format": format, "file": meta})
        if wait is None:
            return {"id": key}
        deadline = time.monotonic() + wait
        delay = 0.05
        while True:
            try:
                body = await conn.get(f"/files/{key}")
            except Forbidden:  # not there yet (a missing file answers 403)
                body = None
            row = data_of(body, "GET", f"/files/{key}") if body is not None else None
            if row is None and seen is not None:
                reason = await _export_failure(conn, seen, name)
                if reason is not None:
                    raise ExportFailed(name, key, reason)
            # The row is created before its content is stored: done once it has an upload date.
            if row is None or not row.get("uploaded_on"):
                if time.monotonic() >= deadline:
                    raise RequestTimeout(f"the export of {name!r} did not appear in the file library "
                                         f"within {wait:g} s (file id {key}); Directus notifies its user "
                                         "if it failed",
                                         method="POST", path=f"/utils/export/{name}") from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            return dict(row)


def model_values(target: Any, row: Mapping[str, Any], context: str) -> dict[str, Any]:
    """``row`` as JSON values: checked against the model when ``target`` is a model class (a field it
    lacks or a value of the wrong type raises ``FieldError`` before any request), as given otherwise."""
    if not isinstance(target, type) or not issubclass(target, DirectusModel):
        return dict(row)
    values = ModelAdapter.for_model(target).prepare_values(row, context)
    refuse_unsendable(target.__name__, target._meta.concealed, values, values)
    return values


async def pk_field(conn: Directus, name: str) -> dict[str, Any]:
    """The primary key's field object of collection ``name`` (``GET /fields/<name>``)."""
    path = f"/fields/{path_segment(name)}"
    fields = data_of(await conn.get(path), "GET", path, list)
    return next((dict(f) for f in fields if (f.get("schema") or {}).get("is_primary_key")), {"field": "id"})


async def _pk_name(conn: Directus, collection: str | type[DirectusModel], name: str) -> str:
    if not isinstance(collection, str):
        return collection._meta.pk_name
    return str((await pk_field(conn, name))["field"])


async def _last_notification(conn: Directus) -> int | None:
    """The id of the current user's newest notification (0: none); None when the role may not read
    its notifications (an export's failure cannot be seen then)."""
    try:
        body = await conn.get("/notifications", params={
            "filter": {"recipient": {"_eq": "$CURRENT_USER"}}, "sort": ["-id"], "fields": ["id"], "limit": 1})
    except Forbidden:
        return None
    rows = (body or {}).get("data") or []
    return int(rows[0]["id"]) if rows else 0


async def _export_failure(conn: Directus, seen: int, collection: str) -> str | None:
    """The text of a notification newer than ``seen`` saying the export of ``collection`` failed."""
    try:
        body = await conn.get("/notifications", params={
            "filter": {"_and": [{"recipient": {"_eq": "$CURRENT_USER"}}, {"id": {"_gt": seen}}]},
            "fields": ["subject", "message"], "sort": ["id"]})
    except Forbidden:
        return None
    wanted = f"export of {collection} failed".lower()
    for note in (body or {}).get("data") or []:
        if wanted in str(note.get("subject") or "").lower():
            text = " ".join(str(note.get("message") or note.get("subject")).split())
            return text[:500]
    return None


def _name_of(source: object) -> str | None:
    """The file name a path or a named file object carries."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source) if isinstance(os.fspath(source), str) else None
    name = getattr(source, "name", None) or getattr(source, "filename", None)
    return name if isinstance(name, str) else None


def _format_of(filename: str | None) -> str | None:
    if not filename or "." not in filename:
        return None
    return filename.rsplit(".", 1)[1].lower()


def _query_object(params: Mapping[str, Any]) -> dict[str, Any]:
    """Read parameters as the JSON query object Directus's body-taking endpoints read."""
    out = dict(params)
    if "fields" in out and not isinstance(out["fields"], (list, tuple)):
        out["fields"] = str(out["fields"]).split(",")
    return out

