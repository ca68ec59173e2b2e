"""The routes' query string read into ORM terms (``contrib/fastapi/querystring.py``), without FastAPI
and without a server: filters, sort terms, ``?fields=``/``?omit=`` selections and ``pick``."""

from __future__ import annotations

import ast
import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest

from directus_orm import DirectusModel, FieldError, ImproperlyConfigured, ManyToMany
from directus_orm.contrib.fastapi import querystring
from directus_orm.contrib.fastapi.querystring import (
    QueryString,
    Selection,
    detail_of,
    pick,
    refuse_repeats,
    sort_terms,
)


class QsAuthor(DirectusModel):
    id: int | None = None
    name: str
    born: datetime.date | None = None
    books: list[QsBook | int] = []

    class Meta:
        collection = "unit_qs_authors"


class QsTag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "unit_qs_tags"


class QsBook(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    author: QsAuthor | int | None = None
    tags: Annotated[list[QsTag | int],
                    ManyToMany(through="unit_qs_books_tags", source="books_id", target="tags_id")] = []

    class Meta:
        collection = "unit_qs_books"


BOOK_FIELDS = ["id", "title", "pages", "author", "tags"]


def books(filter_fields: list[str] | None = None) -> QueryString:
    return QueryString(QsBook._meta, BOOK_FIELDS, filter_fields)


@dataclass
class Refusal:
    """What a 400 would say: the body, and its parts."""

    detail: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.detail["code"])

    @property
    def message(self) -> str:
        return str(self.detail["message"])

    @property
    def extra(self) -> dict[str, Any]:
        return {k: v for k, v in self.detail.items() if k not in ("code", "message")}


def refused(call: Any, *args: Any) -> Refusal:
    with pytest.raises(FieldError) as info:   # bad input: a DirectusError raised before any request
        call(*args)
    return Refusal(detail_of(info.value))


def test_the_module_does_not_import_fastapi() -> None:
    tree = ast.parse(Path(querystring.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m.split(".")[0] in ("fastapi", "starlette") for m in imported)
    assert not any(m.endswith(("dependency", "guards", "router", "checks")) for m in imported)


# -- filters -----------------------------------------------------------------------------------------
def test_filters_are_typed_by_their_lookup() -> None:
    got = books().filters([("title__icontains", "sol"), ("pages__in", "1,2,,3"), ("author__isnull", "TRUE"),
                           ("sort", "-title"), ("limit", "3")])
    assert got == {"title__icontains": "sol", "pages__in": ["1", "2", "3"], "author__isnull": True}


def test_filter_paths_through_relations_need_the_allow_list() -> None:
    qs = books(["title", "author__name", "tags.name"])
    assert qs.filter_fields == {"title", "author__name", "tags__name"}
    assert qs.filters([("author__name__icontains", "le"), ("tags__name", "sf")]) == {
        "author__name__icontains": "le", "tags__name": "sf"}
    error = refused(books().filters, [("author__name", "Lem")])   # default: own fields only
    assert error.code == "UNKNOWN_FILTER" and error.extra["valid"] == sorted(BOOK_FIELDS)
    assert refused(books().filters, [("colour", "red")]).code == "UNKNOWN_FILTER"


def test_filter_path_stops_at_the_lookup_and_skips_quantifiers() -> None:
    qs = books()
    assert qs.filter_path("author__name__icontains") == ("author__name", False)
    assert qs.filter_path("pk__in") == ("id", False)
    assert qs.filter_path("pages__year") == ("pages", False)
    assert qs.filter_path("tags__none__name") == ("tags__name", False)
    assert qs.filter_path("author__colour") == ("author", True)
    authors = QueryString(QsAuthor._meta, ["id", "name"])
    assert authors.filter_path("books__some__title") == ("books__title", False)


def test_bad_filter_values_and_repeats_are_refused() -> None:
    assert refused(books().filters, [("author__isnull", "maybe")]).code == "INVALID_FILTER"
    error = refused(books().filters, [("title", "a"), ("title", "b")])
    assert error.detail == {"message": "'title' is given more than once (use __in for several values)",
                            "code": "REPEATED_PARAMETER", "parameter": "title"}


def test_a_repeated_single_valued_parameter_is_refused() -> None:
    refuse_repeats([("fields", "id"), ("sort", "id"), ("title", "a"), ("title", "b")], ("fields", "sort"))
    for name in ("fields", "omit", "sort", "search", "limit", "offset", "page"):
        error = refused(refuse_repeats, [(name, "1"), ("title", "x"), (name, "2")], querystring.RESERVED)
        assert error.code == "REPEATED_PARAMETER" and error.extra == {"parameter": name}


def test_filter_fields_are_checked_when_built() -> None:
    with pytest.raises(FieldError, match="colour"):
        books(["author__colour"])


def test_sort_terms() -> None:
    assert sort_terms(" -title, author.name,,pages ") == ["-title", "author__name", "pages"]
    assert sort_terms(None) == []


# -- sparse fieldsets --------------------------------------------------------------------------------
def test_no_selection_means_the_read_fields() -> None:
    assert books().selection(None, None) is None
    assert books().selection(None, "") is None


def test_empty_fields_select_no_field() -> None:
    sel = books().selection("", None)          # ?fields= given empty (JSON:API): rows answer {}
    assert sel is not None and sel.tree == {} and sel.render({"id": 1, "title": "x"}) == {}


def test_flat_selection_runs_as_values() -> None:
    sel = books().selection("id, title", None)
    assert sel == Selection(("id", "title"), {"id": {}, "title": {}}, flat=True, max_nested_rows=100)


def test_relation_paths_nest_and_are_not_flat() -> None:
    sel = books().selection("id,author.name,author__born,tags.name", None)
    assert sel is not None and not sel.flat
    assert sel.names == ("id", "author__name", "author__born", "tags__name")
    assert sel.tree == {"id": {}, "author": {"name": {}, "born": {}}, "tags": {"name": {}}}


def test_a_to_many_field_alone_is_not_flat() -> None:
    sel = books().selection("title,tags", None)
    assert sel is not None and not sel.flat and sel.tree == {"title": {}, "tags": {}}


def test_the_deeper_path_wins_and_omit_removes() -> None:
    sel = books().selection("author,author.name,title", None)
    assert sel is not None and sel.names == ("author__name", "title")
    sel = books().selection(None, "tags,pages")
    assert sel is not None and sel.names == ("id", "title", "author") and sel.flat
    assert refused(books().selection, "title", "title").detail["message"] == "no field left to return"


def test_unknown_names_list_the_valid_ones_at_their_level() -> None:
    top = refused(books().selection, "colour", None)
    assert top.code == "UNKNOWN_FIELD" and top.extra == {"valid": BOOK_FIELDS, "at": ""}
    nested = refused(books().selection, "author.colour", None)
    assert nested.extra == {"valid": ["id", "name", "born", "books"], "at": "author"}
    assert "'author' (QsAuthor) has no field 'colour'" in nested.message
    leaf = refused(books().selection, "title.length", None)
    assert leaf.extra["at"] == "" and "'title' is not a relation" in leaf.message
    assert refused(books().selection, None, "nope").extra["valid"] == BOOK_FIELDS


def test_read_fields_bound_the_top_level_only() -> None:
    narrow = QueryString(QsBook._meta, ["id", "author"])
    assert refused(narrow.selection, "title", None).extra["valid"] == ["id", "author"]
    sel = narrow.selection("author.name", None)   # nested levels: the related model's fields
    assert sel is not None and sel.names == ("author__name",)


def test_max_depth_counts_the_relations_a_path_reads_through() -> None:
    deep = QueryString(QsAuthor._meta, ["id", "name", "books"], max_depth=2)
    assert deep.selection("books.author.name", None) is not None   # two relations: allowed
    error = refused(deep.selection, "books.author.books.title", None)
    assert error.code == "FIELD_TOO_DEEP" and error.extra == {"field": "books.author.books.title",
                                                              "max_depth": 2}
    assert refused(deep.selection, None, "books.author.books.title").code == "FIELD_TOO_DEEP"
    flat = QueryString(QsAuthor._meta, ["id", "name", "books"], max_depth=0)
    assert flat.selection("name,books", None) is not None          # keys: no relation read through
    assert refused(flat.selection, "books.title", None).code == "FIELD_TOO_DEEP"


def test_to_many_relations_read_through_get_a_row_limit() -> None:
    sel = QueryString(QsAuthor._meta, ["id", "name", "books"], max_nested_rows=5).selection(
        "name,books.title,books.tags.name,books.author.name", None)
    assert sel is not None
    assert sel.through_many == ((("books",), ("books",)), (("books", "tags"), ("books", "tags")))
    params = sel.apply(QsAuthor.objects.all()).query.params()
    assert params["deep"] == {"books": {"_limit": 6, "tags": {"_limit": 6}}}
    # ending on a to-many relation reads its keys, not rows: no limit of ours
    keys = books().selection("title,tags", None)
    assert keys is not None and keys.through_many == ()
    unbounded = QueryString(QsBook._meta, BOOK_FIELDS, max_nested_rows=None).selection("tags.name", None)
    assert unbounded is not None
    assert unbounded.apply(QsBook.objects.all()).query.params()["deep"] == {"tags": {"_limit": -1}}
    # without a limit, every level is still read whole (Directus cuts nested lists at 100 otherwise)
    nested = QueryString(QsAuthor._meta, ["books"], max_nested_rows=None).selection("books.tags.name", None)
    assert nested is not None
    assert nested.apply(QsAuthor.objects.all()).query.params()["deep"] == {
        "books": {"_limit": -1, "tags": {"_limit": -1}}}


def test_check_refuses_a_nested_list_over_the_limit() -> None:
    sel = QueryString(QsAuthor._meta, ["id", "name", "books"], max_nested_rows=2).selection(
        "name,books.tags.name", None)
    assert sel is not None
    ok = QsAuthor(id=1, name="a", books=[QsBook(id=1, title="t", tags=[QsTag(id=1, name="x")] * 2)])
    sel.check([ok, {"name": "b", "books": None}])
    over = QsAuthor(id=2, name="b", books=[QsBook(id=2, title="u", tags=[QsTag(id=1, name="x")] * 3)])
    error = refused(sel.check, [ok, over])
    assert error.code == "TOO_MANY_NESTED_ROWS"
    assert error.extra == {"field": "books.tags", "max_nested_rows": 2}
    assert refused(sel.check, [{"books": [{"tags": []}, {"tags": [1, 2, 3]}]}]).extra["field"] == "books.tags"


def test_limits_are_checked_when_built() -> None:
    with pytest.raises(ImproperlyConfigured):
        QueryString(QsBook._meta, BOOK_FIELDS, max_nested_rows=0)
    with pytest.raises(ImproperlyConfigured):
        QueryString(QsBook._meta, BOOK_FIELDS, max_depth=-1)


# -- pick --------------------------------------------------------------------------------------------
def test_pick_renders_the_tree_of_models_dicts_lists_and_keys() -> None:
    book = QsBook(id=1, title="Solaris", pages=204, author=QsAuthor(id=3, name="Lem"), tags=[2, 3])
    assert pick(book, {"title": {}, "author": {"name": {}}, "tags": {}}) == {
        "title": "Solaris", "author": {"name": "Lem"}, "tags": [2, 3]}
    assert pick([{"author": None}], {"author": {"name": {}}}) == [{"author": None}]
    assert pick({"author": 3}, {"author": {"name": {}}}) == {"author": 3}   # a key, not a row
    assert pick(datetime.date(2020, 1, 2), {}) == "2020-01-02"
