"""Aggregation and projection against the real server: aggregate(), values() / values_list() with
relation paths, grouped annotate(), row annotate(Count(...)), date parts, distinct(), count(),
with_meta(). Every result is compared with a plain Python computation over ``relational_schema.ROWS``."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from directus_orm import Avg, Count, Directus, FieldError, Max, Min, Sum, collection
from tests.integration import relational_schema as rs
from tests.integration.relational_schema import Author, Book, Tag
from tests.integration.test_relations import AUTHORS, BOOKS, books_of, tags_of
from tests.support import server_database

pytestmark = pytest.mark.integration

R = rs.ROWS


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await rs.create(admin)
    yield
    await rs.drop(admin)


@pytest.fixture
async def db(schema: None, registry: None) -> None:
    """The seeded schema, with the ORM configured."""


def priced() -> list[Decimal]:
    return [Decimal(b["price"]) for b in R[rs.BOOKS] if b["price"] is not None]


def year(b: dict[str, Any]) -> int | None:
    return int(b["published"][:4]) if b["published"] else None


async def test_aggregate_with_djangos_result_names_and_python_numbers(db: None) -> None:
    got = await Book.objects.aggregate(Sum("price"), Avg("pages"), Min("published"), Max("pages"),
                                       Count("id"), authors=Count("author", distinct=True), rows=Count("*"))
    pages = [b["pages"] for b in R[rs.BOOKS]]
    assert got == {
        "price__sum": sum(priced()),
        "pages__avg": sum(pages) / len(pages),
        "published__min": min(datetime.date.fromisoformat(b["published"])
                              for b in R[rs.BOOKS] if b["published"]),
        "pages__max": max(pages),
        "id__count": len(R[rs.BOOKS]),
        "authors": len({b["author"] for b in R[rs.BOOKS] if b["author"] is not None}),
        "rows": len(R[rs.BOOKS]),
    }
    assert isinstance(got["price__sum"], Decimal) and isinstance(got["id__count"], int)


async def test_aggregate_respects_the_filter_and_empty_querysets(db: None) -> None:
    got = await Book.objects.filter(author__country="US").aggregate(total=Sum("price"), n=Count("*"))
    us = [b for b in R[rs.BOOKS] if b["author"] and AUTHORS[b["author"]]["country"] == "US"]
    assert got == {"total": sum(Decimal(b["price"]) for b in us), "n": len(us)}
    assert await Book.objects.none().aggregate(Sum("price"), n=Count("*")) == {"price__sum": None, "n": 0}
    with pytest.raises(FieldError, match="across a relation"):
        await Author.objects.aggregate(Sum("books__price"))


async def test_values_and_values_list_with_relation_paths(db: None) -> None:
    rows = await Book.objects.filter(author__isnull=False).values("title", "author__name")
    assert rows == [{"title": b["title"], "author__name": AUTHORS[b["author"]]["name"]}
                    for b in R[rs.BOOKS] if b["author"]]
    titles = await Book.objects.values_list("title", flat=True)
    assert titles == [b["title"] for b in R[rs.BOOKS]]
    pairs = await Book.objects.filter(pk__lte=3).values_list("id", "price")
    assert pairs == [(b["id"], Decimal(b["price"])) for b in R[rs.BOOKS] if b["id"] <= 3]
    named = await Book.objects.filter(pk=3).values_list("title", "pages", named=True)
    assert named[0].title == "Solaris" and named[0].pages == 204
    everything = await Book.objects.filter(pk=1).values()
    assert everything[0]["author"] == 1 and everything[0]["price"] == Decimal("12.50")
    assert "tags" not in everything[0]  # Django's values() leaves many-to-many out too


async def test_values_across_to_many_gives_one_row_per_related_row(db: None) -> None:
    rows = await Author.objects.values("name", "books__title", "books__pages")
    expected = []
    for a in R[rs.AUTHORS]:
        books = sorted(books_of(a["id"]), key=lambda b: b["id"])
        expected += [{"name": a["name"], "books__title": b["title"], "books__pages": b["pages"]}
                     for b in books] or [{"name": a["name"], "books__title": None, "books__pages": None}]
    assert sorted(rows, key=repr) == sorted(expected, key=repr)
    tags = await Book.objects.filter(pk=2).values_list("tags__name", flat=True)
    assert sorted(tags) == sorted(t["name"] for t in tags_of(2))


async def test_grouping_values_annotate(db: None) -> None:
    rows = await Author.objects.values("country").annotate(n=Count("id"))
    counts = Counter(a["country"] for a in R[rs.AUTHORS])
    assert sorted(rows, key=repr) == sorted(({"country": c, "n": n} for c, n in counts.items()), key=repr)
    assert "groupBy" in Author.objects.values("country").annotate(n=Count("id")).query.params()
    rows = await Book.objects.filter(author__isnull=False).values("author").annotate(
        total=Sum("price"), pages=Avg("pages"), n=Count("*"))
    by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for b in R[rs.BOOKS]:
        if b["author"]:
            by[b["author"]].append(b)
    assert rows == [{"author": a, "total": sum(Decimal(b["price"]) for b in bs),
                     "pages": sum(b["pages"] for b in bs) / len(bs), "n": len(bs)}
                    for a, bs in sorted(by.items())]
    with pytest.raises(FieldError, match="relation"):
        Book.objects.values("author__country").annotate(n=Count("id"))


async def test_annotate_counts_related_rows(db: None) -> None:
    authors = await Author.objects.annotate(n=Count("books")).order_by("-n", "id")
    expected = sorted(AUTHORS, key=lambda a: (-len(books_of(a)), a))
    assert [a.id for a in authors] == expected
    assert [a.n for a in authors] == [len(books_of(a)) for a in expected]
    busy = await Author.objects.annotate(n=Count("books")).filter(n__gte=2)
    assert [a.id for a in busy] == [a for a in AUTHORS if len(books_of(a)) >= 2]
    rows = await Book.objects.annotate(n_tags=Count("tags")).values("title", "n_tags")
    assert rows == [{"title": b["title"], "n_tags": len(tags_of(b["id"]))} for b in R[rs.BOOKS]]
    with pytest.raises(FieldError, match="to-many"):
        Book.objects.annotate(s=Sum("price"))


async def test_date_parts_as_lookups_and_values(db: None) -> None:
    got = await Book.objects.filter(published__year=1974)
    assert [b.id for b in got] == [b["id"] for b in R[rs.BOOKS] if year(b) == 1974]
    got = await Book.objects.filter(published__month__gte=6)
    assert [b.id for b in got] == [b["id"] for b in R[rs.BOOKS]
                                   if b["published"] and int(b["published"][5:7]) >= 6]
    got = await Book.objects.exclude(published__year__lt=1970)
    assert [b.id for b in got] == [b["id"] for b in R[rs.BOOKS] if (year(b) or 9999) >= 1970]
    rows = await Book.objects.values("title", "published__year")
    assert rows == [{"title": b["title"], "published__year": year(b)} for b in R[rs.BOOKS]]
    rows = await Book.objects.filter(published__isnull=False).values("published__year").annotate(n=Count("*"))
    decades = Counter(year(b) for b in R[rs.BOOKS] if b["published"])
    assert rows == [{"published__year": y, "n": n} for y, n in sorted(decades.items())]
    got = await Author.objects.filter(books__published__year=1974)
    assert [a.id for a in got] == [a for a in AUTHORS if any(year(b) == 1974 for b in books_of(a))]


async def test_distinct_and_count(db: None) -> None:
    with_country = Author.objects.filter(country__isnull=False)
    countries = await with_country.values_list("country", flat=True).distinct()
    assert sorted(countries) == sorted({a["country"] for a in R[rs.AUTHORS] if a["country"]})
    assert await with_country.values("country").distinct().count() == len(countries)
    tag_names = await Author.objects.filter(pk=4).values_list("books__tags__name", flat=True).distinct()
    assert sorted(tag_names) == sorted({t["name"] for b in books_of(4) for t in tags_of(b["id"])})
    assert await Book.objects.filter(tags__name="sf").count() == sum(
        1 for b in BOOKS if any(t["name"] == "sf" for t in tags_of(b)))


async def test_with_meta_exposes_total_and_filter_counts(db: None) -> None:
    page = await Book.objects.filter(pages__gt=200)[1:3].with_meta()
    matching = [b for b in R[rs.BOOKS] if b["pages"] > 200]
    assert page.total_count == len(R[rs.BOOKS]) and page.filter_count == len(matching)
    assert [b.id for b in page] == [b["id"] for b in matching][1:3] and len(page) == 2
    empty = await Book.objects.none().with_meta()
    assert empty.results == [] and empty.filter_count == 0 and empty.total_count == len(R[rs.BOOKS])


async def test_dict_collections_aggregate_and_values(db: None) -> None:
    books = collection(rs.BOOKS)
    got = await books.aggregate(total=Sum("price"), n=Count("*"))
    # No model, no type to convert to: SQLite sums decimals as doubles, PostgreSQL as numeric strings.
    total = float(sum(priced())) if server_database() == "sqlite" else sum(priced())
    assert got == {"total": total, "n": len(R[rs.BOOKS])}
    rows = await books.filter(id__lte=2).values("title", "author__name")
    assert rows == [{"title": b["title"], "author__name": AUTHORS[b["author"]]["name"]}
                    for b in R[rs.BOOKS][:2]]


async def test_tags_prefetch_and_count_agree(db: None) -> None:
    tags = await Tag.objects.annotate(n=Count("books")).prefetch_related("books")
    for tag in tags:
        assert tag.n == len(tag.books) == sum(1 for j in R[rs.BOOKS_TAGS] if j["tags_id"] == tag.id)
