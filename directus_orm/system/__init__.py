"""Typed models of Directus's system collections (docs/system.md).

Every model is a :class:`~directus_orm.models.system.SystemModel`: subclass one to declare a project's
custom fields (``class User(DirectusUser)``), the collection is implied. How each endpoint differs from
an items endpoint (lists read whole, singletons, read-only logs) is declared once, in
:mod:`directus_orm.connection.profiles`; what an endpoint cannot do raises
:class:`~directus_orm.exceptions.UnsupportedOperation` before any request.
"""

from ..connection.profiles import SYSTEM_PROFILES, EndpointProfile, endpoint_profile
from ..files.models import File, Folder
from ..models.system import SystemModel
from .content import (
    DirectusActivity,
    DirectusComment,
    DirectusDashboard,
    DirectusFlow,
    DirectusNotification,
    DirectusOperation,
    DirectusPanel,
    DirectusPreset,
    DirectusRevision,
    DirectusShare,
    DirectusTranslation,
    DirectusVersion,
)
from .schema import DirectusCollection, DirectusExtension, DirectusField, DirectusRelation
from .settings import DirectusSettings
from .user_manager import UserManager, UserQuerySet
from .users import DirectusAccess, DirectusPermission, DirectusPolicy, DirectusRole, DirectusUser

#: The files issue's models, under the names the other system models use.
DirectusFile = File
DirectusFolder = Folder

__all__ = [
    "SYSTEM_PROFILES",
    "DirectusAccess",
    "DirectusActivity",
    "DirectusCollection",
    "DirectusComment",
    "DirectusDashboard",
    "DirectusExtension",
    "DirectusField",
    "DirectusFile",
    "DirectusFlow",
    "DirectusFolder",
    "DirectusNotification",
    "DirectusOperation",
    "DirectusPanel",
    "DirectusPermission",
    "DirectusPolicy",
    "DirectusPreset",
    "DirectusRelation",
    "DirectusRevision",
    "DirectusRole",
    "DirectusSettings",
    "DirectusShare",
    "DirectusTranslation",
    "DirectusUser",
    "DirectusVersion",
    "EndpointProfile",
    "File",
    "Folder",
    "SystemModel",
    "UserManager",
    "UserQuerySet",
    "endpoint_profile",
]
