"""Instance state (ModelState): what a loaded row remembers, kept through copies and pickling; the
lazy snapshot still sees in-place changes made after loading."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from pydantic import ConfigDict

from directus_orm import DirectusModel
from directus_orm.exceptions import DeferredFieldError, InvalidRow
from directus_orm.models.state import ModelState


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


# -- a page of rows (QuerySet reads) and the rows stored by bulk_create -------------------------------
def _state(doc: Doc) -> tuple[Any, ...]:
    return (doc.model_dump(), doc.model_extra, doc._using, doc.deferred_fields, doc._loaded,
            doc.__pydantic_fields_set__)


PAGE = [{"id": i, "title": f"T{i}", "tags": ["a"], "data": {"k": [i]}} for i in range(3)]


@pytest.mark.parametrize("page", [
    PAGE,  # complete rows: validated in one call
    [*PAGE, {"id": 9, "title": "partial"}],  # one partial row: row by row, the missing ones deferred
    [*PAGE, {"id": 9, "title": "T", "tags": [], "undeclared": "kept"}],  # as wide, but not the fields
])
def test_a_page_loads_as_each_row_would(page: list[dict[str, Any]]) -> None:
    loaded = Doc._from_db_page(page, "other")
    assert [_state(d) for d in loaded] == [_state(Doc._from_db(r, "other")) for r in page]
    assert all(type(d) is Doc for d in loaded)


def test_a_page_keeps_in_place_changes_detectable() -> None:
    assert Doc._meta.load_plan().page is not None  # the one-call path is the one tested here
    docs = Doc._from_db_page(PAGE, "default")
    docs[0].data["k"].append(5)  # type: ignore[index]
    docs[1].tags.append("b")
    assert [d.get_changed_fields() for d in docs] == [["data"], ["tags"], []]


def test_an_invalid_value_in_a_page_raises_like_one_row() -> None:
    with pytest.raises(InvalidRow) as page_error:
        Doc._from_db_page([*PAGE, {**PAGE[0], "id": "not a number"}], "default")
    with pytest.raises(InvalidRow) as row_error:
        Doc._from_db({**PAGE[0], "id": "not a number"}, "default")
    assert page_error.value.errors == row_error.value.errors
    assert row_error.value.errors[0].startswith("id: ")


def test_a_model_allowing_extra_keys_loads_row_by_row() -> None:
    class Loose(Doc):
        model_config = ConfigDict(extra="ignore")

        class Meta:
            collection = "state_loose"

    # As wide as the model, but "undeclared" stands in for "data": it must be deferred, not defaulted.
    (loose,) = Loose._from_db_page([{"id": 1, "title": "T", "tags": [], "undeclared": 1}], "default")
    assert loose.deferred_fields == {"data"} and loose.model_extra == {"undeclared": 1}
    assert Loose._meta.load_plan().page is None


def test_stored_rows_are_adopted_by_the_same_instances() -> None:
    docs = [Doc(title="a", tags=["x"]), Doc(title="b")]
    docs[0].model_extra["note"] = "mine"
    rows = [{"id": 1, "title": "a", "tags": ["x"], "data": None, "server": 1},
            {"id": 2, "title": "B (trimmed)"}]  # the role reads only some fields of the second
    originals = list(docs)
    Doc._apply_rows(docs, rows, "other")
    assert docs == originals and docs[0] is originals[0]
    assert [d.pk for d in docs] == [1, 2] and docs[1].title == "B (trimmed)"
    assert all(d.is_stored and d.get_changed_fields() == [] and d._using == "other" for d in docs)
    assert docs[0].model_extra == {"note": "mine", "server": 1}
    assert docs[1].tags == []  # not answered: keeps the value it was built with
    docs[0].tags.append("y")
    assert docs[0].get_changed_fields() == ["tags"]


class Flat(DirectusModel):
    """Scalars only: a loaded instance remembers its own __dict__ (no copy)."""

    id: int | None = None
    title: str

    class Meta:
        collection = "state_flat"


class FlatNoValidation(Flat):
    """Without validate_assignment pydantic sets attributes in place: a copy is remembered."""

    model_config = ConfigDict(validate_assignment=False)

    class Meta:
        collection = "state_flat_plain"


@pytest.mark.parametrize("model", [Flat, FlatNoValidation])
def test_assignments_after_loading_are_detected(model: type[Flat]) -> None:
    assert model._meta.load_plan().share_values is (model is Flat)
    page = model._from_db_page([{"id": 1, "title": "T"}, {"id": 2, "title": "U"}], "default")
    one = model._from_db({"id": 3, "title": "V"}, "default")
    for obj in [*page, one]:
        old = obj.title
        obj.title = "changed"
        assert obj.get_changed_fields() == ["title"] and obj._loaded == {"id": obj.pk, "title": old}


@pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy, lambda d: pickle.loads(pickle.dumps(d)),
                                   lambda d: d.model_copy(update={"title": "copied"})])
def test_rows_of_one_page_share_nothing_that_changes(clone: Any) -> None:
    first, second = Flat._from_db_page([{"id": 1, "title": "T"}, {"id": 2, "title": "U"}], "other")
    assert type(first._dstate) is type(second._dstate) is not ModelState  # type: ignore[attr-defined]
    twin = clone(first)
    twin.title = "twin"
    first.title = "changed"
    assert first.get_changed_fields() == ["title"] and first._loaded == {"id": 1, "title": "T"}
    assert twin.get_changed_fields() == ["title"] and twin._loaded == {"id": 1, "title": "T"}
    assert second.get_changed_fields() == [] and second._loaded == {"id": 2, "title": "U"}
    assert (first._using, twin._using, second._using) == ("other",) * 3
    assert all(obj.is_stored for obj in (first, second, twin))
