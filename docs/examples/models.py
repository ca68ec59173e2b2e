"""Models: fields, Meta options, managers, saving, per-model exceptions, abstract models, dict
collections and system collections. Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin): creates its own
docs_models_* collection."""

from __future__ import annotations

# --8<-- [start:imports]
import datetime

from directus_orm import DirectusModel

# --8<-- [end:imports]
# isort: split
import asyncio
import contextlib
import os
import warnings

import directus_orm
from directus_orm import Directus, Manager, QuerySet, collection, connections
from directus_orm.exceptions import APIError, ConflictingModelWarning

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
COLLECTION = "docs_models_articles"


# --8<-- [start:model]
class Article(DirectusModel):
    id: int | None = None            # the primary key (None until the server assigns it)
    title: str                       # required
    status: str = "draft"            # a default is sent on insert
    views: int | None = None         # a None default leaves the value to the server's default
    created: datetime.date | None = None

    class Meta:
        collection = "docs_models_articles"
        ordering = ["-created", "title"]
        get_latest_by = "created"
# --8<-- [end:model]


class Timestamped(DirectusModel):
    """Abstract: no collection, no manager; its fields and Meta are inherited."""

    created: datetime.date | None = None

    class Meta:
        abstract = True
        get_latest_by = "created"


def stamped() -> type[Timestamped]:
    """The same collection through an abstract base."""
    class Stamped(Timestamped):
        id: int | None = None
        title: str

        class Meta:
            collection = COLLECTION
    return Stamped


def with_managers() -> type[DirectusModel]:
    """The page's Article again, with managers of its own."""
    # --8<-- [start:managers]
    class PublishedManager(Manager["Article"]):
        def get_queryset(self) -> QuerySet[Article]:
            return super().get_queryset().filter(status="published")

    class Article(DirectusModel):
        id: int | None = None
        title: str
        status: str = "draft"
        objects = Manager["Article"]()
        published = PublishedManager()

        class Meta:
            collection = "docs_models_articles"
    # --8<-- [end:managers]
    return Article


async def drop_schema(conn: Directus) -> None:
    """Drop what this example creates (before it starts, and when it ends)."""
    with contextlib.suppress(APIError):
        await conn.delete(f"/collections/{COLLECTION}")


async def create_schema(conn: Directus) -> None:
    await drop_schema(conn)
    await conn.post("/collections", json={"collection": COLLECTION, "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "title", "type": "string", "schema": {"is_nullable": False}},
        {"field": "status", "type": "string", "schema": {"default_value": "draft"}},
        {"field": "views", "type": "integer", "schema": {}},
        {"field": "created", "type": "date", "schema": {}},
    ]})


async def main() -> None:
    async with Directus(URL, token=TOKEN) as admin:
        await create_schema(admin)
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})

    a = Article(title="Hello", created=datetime.date(2024, 1, 2))
    await a.save()                                   # POST; the server's id is read back
    print("saved", a.id, "stored:", a.is_stored)
    a.views = 10
    print("changed:", a.get_changed_fields())
    await a.save()                                   # PATCH {"views": 10}: changed fields only
    b = await Article.objects.create(title="World", status="published", created=datetime.date(2024, 3, 4))
    print("latest:", (await Article.objects.latest()).title)

    try:
        await Article.objects.get(title="missing")
    except Article.DoesNotExist as exc:
        print("DoesNotExist:", type(exc).__qualname__)

    # Other classes over the same collection replace Article in the model registry: say so once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConflictingModelWarning)
        managed, inherited = with_managers(), stamped()
    print("inherited from an abstract base:",
          [x.title for x in await inherited.objects.order_by("created")])  # type: ignore[attr-defined]
    print("published:", [x.title for x in await managed.published.all()])  # type: ignore[attr-defined]

    await b.refresh_from_db()
    await b.delete()
    print("after delete, stored:", b.is_stored)

    # No model: plain dicts, same QuerySet API. System collections too.
    # --8<-- [start:dicts]
    articles = directus_orm.collection("docs_models_articles")
    rows = await articles.filter(views__gte=5).values("title", "views")
    await (directus_orm.collection("docs_models_articles", pk="id")
           .filter(status="draft").update(status="review"))
    # --8<-- [end:dicts]
    print("dicts:", rows, "| statuses now:", await collection(COLLECTION).values_list("status", flat=True))
    me = await collection("directus_users").filter(email__icontains="@").values_list("email", flat=True)
    print("users:", len(me))
    await connections.aclose_all()


async def run() -> None:
    try:
        await main()
    finally:
        async with Directus(URL, token=TOKEN) as admin:
            await drop_schema(admin)


if __name__ == "__main__":
    asyncio.run(run())
