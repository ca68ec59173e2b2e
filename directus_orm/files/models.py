"""``File`` (``directus_files``) and ``Folder`` (``directus_folders``): system models with the content
operations Directus offers on them (upload, replace, import, stream, download, asset URLs)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..connection.registry import connections
from ..exceptions import NotStored
from ..models.system import SystemModel
from ..sync import SyncFace
from .assets import READ_CHUNK, DownloadTarget, asset_url, download_asset, stream_asset
from .manager import FileManager, FileManagerDescriptor, FolderRef
from .sources import UploadSource
from .transform import Transform, transform_from

__all__ = ["File", "Folder"]

F = TypeVar("F", bound="File")

TransformArg = Transform | str | Mapping[str, Any] | None


class Folder(SystemModel):
    """A folder of the file library; folders form a tree through ``parent``."""

    id: uuid.UUID | None = None
    name: str | None = None
    parent: Folder | uuid.UUID | None = None
    type: str | None = None  # "files"; None from servers before Directus 12, which lack the field

    class Meta:
        collection = "directus_folders"
        fields_since = {"type": "12.0.0"}


class File(SystemModel, SyncFace):
    """A file of the library. Its metadata reads, filters, orders, aggregates and saves like any model
    (``File.objects.filter(type__startswith="image/")``); its content goes through the manager
    (``upload``, ``upload_many``, ``import_url``) and the methods below. Subclass it to add a project's
    custom fields on ``directus_files``."""

    id: uuid.UUID | None = None
    storage: str | None = None
    filename_disk: str | None = None
    filename_download: str | None = None
    title: str | None = None
    type: str | None = None
    folder: Folder | uuid.UUID | None = None
    uploaded_by: uuid.UUID | None = None
    created_on: datetime.datetime | None = None
    modified_by: uuid.UUID | None = None
    modified_on: datetime.datetime | None = None
    charset: str | None = None
    filesize: int | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    embed: str | None = None
    description: str | None = None
    location: str | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    focal_point_x: int | None = None
    focal_point_y: int | None = None
    tus_id: str | None = None
    tus_data: dict[str, Any] | None = None
    uploaded_on: datetime.datetime | None = None

    if TYPE_CHECKING:
        objects: ClassVar[FileManagerDescriptor]
    else:
        objects = FileManager()

    class Meta:
        collection = "directus_files"
        related_keys = {"uploaded_by": "directus_users", "modified_by": "directus_users"}
        recreatable = False  # a vanished row's content is gone: save() must not insert a bare row

    def _stored_key(self) -> Any:
        key = (self._loaded or {}).get(self._meta.pk_name) if self.is_stored else None
        if key is None:
            raise NotStored(f"{type(self).__name__} has no stored file (never uploaded, or deleted)")
        return key

    def _known_size(self) -> int | None:
        size = self.__dict__.get("filesize")
        return size if isinstance(size, int) else None

    async def stream(
        self,
        transform: TransformArg = None,
        *,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = READ_CHUNK,
        using: str | None = None,
    ) -> AsyncIterator[bytes]:
        """The content, chunk by chunk (``async for chunk in file.stream()``), never held whole.
        ``transform``: a :class:`Transform`, a preset key or its keyword arguments. ``start``/``end``:
        only bytes ``[start, end)`` (an HTTP Range read; not with a transform)."""
        _, conn = self._conn(using)
        async for chunk in stream_asset(conn, self._stored_key(), transform_from(transform), start=start,
                                        end=end, size=self._known_size(), chunk_size=chunk_size):
            yield chunk

    async def download(
        self,
        target: DownloadTarget,
        transform: TransformArg = None,
        *,
        start: int = 0,
        end: int | None = None,
        using: str | None = None,
    ) -> int:
        """Write the content to ``target`` (a path, or a binary file object, sync or async) and return
        the number of bytes written. A path is written under a temporary name and renamed when complete."""
        _, conn = self._conn(using)
        return await download_asset(conn, self._stored_key(), target, transform_from(transform), start=start,
                                    end=end, size=self._known_size())

    async def read(
        self,
        transform: TransformArg = None,
        *,
        start: int = 0,
        end: int | None = None,
        using: str | None = None,
    ) -> bytes:
        """The whole content (or bytes ``[start, end)``) in memory: for small files; use
        :meth:`stream` or :meth:`download` for large ones."""
        return b"".join([chunk async for chunk in self.stream(transform, start=start, end=end, using=using)])

    def url(
        self,
        transform: TransformArg = None,
        *,
        download: bool = False,
        filename: str | None = None,
        access_token: str | None = None,
        using: str | None = None,
    ) -> str:
        """The asset's URL (``https://cms/assets/<id>?width=...``). ``download=True`` makes browsers save
        it (``Content-Disposition: attachment``); ``filename`` names it in the path. The URL carries no
        credentials unless ``access_token`` is given: then anyone holding the URL can use that token."""
        alias = using or self._using or self._meta.connection
        return asset_url(connections[alias], self._stored_key(), transform_from(transform), download=download,
                         filename=filename, access_token=access_token)

    async def replace(
        self,
        source: UploadSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        folder: FolderRef = None,
        using: str | None = None,
        **metadata: Any,
    ) -> None:
        """Replace the content, keeping the id (``PATCH /files/<id>`` multipart); ``metadata`` fields are
        set in the same request; a source without a name (bytes) keeps ``filename_download``. The
        server's new values (size, type, dimensions, ``filename_download``)
        are read back; other unsaved changes on the instance stay unsaved."""
        alias = using or self._using or self._meta.connection
        manager: FileManager[Any] = type(self).objects
        row = await manager._replace(self._stored_key(), source, alias=alias, filename=filename,
                                     content_type=content_type, folder=folder, metadata=metadata,
                                     current_name=self.__dict__.get("filename_download"))
        current = self._snapshot()
        loaded = self._loaded or {}
        unchanged = {f for f, v in current.items() if loaded.get(f) == v}
        sent = set(metadata) | ({"folder"} if folder is not None else set())
        self._apply_row(row, alias, only=unchanged | sent)
