"""The directus-orm contender: models on the bench collections, used through the registry exactly as an
application would (``directus_orm.configure(...)``, ``Model.objects``)."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import directus_orm
from directus_orm import DirectusModel, Q

from .rows import ALL_LARGE, ALL_SMALL, BULK, CATEGORY, CHURN, ITEMS, PRODUCT, concurrent_filter


class _Fields(DirectusModel):
    """The bench collections' fields (both collections have the same shape)."""

    id: int | None = None
    name: str
    category: str
    score: int
    price: float
    active: bool
    created_at: datetime.datetime

    class Meta:
        abstract = True


class Item(_Fields):
    class Meta:
        collection = ITEMS


class BulkItem(_Fields):
    class Meta:
        collection = BULK


class AllSmall(_Fields):
    class Meta:
        collection = ALL_SMALL


class AllLarge(_Fields):
    class Meta:
        collection = ALL_LARGE


class Churn(_Fields):
    class Meta:
        collection = CHURN


class Category(DirectusModel):
    id: int | None = None
    name: str
    products: list[Product | int] = []  # the reverse relation, declared as an application would

    class Meta:
        collection = CATEGORY


class Product(DirectusModel):
    id: int | None = None
    name: str
    price: float
    category: Category | int | None = None

    class Meta:
        collection = PRODUCT


WHOLE = {ALL_SMALL: AllSmall, ALL_LARGE: AllLarge}


def configure(url: str, token: str) -> None:
    directus_orm.configure({"default": {"url": url, "token": token}})


async def aclose() -> None:
    await directus_orm.connections.aclose_all()


async def read_pks(pks: list[int]) -> int:
    for pk in pks:
        await Item.objects.get(pk=pk)
    return len(pks)


async def read_rows(n: int) -> int:
    return len(await Item.objects.all()[:n])


async def read_all(collection: str) -> int:
    """``await Model.objects.all()``: every row of the collection, as a list."""
    return len(await WHOLE[collection].objects.all())


async def read_related() -> int:
    """Every product with its category, in the same request."""
    products = await Product.objects.select_related("category")
    assert all(isinstance(p.category, Category) for p in products[:1])
    return len(products)


async def concurrent_reads(n: int, limit: int) -> int:
    async def one(i: int) -> list[Item]:
        category, low = concurrent_filter(i)
        return await Item.objects.filter(category=category, score__gte=low)[:limit]

    pages = await asyncio.gather(*(one(i) for i in range(n)))
    return sum(len(p) for p in pages)


async def stream() -> int:
    count = 0
    async for _ in Item.objects.all():
        count += 1
    return count


async def stream_first(n: int) -> int:
    """The first ``n`` rows of the stream (request-parity check)."""
    count = 0
    async for _ in Item.objects.all():
        count += 1
        if count == n:
            break
    return count


def bulk_objects(rows: list[dict[str, Any]]) -> list[BulkItem]:
    """Built before the clock starts: bulk_create takes instances, as in Django."""
    return [BulkItem(**r) for r in rows]


async def bulk_create(objs: list[BulkItem], batch_size: int) -> int:
    return len(await BulkItem.objects.bulk_create(objs, batch_size=batch_size))


SINCE = datetime.datetime(2024, 2, 1, tzinfo=datetime.timezone.utc)


def compile_query() -> dict[str, Any]:
    """Build a QuerySet with a 6-condition Q tree, ordering and a slice, and compile it."""
    qs = Item.objects.filter(
        (Q(category="c1") | Q(category="c2"))
        & Q(score__gte=100)
        & ~Q(name__contains="draft")
        & Q(price__lt=500.0)
        & Q(created_at__gte=SINCE),
    ).order_by("-score", "name")[10:60]
    return qs.query.params()
