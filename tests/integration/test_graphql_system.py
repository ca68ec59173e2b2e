"""The system models read over GraphQL give what they give over REST. Their relational fields are
declared as keys (``File.uploaded_by: uuid.UUID``); GraphQL types them as objects, which a selection
must open (``uploaded_by { id }``): ``Meta.related_keys`` says which they are."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

import directus_orm.system as system
from directus_orm import Directus
from directus_orm.files import File, Folder
from directus_orm.models.system import SystemModel
from directus_orm.system import DirectusActivity, DirectusRevision, DirectusRole, DirectusUser

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # uploads carry fresh keys

#: Models whose reads are emulated client-side, or a singleton: no list read over GraphQL.
_REST_ONLY = {"directus_collections", "directus_fields", "directus_relations", "directus_extensions",
              "directus_permissions", "directus_settings"}


def _system_models() -> list[type[SystemModel]]:
    found: dict[str, type[SystemModel]] = {}
    for name in sorted(system.__all__):
        model = getattr(system, name)
        if isinstance(model, type) and issubclass(model, SystemModel) and not model._meta.abstract:
            found.setdefault(model._meta.collection, model)
    return [model for collection, model in found.items() if collection not in _REST_ONLY]


@pytest.fixture
async def stored(admin: Directus, registry: None) -> AsyncIterator[File]:
    """An uploaded file in a folder (its ``uploaded_by`` is the admin); both deleted afterwards."""
    folder = await Folder.objects.create(name=f"gql-{uuid.uuid4().hex[:8]}")
    upload = await File.objects.upload(b"over graphql", filename="g.txt", title="G", folder=folder)
    yield upload
    await admin.delete(f"/files/{upload.id}")
    await admin.delete(f"/folders/{folder.id}")


async def test_file_reads_over_graphql_match_rest(admin: Directus, stored: File) -> None:
    raw = (await admin.get(f"/files/{stored.id}"))["data"]
    me = uuid.UUID(raw["uploaded_by"])
    over_graphql = await File.objects.using_graphql().get(id=stored.id)
    assert over_graphql.uploaded_by == me and over_graphql.modified_by is None
    assert over_graphql.model_dump() == (await File.objects.get(id=stored.id)).model_dump()
    mine = File.objects.filter(uploaded_by=me, id=stored.id)
    assert [f.id for f in await mine.using_graphql()] == [stored.id]
    assert await mine.using_graphql().count() == 1
    assert await File.objects.filter(id=stored.id, uploaded_by__isnull=True).using_graphql().count() == 0
    assert await File.objects.filter(id=stored.id).values_list("uploaded_by", flat=True).using_graphql() \
        == [me]
    assert await File.objects.filter(id=stored.id).exclude(uploaded_by=me).using_graphql().exists() is False
    with_folder = await File.objects.select_related("folder").using_graphql().get(id=stored.id)
    assert isinstance(with_folder.folder, Folder) and with_folder.uploaded_by == me


def _model_param(model: type[SystemModel]) -> Any:
    since = model._meta.profile.since
    marks = [pytest.mark.directus(since, reason=model._meta.profile.why)] if since else []
    return pytest.param(model, marks=marks, id=model._meta.collection)


async def test_key_lists_and_integer_keys_read_as_rest_reads_them(admin: Directus, stored: File) -> None:
    """A to-many field read as its keys (``DirectusRole.users``), integer keys of another collection
    (``DirectusRevision.activity``) as numbers, as REST sends them."""
    roles = await DirectusRole.objects.using_graphql()
    assert [r.model_dump() for r in roles] == [r.model_dump() for r in await DirectusRole.objects.all()]
    assert any(r.users for r in roles)
    revisions = await DirectusRevision.objects.filter(collection="directus_files").using_graphql()
    assert revisions and all(isinstance(r.activity, int) for r in revisions)
    raw = (await admin.get("/revisions", params={"filter": {"collection": {"_eq": "directus_files"}},
                                                 "sort": "id", "limit": -1}))["data"]
    assert [(r.id, r.activity) for r in sorted(revisions, key=lambda r: r.id or 0)] == \
        [(row["id"], row["activity"]) for row in raw]
    activity = await DirectusActivity.objects.filter(collection="directus_files").using_graphql()
    assert any(a.revisions for a in activity)
    me = (await admin.get("/users/me"))["data"]
    user = await DirectusUser.objects.using_graphql().get(id=me["id"])
    assert user.role is not None and str(user.role) == me["role"]


@pytest.mark.parametrize("model", [_model_param(model) for model in _system_models()])
async def test_every_system_model_reads_over_graphql_as_over_rest(
    stored: File, model: type[SystemModel]
) -> None:
    over_graphql = await model.objects.using_graphql().order_by("pk")[:20]
    over_rest = await model.objects.order_by("pk")[:20]
    assert [m.model_dump() for m in over_graphql] == [m.model_dump() for m in over_rest]
