"""Files and assets: the ``File`` and ``Folder`` system models, streamed uploads and downloads,
image transforms (docs/files.md)."""

from .assets import asset_path, asset_url
from .manager import FileManager, Upload
from .models import File, Folder
from .sources import SourceChanged
from .transform import Transform

__all__ = ["File", "FileManager", "Folder", "SourceChanged", "Transform", "Upload", "asset_path", "asset_url"]
