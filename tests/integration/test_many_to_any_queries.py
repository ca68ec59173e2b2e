"""A many-to-any field in queries, against the real server: read as the list of its junction keys,
``isnull`` with Django's to-many meaning, and every refusal naming it a many-to-any field (not the json
its values are read as)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
from pydantic import Field

from directus_orm import Directus, DirectusModel
from directus_orm.exceptions import DirectusError
from directus_orm.schema import ManyToAny, SchemaTools
from tests.support.shop import drop_collections

pytestmark = pytest.mark.integration

PAGES, QUOTES, JUNCTION = "mq_pages", "mq_quotes", "mq_pages_blocks"


class MqQuote(DirectusModel):
    id: int | None = None
    text: str | None = None

    class Meta:
        collection = QUOTES


class MqPage(DirectusModel):
    id: int | None = None
    title: str | None = None
    blocks: Annotated[list[int], ManyToAny(through=JUNCTION, source="mq_pages_id",
                                           allowed=(QUOTES,))] = Field(default_factory=list)

    class Meta:
        collection = PAGES


@pytest.fixture(scope="module")
async def pages(admin: Directus) -> AsyncIterator[dict[str, Any]]:
    await drop_collections(admin, JUNCTION, PAGES, QUOTES)
    await SchemaTools(admin).migrate([MqPage, MqQuote])
    quote = (await admin.post(f"/items/{QUOTES}", json={"text": "hi"}))["data"]
    full = (await admin.post(f"/items/{PAGES}", json={
        "title": "full", "blocks": [{"collection": QUOTES, "item": quote["id"]}]}))["data"]
    empty = (await admin.post(f"/items/{PAGES}", json={"title": "empty"}))["data"]
    yield {"full": full, "empty": empty}
    await drop_collections(admin, JUNCTION, PAGES, QUOTES)


async def test_a_many_to_any_field_reads_as_its_junction_keys(pages: dict[str, Any], registry: None) -> None:
    got = {p.title: p.blocks for p in await MqPage.objects.all()}
    assert got == {"full": pages["full"]["blocks"], "empty": []} and len(got["full"]) == 1
    assert await MqPage.objects.filter(blocks__isnull=True).values_list("title", flat=True) == ["empty"]
    assert await MqPage.objects.exclude(blocks__isnull=True).values_list("title", flat=True) == ["full"]


@pytest.mark.parametrize("lookups", [{"blocks__item": 1}, {"blocks__contains": "x"}, {"blocks": [1]},
                                     {"blocks": 1}, {"blocks__in": [1]}])
async def test_refusals_name_a_many_to_any_field(pages: dict[str, Any], registry: None,
                                                  lookups: dict[str, Any]) -> None:
    with pytest.raises(DirectusError) as refused:
        await MqPage.objects.filter(**lookups)
    assert "many-to-any field 'blocks'" in str(refused.value) and "json" not in str(refused.value)
