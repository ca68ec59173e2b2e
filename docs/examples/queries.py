"""Queries: lookups, Q objects, exclude(), ordering, slicing, streaming, terminal methods, bulk
operations, dynamic variables. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin): creates its own docs_queries_*
collections."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
import uuid

import directus_orm
from directus_orm import CurrentUser, Directus, DirectusModel, Now, Q, UnsupportedLookup, connections
from directus_orm.exceptions import APIError

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
COLLECTION = "docs_queries_languages"
ARTICLES = "docs_queries_articles"


class Language(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    speakers: int | None = None
    family: str | None = None

    class Meta:
        collection = COLLECTION
        ordering = ["code"]


class Article(DirectusModel):
    id: int | None = None
    title: str
    created: datetime.datetime | None = None
    user_created: uuid.UUID | None = None          # filled by Directus (special user-created)

    class Meta:
        collection = ARTICLES


async def drop_schema(conn: Directus) -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    for name in (COLLECTION, ARTICLES):
        with contextlib.suppress(APIError):
            await conn.delete(f"/collections/{name}")


async def create_schema(conn: Directus) -> None:
    await drop_schema(conn)
    await conn.post("/collections", json={"collection": COLLECTION, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "code", "type": "string", "schema": {"is_nullable": False, "is_unique": True}},
        {"field": "name", "type": "string", "schema": {}},
        {"field": "speakers", "type": "bigInteger", "schema": {}},
        {"field": "family", "type": "string", "schema": {}},
    ]})
    await conn.post("/collections", json={"collection": ARTICLES, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "title", "type": "string", "schema": {"is_nullable": False}},
        {"field": "created", "type": "timestamp", "schema": {}, "meta": {}},
        {"field": "user_created", "type": "uuid", "schema": {}, "meta": {"special": ["user-created"]}},
    ]})


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
    # tiny pages, to see the streaming
    directus_orm.configure({"default": {"url": URL, "token": TOKEN, "page_size": 2}})
    await Language.objects.bulk_create([
        Language(code="en", name="English", speakers=1_500_000_000, family="Indo-European"),
        Language(code="el", name="Greek", speakers=13_000_000, family="Indo-European"),
        Language(code="fi", name="Finnish", speakers=5_800_000, family="Uralic"),
        Language(code="eu", name="Basque", speakers=750_000),
        Language(code="xx", name=None, speakers=None),
    ])

    # --8<-- [start:lazy]
    qs = Language.objects.filter(Q(family="Uralic") | Q(speakers__gte=10**8)).exclude(name__istartswith="x")
    print(qs.query)    # docs_queries_languages {"filter": {"_and": [...]}, "sort": ["code", "id"]}
    langs = await qs   # a list
    # --8<-- [end:lazy]
    print("Q:", [x.code for x in langs])
    print("exclude keeps NULLs:", [x.code for x in await Language.objects.exclude(family="Uralic")])
    print("slice:", [x.code for x in await Language.objects.order_by("-speakers")[1:3]])
    async for lang in Language.objects.all():              # streamed, page_size rows per request
        print("  streamed", lang.code)
    print("count:", await Language.objects.filter(speakers__isnull=True).count())
    print("exists:", await Language.objects.filter(code="el").exists())
    print("in_bulk:", sorted(await Language.objects.in_bulk(["el", "fi"], field_name="code")))
    print("updated:", await Language.objects.filter(family="Uralic").update(family="Finno-Ugric"))
    lang, created = await Language.objects.get_or_create(code="la", defaults={"name": "Latin"})
    print("get_or_create:", lang.name, created)
    greek = await Language.objects.filter(name__iexact="GREEK")
    print("iexact (emulated: the keys are read first):", [x.code for x in greek])
    no_e = await Language.objects.exclude(name__icontains="e")
    print("exclude(icontains) keeps NULLs:", [x.code for x in no_e])
    print("literal %:", await Language.objects.filter(name__contains="%").count())
    try:
        Language.objects.filter(speakers__regex="^1")
    except UnsupportedLookup as exc:
        print("refused before any request:", str(exc)[:60], "...")
    print("deleted:", await Language.objects.filter(speakers__lt=1_000_000).delete())

    now = datetime.datetime.now(datetime.timezone.utc)
    await Article.objects.bulk_create([Article(title="New", created=now - datetime.timedelta(days=2)),
                                       Article(title="Old", created=now - datetime.timedelta(days=90))])
    # --8<-- [start:dynamic]
    recent = await Article.objects.filter(created__gte=Now("-30 days"))
    mine = await Article.objects.filter(user_created=CurrentUser())
    # --8<-- [end:dynamic]
    print("recent ($NOW(-30 days)):", [a.title for a in recent], "| mine ($CURRENT_USER):", len(mine))
    await connections.aclose_all()


async def run() -> None:
    try:
        await main()
    finally:
        async with Directus(URL, token=TOKEN) as admin:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(run())
