"""Content versions: ``qs.version(key)`` reads, ``obj.save(version=key)`` writes, and
``conn.versions`` compare / save / promote, each checked through raw REST."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from directus_orm import Directus, DirectusModel
from directus_orm.exceptions import (
    FieldError,
    Forbidden,
    InvalidArgument,
    InvalidUsage,
    NotStored,
    UnsupportedByServer,
    VersionHashMismatch,
)
from directus_orm.system import DirectusVersion, VersionComparison
from tests.support import create_collection, server_version
from tests.support.versions import saved_delta

pytestmark = [pytest.mark.integration, pytest.mark.live_only]

ARTICLES = "endpoints_versions_articles"


class Article(DirectusModel):
    id: int | None = None
    title: str | None = None
    body: str | None = None
    rank: int | None = None

    class Meta:
        collection = ARTICLES


@pytest.fixture
async def articles(admin: Directus, registry: None) -> AsyncIterator[list[int]]:
    await create_collection(admin, ARTICLES, [
        {"field": "title", "type": "string"}, {"field": "body", "type": "text"},
        {"field": "rank", "type": "integer"}])
    await admin.patch(f"/collections/{ARTICLES}", json={"meta": {"versioning": True}})
    created = await admin.post(f"/items/{ARTICLES}", json=[
        {"title": "one", "body": "b1", "rank": 1}, {"title": "two", "body": "b2", "rank": 2},
        {"title": "three", "body": "b3", "rank": 3}])
    yield [row["id"] for row in created["data"]]
    mine = {"filter": {"collection": {"_eq": ARTICLES}}, "limit": -1}
    await admin.delete("/versions", json={"query": mine})
    await admin.delete(f"/collections/{ARTICLES}")


def delta(version: DirectusVersion | None) -> dict[str, object]:
    """A version's changes (Directus adds who saved them and when: ``_user``, ``_date``)."""
    assert isinstance(version, DirectusVersion)
    return {k: v for k, v in dict(version.delta or {}).items() if not k.startswith("_")}


async def published(admin: Directus, key: int) -> dict[str, object]:
    return dict((await admin.get(f"/items/{ARTICLES}/{key}"))["data"])


async def test_version_reads_need_directus_12(articles: list[int]) -> None:
    """Directus 11 answers a list read with ``version=`` with the main rows, all of them: refused there."""
    one = await Article.objects.get(pk=articles[0])
    one.body = "gate draft"
    await one.save(version="draft")  # writing to a version works on 11 too
    if server_version() >= (12, 0, 0):
        assert [a.body for a in await Article.objects.version("draft").filter(pk=one.pk)] == ["gate draft"]
    else:
        with pytest.raises(UnsupportedByServer, match="version"):
            await Article.objects.version("draft").order_by("id")


@pytest.mark.directus("12", reason="version() reads need Directus 12 (refused before: see above)")
async def test_save_to_a_version_leaves_the_item_alone(admin: Directus, articles: list[int]) -> None:
    one = await Article.objects.get(pk=articles[0])
    one.title = "one (draft)"
    await one.save(version="draft")
    assert (await published(admin, articles[0]))["title"] == "one"  # the item itself is untouched
    version = await admin.versions.for_item(ARTICLES, articles[0], "draft")
    assert delta(version) == {"title": "one (draft)"}  # only what changed
    assert one.get_changed_fields() == ["title"]  # still unsaved to the published row
    one.rank = 10
    await one.save(version="draft")  # the version gains the new change, keeps the old one
    version = await admin.versions.for_item(ARTICLES, articles[0], "draft")
    assert delta(version) == {"title": "one (draft)", "rank": 10}
    await one.save(version="draft")  # nothing new: the same delta again is harmless
    # reading the version: the rows that have one, with its changes applied
    drafts = await Article.objects.version("draft").order_by("id")
    assert [(a.id, a.title, a.rank) for a in drafts] == [(articles[0], "one (draft)", 10)]
    assert await Article.objects.version("draft").filter(rank__gte=10).count() == 1  # filters see the version
    assert await Article.objects.filter(rank__gte=10).count() == 0
    got = await Article.objects.version("draft").get(pk=articles[0])
    assert (got.title, got.body) == ("one (draft)", "b1")
    with pytest.raises(Article.DoesNotExist):  # an item without that version
        await Article.objects.version("draft").get(pk=articles[1])
    assert await Article.objects.version("draft").values_list("title", flat=True) == ["one (draft)"]
    main = await Article.objects.version("published").order_by("id")
    assert [a.title for a in main] == ["one", "two", "three"]


async def test_refusals_before_any_request(admin: Directus, articles: list[int]) -> None:
    qs = Article.objects.version("draft")
    for write in (lambda: qs.update(title="x"), lambda: qs.delete(), lambda: qs.create(title="x"),
                  lambda: qs.get_or_create(title="x"), lambda: qs.bulk_update([], ["title"])):
        with pytest.raises(InvalidUsage):
            await write()
    with pytest.raises(InvalidUsage):
        await qs.using_graphql().count()
    with pytest.raises(InvalidArgument):
        Article.objects.version("")
    new = Article(title="new")
    with pytest.raises(NotStored):
        await new.save(version="draft")
    one = await Article.objects.get(pk=articles[0])
    one.title = "x"
    with pytest.raises(InvalidArgument):  # "published" is the item itself
        await one.save(version="published")
    assert (await admin.get("/versions", params={"filter": {"collection": {"_eq": ARTICLES}}}))["data"] == []
    assert (await published(admin, articles[0]))["title"] == "one"


async def test_compare_and_promote_with_the_hash(admin: Directus, articles: list[int]) -> None:
    version = await admin.versions.create(ARTICLES, articles[1], "review", name="Review")
    assert isinstance(version, DirectusVersion) and version.is_stored
    assert (version.key, version.name, version.item) == ("review", "Review", str(articles[1]))
    merged = await admin.versions.save(version, {"body": "b2 reviewed"})
    assert merged["body"] == "b2 reviewed" and merged["title"] == "two"
    comparison = await admin.versions.compare(str(version.id))
    assert isinstance(comparison, VersionComparison) and not comparison.outdated
    assert comparison.changed_fields == ["body"] and comparison.main["body"] == "b2"
    # someone edits the published item: the reviewed hash no longer matches
    await admin.patch(f"/items/{ARTICLES}/{articles[1]}", json={"rank": 20})
    with pytest.raises(VersionHashMismatch):
        await admin.versions.promote(version, comparison.main_hash)
    assert (await published(admin, articles[1]))["body"] == "b2"  # nothing written
    fresh = await admin.versions.compare(version)
    assert fresh.outdated and fresh.main_hash != comparison.main_hash
    key = await admin.versions.promote(version, fresh.main_hash)
    assert str(key) == str(articles[1])
    row = await published(admin, articles[1])
    assert (row["body"], row["rank"]) == ("b2 reviewed", 20)


async def test_promote_some_fields_and_delete(admin: Directus, articles: list[int]) -> None:
    three = await Article.objects.get(pk=articles[2])
    three.title, three.body = "three!", "b3!"
    await three.save(version="draft")
    version = await admin.versions.for_item(Article, three, "draft")
    assert version is not None
    await admin.versions.promote(version, fields=["title"])  # the hash read now
    row = await published(admin, articles[2])
    assert (row["title"], row["body"]) == ("three!", "b3")
    await admin.versions.delete(version)
    assert await admin.versions.for_item(ARTICLES, articles[2], "draft") is None
    with pytest.raises(Forbidden):
        await admin.versions.compare(version)
    # save_item creates the version when missing
    merged = await admin.versions.save_item(Article, articles[2], "draft", {"rank": 33})
    assert merged["rank"] == 33 and (await published(admin, articles[2]))["rank"] == 3


PLAIN = "endpoints_versions_plain"  # no model: a save is checked against the server's fields


async def test_a_model_less_save_is_checked_and_versions_are_typed(admin: Directus) -> None:
    await create_collection(admin, PLAIN, [{"field": "title", "type": "string"},
                                           {"field": "rank", "type": "integer"}])
    await admin.patch(f"/collections/{PLAIN}", json={"meta": {"versioning": True}})
    try:
        item = (await admin.post(f"/items/{PLAIN}", json={"title": "p", "rank": 1}))["data"]["id"]
        version = await admin.versions.create(PLAIN, item, "draft")
        assert isinstance(version, DirectusVersion) and version.is_stored
        assert (version.collection, version.item, version.key) == (PLAIN, str(item), "draft")
        found = await admin.versions.for_item(PLAIN, item, "draft")
        assert isinstance(found, DirectusVersion) and found.id == version.id

        async def stored_delta() -> object:
            row = (await admin.get(f"/versions/{version.id}"))["data"]
            return row["delta"] if "delta" in row else await saved_delta(admin, row) or None  # 10: revisions

        # Directus would keep each of these (and answer "nope" as if stored, then drop it)
        for bad, error in (({"nope": 1}, FieldError), ({"rank": "many"}, FieldError),
                           ({"rank": 2.5}, FieldError), ({"rank": True}, FieldError),
                           ({"id": 99}, InvalidArgument), ([("rank", 2)], InvalidArgument)):
            for ref in (version, str(version.id)):
                with pytest.raises(error):
                    await admin.versions.save(ref, bad)  # type: ignore[arg-type]
        with pytest.raises(FieldError):
            await admin.versions.save_item(PLAIN, item, "draft", {"nope": 1})
        assert await stored_delta() is None  # nothing was sent
        merged = await admin.versions.save(version, {"rank": 2, "title": None})
        assert (merged["rank"], merged["title"]) == (2, None)
        keyed = {"id": str(item)} if server_version() >= (11, 0, 0) else {}  # 10's revisions: no key
        assert {k: v for k, v in dict(await stored_delta()).items()  # type: ignore[call-overload]
                if not k.startswith("_")} == {"rank": 2, "title": None, **keyed}
    finally:
        mine = {"filter": {"collection": {"_eq": PLAIN}}, "limit": -1}
        await admin.delete("/versions", json={"query": mine})
        await admin.delete(f"/collections/{PLAIN}")


@pytest.mark.directus("12", reason="version() reads need Directus 12")
def test_sync_face(admin: Directus, articles: list[int]) -> None:
    one = Article.objects.sync.get(pk=articles[0])
    one.body = "sync draft"
    one.sync.save(version="draft")
    version = admin.versions.sync.for_item(Article, one, "draft")
    assert isinstance(version, DirectusVersion) and version.collection == ARTICLES
    assert [a.body for a in Article.objects.version("draft")] == ["sync draft"]
