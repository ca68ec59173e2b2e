"""Coming from py-directus: the directus-orm side of the page's table, run. Needs DIRECTUS_URL and
DIRECTUS_TOKEN (admin): creates its own docs_pydirectus_* collections."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import directus_orm
from directus_orm import Count, Directus, DirectusModel, Q, Sum, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
AUTHORS, ARTICLES = "docs_pydirectus_authors", "docs_pydirectus_articles"


class Author(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = AUTHORS


# --8<-- [start:model]
# directus-orm
class Article(DirectusModel):
    id: int | None = None
    title: str
    author: Author | int | None = None      # many-to-one: an object when loaded, else its key

    class Meta:
        collection = "docs_pydirectus_articles"
# --8<-- [end:model]


async def drop_schema(conn: Directus) -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    for name in (ARTICLES, AUTHORS):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


async def create_schema(conn: Directus) -> None:
    await drop_schema(conn)
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}

    def field(name: str, type_: str, **schema: Any) -> dict[str, Any]:
        return {"field": name, "type": type_, "schema": schema, "meta": {}}

    await conn.post("/collections", json={"collection": AUTHORS, "schema": {}, "meta": {},
                                          "fields": [pk, field("name", "string")]})
    await conn.post("/collections", json={"collection": ARTICLES, "schema": {}, "meta": {}, "fields": [
        pk, field("title", "string"), field("author", "integer"), field("category", "string"),
        field("price", "decimal", numeric_precision=10, numeric_scale=2)]})
    await conn.post("/relations", json={"collection": ARTICLES, "field": "author",
                                        "related_collection": AUTHORS})


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
        try:
            directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
            ada = await Author.objects.create(name="Ada")
            a = await Article.objects.create(title="Hi", author=ada)
            # The table's aggregates need a number and a category: fields the page's model leaves out.
            await admin.post(f"/items/{ARTICLES}", json=[
                {"title": "Two", "price": "2.50", "category": "news"},
                {"title": "Three", "price": "7.00", "category": "news"},
                {"title": "Four", "price": "1.25", "category": "howto"}])
            priced = directus_orm.collection(ARTICLES)
            print("all:", [x.title for x in await Article.objects.all()])
            print("get:", (await Article.objects.select_related("author").get(pk=a.pk)).author)
            print("Q:", [x.title for x in await Article.objects.filter(Q(title="Hi") | Q(title="Two"))])
            print("order and slice:", [x.title for x in await Article.objects.order_by("-title")[:2]])
            print("values:", await Article.objects.values("title")[:2])
            print("count:", await Article.objects.count(),
                  "| sum:", await priced.aggregate(total=Sum("price")),
                  "| distinct:", await Article.objects.aggregate(n=Count("id", distinct=True)))
            print("grouped:", await priced.values("category").annotate(total=Sum("price")))
            a.title = "New"
            await a.save()                                   # PATCH of the changed fields only
            objs = await Article.objects.filter(title__in=["Two", "Three"])
            for obj in objs:
                obj.title = obj.title.upper()
            await Article.objects.bulk_update(objs, ["title"])
            print("deleted:", await Article.objects.filter(pk__in=[o.pk for o in objs]).delete())
            rows = await admin.get(f"/items/{ARTICLES}", params={"fields": "title", "sort": "id"})
            print("on the server:", [row["title"] for row in rows["data"]])
            await connections.aclose_all()
        finally:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(main())
