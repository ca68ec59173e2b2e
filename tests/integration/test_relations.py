"""Relations against the real server: declaration, relational filters (m2o, o2m, m2m, _some/_none,
exclude), select_related / prefetch_related / Prefetch, only / defer, nested save. Every result is
compared with a plain Python computation over ``relational_schema.ROWS``."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from directus_orm import Directus, FieldError, Q
from directus_orm.models import DeferredFieldError
from directus_orm.query import Now, Prefetch
from tests.integration import relational_schema as rs
from tests.integration.relational_schema import Author, Book, Language, Tag, Translation

pytestmark = pytest.mark.integration

R = rs.ROWS


# --- the oracle: plain Python over ROWS ---------------------------------------------------------------
AUTHORS = {a["id"]: a for a in R[rs.AUTHORS]}
BOOKS = {b["id"]: b for b in R[rs.BOOKS]}
TAGS = {t["id"]: t for t in R[rs.TAGS]}


def books_of(author_id: int) -> list[dict[str, Any]]:
    return [b for b in R[rs.BOOKS] if b["author"] == author_id]


def tags_of(book_id: int) -> list[dict[str, Any]]:
    return [TAGS[j["tags_id"]] for j in R[rs.BOOKS_TAGS] if j["books_id"] == book_id]


def ids(objs: list[Any]) -> list[int]:
    return [o.id for o in objs]


@pytest.fixture(scope="module")
async def schema(admin: Directus) -> AsyncIterator[None]:
    await rs.create(admin)
    yield
    await rs.drop(admin)


@pytest.fixture
async def db(schema: None, registry: None) -> None:
    """The seeded schema, with the ORM configured."""


# --- declaration ------------------------------------------------------------------------------------
async def test_unloaded_relations_hold_keys(db: None) -> None:
    book = await Book.objects.get(pk=1)
    assert book.author == 1
    assert sorted(book.tags) == sorted(t["id"] for t in tags_of(1))  # the tags' keys, not the junction's
    assert book.translations == [t["id"] for t in R[rs.TRANSLATIONS] if t["books_id"] == 1]
    author = await Author.objects.get(pk=2)
    assert sorted(author.books) == [b["id"] for b in books_of(2)]
    assert (await Author.objects.get(pk=5)).books == []
    assert (await Book.objects.get(pk=8)).author is None


# --- filters across relations -------------------------------------------------------------------------
async def test_many_to_one_filters(db: None) -> None:
    got = await Book.objects.filter(author__name__icontains="le")
    assert ids(got) == [b["id"] for b in R[rs.BOOKS]
                        if b["author"] and "le" in AUTHORS[b["author"]]["name"].lower()]
    got = await Book.objects.filter(author__country="US")
    assert ids(got) == [b["id"] for b in R[rs.BOOKS]
                        if b["author"] and AUTHORS[b["author"]]["country"] == "US"]
    author = await Author.objects.get(pk=2)
    assert ids(await Book.objects.filter(author=author)) == [b["id"] for b in books_of(2)]
    got = await Book.objects.filter(author__in=[1, 3])
    assert ids(got) == [b["id"] for b in R[rs.BOOKS] if b["author"] in (1, 3)]
    assert ids(await Book.objects.filter(author__isnull=True)) == [8]


async def test_exclude_across_many_to_one_keeps_rows_without_a_relation(db: None) -> None:
    got = await Book.objects.exclude(author__name="Stanislaw Lem")
    assert ids(got) == [b["id"] for b in R[rs.BOOKS] if b["author"] is None or AUTHORS[b["author"]]["name"] !=
                        "Stanislaw Lem"]
    assert 8 in ids(got)


async def test_one_to_many_filters_default_to_some(db: None) -> None:
    got = await Author.objects.filter(books__title__icontains="the")
    assert ids(got) == [a for a in AUTHORS if any("the" in b["title"].lower() for b in books_of(a))]
    assert "_some" in str(Author.objects.filter(books__title="X").query)
    assert ids(await Author.objects.filter(books=6)) == [4]
    assert ids(await Author.objects.filter(books__isnull=True)) == [a for a in AUTHORS if not books_of(a)]
    assert ids(await Author.objects.filter(books__isnull=False)) == [a for a in AUTHORS if books_of(a)]


async def test_conditions_in_one_filter_call_hold_for_the_same_related_row(db: None) -> None:
    same = await Author.objects.filter(books__title__icontains="the", books__pages__lt=300)
    assert ids(same) == [a for a in AUTHORS
                         if any("the" in b["title"].lower() and b["pages"] < 300 for b in books_of(a))]
    separate = await Author.objects.filter(books__title__icontains="the").filter(books__pages__lt=300)
    assert ids(separate) == [a for a in AUTHORS if any("the" in b["title"].lower() for b in books_of(a))
                             and any(b["pages"] < 300 for b in books_of(a))]
    assert ids(same) != ids(separate)  # the data tells the two meanings apart


async def test_explicit_some_and_none(db: None) -> None:
    got = await Author.objects.filter(books__none=Q(published__year__gte=1965))
    assert ids(got) == [a for a in AUTHORS if not any(b["published"] and int(b["published"][:4]) >= 1965
                                                      for b in books_of(a))]
    got = await Author.objects.filter(books__some=Q(pages__gt=300))
    assert ids(got) == [a for a in AUTHORS if any(b["pages"] > 300 for b in books_of(a))]
    got = await Author.objects.filter(books__none__title__icontains="the")
    assert ids(got) == [a for a in AUTHORS if not any("the" in b["title"].lower() for b in books_of(a))]


async def test_exclude_across_to_many_has_djangos_meaning(db: None) -> None:
    got = await Author.objects.exclude(books__title="Solaris")
    assert ids(got) == [a for a in AUTHORS if not any(b["title"] == "Solaris" for b in books_of(a))]
    assert 5 in ids(got)  # no books at all: kept, as in Django
    assert "_none" in str(Author.objects.exclude(books__title="Solaris").query)


async def test_compound_none_is_emulated_not_silently_ignored(db: None) -> None:
    # Django: the conditions of one exclude() across a to-many relation are separate (no such book, or
    # no such book): one _none each.
    got = await Author.objects.exclude(books__title="Solaris", books__pages=204)
    assert ids(got) == [a for a in AUTHORS if not (any(b["title"] == "Solaris" for b in books_of(a))
                                                   and any(b["pages"] == 204 for b in books_of(a)))]
    # A _none around OR (Directus would ignore it): the keys of the authors having one, then _nin.
    got = await Author.objects.filter(books__none=Q(title="Solaris") | Q(pages=12))
    assert ids(got) == [a for a in AUTHORS if not any(b["title"] == "Solaris" or b["pages"] == 12
                                                      for b in books_of(a))]
    assert "emulated" in str(Author.objects.filter(books__none=Q(title="Solaris") | Q(pages=1)).query)


async def test_many_to_many_filters_go_through_the_junction(db: None) -> None:
    assert "tags_id" in str(Book.objects.filter(tags__name="sf").query)
    got = await Book.objects.filter(tags__name="sf")
    assert ids(got) == [b for b in BOOKS if any(t["name"] == "sf" for t in tags_of(b))]
    got = await Book.objects.exclude(tags__name="sf")
    assert ids(got) == [b for b in BOOKS if not any(t["name"] == "sf" for t in tags_of(b))]
    got = await Tag.objects.filter(books__author__name="Ted Chiang")
    assert ids(got) == sorted({t["id"] for b in books_of(4) for t in tags_of(b["id"])})
    got = await Author.objects.filter(books__tags__name="fantasy")
    assert ids(got) == [a for a in AUTHORS
                        if any(t["name"] == "fantasy" for b in books_of(a) for t in tags_of(b["id"]))]


async def test_unknown_related_field_fails_before_any_request(db: None) -> None:
    with pytest.raises(FieldError, match="has no field 'nope'"):
        Book.objects.filter(author__nope=1)
    with pytest.raises(FieldError, match="has no field 'nope'"):
        Author.objects.filter(books__nope=1)
    with pytest.raises(FieldError, match="has no field 'nope'"):
        Book.objects.filter(tags__nope="x")


async def test_order_by_across_many_to_one(db: None) -> None:
    got = await Book.objects.filter(author__isnull=False).order_by("author__name", "-pages")
    expected = sorted((b for b in R[rs.BOOKS] if b["author"]),
                      key=lambda b: (AUTHORS[b["author"]]["name"], -b["pages"]))
    assert ids(got) == [b["id"] for b in expected]
    with pytest.raises(FieldError, match="to-many"):
        Author.objects.order_by("books__title")


# --- loading related rows -----------------------------------------------------------------------------
async def test_select_related_loads_the_author_in_the_same_request(db: None, admin: Directus) -> None:
    qs = Book.objects.select_related("author")
    fields = qs.query.params()["fields"]
    assert fields[:1] == ["*"] and [f for f in fields if f.startswith("author.")] == [
        "author.id", "author.name", "author.country", "author.born"]  # the author's own columns
    # what the server answers for those fields: no author carries its reverse list of book keys
    raw = (await admin.get(f"/items/{rs.BOOKS}", params=qs.query.params()))["data"]
    authors = [row["author"] for row in raw if row["author"] is not None]
    assert authors and all(set(a) == {"id", "name", "country", "born"} for a in authors)
    books = await qs
    for book in books:
        expected = BOOKS[book.id]["author"]
        if expected is None:
            assert book.author is None
        else:
            assert isinstance(book.author, Author) and book.author.name == AUTHORS[expected]["name"]
            assert book.author.is_stored and book.author.get_changed_fields() == []
    with pytest.raises(FieldError, match="prefetch_related"):
        Author.objects.select_related("books")


async def test_prefetch_related_loads_to_many(db: None) -> None:
    authors = await Author.objects.prefetch_related("books")
    for author in authors:
        assert sorted(b.title for b in author.books if isinstance(b, Book)) == sorted(
            b["title"] for b in books_of(author.id))
    books = await Book.objects.prefetch_related("tags", "translations__languages_code")
    for book in books:
        names = sorted(t.name for t in book.tags if isinstance(t, Tag))
        assert names == sorted(t["name"] for t in tags_of(book.id))
        for tr in book.translations:
            assert isinstance(tr, Translation) and isinstance(tr.languages_code, Language)
        assert sorted(tr.summary or "" for tr in book.translations if isinstance(tr, Translation)) == sorted(
            t["summary"] for t in R[rs.TRANSLATIONS] if t["books_id"] == book.id)


async def test_prefetch_with_a_queryset_filters_sorts_and_cuts_in_deep(db: None) -> None:
    p = Prefetch("books", queryset=Book.objects.filter(pages__gt=200).order_by("-pages")[:1])
    qs = Author.objects.prefetch_related(p)
    assert qs.query.params()["deep"]["books"] == {
        "_filter": {"pages": {"_gt": 200}}, "_sort": ["-pages", "id"], "_limit": 1,
        "tags": {"_limit": -1}, "translations": {"_limit": -1},  # nested lists: never cut at 100
    }
    for author in await qs:
        big = sorted((b for b in books_of(author.id) if b["pages"] > 200), key=lambda b: -b["pages"])[:1]
        assert [b.title for b in author.books if isinstance(b, Book)] == [b["title"] for b in big]
    p = Prefetch("tags", queryset=Tag.objects.filter(name__in=["sf", "classic"]).order_by("-name"))
    for book in await Book.objects.prefetch_related(p):
        expected = sorted((t["name"] for t in tags_of(book.id) if t["name"] in ("sf", "classic")),
                          reverse=True)
        assert [t.name for t in book.tags if isinstance(t, Tag)] == expected


async def test_only_and_defer_never_report_missing_fields_as_none(db: None) -> None:
    book = await Book.objects.only("title", "author__name").get(pk=2)
    assert book.title == BOOKS[2]["title"] and book.id == 2
    assert isinstance(book.author, Author) and book.author.name == AUTHORS[1]["name"]
    with pytest.raises(DeferredFieldError, match="pages"):
        _ = book.pages
    assert "pages" in book.deferred_fields
    book.pages = 400  # setting a deferred field loads it locally
    assert book.pages == 400
    book = await Book.objects.defer("price", "tags").get(pk=3)
    assert book.title == "Solaris"
    with pytest.raises(DeferredFieldError):
        _ = book.price
    await book.refresh_from_db(fields=["price"])
    assert book.price == Decimal(BOOKS[3]["price"])
    with pytest.raises(FieldError):
        Book.objects.only("nope")


async def test_deferred_fields_are_not_sent_on_save(db: None) -> None:
    book = await Book.objects.only("title").get(pk=4)
    book.title = "The Cyberiad!"
    await book.save()
    fresh = await Book.objects.get(pk=4)
    assert fresh.title == "The Cyberiad!" and fresh.pages == BOOKS[4]["pages"]
    fresh.title = BOOKS[4]["title"]
    await fresh.save()


async def test_many_to_one_filter_with_dynamic_now(db: None) -> None:
    got = await Book.objects.filter(published__lt=Now("-50 years"))
    limit = datetime.date.today().replace(year=datetime.date.today().year - 50)
    assert ids(got) == [b["id"] for b in R[rs.BOOKS] if b["published"] and
                        datetime.date.fromisoformat(b["published"]) < limit]


# --- nested save ---------------------------------------------------------------------------------------
async def test_saving_a_book_with_an_unsaved_author_creates_both(db: None, admin: Directus) -> None:
    book = Book(title="Nested One", author=Author(name="New Author", country="GR"), pages=10)
    await book.save()
    assert isinstance(book.author, Author) and book.author.is_stored and book.author.id is not None
    row = (await admin.get(f"/items/{rs.AUTHORS}/{book.author.id}"))["data"]
    assert row["name"] == "New Author" and row["country"] == "GR"
    assert (await Book.objects.get(pk=book.id)).author == book.author.id
    book.author.country = "CY"  # a change in the related instance: saved through the book
    await book.save()
    assert (await admin.get(f"/items/{rs.AUTHORS}/{book.author.id}"))["data"]["country"] == "CY"
    assert book.get_changed_fields() == [] and book.author.get_changed_fields() == []
    await book.delete()
    await admin.delete(f"/items/{rs.AUTHORS}/{book.author.id}")


async def test_saving_to_many_relations_sends_what_directus_expects(db: None, admin: Directus) -> None:
    author = Author(name="Prolific", books=[Book(title="First"), Book(title="Second")])
    await author.save()
    assert [b.title for b in author.books if isinstance(b, Book)] == ["First", "Second"]
    keys = [b.id for b in author.books if isinstance(b, Book)]
    assert all(keys) and keys == sorted(keys)
    stored = await Book.objects.filter(author=author.id).order_by("id")
    assert [(b.id, b.title) for b in stored] == list(zip(keys, ["First", "Second"], strict=True))
    book = await Book.objects.get(pk=keys[0])
    book.tags = [1, Tag(name="nested-tag")]  # an existing tag by key, a new one created through the junction
    await book.save()
    fresh = await Book.objects.prefetch_related("tags").get(pk=book.id)
    assert sorted(t.name for t in fresh.tags if isinstance(t, Tag)) == sorted(["sf", "nested-tag"])
    assert isinstance(book.tags[1], Tag) and book.tags[1].is_stored
    await Book.objects.filter(author=author.id).delete()
    await Tag.objects.filter(name="nested-tag").delete()
    await admin.delete(f"/items/{rs.AUTHORS}/{author.id}")


async def test_many_to_one_update_by_query_takes_instances(db: None) -> None:
    lem = await Author.objects.get(pk=2)
    n = await Book.objects.filter(pk=8).update(author=lem)
    assert n == 1 and (await Book.objects.get(pk=8)).author == 2
    await Book.objects.filter(pk=8).update(author=None)
    with pytest.raises(FieldError, match="to-many"):
        await Author.objects.filter(pk=1).update(books=[1])
