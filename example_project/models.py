"""The example project's models."""

from __future__ import annotations

from directus_orm import DirectusModel


class Language(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    speakers: int | None = None
    family: str | None = None

    class Meta:
        collection = "languages"
        ordering = ["name"]
