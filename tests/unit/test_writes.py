"""What writes send, computed without a server: to-many changes from the loaded keys, the lists a
filtered or sliced Prefetch marks partial, and arguments refused before any request."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

import directus_orm
from directus_orm import Avg, DirectusModel, Max, Min, Prefetch, Sum
from directus_orm.exceptions import FieldError, InvalidArgument, PartialRelationError
from directus_orm.models.adapter import ModelAdapter
from directus_orm.models.related import RelatedManager, to_many_write
from directus_orm.models.state import state_of


class Shop(DirectusModel):
    id: int | None = None
    name: str
    items: list[Item | int] = []

    class Meta:
        collection = "unit_shops"


class Item(DirectusModel):
    id: int | None = None
    label: str | None = None
    price: int = 0
    shop: Shop | int | None = None

    class Meta:
        collection = "unit_items"


class NoConnection:
    """A connection that must not be used (o2m changes need no read)."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected request: {name}")


def write(shop: Shop) -> Any:
    rel = Shop._meta.relations["items"]
    return asyncio.run(to_many_write(NoConnection(), shop, "items", rel, []))  # type: ignore[arg-type]


ROW = {"id": 1, "name": "s", "items": [{"id": 10, "label": "a", "price": 1, "shop": 1},
                                       {"id": 11, "label": "b", "price": 2, "shop": 1}]}


def test_unchanged_list_sends_nothing() -> None:
    assert write(Shop._from_db(ROW)) is None


def test_edit_add_remove_create_are_sent_as_changes() -> None:
    shop = Shop._from_db(ROW)
    first = shop.items[0]
    assert isinstance(first, Item)
    first.label = "A"
    shop.items.pop(1)
    shop.items.append(12)
    shop.items.append(Item(label="new"))
    change = write(shop)
    assert change == {"create": [{"label": "new", "price": 0}],
                      "update": [{"id": 10, "label": "A"}, {"id": 12}],
                      "delete": [11]}


def test_whole_list_over_a_partial_one_is_refused_before_any_request() -> None:
    shop = ModelAdapter.for_model(Shop).with_partial((("items",),)).load(ROW, "default")
    assert "items" in state_of(shop).partial
    shop.items.append(13)  # in place: fine, a change
    assert write(shop) == {"update": [{"id": 13}]}
    shop.items = [10]
    with pytest.raises(PartialRelationError):
        write(shop)


def test_partial_marks_survive_copy_and_pickle() -> None:
    shop = ModelAdapter.for_model(Shop).with_partial((("items",),)).load(ROW, "default")
    assert "items" in state_of(pickle.loads(pickle.dumps(shop))).partial
    assert "items" in state_of(shop.model_copy()).partial


def test_prefetch_marks_only_restricting_querysets() -> None:
    qs = Shop.objects.prefetch_related(Prefetch("items", queryset=Item.objects.filter(price__gt=1)))
    assert qs._adapter.partial == (("items",),)
    assert Shop.objects.prefetch_related(
        Prefetch("items", queryset=Item.objects.order_by("-price")[:2]))._adapter.partial == (("items",),)
    assert Shop.objects.prefetch_related(
        Prefetch("items", queryset=Item.objects.order_by("-price")))._adapter.partial == ()
    assert Shop.objects.prefetch_related("items")._adapter.partial == ()
    assert qs.prefetch_related(None)._adapter.partial == ()


def test_related_manager_has_the_sync_face() -> None:
    shop = Shop._from_db(ROW)
    manager = shop.related.items
    assert isinstance(manager, RelatedManager)
    assert callable(manager.sync.add) and callable(manager.sync.clear)
    with pytest.raises(FieldError, match="not a to-many"):
        _ = shop.related.name


@pytest.mark.parametrize("agg", [Sum("label"), Avg("label")])
def test_sum_and_avg_refuse_non_numeric_fields(agg: Any) -> None:
    with pytest.raises(FieldError, match="numeric"):
        asyncio.run(Item.objects.aggregate(agg))  # no connection is configured: refused before


def test_min_and_max_refuse_boolean_fields() -> None:
    class Flagged(DirectusModel):
        id: int | None = None
        on: bool | None = None

        class Meta:
            collection = "unit_flagged"

    for agg in (Min("on"), Max("on")):
        with pytest.raises(FieldError, match="boolean"):
            asyncio.run(Flagged.objects.aggregate(agg))


def test_avg_gives_a_float_for_integer_fields_and_a_decimal_for_decimal_fields() -> None:
    from decimal import Decimal

    from pydantic import TypeAdapter

    from directus_orm.query.schema import FieldInfo

    integer = FieldInfo("n", "integer", parse=TypeAdapter(int).validate_python)  # as a model's field
    exact = FieldInfo("p", "float", parse=TypeAdapter(Decimal).validate_python)
    # PostgreSQL sends averages as numeric strings, SQLite as doubles: the same float from both
    assert Avg("n").convert("4.9189189189189189", integer) == Avg("n").convert(4.918918918918919, integer)
    assert Avg("n").convert("4.9189189189189189", integer) == 4.91891891891892
    assert Avg("p").convert("2.7500000000000000", exact) == Decimal("2.75")


def test_chunk_and_page_sizes_below_one_are_refused_when_given() -> None:
    for size in (0, -1):
        with pytest.raises(InvalidArgument):
            Item.objects.iterator(chunk_size=size)
    with pytest.raises(ValueError):
        directus_orm.configure({"default": {"url": "http://127.0.0.1:1", "page_size": 0}})


def test_bulk_update_unknown_field_is_a_field_error() -> None:
    with pytest.raises(FieldError, match="nope"):
        asyncio.run(Item.objects.bulk_update([Item(id=1)], ["nope"]))


def test_integer_aggregates_past_2_53_are_refused_as_inexact() -> None:
    from directus_orm.exceptions import InexactNumber
    from directus_orm.query.schema import FieldInfo

    integer, floating, unknown = FieldInfo("n", kind="integer"), FieldInfo("p", kind="float"), FieldInfo("x")
    for info in (integer, unknown, None):
        for answer in (2**53, -(2**53), 1e21):
            with pytest.raises(InexactNumber, match="Sum of 'n'"):
                Sum("n").convert(answer, info)
        assert Sum("n").convert(2**53 - 1, info) == 2**53 - 1
        assert Sum("n").convert(str(2**53 + 1), info) == 2**53 + 1  # PostgreSQL's exact string
    assert Max("p").convert(2.0**60, floating) == pytest.approx(2.0**60)  # a float field: a float anyway
    assert Avg("n").convert(2**60, integer) == pytest.approx(2.0**60)  # an average is a float, as in Django
    assert pickle.loads(pickle.dumps(InexactNumber("n", "Sum"))).field == "n"
