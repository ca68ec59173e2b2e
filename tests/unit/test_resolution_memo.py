"""Keyword resolution is memoised per (model, keyword) only once the model is complete."""

from __future__ import annotations

import pytest

from directus_orm import DirectusModel, FieldError
from directus_orm.query.schema import resolve_filter_key


class MemoBook(DirectusModel):
    id: int | None = None
    title: str
    author: MemoAuthor | int | None = None  # declared below, after the first query

    class Meta:
        collection = "memo_books"


def test_an_incomplete_model_is_not_memoised_and_completes_later() -> None:
    # Before MemoAuthor exists, the relation cannot be followed: the answer is an untyped path.
    early = resolve_filter_key(MemoBook._meta, "author__name__icontains")
    assert early.field.kind == "any"
    assert MemoBook._meta.resolution_is_final is False

    global MemoAuthor

    class MemoAuthor(DirectusModel):  # type: ignore[no-redef]
        id: int | None = None
        name: str

        class Meta:
            collection = "memo_authors"

    resolved = resolve_filter_key(MemoBook._meta, "author__name__icontains")
    assert resolved.path == ("author", "name") and resolved.field.kind == "string"  # not the early one
    assert MemoBook._meta.resolution_is_final is True
    # Same answer, same object: remembered now that the model is final.
    assert resolve_filter_key(MemoBook._meta, "author__name__icontains") is resolved


def test_errors_are_not_memoised() -> None:
    for _ in range(2):
        with pytest.raises(FieldError, match="no field 'nope'"):
            resolve_filter_key(MemoBook._meta, "nope")
