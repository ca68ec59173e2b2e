"""``File.objects``: a manager with the content operations of ``/files`` (upload, import)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, overload

from ..connection.client import Directus
from ..connection.paths import collection_path, item_path
from ..connection.registry import connections
from ..exceptions import Forbidden, InvalidArgument, ManagerUnavailable, NotStored, UnexpectedResponse
from ..models.base import DirectusModel, ModelAdapter, get_model
from ..models.manager import M, Manager
from ..query.item_writes import item_exists
from ..sync import SyncFace
from .multipart import FilePart, MultipartBody, field_text
from .sources import CHUNK_SIZE, SourceChanged, UploadSource, source_from

if TYPE_CHECKING:
    from .models import File

__all__ = ["FileManager", "FileManagerDescriptor", "FolderRef", "Upload"]

F = TypeVar("F", bound="File")

LATE_READS = 20
"""Reads of a multi-file upload's late files before giving up (about 15 s in all)."""

FolderRef = DirectusModel | uuid.UUID | str | None
"""A folder: an instance, its key, or a name (``"Invoices/2026"`` walks the tree from the root)."""


class Upload:
    """One file of :meth:`FileManager.upload_many`: its source and the metadata stored with it."""

    __slots__ = ("content_type", "filename", "folder", "metadata", "source")

    def __init__(self, source: UploadSource, *, filename: str | None = None, content_type: str | None = None,
                 folder: FolderRef = None, **metadata: Any) -> None:
        self.source = source
        self.filename = filename
        self.content_type = content_type
        self.folder = folder
        self.metadata = metadata

    def __repr__(self) -> str:
        return f"<Upload {self.filename or type(self.source).__name__}>"


class FileManager(Manager[M], SyncFace):
    """``File.objects``: every QuerySet method, plus uploads and imports."""

    async def upload(
        self,
        source: UploadSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        folder: FolderRef = None,
        using: str | None = None,
        **metadata: Any,
    ) -> M:
        """Upload one file, streamed (never held whole): ``source`` is a path (``str`` or ``Path``),
        ``bytes``, a binary file object (sync or async, e.g. FastAPI's ``UploadFile``) or an async
        iterator of bytes. ``metadata``: the model's fields (``title=``, ``filename_download=``,
        ``description=``, ``tags=`` ...); ``folder``: a :class:`Folder`, its key or its name. Returns the
        stored file, as the server answered."""
        (stored,) = await self.upload_many(
            [Upload(source, filename=filename, content_type=content_type, folder=folder, **metadata)],
            using=using,
        )
        return stored

    async def upload_many(self, uploads: Iterable[Upload], *, using: str | None = None) -> list[M]:
        """Upload several files in one request, each with its own metadata; returns them in the order
        given. Each file gets its key client-side (unless ``id=`` is given), so the answer (whose
        order Directus does not keep) is matched exactly."""
        model = self._model()
        alias = using or model._meta.connection
        conn = connections[alias]
        items = list(uploads)
        parts: list[FilePart] = []
        keys: list[str] = []
        for item in items:
            if not isinstance(item, Upload):
                raise InvalidArgument(f"upload_many() takes Upload(...) items, got {type(item).__name__}")
            metadata = dict(item.metadata)
            metadata.setdefault("id", str(uuid.uuid4()))
            source = source_from(item.source, filename=item.filename, content_type=item.content_type,
                                 chunk_size=CHUNK_SIZE)
            fields = await self._fields(metadata, item.folder, alias, "upload()")
            keys.append(fields["id"])
            parts.append(FilePart(source, fields))
        if len(set(keys)) != len(keys):
            raise InvalidArgument("two uploads have the same id")
        body = MultipartBody(parts)
        try:
            answer = await conn.request("POST", collection_path(model._meta.collection), content=body,
                                        headers=body.headers())
        except SourceChanged as exc:
            raise SourceChanged(
                f"{exc}. The upload was cut short; Directus may keep an empty row (no content, "
                f"filename_disk null) for {', '.join(keys)} until it notices, which its API cannot delete"
            ) from None
        data = (answer or {}).get("data")
        rows = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        by_key = {str(row.get("id")): row for row in rows if isinstance(row, Mapping)}
        missing = [key for key in keys if key not in by_key]
        if rows and missing:
            by_key.update(await self._read_late(conn, missing))
        adapter = ModelAdapter.for_model(model)
        out: list[M] = []
        for key, part in zip(keys, parts, strict=True):
            row = by_key.get(key)
            if row is None:
                if rows:
                    raise UnexpectedResponse(f"file {key} of the upload was not stored: Directus answered "
                                             "without it, and it did not appear", status=200,
                                             method="POST", path="/files")
                # The role may create files but not read them: what was sent is what is known.
                row = {"id": key, "filename_download": part.source.filename}
            out.append(adapter.load(row, alias))
        return out

    async def import_url(
        self, url: str, *, folder: FolderRef = None, using: str | None = None, **metadata: Any
    ) -> M:
        """Have Directus fetch ``url`` and store it as a file (``POST /files/import``). The server refuses
        local and private addresses unless its ``IMPORT_IP_DENY_LIST`` allows them."""
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidArgument(f"import_url() needs an http(s) URL, got {str(url)[:100]!r}")
        model = self._model()
        alias = using or model._meta.connection
        data = ModelAdapter.for_model(model).prepare_values(metadata, "import_url()")
        folder_key = await self._folder_key(folder, alias)
        if folder_key is not None:
            data["folder"] = folder_key
        answer = await connections[alias].request("POST", f"{collection_path(model._meta.collection)}/import",
                                                  json={"url": url, "data": data})
        row = (answer or {}).get("data")
        if not isinstance(row, Mapping):
            raise UnexpectedResponse("the import's answer has no file", status=200, method="POST",
                                     path="/files/import")
        return ModelAdapter.for_model(model).load(row, alias)

    # -- internals ------------------------------------------------------------------------------------
    async def _read_late(self, conn: Directus, keys: list[str]) -> dict[str, Any]:
        """The rows of files Directus was still storing when it answered: it answers a multi-file
        upload once the files whose parts it has *begun* are stored, so a later part may still be
        on its way to storage. Read until each has its ``uploaded_on`` (set last), a bounded wait."""
        path = collection_path(self._model()._meta.collection)
        found: dict[str, Any] = {}
        query = {"filter": {"id": {"_in": keys}, "uploaded_on": {"_nnull": True}}, "limit": -1}
        for attempt in range(LATE_READS):
            body = await conn.get(path, params=query)
            found = {str(row["id"]): row for row in (body or {}).get("data") or []}
            if len(found) == len(keys):
                break
            await asyncio.sleep(min(0.05 * 2 ** attempt, 1.0))
        return found

    def _model(self) -> type[M]:
        if self.model is None:
            raise ManagerUnavailable(f"{type(self).__name__} is not attached to a model")
        return self.model

    async def _fields(
        self, metadata: Mapping[str, Any], folder: FolderRef, alias: str, context: str
    ) -> dict[str, str]:
        values = ModelAdapter.for_model(self._model()).prepare_values(metadata, context)
        folder_key = await self._folder_key(folder, alias)
        if folder_key is not None:
            values["folder"] = folder_key
        return {name: field_text(name, value) for name, value in values.items()}

    async def _folder_key(self, folder: FolderRef, alias: str) -> str | None:
        """A folder argument as its key: an instance or key (a UUID, or text that parses as one) as it
        is, a name looked up (``a/b``: folder ``b`` inside ``a``, from the root)."""
        if folder is None:
            return None
        if isinstance(folder, DirectusModel):
            if folder.pk is None:
                raise InvalidArgument(f"unsaved {type(folder).__name__} has no key")
            return str(folder.pk)
        if isinstance(folder, uuid.UUID):
            return str(folder)
        if not isinstance(folder, str) or not folder.strip("/"):
            raise InvalidArgument(f"folder must be a Folder, its key (UUID) or its name, got {folder!r}")
        try:  # a key given as text (a form field, a path parameter) is a key, not a name
            return str(uuid.UUID(folder))
        except ValueError:
            pass
        folders = get_model("directus_folders")
        parent: Any = None
        for name in folder.strip("/").split("/"):
            found = await folders.objects.using(alias).filter(name=name, parent=parent).get()
            parent = found.pk
        return str(parent)

    async def _replace(self, key: Any, source: UploadSource, *, alias: str, filename: str | None,
                       content_type: str | None, folder: FolderRef, metadata: Mapping[str, Any],
                       current_name: str | None) -> dict[str, Any]:
        if "id" in metadata:
            raise InvalidArgument("replace() keeps the file's id: do not pass id=")
        part = source_from(source, filename=filename, content_type=content_type, default_name=current_name)
        fields = await self._fields(metadata, folder, alias, "replace()")
        body = MultipartBody([FilePart(part, fields)])
        meta = self._model()._meta
        conn = connections[alias]
        # Directus answers a PATCH of a missing file with 204 and stores the upload as a *new* file:
        # so the key is checked first, and again after a 204.
        if await item_exists(conn, meta.collection, meta.pk_name, key) is False:
            self._gone(key)
        try:
            answer = await conn.request("PATCH", item_path(meta.collection, key), content=body,
                                        headers=body.headers())
        except Forbidden:
            # A role that may read files is refused the update of a missing one.
            if await item_exists(conn, meta.collection, meta.pk_name, key) is False:
                self._gone(key)
            raise
        row = (answer or {}).get("data")
        if isinstance(row, Mapping):
            return dict(row)
        # 204: the role may not read the file back, or (answered alike) the file was deleted since the
        # check, and Directus stored the content under a new key of its own.
        if await item_exists(conn, meta.collection, meta.pk_name, key) is False:
            self._gone(key, late=True)
        return {}

    def _gone(self, key: Any, late: bool = False) -> NoReturn:
        model = self._model()
        outcome = ("it was deleted while the new content was sent, and Directus may have stored that "
                   "content as a new file" if late else "nothing was written")
        raise NotStored(f"{model.__name__} with pk {key!r} no longer exists in {model._meta.collection!r}: "
                        f"its content was not replaced; {outcome}")


class FileManagerDescriptor:
    """``File.objects`` as type checkers see it: on ``MyFile`` it is ``FileManager[MyFile]``."""

    @overload
    def __get__(self, instance: None, owner: type[F]) -> FileManager[F]: ...
    @overload
    def __get__(self, instance: object, owner: Any) -> NoReturn: ...
    def __get__(self, instance: object, owner: Any) -> Any:  # pragma: no cover - typing only
        raise ManagerUnavailable("typing only")
