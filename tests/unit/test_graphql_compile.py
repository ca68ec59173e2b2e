"""QuerySets compiled to GraphQL documents (no server): the document and variables are pinned, and
answered rows are turned back into REST's shape (keys typed, relations flattened, functions renamed)."""

from __future__ import annotations

from typing import Any

import pytest

from directus_orm import Count, Directus, FieldError, Max, Min, Q
from directus_orm.exceptions import GraphQLValidationError, InvalidArgument, InvalidUsage
from directus_orm.graphql import Document, gather, rows_read
from directus_orm.graphql.selection import function_filter
from directus_orm.query import collection
from tests.integration.test_relations import Author, Book

CONN = Directus("http://127.0.0.1:9", token="t")


def compiled(qs: Any) -> tuple[str, dict[str, Any], Any]:
    read = rows_read(qs.query, CONN, lambda rows: rows)
    doc = Document()
    assert read.root is not None
    doc.add("r0", read.root)
    return doc.text, doc.variables, read.fix


def test_filter_sort_slice_and_relations() -> None:
    qs = Book.objects.filter(Q(author__name="Lem") | Q(pages__gt=300))
    qs = qs.order_by("-pages").only("title", "author")
    text, variables, fix = compiled(qs[2:5])
    assert text == ("query($r0_0: rel_books_filter, $r0_1: [String], $r0_2: Int, $r0_3: Int) { r0: "
                    "rel_books(filter: $r0_0, sort: $r0_1, limit: $r0_2, offset: $r0_3) "
                    "{ id title author { id } } }")
    assert variables == {"r0_0": {"_or": [{"author": {"name": {"_eq": "Lem"}}}, {"pages": {"_gt": "300"}}]},
                         "r0_1": ["-pages", "id"], "r0_2": 3, "r0_3": 2}
    assert fix({"id": "7", "title": "x", "author": {"id": "2"}}) == {"id": 7, "title": "x", "author": 2}
    assert fix({"id": "8", "title": "y", "author": None}) == {"id": 8, "title": "y", "author": None}


def test_functions_and_operators_on_relations_are_respelled() -> None:
    schema = Book.objects.all().query.schema
    assert function_filter({"_and": [{"year(published)": {"_gt": 1970}}, {"author": {"_null": True}},
                                     {"tags": {"_some": {"tags_id": {"_eq": 3}}}}]}, schema) == {
        "_and": [{"published_func": {"year": {"_gt": 1970}}}, {"author": {"id": {"_null": True}}},
                 {"tags": {"_some": {"tags_id": {"id": {"_eq": "3"}}}}}]}


def test_integer_operands_travel_as_text() -> None:
    # Directus types a bigInteger field's operands as GraphQLBigInt (strings only); an integer field's
    # GraphQLStringOrFloat takes strings too, and the model cannot tell the two columns apart.
    schema = Book.objects.all().query.schema
    assert function_filter({"_and": [{"pages": {"_in": [1, 2], "_null": False}},
                                     {"pages": {"_between": [1, 3]}}, {"author": {"_eq": 2}},
                                     {"author": {"id": {"_nin": [4]}}}, {"title": {"_in": [3, "4"]}},
                                     {"year(published)": {"_eq": 1970}}]}, schema) == {
        "_and": [{"pages": {"_in": ["1", "2"], "_null": False}}, {"pages": {"_between": ["1", "3"]}},
                 {"author": {"id": {"_eq": "2"}}}, {"author": {"id": {"_nin": ["4"]}}},
                 {"title": {"_in": ["3", "4"]}}, {"published_func": {"year": {"_eq": 1970}}}]}


def test_row_annotations_and_to_many_keys() -> None:
    text, _, fix = compiled(Author.objects.annotate(n=Count("books")).only("name"))
    assert "books_func { count }" in text
    row = fix({"id": "1", "name": "a", "books_func": {"count": 2}})
    assert row == {"id": 1, "name": "a", "books_count": 2}
    _, _, fix_all = compiled(Author.objects.all())
    answered = {"id": "1", "name": "a", "country": None, "born": None, "books": [{"id": "3"}]}
    assert fix_all(answered)["books"] == [3]


def test_a_collection_without_fields_needs_only() -> None:
    with pytest.raises(InvalidArgument, match="no '\\*'"):
        compiled(collection("anything").all())
    text, _, _ = compiled(collection("anything").only("name"))
    assert "{ id name }" in text


def test_gather_refuses_what_is_not_a_read() -> None:
    with pytest.raises(InvalidUsage):
        gather(Book.objects.all(), 3)  # type: ignore[arg-type]


def test_the_validation_error_names_what_failed() -> None:
    err = GraphQLValidationError("GraphQL validation error.", status=400, code="GRAPHQL_VALIDATION",
                                 extensions={"errors": [{"message": 'Cannot query field "nope"'}]})
    assert 'Cannot query field "nope"' in str(err)
    import pickle

    assert str(pickle.loads(pickle.dumps(err))) == str(err)


def test_a_field_name_is_never_spliced_into_the_document() -> None:
    with pytest.raises(InvalidArgument, match="not a GraphQL name"):
        compiled(collection("anything").only("name}evil:users{email"))
    with pytest.raises(FieldError, match="not a field name"):  # whitespace: refused by only() itself
        compiled(collection("anything").only("name } evil: users { email"))


@pytest.mark.parametrize("aggregate", [Min("published"), Max("title")])
def test_min_max_of_a_non_numeric_field_is_refused_before_sending(aggregate: Any) -> None:
    """Directus's GraphQL offers min/max/sum/avg over numeric fields only (REST has them all)."""
    from directus_orm import connections

    qs = Book.objects.all()
    columns = qs._aggregate_columns(aggregate)
    with connections.override(Directus("http://127.0.0.1:9", token="t")), \
            pytest.raises(FieldError, match="over REST"):
        qs._graphql_aggregate_read(qs.query, columns)
