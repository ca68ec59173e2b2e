"""Users, roles, policies, access and permissions: who may do what (``directus_users``,
``directus_roles``, ``directus_policies``, ``directus_access``, ``directus_permissions``).

A role's policies are attached through ``directus_access`` rows (a role, or a user, and a policy);
``role.policies`` / ``user.policies`` hold those rows' keys as Directus answers them; the methods
below read the policies and permissions themselves.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from ..models.system import SystemModel
from ..sync import SyncFace
from .user_manager import UserManager, UserManagerDescriptor

__all__ = ["DirectusAccess", "DirectusPermission", "DirectusPolicy", "DirectusRole", "DirectusUser"]


class DirectusUser(SystemModel, SyncFace):
    """A user (``/users``). Subclass it to declare a project's custom fields; the collection is
    implied, and ``objects.me()`` / ``objects.update_me()`` answer instances of the subclass.
    Concealed fields (``password``, ``token``, ``tfa_secret``) read masked."""

    id: uuid.UUID | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    password: str | None = None
    location: str | None = None
    title: str | None = None
    description: str | None = None
    tags: Any | None = None
    avatar: uuid.UUID | None = None
    language: str | None = None
    tfa_secret: str | None = None
    status: str | None = None
    role: uuid.UUID | None = None
    token: str | None = None
    last_access: datetime.datetime | None = None
    last_page: str | None = None
    provider: str | None = None
    external_identifier: str | None = None
    auth_data: Any | None = None
    email_notifications: bool | None = None
    appearance: str | None = None
    theme_dark: str | None = None
    theme_light: str | None = None
    theme_light_overrides: Any | None = None
    theme_dark_overrides: Any | None = None
    text_direction: str | None = None
    policies: list[Any] | None = None

    if TYPE_CHECKING:
        objects: ClassVar[UserManagerDescriptor]
    else:
        objects = UserManager()

    class Meta:
        collection = "directus_users"
        related_keys = {"avatar": "directus_files", "role": "directus_roles", "policies": "directus_access"}
        concealed = ("password", "token", "tfa_secret")
        fields_since = {"policies": "11.0.0", "text_direction": "11.0.0"}

    async def get_policies(self, *, include_role: bool = True) -> list[DirectusPolicy]:
        """The policies attached to this user (``directus_access`` rows naming it), and with
        ``include_role`` those of its role (not of the role's parents)."""
        keys: list[Any] = await DirectusAccess.objects.filter(user=self.pk).values_list("policy", flat=True)
        if include_role and self.role is not None:
            keys += await DirectusAccess.objects.filter(role=self.role).values_list("policy", flat=True)
        return await _policies(keys)


class DirectusRole(SystemModel, SyncFace):
    """A role (``/roles``): users belong to one; its policies come through ``directus_access``."""

    id: uuid.UUID | None = None
    name: str | None = None
    icon: str | None = None
    description: str | None = None
    parent: uuid.UUID | None = None
    children: list[Any] | None = None
    policies: list[Any] | None = None
    users: list[Any] | None = None

    class Meta:
        collection = "directus_roles"
        related_keys = {
            "parent": "directus_roles", "children": "directus_roles", "policies": "directus_access",
            "users": "directus_users",
        }
        fields_since = {"parent": "11.0.0", "children": "11.0.0", "policies": "11.0.0"}

    async def get_policies(self) -> list[DirectusPolicy]:
        """The policies attached to this role (through ``directus_access``)."""
        keys: list[Any] = await DirectusAccess.objects.filter(role=self.pk).values_list("policy", flat=True)
        return await _policies(keys)

    async def get_users(self) -> list[DirectusUser]:
        """The users of this role."""
        return await DirectusUser.objects.filter(role=self.pk)


class DirectusPolicy(SystemModel, SyncFace):
    """A policy (``/policies``, Directus 11+): admin and app access, and its permissions."""

    id: uuid.UUID | None = None
    name: str | None = None
    icon: str | None = None
    description: str | None = None
    ip_access: list[str] | None = None
    enforce_tfa: bool | None = None
    admin_access: bool | None = None
    app_access: bool | None = None
    permissions: list[Any] | None = None
    users: list[Any] | None = None
    roles: list[Any] | None = None

    class Meta:
        collection = "directus_policies"
        related_keys = {
            "permissions": "directus_permissions", "users": "directus_access", "roles": "directus_access",
        }

    async def get_permissions(self) -> list[DirectusPermission]:
        """This policy's permissions (``directus_permissions`` rows naming it)."""
        return await DirectusPermission.objects.filter(policy=self.pk)

    async def get_roles(self) -> list[DirectusRole]:
        """The roles this policy is attached to (through ``directus_access``)."""
        keys: list[Any] = await DirectusAccess.objects.filter(policy=self.pk, role__isnull=False).values_list(
            "role", flat=True)
        return await DirectusRole.objects.filter(id__in=keys) if keys else []


class DirectusAccess(SystemModel):
    """A policy attached to a role or to a user (``/access``)."""

    id: uuid.UUID | None = None
    role: uuid.UUID | None = None
    user: uuid.UUID | None = None
    policy: uuid.UUID | None = None
    sort: int | None = None

    class Meta:
        collection = "directus_access"
        related_keys = {"role": "directus_roles", "user": "directus_users", "policy": "directus_policies"}


class DirectusPermission(SystemModel):
    """A permission of a policy: an action on a collection (``/permissions``). The endpoint ignores
    ``limit``, and for users with app access appends the app's minimal permissions (rows whose ``id``
    is None) to every read: slices are cut client-side and ``count()`` counts the rows read."""

    id: int | None = None
    collection: str | None = None
    action: str | None = None
    permissions: Any | None = None
    validation: Any | None = None
    presets: Any | None = None
    fields: list[str] | None = None
    policy: uuid.UUID | None = None

    class Meta:
        collection = "directus_permissions"
        related_keys = {"policy": "directus_policies"}


async def _policies(keys: list[Any]) -> list[DirectusPolicy]:
    wanted = list(dict.fromkeys(k for k in keys if k is not None))
    return await DirectusPolicy.objects.filter(id__in=wanted) if wanted else []
