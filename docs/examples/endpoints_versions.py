"""Content versions: save an instance's changes to a draft instead of the published row, read the
drafts, compare one with the published row, and promote it with the hash that was reviewed. Needs
DIRECTUS_URL and DIRECTUS_TOKEN (admin); creates its own docs_endpoints_pages collection (it stops if it
exists already) and drops it at the end.
Needs Directus >= 12: reads through a version (version=) arrived in Directus 12."""

from __future__ import annotations

import asyncio
import os

from directus_orm import Directus, DirectusModel, configure
from directus_orm.exceptions import VersionHashMismatch

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
PAGES = "docs_endpoints_pages"


class Page(DirectusModel):
    id: int | None = None
    title: str | None = None
    body: str | None = None

    class Meta:
        collection = PAGES


async def main(conn: Directus) -> None:
    page = await Page.objects.create(title="About", body="We make things.")

    # --8<-- [start:versions]
    page.body = "New text"
    await page.save(version="draft")              # the version "draft" of this row (made if missing)
    drafts = await Page.objects.version("draft")  # the rows that have a draft, with its changes
    v = await conn.versions.for_item(Page, page, "draft")
    reviewed = await conn.versions.compare(v)     # VersionComparison: .current, .main, .main_hash, .outdated
    await conn.versions.promote(v, reviewed.main_hash)  # VersionHashMismatch if the row changed since
    # --8<-- [end:versions]
    print("drafts:", [(d.title, d.body) for d in drafts], "- changed in the draft:", reviewed.changed_fields)
    print("after promote:", (await conn.get(f"/items/{PAGES}/{page.id}"))["data"]["body"])

    # A review goes stale when the row changes after it: promote() refuses that hash.
    page.body = "Newer text"
    await page.save(version="draft")
    published = (await conn.get(f"/items/{PAGES}/{page.id}"))["data"]["body"]
    draft = await Page.objects.version("draft").get(pk=page.id)
    print(f"published: {published!r} / draft: {draft.body!r}")
    reviewed = await conn.versions.compare(v)
    await Page.objects.filter(pk=page.id).update(title="About us")  # someone edits the page meanwhile
    try:
        await conn.versions.promote(v, reviewed.main_hash)
    except VersionHashMismatch:
        print("promote refused: the page changed since the review")
    fresh = await conn.versions.compare(v)
    await conn.versions.promote(v, fresh.main_hash)
    row = (await conn.get(f"/items/{PAGES}/{page.id}"))["data"]
    print("after promote:", row["title"], "/", row["body"])


async def run() -> None:
    configure({"default": {"url": URL, "token": TOKEN}})
    async with Directus(URL, token=TOKEN) as conn:
        if PAGES in {c["collection"] for c in (await conn.get("/collections"))["data"]}:
            raise SystemExit(f"{PAGES} exists already: this example leaves it alone")
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
