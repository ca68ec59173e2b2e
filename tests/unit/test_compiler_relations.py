"""The compiler pins the exact Directus JSON for relations, date parts, dynamic variables, projection,
grouping and annotations (no server involved)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest

from directus_orm import (
    Avg,
    Count,
    CurrentRoles,
    CurrentUser,
    DirectusModel,
    FieldError,
    ManyToMany,
    Now,
    Prefetch,
    Q,
    Sum,
    UnsupportedLookup,
)
from directus_orm.query.where import EVERYTHING, NOTHING


class CAuthor(DirectusModel):
    id: int | None = None
    name: str
    country: str | None = None
    books: list[CBook | int] = []

    class Meta:
        collection = "cr_authors"


class CTag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "cr_tags"


class CBook(DirectusModel):
    id: int | None = None
    title: str
    author: CAuthor | int | None = None
    price: Decimal | None = None
    published: datetime.date | None = None
    tags: Annotated[list[CTag | int],
                    ManyToMany(through="cr_books_tags", source="books_id", target="tags_id")] = []

    class Meta:
        collection = "cr_books"


A, B = CAuthor.objects, CBook.objects


def f(qs: Any) -> Any:
    return qs.query.params().get("filter", qs.query.filter)


@pytest.mark.parametrize(
    ("qs", "expected"),
    [
        (lambda: B.filter(author__name__icontains="le"), {"author": {"name": {"_icontains": "le"}}}),
        (lambda: B.filter(author=3), {"author": {"_eq": 3}}),
        (lambda: B.filter(author=CAuthor(id=3, name="x")), {"author": {"_eq": 3}}),
        (lambda: B.filter(author__in=[1, 2]), {"author": {"_in": [1, 2]}}),
        (lambda: B.filter(author__isnull=True), {"author": {"_null": True}}),
        (lambda: B.exclude(author__name="x"),
         {"_or": [{"author": {"name": {"_neq": "x"}}}, {"author": {"name": {"_null": True}}}]}),
        (lambda: A.filter(books__title="X"), {"books": {"_some": {"title": {"_eq": "X"}}}}),
        (lambda: A.filter(books=3), {"books": {"_some": {"id": {"_eq": 3}}}}),
        (lambda: A.filter(books__in=[3, 4]), {"books": {"_some": {"id": {"_in": [3, 4]}}}}),
        (lambda: A.filter(books__isnull=True), {"books": {"_none": {"id": {"_nnull": True}}}}),
        (lambda: A.filter(books__isnull=False), {"books": {"_some": {"id": {"_nnull": True}}}}),
        (lambda: A.exclude(books__title="X"), {"books": {"_none": {"title": {"_eq": "X"}}}}),
        (lambda: A.filter(books__none=Q(title="X")), {"books": {"_none": {"title": {"_eq": "X"}}}}),
        (lambda: A.filter(books__some={"title": "X"}), {"books": {"_some": {"title": {"_eq": "X"}}}}),
        (lambda: A.filter(books__none__title="X"), {"books": {"_none": {"title": {"_eq": "X"}}}}),
        (lambda: A.exclude(books__none__title="X"), {"books": {"_some": {"title": {"_eq": "X"}}}}),
        # several conditions on one relation in one call: the same related row (plain join form)
        (lambda: A.filter(books__title="X", books__published__year=2000),
         {"books": {"_and": [{"year(published)": {"_eq": 2000}}, {"title": {"_eq": "X"}}]}}),
        (lambda: A.filter(Q(books__title="X") & Q(books__price__gt=1)),
         {"books": {"_and": [{"title": {"_eq": "X"}}, {"price": {"_gt": "1"}}]}}),  # Decimal: exact string
        # separate calls: separate related rows
        (lambda: A.filter(books__title="X").filter(books__price__gt=1),
         {"_and": [{"books": {"_some": {"title": {"_eq": "X"}}}},
                   {"books": {"_some": {"price": {"_gt": "1"}}}}]}),
        (lambda: A.filter(Q(books__title="X") | Q(name="Y")),
         {"_or": [{"books": {"_some": {"title": {"_eq": "X"}}}}, {"name": {"_eq": "Y"}}]}),
        (lambda: B.filter(tags__name="sf"), {"tags": {"_some": {"tags_id": {"name": {"_eq": "sf"}}}}}),
        (lambda: B.filter(tags=2), {"tags": {"_some": {"tags_id": {"id": {"_eq": 2}}}}}),
        (lambda: B.exclude(tags__name="sf"), {"tags": {"_none": {"tags_id": {"name": {"_eq": "sf"}}}}}),
        (lambda: A.filter(books__tags__name="sf"),
         {"books": {"_some": {"tags": {"_some": {"tags_id": {"name": {"_eq": "sf"}}}}}}}),
        (lambda: B.filter(author__books__title="X"), {"author": {"books": {"title": {"_eq": "X"}}}}),
        # date parts
        (lambda: B.filter(published__year=2024), {"year(published)": {"_eq": 2024}}),
        (lambda: B.filter(published__month__gte=6), {"month(published)": {"_gte": 6}}),
        (lambda: B.filter(published__weekday=0), {"weekday(published)": {"_eq": 0}}),
        (lambda: B.filter(author__books__published__year="1999"),
         {"author": {"books": {"year(published)": {"_eq": 1999}}}}),
        (lambda: B.exclude(published__year=2024),
         {"_or": [{"year(published)": {"_neq": 2024}}, {"year(published)": {"_null": True}}]}),
        # dynamic variables
        (lambda: B.filter(published__lt=Now()), {"published": {"_lt": "$NOW"}}),
        (lambda: B.filter(published__gte=Now("-1 year")), {"published": {"_gte": "$NOW(-1 year)"}}),
        (lambda: B.filter(author=CurrentUser()), {"author": {"_eq": "$CURRENT_USER"}}),
        (lambda: B.filter(author__name=CurrentUser("first_name")),
         {"author": {"name": {"_eq": "$CURRENT_USER.first_name"}}}),
        (lambda: B.filter(author__in=CurrentRoles()), {"author": {"_in": ["$CURRENT_ROLES"]}}),
    ],
)
def test_filter_json(qs: Any, expected: Any) -> None:
    assert f(qs()) == expected


def test_empty_and_everything_inside_a_relation() -> None:
    assert A.filter(books__in=[]).query.filter is NOTHING
    assert A.exclude(books__in=[]).query.filter is EVERYTHING
    assert f(A.filter(books__some=Q())) == {"books": {"_some": {"id": {"_nnull": True}}}}


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: B.filter(author__nope=1), FieldError, "has no field 'nope'"),
        (lambda: A.filter(books__nope=1), FieldError, "has no field 'nope'"),
        (lambda: B.filter(tags__nope=1), FieldError, "has no field 'nope'"),
        (lambda: B.filter(author__name__nope=1), UnsupportedLookup, "unknown lookup 'nope'"),
        (lambda: A.filter(books__some=1), FieldError, "takes a Q object"),
        (lambda: B.filter(title__year=1), FieldError, "applies to date"),
        (lambda: B.filter(published__week_day=1), UnsupportedLookup, "weekday"),
        (lambda: B.filter(published__year="x"), FieldError, "invalid value"),
        (lambda: A.order_by("books__title"), FieldError, "to-many"),
        (lambda: A.select_related("books"), FieldError, "prefetch_related"),
        (lambda: B.select_related("title"), FieldError, "not a relation"),
        (lambda: B.only("nope"), FieldError, "has no field"),
        (lambda: B.defer("id"), FieldError, "primary key"),
        (lambda: B.values("author__nope"), FieldError, "has no field"),
        (lambda: B.annotate(n=Sum("price")), FieldError, "to-many"),
        (lambda: A.annotate(name=Count("books")), FieldError, "conflicts"),
        (lambda: B.values("author__country").annotate(n=Count("id")), FieldError, "relation"),
        (lambda: B.values_list("id", "title", flat=True), TypeError, "flat"),
        (lambda: Now("yesterday"), ValueError, "adjustment"),
        (lambda: B.prefetch_related(Prefetch("tags", queryset=B.all())), FieldError, "cr_books"),
    ],
)
def test_errors_before_any_request(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_order_by_relation_and_date_part() -> None:
    assert B.order_by("author__name", "-published__year").query.params()["sort"] == [
        "author.name", "-year(published)", "id"]


def test_default_fields_read_many_to_many_keys_and_uncut_lists() -> None:
    assert B.all().query.params() == {
        "fields": ["*", "tags.tags_id"], "deep": {"tags": {"_limit": -1}}, "sort": ["id"]}
    assert A.all().query.params() == {"deep": {"books": {"_limit": -1}}, "sort": ["id"]}
    assert CTag.objects.all().query.params() == {"sort": ["id"]}


def test_select_and_prefetch_related_fields_and_deep() -> None:
    p = B.select_related("author").query.params()
    # the author's own columns: not its reverse list of book keys (select_related is a join)
    assert p["fields"] == ["*", "tags.tags_id", "author.id", "author.name", "author.country"]
    assert p["deep"] == {"tags": {"_limit": -1}}
    p = A.prefetch_related("books__tags").query.params()
    assert p["fields"] == ["*", "books.id", "books.title", "books.author", "books.price", "books.published",
                           "books.tags.tags_id.id", "books.tags.tags_id.name"]
    assert p["deep"] == {"books": {"_limit": -1, "tags": {"_limit": -1}}}
    p = A.prefetch_related(Prefetch("books", B.filter(price__gt=10).order_by("-price")[2:5])).query.params()
    assert p["deep"]["books"] == {"_filter": {"price": {"_gt": "10"}}, "_sort": ["-price", "id"], "_limit": 3,
                                  "_offset": 2, "tags": {"_limit": -1}}
    tags = CTag.objects.filter(name__startswith="s").order_by("name")
    p = B.prefetch_related(Prefetch("tags", tags)).query.params()
    assert p["fields"] == ["*", "tags.tags_id.id", "tags.tags_id.name"]
    assert p["deep"] == {"tags": {"_limit": -1, "_filter": {"tags_id": {"name": {"_starts_with": "s"}}},
                                  "_sort": ["tags_id.name", "tags_id.id"]}}
    assert B.select_related("author").select_related(None).query.params()["fields"] == ["*", "tags.tags_id"]


def test_only_and_defer_fields() -> None:
    fields = B.only("title", "author__name").query.params()["fields"]
    assert fields == ["id", "title", "author.id", "author.name"]  # the related key comes along
    assert B.only("tags").query.params()["fields"] == ["id", "tags.tags_id"]
    assert B.defer("price", "tags").query.params()["fields"] == ["id", "title", "author", "published"]


def test_values_grouping_and_annotations() -> None:
    assert B.values("title", "author__name", "published__year").query.params()["fields"] == [
        "title", "author.name", "year(published)"]
    p = A.values("country").annotate(n=Count("id"), total=Sum("id"), a=Avg("id")).query.params()
    assert p == {"groupBy": ["country"], "aggregate": {"count": ["id"], "sum": ["id"], "avg": ["id"]},
                 "sort": ["country"]}
    p = B.values("published__year").annotate(n=Count("*")).query.params()
    assert p == {"groupBy": ["year(published)"], "aggregate": {"count": ["id"]}, "sort": ["year(published)"]}
    p = A.annotate(n=Count("books")).filter(n__gte=2).order_by("-n").query.params()
    assert p["fields"] == ["*", "count(books)"] and p["filter"] == {"count(books)": {"_gte": 2}}
    assert p["sort"] == ["-count(books)", "id"]
    p = A.values("country").distinct().query.params()
    assert p == {"groupBy": ["country"], "sort": ["country"]}
    assert B.values("tags").query.params()["fields"] == ["tags.tags_id"]


def test_nested_save_payloads() -> None:
    author = CAuthor(name="New", books=[CBook(title="First"), 7])
    assert author._insert_payload() == {"name": "New", "books": [{"title": "First"}, 7]}
    book = CBook(title="T", author=CAuthor(name="A"), tags=[1, CTag(name="n")])
    assert book._insert_payload() == {"title": "T", "author": {"name": "A"},
                                      "tags": [{"tags_id": 1}, {"tags_id": {"name": "n"}}]}
    assert CBook(title="T")._insert_payload() == {"title": "T"}  # an unset to-many default is not sent
    stored = CBook._from_db({"id": 5, "title": "S", "author": {"id": 2, "name": "Old"}, "price": None,
                             "published": None, "tags": [{"tags_id": 3}]})
    assert stored.tags == [3] and isinstance(stored.author, CAuthor) and stored.get_changed_fields() == []
    stored.author.name = "Renamed"  # a change inside the related row is a change of the relation
    assert stored.get_changed_fields() == ["author"]
    assert stored._payload(["author"], stored._snapshot()) == {"author": {"id": 2, "name": "Renamed"}}


def test_partial_rows_defer_missing_fields() -> None:
    from directus_orm import DeferredFieldError

    book = CBook._from_db({"id": 1, "title": "T"})
    assert book.deferred_fields == {"author", "price", "published", "tags"}
    with pytest.raises(DeferredFieldError, match="price"):
        _ = book.price
    assert book._snapshot() == {"id": 1, "title": "T"}


def test_in_lists_of_related_instances_send_their_keys() -> None:
    stored = CAuthor.model_validate({"id": 4, "name": "a"})
    assert B.filter(author__in=[stored, 5, "6"]).query.filter == {"author": {"_in": [4, 5, 6]}}
    with pytest.raises(FieldError, match="unsaved CAuthor has no key"):
        B.filter(author__in=[stored, CAuthor(name="new")])


def test_one_relation_type_carries_the_junction_rule() -> None:
    from directus_orm.exceptions import ImproperlyConfigured
    from directus_orm.query.schema import Relation

    tags = CBook._meta.relations["tags"].relation
    assert CBook._meta.get_field("tags").relation is tags  # type: ignore[union-attr]
    assert (tags.kind, tags.junction_field, tags.through) == ("m2m", "tags_id", "cr_books_tags")
    assert tags.hop("tags") == ("tags", "tags_id") and tags.wrap(3) == {"tags_id": 3}
    assert tags.unwrap({"id": 9, "tags_id": 3}) == 3 and tags.unwrap(3) == 3
    author = CBook._meta.relations["author"].relation
    assert author.hop("author") == ("author",) and author.wrap(3) == 3
    assert author.unwrap({"id": 3}) == {"id": 3}
    with pytest.raises(ImproperlyConfigured):
        Relation("m2m", lambda: CTag._meta)
    with pytest.raises(ImproperlyConfigured):
        Relation("o2m", lambda: CTag._meta, junction_field="tags_id")


def test_system_models_read_their_lists_of_keys_uncut() -> None:
    """A system model's to-many fields hold keys (``Meta.related_keys``), not rows: Directus cuts them at
    100 like any nested list, so every read that brings one back lifts the limit."""
    from directus_orm.system import DirectusPolicy, DirectusRole

    whole = {"_limit": -1}
    roles = DirectusRole.objects
    assert roles.all().query.params()["deep"] == {"children": whole, "policies": whole, "users": whole}
    assert roles.only("name", "children").query.params()["deep"] == {"children": whole}
    assert "deep" not in roles.only("name", "parent").query.params()
    assert roles.values_list("users", flat=True).query.params()["deep"] == {"users": whole}
    assert "deep" not in roles.values("name").query.params()
    assert DirectusPolicy.objects.all().query.params()["deep"] == {
        "permissions": whole, "users": whole, "roles": whole}
