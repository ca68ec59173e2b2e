"""Content versions: save an instance's changes to a draft instead of the published row, read the
drafts, compare one with the published row, and promote it with the hash that was reviewed. Needs
DIRECTUS_URL and DIRECTUS_TOKEN (admin); drops the collection it creates."""

from __future__ import annotations

import asyncio
import os
import uuid

from directus_orm import Directus, DirectusModel, configure
from directus_orm.exceptions import UnsupportedByServer, VersionHashMismatch

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
PAGES = f"example_pages_{uuid.uuid4().hex[:8]}"


class Page(DirectusModel):
    id: int | None = None
    title: str | None = None
    body: str | None = None

    class Meta:
        collection = PAGES


async def main(conn: Directus) -> None:
    about = await Page.objects.create(title="About", body="We make things.")

    about.body = "We make good things."
    await about.save(version="draft")  # the published row is untouched
    published = (await conn.get(f"/items/{PAGES}/{about.id}"))["data"]["body"]
    try:
        draft = await Page.objects.version("draft").get(pk=about.id)
        print(f"published: {published!r} / draft: {draft.body!r}")
        print("pages with a draft:", await Page.objects.version("draft").count())
    except UnsupportedByServer as exc:  # reading through a version arrived in Directus 12
        print(f"published: {published!r}; reading the draft: {exc}")

    version = await conn.versions.for_item(Page, about, "draft")
    assert version is not None
    reviewed = await conn.versions.compare(version)
    print("changed in the draft:", reviewed.changed_fields, "outdated:", reviewed.outdated)

    await Page.objects.filter(pk=about.id).update(title="About us")  # someone edits the page meanwhile
    try:
        await conn.versions.promote(version, reviewed.main_hash)
    except VersionHashMismatch:
        print("promote refused: the page changed since the review")
    fresh = await conn.versions.compare(version)
    await conn.versions.promote(version, fresh.main_hash)
    row = (await conn.get(f"/items/{PAGES}/{about.id}"))["data"]
    print("after promote:", row["title"], "/", row["body"])


async def run() -> None:
    configure({"default": {"url": URL, "token": TOKEN}})
    async with Directus(URL, token=TOKEN) as conn:
        await conn.post("/collections", json={
            "collection": PAGES, "schema": {}, "meta": {"versioning": True},
            "fields": [{"field": "id", "type": "integer",
                        "schema": {"is_primary_key": True, "has_auto_increment": True}},
                       {"field": "title", "type": "string"}, {"field": "body", "type": "text"}]})
        try:
            await main(conn)
        finally:
            mine = {"filter": {"collection": {"_eq": PAGES}}, "limit": -1}
            await conn.delete("/versions", json={"query": mine})
            await conn.delete(f"/collections/{PAGES}")


if __name__ == "__main__":
    asyncio.run(run())
