"""The benchmark's data: collection definitions, seed rows, and the plain pydantic model raw httpx parses
into. Imports neither directus_orm nor py-directus, so a raw-httpx child process carries neither."""

from __future__ import annotations

import datetime
import json
from typing import Any

from pydantic import BaseModel

#: Read cases (pk, 1,000 rows, concurrent, stream) use this collection; bulk_create writes the other.
ITEMS = "bench_items"
BULK = "bench_bulk"
#: ``await Model.objects.all()`` reads a whole collection: two of the items' shape, of two sizes.
ALL_SMALL = "bench_all_small"
ALL_LARGE = "bench_all_large"
#: select_related: products (m2o category) and categories (with the reverse o2m alias ``products``).
CATEGORY = "bench_categories"
PRODUCT = "bench_products"
#: Streamed while another task deletes and inserts rows (the items' shape, its own copy).
CHURN = "bench_churn"

#: Directus field definitions (the auto-increment integer ``id`` is added by the seeder).
FIELDS: list[dict[str, Any]] = [
    {"field": "name", "type": "string"},
    {"field": "category", "type": "string"},
    {"field": "score", "type": "integer"},
    {"field": "price", "type": "float"},
    {"field": "active", "type": "boolean"},
    # A timestamp field needs a meta object when created through /collections (12.4.0 refuses it bare).
    {"field": "created_at", "type": "timestamp", "meta": {"interface": "datetime"}},
]

CATEGORIES = 10
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


class Row(BaseModel):
    """What raw httpx parses into: the same fields and types as the ORM model, nothing else."""

    id: int | None = None
    name: str
    category: str
    score: int
    price: float
    active: bool
    created_at: datetime.datetime


def row(i: int) -> dict[str, Any]:
    """The i-th seed row, as JSON (deterministic)."""
    created = EPOCH + datetime.timedelta(minutes=i)
    return {
        "name": f"item {i:06d}",
        "category": f"c{i % CATEGORIES}",
        "score": (i * 7919) % 1000,
        "price": round((i % 5000) * 0.25, 2),
        "active": i % 3 != 0,
        "created_at": created.isoformat().replace("+00:00", "Z"),
    }


def concurrent_filter(i: int) -> tuple[str, int]:
    """The (category, minimum score) of the i-th concurrent filtered read."""
    return f"c{i % CATEGORIES}", (i * 37) % 900


def dumps(value: Any) -> str:
    """JSON as directus-orm puts it in a query string (compact)."""
    return json.dumps(value, separators=(",", ":"))


class CategoryRow(BaseModel):
    id: int | None = None
    name: str


class ProductRow(BaseModel):
    """A product with its category read in the same request (``fields=*,category.id,category.name``)."""

    id: int | None = None
    name: str
    price: float
    category: CategoryRow | int | None = None


def product(i: int, categories: int) -> dict[str, Any]:
    """The i-th product: its category key cycles over ``categories`` (keys 1..categories)."""
    return {"name": f"product {i:05d}", "price": round((i % 700) * 0.5, 2), "category": 1 + i % categories}
