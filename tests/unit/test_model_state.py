"""Instance state (ModelState): what a loaded row remembers, kept through copies and pickling; the
lazy snapshot still sees in-place changes made after loading."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from directus_orm import DirectusModel
from directus_orm.models.base import DeferredFieldError


class Doc(DirectusModel):
    id: int | None = None
    title: str
    tags: list[str] = []
    data: dict[str, Any] | None = None

    class Meta:
        collection = "state_docs"


ROW = {"id": 7, "title": "T", "tags": ["a"], "data": {"k": [1]}, "undeclared": "kept"}


def test_loaded_row_is_stored_and_clean() -> None:
    doc = Doc._from_db(ROW, "default")
    assert doc.is_stored and doc.get_changed_fields() == []
    assert doc.model_extra == {"undeclared": "kept"}


@pytest.mark.parametrize("mutate", [
    lambda d: d.tags.append("b"),
    lambda d: d.data["k"].append(2),  # nested in-place change
    lambda d: setattr(d, "title", "U"),
])
def test_in_place_changes_after_loading_are_detected(mutate: Any) -> None:
    doc = Doc._from_db(ROW, "default")
    mutate(doc)
    assert len(doc.get_changed_fields()) == 1


def test_user_built_instances_are_not_stored() -> None:
    doc = Doc(title="new")
    assert not doc.is_stored and doc.model_extra == {}
    assert Doc.model_validate({"title": "x"}).is_stored is False


@pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy, lambda d: pickle.loads(pickle.dumps(d)),
                                   lambda d: d.model_copy()])
def test_copies_keep_the_state(clone: Any) -> None:
    doc = Doc._from_db(ROW, "other")
    doc.title = "changed"
    twin = clone(doc)
    assert twin.is_stored and twin._using == "other"
    assert twin.get_changed_fields() == ["title"]
    assert twin.model_extra == {"undeclared": "kept"}
    twin.model_extra["x"] = 1
    assert "x" not in doc.model_extra  # not shared


def test_deferred_fields_survive_and_raise() -> None:
    doc = Doc._from_db({"id": 1, "title": "T"}, "default")
    with pytest.raises(DeferredFieldError):
        _ = doc.tags
    assert copy.copy(doc).deferred_fields == {"tags", "data"}
