"""What a content version holds, read with raw REST on every Directus version."""

from __future__ import annotations

from typing import Any

from directus_orm import Directus


async def saved_delta(admin: Directus, version: dict[str, Any]) -> dict[str, Any]:
    """The changes a version row holds: its ``delta`` column; on Directus 10 (no such column) the
    deltas of the version's revisions, one per save, merged in order."""
    if "delta" in version:
        return dict(version["delta"] or {})
    mine = {"filter": {"version": {"_eq": version["id"]}}, "sort": "id", "fields": ["delta"], "limit": -1}
    revisions = (await admin.get("/revisions", params=mine))["data"]
    merged: dict[str, Any] = {}
    for revision in revisions:
        merged.update(revision["delta"] or {})
    return merged
