"""Rows with related rows load a page at a time (one validation per model and page) and end up exactly
as the row-by-row path leaves them: values, deferred fields, extra keys, stored snapshot, dirty tracking
of the related instances, to-many lists copied so in-place changes are seen."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import field_validator, model_validator

from directus_orm import DirectusModel, ManyToMany
from directus_orm.exceptions import DeferredFieldError


class PgAuthor(DirectusModel):
    id: int | None = None
    name: str
    books: list[PgBook | int] = []

    class Meta:
        collection = "pg_authors"


class PgTag(DirectusModel):
    id: int | None = None
    label: str

    class Meta:
        collection = "pg_tags"


class PgBook(DirectusModel):
    id: int | None = None
    title: str
    author: PgAuthor | int | None = None
    tags: Annotated[list[PgTag | int], ManyToMany(through="pg_books_tags", source="pg_books_id",
                                                  target="pg_tags_id")] = []

    class Meta:
        collection = "pg_books"


class PgChecked(DirectusModel):
    """A model validator sees every field: rows lacking one go row by row."""

    id: int | None = None
    name: str
    books: list[PgBook | int] = []

    @model_validator(mode="after")
    def _named(self) -> PgChecked:
        return self

    class Meta:
        collection = "pg_checked"


class PgValidated(DirectusModel):
    """A field validator may read the values validated before it: rows lacking a field go row by row."""

    id: int | None = None
    books: list[PgBook | int] = []
    name: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return value.strip()

    class Meta:
        collection = "pg_validated"


def book_rows() -> list[dict[str, Any]]:
    return [{"id": i, "title": f"b{i}", "author": {"id": 1 + i % 2, "name": f"a{1 + i % 2}"} if i != 3 else 9,
             "tags": [{"pg_tags_id": {"id": 10 + i, "label": f"t{i}"}}, {"pg_tags_id": 4}]}
            for i in range(1, 6)]


def describe(obj: Any) -> Any:
    """Everything observable about a loaded instance (related ones described in turn)."""
    if not isinstance(obj, DirectusModel):
        return obj
    values = {k: [describe(v) for v in val] if isinstance(val, list) else describe(val)
              for k, val in obj.__dict__.items()}
    return (type(obj).__name__, values, obj.is_stored, obj.deferred_fields, obj.model_extra,
            obj._using, sorted(obj.__pydantic_fields_set__), obj.get_changed_fields(), obj._loaded)


def test_a_page_with_related_rows_loads_as_row_by_row() -> None:
    rows = book_rows()
    paged = PgBook._from_db_page(rows, "alias")
    one_by_one = [PgBook._from_db(row, "alias") for row in rows]
    assert [describe(b) for b in paged] == [describe(b) for b in one_by_one]
    assert isinstance(paged[0].author, PgAuthor) and paged[2].author == 9
    assert [t if isinstance(t, int) else t.label for t in paged[0].tags] == ["t1", 4]
    with pytest.raises(DeferredFieldError):
        _ = paged[0].author.books  # not in the answer: deferred, never a silent []
    assert rows == book_rows()  # the answer itself is left as it was


def test_the_page_path_validates_once_per_model(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = DirectusModel.__dict__["_from_db"].__func__

    def counted(cls: Any, row: Any, alias: Any = None) -> Any:
        calls.append(cls.__name__)
        return original(cls, row, alias)
    monkeypatch.setattr(DirectusModel, "_from_db", classmethod(counted))
    assert len(PgBook._from_db_page(book_rows(), "default")) == 5
    assert calls == []  # no row went one by one


def test_changes_to_related_instances_and_lists_are_tracked() -> None:
    books = PgBook._from_db_page(book_rows(), "default")
    assert [b.get_changed_fields() for b in books] == [[]] * 5
    books[0].author.name = "renamed"  # type: ignore[union-attr]
    assert books[0].author.get_changed_fields() == ["name"]  # type: ignore[union-attr]
    assert books[1].author.get_changed_fields() == []  # type: ignore[union-attr]  # its own instance
    books[1].tags.append(7)
    assert books[1].get_changed_fields() == ["tags"]
    books[2].title = "t"
    assert books[2].get_changed_fields() == ["title"] and books[3].get_changed_fields() == []


def test_authors_with_their_books_lists() -> None:
    rows = [{"id": 1, "name": "a", "books": [{"id": 5, "title": "x", "author": 1, "tags": [2]}, 6]},
            {"id": 2, "name": "b", "books": []}]
    paged = PgAuthor._from_db_page(rows, "default")
    assert [describe(a) for a in paged] == [describe(PgAuthor._from_db(r, "default")) for r in rows]
    paged[1].books.append(5)
    assert paged[1].get_changed_fields() == ["books"] and paged[0].get_changed_fields() == []


@pytest.mark.parametrize("rows", [
    [{"id": 1, "name": "a"}, {"id": 2, "name": "b", "undeclared": 1}],  # an extra key
    [{"id": 1, "name": "a"}, {"id": 2}],  # rows of different shapes
    [{"id": 1, "name": "a"}, {"id": "x", "name": "b"}],  # a bad value
])
def test_other_pages_go_row_by_row(rows: list[dict[str, Any]]) -> None:
    try:
        expected: Any = [describe(PgAuthor._from_db(r, "default")) for r in rows]
    except Exception as exc:  # the row path's error is the page path's too
        with pytest.raises(type(exc)):
            PgAuthor._from_db_page(rows, "default")
        return
    assert [describe(a) for a in PgAuthor._from_db_page(rows, "default")] == expected


def test_a_model_validator_keeps_partial_rows_row_by_row() -> None:
    rows = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert [describe(c) for c in PgChecked._from_db_page(rows, "default")] == [
        describe(PgChecked._from_db(r, "default")) for r in rows]


def test_a_field_validator_keeps_partial_rows_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"id": 1, "name": " a "}, {"id": 2, "name": "b"}]
    assert [describe(c) for c in PgValidated._from_db_page(rows, "default")] == [
        describe(PgValidated._from_db(r, "default")) for r in rows]
    assert PgValidated._validate_related_page(rows, "default") is None
    assert PgValidated._validate_related_page([{**r, "books": []} for r in rows], "default") is not None
