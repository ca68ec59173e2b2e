"""Aggregation and projection: aggregate(), values() / values_list(), grouping, annotate(Count(...)),
date parts, dynamic variables, distinct(), with_meta(). Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin):
creates its own docs_agg_* collections."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
from decimal import Decimal
from typing import Annotated, Any

import directus_orm
from directus_orm import Avg, Count, Directus, DirectusModel, ManyToMany, Max, Min, Now, Sum, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


class Country(DirectusModel):
    id: int | None = None
    name: str
    languages: list[Language | int] = []

    class Meta:
        collection = "docs_agg_countries"


class Language(DirectusModel):
    id: int | None = None
    name: str
    family: str | None = None
    speakers: int | None = None
    share: Decimal | None = None
    documented: datetime.date | None = None
    country: Country | int | None = None

    class Meta:
        collection = "docs_agg_languages"
        ordering = ["name"]


class Author(DirectusModel):
    id: int | None = None
    name: str
    country: str | None = None
    books: list[Book | int] = []

    class Meta:
        collection = "docs_agg_authors"


class Tag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "docs_agg_tags"


class Book(DirectusModel):
    id: int | None = None
    title: str
    price: Decimal | None = None
    pages: int | None = None
    published: datetime.date | None = None
    author: Author | int | None = None
    tags: Annotated[list[Tag | int],
                    ManyToMany(through="docs_agg_books_tags", source="books_id", target="tags_id")] = []

    class Meta:
        collection = "docs_agg_books"
        ordering = ["published", "title"]


BOOKS = "docs_agg_books_tags", "docs_agg_books", "docs_agg_tags", "docs_agg_authors"


async def drop_schema(conn: Directus) -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    for name in (*BOOKS, "docs_agg_languages", "docs_agg_countries"):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


async def create_schema(conn: Directus) -> None:
    await drop_schema(conn)
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}

    def field(name: str, type_: str, **schema: Any) -> dict[str, Any]:
        return {"field": name, "type": type_, "schema": schema, "meta": {}}

    await conn.post("/collections", json={"collection": "docs_agg_countries", "schema": {}, "meta": {},
                                          "fields": [pk, field("name", "string")]})
    await conn.post("/collections", json={
        "collection": "docs_agg_languages", "schema": {}, "meta": {}, "fields": [
        pk, field("name", "string"), field("family", "string"), field("speakers", "bigInteger"),
        field("share", "decimal", numeric_precision=10, numeric_scale=2), field("documented", "date"),
        field("country", "integer")]})
    await conn.post("/fields/docs_agg_countries",
                    json={"field": "languages", "type": "alias", "meta": {"special": ["o2m"]}})
    await conn.post("/relations", json={"collection": "docs_agg_languages", "field": "country",
                                        "related_collection": "docs_agg_countries",
                                        "meta": {"one_field": "languages"}})

    async def collection(name: str, *fields: dict[str, Any]) -> None:
        await conn.post("/collections",
                        json={"collection": name, "schema": {}, "meta": {}, "fields": [pk, *fields]})

    await collection("docs_agg_authors", field("name", "string"), field("country", "string"))
    await collection("docs_agg_tags", field("name", "string"))
    await collection("docs_agg_books", field("title", "string"),
                     field("price", "decimal", numeric_precision=10, numeric_scale=2),
                     field("pages", "integer"), field("published", "date"), field("author", "integer"))
    await collection("docs_agg_books_tags", field("books_id", "integer"), field("tags_id", "integer"))
    await conn.post("/fields/docs_agg_authors",
                    json={"field": "books", "type": "alias", "meta": {"special": ["o2m"]}})
    await conn.post("/fields/docs_agg_books",
                    json={"field": "tags", "type": "alias", "meta": {"special": ["m2m"]}})
    await conn.post("/relations", json={"collection": "docs_agg_books", "field": "author",
                                        "related_collection": "docs_agg_authors",
                                        "meta": {"one_field": "books"}})
    await conn.post("/relations", json={"collection": "docs_agg_books_tags", "field": "books_id",
                                        "related_collection": "docs_agg_books",
                                        "meta": {"one_field": "tags", "junction_field": "tags_id"}})
    await conn.post("/relations", json={"collection": "docs_agg_books_tags", "field": "tags_id",
                                        "related_collection": "docs_agg_tags",
                                        "meta": {"one_field": None, "junction_field": "books_id"}})


async def seed_books() -> None:
    lem, le_guin, herbert, strugatsky = await Author.objects.bulk_create([
        Author(name="Stanislaw Lem", country="PL"), Author(name="Ursula K. Le Guin", country="US"),
        Author(name="Frank Herbert", country="US"), Author(name="Arkady Strugatsky", country="RU")])
    sf, classic = await Tag.objects.bulk_create([Tag(name="sf"), Tag(name="classic")])
    rows = [("Solaris", "11.00", 204, 1961, lem, [sf, classic]),
            ("The Cyberiad", "9.99", 295, 1965, lem, [sf]),
            ("His Master's Voice", "12.50", 199, 1968, lem, [sf]),
            ("A Wizard of Earthsea", "8.99", 183, 1968, le_guin, [classic]),
            ("The Dispossessed", "13.00", 387, 1974, le_guin, [sf, classic]),
            ("Dune", "14.99", 412, 1965, herbert, [sf, classic]),
            ("Roadside Picnic", "10.67", 145, 1972, strugatsky, [sf]),
            ("Hard to Be a God", "10.00", 240, 1964, strugatsky, [])]
    for title, price, pages, year, author, tags in rows:
        await Book(title=title, price=Decimal(price), pages=pages, published=datetime.date(year, 6, 1),
                   author=author.id, tags=[t.id for t in tags if t.id is not None]).save()


async def books_and_authors() -> None:
    """The page's examples over books and authors."""
    # --8<-- [start:aggregate]
    totals = await Book.objects.aggregate(Sum("price"), Avg("pages"), Count("author", distinct=True),
                                          n=Count("*"))
    # {"price__sum": Decimal("91.14"), "pages__avg": 258.125, "author__count": 4, "n": 8}
    # -> GET /items/docs_agg_books?aggregate={"sum":["price"],"avg":["pages"],"countDistinct":["author"],
    #                                         "count":["id"]}
    # --8<-- [end:aggregate]
    print("aggregate:", totals)
    # --8<-- [start:values]
    summaries = await Book.objects.values("title", "author__name", "published__year")
    # [{"title": "Solaris", "author__name": "Stanislaw Lem", "published__year": 1961}, ...]
    titles = await Book.objects.values_list("title", flat=True)
    prices = await Book.objects.values_list("id", "price", named=True)      # namedtuples
    writers = await Book.objects.values(writer="author__name")               # your own key
    # --8<-- [end:values]
    print("values:", summaries[0], "| titles:", titles[:3], "| named:", prices[0], "| own key:", writers[0])
    # --8<-- [start:grouping]
    families = await Language.objects.values("family").annotate(n=Count("id"), total=Sum("speakers"))
    # -> groupBy=["family"], aggregate={"count":["id"],"sum":["speakers"]}
    # [..., {"family": "Uralic", "n": 2, "total": 5800000}]
    by_year = await Book.objects.values("published__year").annotate(n=Count("*"))  # year(published)
    # --8<-- [end:grouping]
    print("families:", families, "| by year:", by_year[:2])
    # --8<-- [start:annotate]
    authors = await Author.objects.annotate(n=Count("books")).filter(n__gte=2).order_by("-n")
    most = authors[0].n               # fields=*,count(books) -> books_count, read as n
    tag_counts = await Book.objects.annotate(n_tags=Count("tags")).values("title", "n_tags")
    # --8<-- [end:annotate]
    print("authors with 2+ books:", [(a.name, a.n) for a in authors], "| most:", most,
          "| tags:", tag_counts[:2])
    # --8<-- [start:distinct]
    countries = await Author.objects.values_list("country", flat=True).distinct()  # groupBy=["country"]
    n_countries = await Author.objects.values("country").distinct().count()       # number of groups
    page = await Book.objects.filter(pages__gt=200)[20:30].with_meta()  # one request: meta=total_count,...
    rows, total, matching = page.results, page.total_count, page.filter_count  # rows; all; matching ones
    # --8<-- [end:distinct]
    print("countries:", countries, n_countries, "| page 3 of books over 200 pages:", rows, total, matching)


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
    await seed_books()
    fi, gr, es = await Country.objects.bulk_create([Country(name="Finland"), Country(name="Greece"),
                                                    Country(name="Spain")])
    await Language.objects.bulk_create([
        Language(name="Finnish", family="Uralic", speakers=5_800_000, share=Decimal("86.90"),
                 documented=datetime.date(1543, 1, 1), country=fi.id),
        Language(name="Swedish", family="Indo-European", speakers=290_000, share=Decimal("5.20"),
                 documented=datetime.date(1526, 6, 1), country=fi.id),
        Language(name="Greek", family="Indo-European", speakers=13_000_000, share=Decimal("99.00"),
                 documented=datetime.date(1450, 3, 1), country=gr.id),
        Language(name="Basque", family=None, speakers=750_000, share=Decimal("1.60"),
                 documented=datetime.date(1545, 9, 1), country=es.id),
        Language(name="Sami", family="Uralic", speakers=None, share=None, documented=None, country=fi.id),
    ])

    await books_and_authors()

    # aggregate(): Django's result names (or yours); numbers as numbers (Decimal for decimal fields).
    print(await Language.objects.aggregate(Sum("speakers"), Avg("share"), Max("documented"),
                                           Count("family", distinct=True), n=Count("*")))
    uralic = Language.objects.filter(family="Uralic")
    print(await uralic.aggregate(total=Sum("speakers"), fewest=Min("speakers")))

    # values() / values_list() with relation paths and date parts.
    print(await Language.objects.values("name", "country__name", "documented__year")[:2])
    print(await Language.objects.values_list("name", flat=True))
    print(await Country.objects.values_list("name", "languages__name", named=True)[:3])

    # Grouping: values(...).annotate(...) -> groupBy + aggregate.
    for row in await Language.objects.values("family").annotate(n=Count("id"), total=Sum("speakers")):
        print("  family", row)

    # annotate() on rows: count related rows (Directus count(languages)); filter and order by it.
    for c in await Country.objects.annotate(n=Count("languages")).filter(n__gte=1).order_by("-n", "name"):
        print(f"  {c.name}: {c.n} language(s)")

    # Date parts and dynamic variables.
    print("documented in the 1540s:",
          await Language.objects.filter(documented__year__range=(1540, 1549)).values_list("name", flat=True))
    print("documented before a year ago ($NOW(-1 year)):",
          await Language.objects.filter(documented__lt=Now("-1 year")).count())

    # distinct() and with_meta() for pagination.
    families = Language.objects.exclude(family=None).values_list("family", flat=True).distinct()
    print("families:", await families)
    page = await Language.objects.filter(speakers__gt=500_000)[0:2].with_meta()
    print(f"page of {len(page)}: {[x.name for x in page]},",
          f"{page.filter_count} matching of {page.total_count}")
    await connections.aclose_all()


async def run() -> None:
    try:
        await main()
    finally:
        async with Directus(URL, token=TOKEN) as admin:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(run())
