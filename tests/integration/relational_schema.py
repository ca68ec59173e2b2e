"""A relational schema built through the Directus API: authors, books (m2o author), tags (m2m through
``rel_books_tags``) and translations (``rel_books_translations`` to ``rel_languages``), and the models
over it (``Author``, ``Book``, ``Tag``, ``Language``, ``Translation``) the relational tests share.

``ROWS`` holds the seeded data as plain Python, so tests can compare ORM results with what a plain
computation over the same rows gives.
"""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal
from typing import Annotated, Any

from directus_orm import Directus, DirectusModel, ManyToMany
from directus_orm.exceptions import APIError

AUTHORS = "rel_authors"
BOOKS = "rel_books"
TAGS = "rel_tags"
BOOKS_TAGS = "rel_books_tags"
LANGUAGES = "rel_languages"
TRANSLATIONS = "rel_books_translations"


class Author(DirectusModel):
    id: int | None = None
    name: str
    country: str | None = None
    born: datetime.date | None = None
    books: list[Book | int] = []

    class Meta:
        collection = AUTHORS
        ordering = ["id"]


class Tag(DirectusModel):
    id: int | None = None
    name: str
    books: Annotated[list[Book | int],
                     ManyToMany(through=BOOKS_TAGS, source="tags_id", target="books_id")] = []

    class Meta:
        collection = TAGS
        ordering = ["id"]


class Language(DirectusModel):
    code: str
    name: str | None = None

    class Meta:
        collection = LANGUAGES
        pk = "code"


class Translation(DirectusModel):
    id: int | None = None
    books_id: Book | int | None = None
    languages_code: Language | str | None = None
    summary: str | None = None

    class Meta:
        collection = TRANSLATIONS
        ordering = ["id"]


class Book(DirectusModel):
    id: int | None = None
    title: str
    author: Author | int | None = None
    price: Decimal | None = None
    pages: int | None = None
    published: datetime.date | None = None
    tags: Annotated[list[Tag | int],
                    ManyToMany(through=BOOKS_TAGS, source="books_id", target="tags_id")] = []
    translations: list[Translation | int] = []

    class Meta:
        collection = BOOKS
        ordering = ["id"]


ROWS: dict[str, list[dict[str, Any]]] = {
    AUTHORS: [
        {"id": 1, "name": "Ursula Le Guin", "country": "US", "born": "1929-10-21"},
        {"id": 2, "name": "Stanislaw Lem", "country": "PL", "born": "1921-09-12"},
        {"id": 3, "name": "Tove Jansson", "country": "FI", "born": "1914-08-09"},
        {"id": 4, "name": "Ted Chiang", "country": "US", "born": "1967-10-20"},
        {"id": 5, "name": "Nobody Yet", "country": None, "born": None},
    ],
    BOOKS: [
        {"id": 1, "title": "A Wizard of Earthsea", "author": 1, "price": "12.50", "pages": 183,
         "published": "1968-11-01"},
        {"id": 2, "title": "The Dispossessed", "author": 1, "price": "15.00", "pages": 387,
         "published": "1974-05-01"},
        {"id": 3, "title": "Solaris", "author": 2, "price": "11.00", "pages": 204, "published": "1961-06-01"},
        {"id": 4, "title": "The Cyberiad", "author": 2, "price": "9.99", "pages": 295,
         "published": "1965-01-15"},
        {"id": 5, "title": "Moominsummer Madness", "author": 3, "price": "8.25", "pages": 160,
         "published": "1954-03-01"},
        {"id": 6, "title": "Exhalation", "author": 4, "price": "18.00", "pages": 368,
         "published": "2019-05-07"},
        {"id": 7, "title": "Stories of Your Life", "author": 4, "price": "16.40", "pages": 281,
         "published": "2002-07-01"},
        {"id": 8, "title": "Anonymous Pamphlet", "author": None, "price": None, "pages": 12,
         "published": None},
    ],
    TAGS: [
        {"id": 1, "name": "sf"},
        {"id": 2, "name": "fantasy"},
        {"id": 3, "name": "classic"},
        {"id": 4, "name": "short-stories"},
    ],
    BOOKS_TAGS: [
        {"id": 1, "books_id": 1, "tags_id": 2},
        {"id": 2, "books_id": 1, "tags_id": 3},
        {"id": 3, "books_id": 2, "tags_id": 1},
        {"id": 4, "books_id": 2, "tags_id": 3},
        {"id": 5, "books_id": 3, "tags_id": 1},
        {"id": 6, "books_id": 3, "tags_id": 3},
        {"id": 7, "books_id": 4, "tags_id": 1},
        {"id": 8, "books_id": 5, "tags_id": 2},
        {"id": 9, "books_id": 6, "tags_id": 1},
        {"id": 10, "books_id": 6, "tags_id": 4},
        {"id": 11, "books_id": 7, "tags_id": 1},
        {"id": 12, "books_id": 7, "tags_id": 4},
    ],
    LANGUAGES: [
        {"code": "en", "name": "English"},
        {"code": "fr", "name": "French"},
    ],
    TRANSLATIONS: [
        {"id": 1, "books_id": 1, "languages_code": "en", "summary": "A young wizard learns names."},
        {"id": 2, "books_id": 1, "languages_code": "fr", "summary": "Un jeune sorcier apprend les noms."},
        {"id": 3, "books_id": 3, "languages_code": "en", "summary": "An ocean that thinks."},
        {"id": 4, "books_id": 6, "languages_code": "en", "summary": "Stories about time and minds."},
    ],
}


def _pk() -> dict[str, Any]:
    return {"field": "id", "type": "integer",
            "schema": {"is_primary_key": True, "has_auto_increment": True}, "meta": {"hidden": True}}


def _f(name: str, type_: str, **schema: Any) -> dict[str, Any]:
    return {"field": name, "type": type_, "schema": schema or {}, "meta": {}}


def _alias(name: str, special: str) -> dict[str, Any]:
    return {"field": name, "type": "alias", "meta": {"special": [special]}}


async def drop(conn: Directus) -> None:
    for name in (TRANSLATIONS, BOOKS_TAGS, BOOKS, TAGS, AUTHORS, LANGUAGES):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


async def create(conn: Directus, *, seed: bool = True) -> None:
    """(Re)create the schema, and seed ``ROWS`` unless ``seed=False``."""
    await drop(conn)

    async def collection(name: str, fields: list[dict[str, Any]], pk: dict[str, Any] | None = None) -> None:
        await conn.post("/collections", json={"collection": name, "schema": {}, "meta": {},
                                              "fields": [pk or _pk(), *fields]})

    await collection(AUTHORS, [_f("name", "string", is_nullable=False), _f("country", "string"),
                               _f("born", "date")])
    await collection(TAGS, [_f("name", "string", is_unique=True)])
    await collection(LANGUAGES, [_f("name", "string")],
                     pk={"field": "code", "type": "string", "schema": {"is_primary_key": True, "length": 8},
                         "meta": {}})
    await collection(BOOKS, [_f("title", "string", is_nullable=False), _f("author", "integer"),
                             _f("price", "decimal", numeric_precision=10, numeric_scale=2),
                             _f("pages", "integer"), _f("published", "date")])
    await collection(BOOKS_TAGS, [_f("books_id", "integer"), _f("tags_id", "integer")])
    await collection(TRANSLATIONS, [_f("books_id", "integer"), _f("languages_code", "string"),
                                    _f("summary", "text")])

    # m2o books.author -> authors, with the o2m alias authors.books
    await conn.post(f"/fields/{AUTHORS}", json=_alias("books", "o2m"))
    await conn.post("/relations", json={"collection": BOOKS, "field": "author", "related_collection": AUTHORS,
                                        "meta": {"one_field": "books"}, "schema": {"on_delete": "SET NULL"}})
    # m2m books.tags <-> tags through rel_books_tags
    await conn.post(f"/fields/{BOOKS}", json=_alias("tags", "m2m"))
    await conn.post(f"/fields/{TAGS}", json=_alias("books", "m2m"))
    await conn.post("/relations", json={
        "collection": BOOKS_TAGS, "field": "books_id", "related_collection": BOOKS,
        "meta": {"one_field": "tags", "junction_field": "tags_id"}, "schema": {"on_delete": "CASCADE"}})
    await conn.post("/relations", json={
        "collection": BOOKS_TAGS, "field": "tags_id", "related_collection": TAGS,
        "meta": {"one_field": "books", "junction_field": "books_id"}, "schema": {"on_delete": "CASCADE"}})
    # translations: books.translations through rel_books_translations to rel_languages
    await conn.post(f"/fields/{BOOKS}", json=_alias("translations", "translations"))
    await conn.post("/relations", json={
        "collection": TRANSLATIONS, "field": "books_id", "related_collection": BOOKS,
        "meta": {"one_field": "translations", "junction_field": "languages_code"},
        "schema": {"on_delete": "CASCADE"}})
    await conn.post("/relations", json={
        "collection": TRANSLATIONS, "field": "languages_code", "related_collection": LANGUAGES,
        "meta": {"one_field": None, "junction_field": "books_id"}, "schema": {"on_delete": "CASCADE"}})

    if seed:
        for name in (AUTHORS, TAGS, LANGUAGES, BOOKS, BOOKS_TAGS, TRANSLATIONS):
            await conn.post(f"/items/{name}", json=ROWS[name])
