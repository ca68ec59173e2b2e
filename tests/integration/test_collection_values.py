"""``collection("x").values()`` with no names gives every field the server answers, as Django's
``values()`` gives every field (a collection with no model knows no fields of its own); what needs names
says so before any request. Against the real server, compared with raw REST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from directus_orm import Count, Directus, FieldError, collection
from tests.support.router_app import module_collection

pytestmark = pytest.mark.integration

NAME = "cv_notes"


@pytest.fixture(scope="module")
async def notes(admin: Directus) -> AsyncIterator[list[dict[str, Any]]]:
    async with module_collection(admin, NAME, [
        {"field": "title", "type": "string", "schema": {}},
        {"field": "views", "type": "integer", "schema": {}},
    ]):
        await admin.post(f"/items/{NAME}", json=[{"title": "a", "views": 1}, {"title": "b", "views": None}])
        yield list((await admin.get(f"/items/{NAME}", params={"sort": "id"}))["data"])


async def test_values_without_names_gives_every_field(notes: list[dict[str, Any]], registry: None) -> None:
    qs = collection(NAME).order_by("id")
    assert await qs.values() == notes and set(notes[0]) == {"id", "title", "views"}
    assert await qs.filter(views__isnull=True).values() == notes[1:]
    assert await qs.values().distinct() == notes
    assert await qs.using_graphql().values() == notes
    assert await qs.values("title") == [{"title": "a"}, {"title": "b"}]  # names: only those


async def test_what_needs_names_says_so(notes: list[dict[str, Any]], registry: None) -> None:
    qs = collection(NAME)
    with pytest.raises(FieldError, match="needs field names"):
        qs.values_list()
    with pytest.raises(FieldError, match="name the fields to group by"):
        qs.values().annotate(n=Count("id"))
