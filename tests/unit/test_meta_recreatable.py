"""``Meta.recreatable``: parsed, defaulted and inherited like the other Meta options."""

from __future__ import annotations

import warnings

from directus_orm import DirectusModel
from directus_orm.exceptions import ConflictingModelWarning
from directus_orm.files import File
from directus_orm.models.registry import models


class Plain(DirectusModel):
    id: int | None = None

    class Meta:
        collection = "recreatable_plain"


class NotRecreatable(DirectusModel):
    id: int | None = None

    class Meta:
        collection = "recreatable_not"
        recreatable = False


def test_defaults_to_true_and_can_be_turned_off() -> None:
    assert Plain._meta.recreatable is True
    assert NotRecreatable._meta.recreatable is False


def test_files_are_not_recreatable_and_subclasses_inherit_it() -> None:
    assert File._meta.recreatable is False
    try:
        class ProjectFile(File):
            license: str | None = None

        assert ProjectFile._meta.recreatable is False
        assert ProjectFile._meta.collection == "directus_files"
    finally:
        with warnings.catch_warnings():  # taking the collection back is the point here
            warnings.simplefilter("ignore", ConflictingModelWarning)
            models.register(File)  # other tests read directus_files with the plain model
