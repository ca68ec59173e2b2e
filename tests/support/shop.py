"""The write tests' shop: customers (one-to-many ``orders``), orders (``note``, ``total``, ``customer``,
many-to-many ``tags``) and tags, under a prefix of the module's own so that modules never share
collections or models. The schema goes through ``tests.support.schema.create_shop``; what is stored is
read back through raw REST with the admin connection."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from directus_orm import Directus, DirectusModel, ManyToMany
from directus_orm.exceptions import APIError
from tests.support.schema import create_shop, plain_field


@dataclass(frozen=True)
class Shop:
    """One module's shop: its collection names and its models (``Customer``, ``Tag``, ``Order``)."""

    customers: str
    orders: str
    tags: str
    junction: str
    Customer: Any
    Tag: Any
    Order: Any

    @property
    def collections(self) -> tuple[str, ...]:
        """Dependants first: the order to empty or drop them in."""
        return (self.junction, self.orders, self.tags, self.customers)

    @contextlib.asynccontextmanager
    async def schema(self, admin: Directus, *extra: str) -> AsyncIterator[None]:
        """The shop's collections for one module; ``extra`` names further collections the module makes
        itself (dropped with the shop, before and after)."""
        await drop_collections(admin, *self.collections, *extra)
        await create_shop(admin, self.customers, self.orders, self.tags, self.junction,
                          [plain_field("note", "string"), plain_field("total", "integer")])
        try:
            yield
        finally:
            await drop_collections(admin, *self.collections, *extra)

    async def clear(self, admin: Directus, *extra: str) -> None:
        """Delete every row of the shop (and of ``extra``)."""
        for name in (*self.collections, *extra):
            await admin.delete(f"/items/{name}", json={"query": {"limit": -1}})


def make_shop(prefix: str) -> Shop:
    """The shop of collections ``<prefix>_customers``, ``<prefix>_orders``, ``<prefix>_tags`` and the
    junction ``<prefix>_orders_tags``, with a model class for each of the first three."""
    customers, orders, tags, junction = (f"{prefix}_{n}" for n in ("customers", "orders", "tags",
                                                                    "orders_tags"))

    class Tag(DirectusModel):
        id: int | None = None
        name: str

        class Meta:
            collection = tags

    class Order(DirectusModel):
        id: int | None = None
        note: str | None = None
        total: int = 0
        customer: Customer | int | None = None
        tags: Annotated[list[Tag | int],
                        ManyToMany(through=junction, source="orders_id", target="tags_id")] = []

        class Meta:
            collection = orders
            ordering = ["id"]

    class Customer(DirectusModel):
        id: int | None = None
        name: str
        orders: list[Order | int] = []

        class Meta:
            collection = customers

    # Resolved here, by these very classes: other modules' shops have models of the same names.
    namespace = {"Customer": Customer, "Order": Order, "Tag": Tag, "Annotated": Annotated,
                 "ManyToMany": ManyToMany, "junction": junction}
    for model in (Tag, Order, Customer):
        model.model_rebuild(_types_namespace=namespace)
    return Shop(customers, orders, tags, junction, Customer, Tag, Order)


async def drop_collections(admin: Directus, *names: str) -> None:
    """Drop ``names`` in this order, those already gone included."""
    for name in names:
        with contextlib.suppress(APIError):
            await admin.delete(f"/collections/{name}")


async def rows(admin: Directus, collection: str, **filter_: Any) -> list[dict[str, Any]]:
    """Every stored row of ``collection`` (``field=value`` filters), through raw REST."""
    params: dict[str, Any] = {"limit": -1}
    if filter_:
        params["filter"] = {k: {"_eq": v} for k, v in filter_.items()}
    return list((await admin.get(f"/items/{collection}", params=params))["data"])
