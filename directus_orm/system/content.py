"""The other item-like system collections: logs (read-only), presets, notifications, shares,
translations, comments, content versions, flows and operations, dashboards and panels."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from ..models.system import SystemModel

__all__ = [
    "DirectusActivity", "DirectusComment", "DirectusDashboard", "DirectusFlow", "DirectusNotification",
    "DirectusOperation", "DirectusPanel", "DirectusPreset", "DirectusRevision", "DirectusShare",
    "DirectusTranslation", "DirectusVersion",
]


class DirectusActivity(SystemModel):
    """An entry of the activity log (``/activity``): read-only."""

    id: int | None = None
    action: str | None = None
    user: uuid.UUID | None = None
    timestamp: datetime.datetime | None = None
    ip: str | None = None
    user_agent: str | None = None
    collection: str | None = None
    item: str | None = None
    origin: str | None = None
    revisions: list[Any] | None = None

    class Meta:
        collection = "directus_activity"
        related_keys = {"user": "directus_users", "revisions": "directus_revisions"}


class DirectusRevision(SystemModel):
    """A revision of an item (``/revisions``): read-only. ``data`` is the item after
    the change, ``delta`` the change."""

    id: int | None = None
    activity: int | None = None
    collection: str | None = None
    item: str | None = None
    data: Any | None = None
    delta: Any | None = None
    parent: int | None = None
    version: str | None = None

    class Meta:
        collection = "directus_revisions"
        related_keys = {
            "activity": "directus_activity", "parent": "directus_revisions", "version": "directus_versions",
        }


class DirectusPreset(SystemModel):
    """A bookmark or a collection's layout preset (``/presets``)."""

    id: int | None = None
    bookmark: str | None = None
    user: uuid.UUID | None = None
    role: uuid.UUID | None = None
    collection: str | None = None
    search: str | None = None
    layout: str | None = None
    layout_query: Any | None = None
    layout_options: Any | None = None
    refresh_interval: int | None = None
    filter: Any | None = None
    icon: str | None = None
    color: str | None = None

    class Meta:
        collection = "directus_presets"
        related_keys = {"user": "directus_users", "role": "directus_roles"}


class DirectusNotification(SystemModel):
    """A notification to a user (``/notifications``)."""

    id: int | None = None
    timestamp: datetime.datetime | None = None
    status: str | None = None
    recipient: uuid.UUID | None = None
    sender: uuid.UUID | None = None
    subject: str | None = None
    message: str | None = None
    collection: str | None = None
    item: str | None = None

    class Meta:
        collection = "directus_notifications"
        related_keys = {"recipient": "directus_users", "sender": "directus_users"}


class DirectusShare(SystemModel):
    """A share link to an item (``/shares``)."""

    id: uuid.UUID | None = None
    name: str | None = None
    collection: str | None = None
    item: str | None = None
    role: uuid.UUID | None = None
    password: str | None = None
    user_created: uuid.UUID | None = None
    date_created: datetime.datetime | None = None
    date_start: datetime.datetime | None = None
    date_end: datetime.datetime | None = None
    times_used: int | None = None
    max_uses: int | None = None

    class Meta:
        collection = "directus_shares"
        related_keys = {"role": "directus_roles", "user_created": "directus_users"}


class DirectusTranslation(SystemModel):
    """A custom translation string (``/translations``)."""

    id: uuid.UUID | None = None
    language: str | None = None
    key: str | None = None
    value: str | None = None

    class Meta:
        collection = "directus_translations"


class DirectusComment(SystemModel):
    """A comment on an item (``/comments``)."""

    id: uuid.UUID | None = None
    collection: str | None = None
    item: str | None = None
    comment: str | None = None
    date_created: datetime.datetime | None = None
    date_updated: datetime.datetime | None = None
    user_created: uuid.UUID | None = None
    user_updated: uuid.UUID | None = None

    class Meta:
        collection = "directus_comments"
        related_keys = {"user_created": "directus_users", "user_updated": "directus_users"}


class DirectusVersion(SystemModel):
    """A content version of an item (``/versions``); ``delta`` holds its changes."""

    id: uuid.UUID | None = None
    key: str | None = None
    name: str | None = None
    collection: str | None = None
    item: str | None = None
    hash: str | None = None
    date_created: datetime.datetime | None = None
    date_updated: datetime.datetime | None = None
    user_created: uuid.UUID | None = None
    user_updated: uuid.UUID | None = None
    delta: Any | None = None

    class Meta:
        collection = "directus_versions"
        fields_since = {"delta": "11.0.0"}  # Directus 10 keeps a version's saves as revisions
        related_keys = {"user_created": "directus_users", "user_updated": "directus_users"}


class DirectusFlow(SystemModel):
    """A flow (``/flows``): its trigger and its first operation."""

    id: uuid.UUID | None = None
    name: str | None = None
    icon: str | None = None
    color: str | None = None
    description: str | None = None
    status: str | None = None
    trigger: str | None = None
    accountability: str | None = None
    options: Any | None = None
    operation: uuid.UUID | None = None
    date_created: datetime.datetime | None = None
    user_created: uuid.UUID | None = None
    folder: uuid.UUID | None = None
    operations: list[Any] | None = None

    class Meta:
        collection = "directus_flows"
        # Flow folders arrived in 12.4.0 (migration 20260818A-add-flow-folders; 12.3.1 lacks it).
        fields_since = {"folder": "12.4.0"}
        related_keys = {
            "operation": "directus_operations", "user_created": "directus_users",
            "folder": "directus_folders", "operations": "directus_operations",
        }


class DirectusOperation(SystemModel):
    """An operation of a flow (``/operations``)."""

    id: uuid.UUID | None = None
    name: str | None = None
    key: str | None = None
    type: str | None = None
    position_x: int | None = None
    position_y: int | None = None
    options: Any | None = None
    resolve: uuid.UUID | None = None
    reject: uuid.UUID | None = None
    flow: uuid.UUID | None = None
    date_created: datetime.datetime | None = None
    user_created: uuid.UUID | None = None

    class Meta:
        collection = "directus_operations"
        related_keys = {
            "resolve": "directus_operations", "reject": "directus_operations", "flow": "directus_flows",
            "user_created": "directus_users",
        }


class DirectusDashboard(SystemModel):
    """An insights dashboard (``/dashboards``)."""

    id: uuid.UUID | None = None
    name: str | None = None
    icon: str | None = None
    note: str | None = None
    date_created: datetime.datetime | None = None
    user_created: uuid.UUID | None = None
    color: str | None = None
    panels: list[Any] | None = None

    class Meta:
        collection = "directus_dashboards"
        related_keys = {"user_created": "directus_users", "panels": "directus_panels"}


class DirectusPanel(SystemModel):
    """A panel of a dashboard (``/panels``)."""

    id: uuid.UUID | None = None
    dashboard: uuid.UUID | None = None
    name: str | None = None
    icon: str | None = None
    color: str | None = None
    show_header: bool | None = None
    note: str | None = None
    type: str | None = None
    position_x: int | None = None
    position_y: int | None = None
    width: int | None = None
    height: int | None = None
    options: Any | None = None
    date_created: datetime.datetime | None = None
    user_created: uuid.UUID | None = None

    class Meta:
        collection = "directus_panels"
        related_keys = {"dashboard": "directus_dashboards", "user_created": "directus_users"}
