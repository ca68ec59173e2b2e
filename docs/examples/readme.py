"""README.md's examples, run. The package index shows the README as it is, so it cannot embed sections
the way the docs pages do: each of its python blocks is, verbatim, a section here (a unit test checks it).
Needs DIRECTUS_URL and DIRECTUS_TOKEN (admin). Creates its own docs_readme_* collections, an editor
user and a role, a webhook flow, files (in the folders Reports/2026 unless they exist) and a
`nickname` field on directus_users unless it exists; it removes all of them at the end and touches
nothing else (an invited address that already exists stops it before it starts)."""

# ruff: noqa: E501 (each section is a README block as it is)
from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
import secrets
import struct
import tempfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import httpx

import directus_orm
from directus_orm import Count, Directus, ManyToMany, Prefetch, Sum, aggregate_of, count_of, gather
from directus_orm.exceptions import APIError

# isort: split
# --8<-- [start:model]
from directus_orm import DirectusModel, Q


class Language(DirectusModel):
    id: int | None = None
    code: str
    name: str | None = None
    speakers: int | None = None
    family: str | None = None

    class Meta:
        collection = "docs_readme_languages"
        ordering = ["name"]
# --8<-- [end:model]


URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]
PREFIX = "docs_readme_"
INVITED = "ada@example.com"


class Article(DirectusModel):
    id: int | None = None
    title: str
    status: str = "draft"

    class Meta:
        collection = "docs_readme_articles"


class Author(DirectusModel):
    id: int | None = None
    name: str
    books: list[Book | int] = []

    class Meta:
        collection = "docs_readme_authors"


class Tag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "docs_readme_tags"


# --8<-- [start:book]
class Book(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    price: Decimal | None = None
    published: datetime.date | None = None
    author: Author | int | None = None                                   # many-to-one
    tags: Annotated[list[Tag | int],
                    ManyToMany(through="docs_readme_books_tags", source="books_id", target="tags_id")] = []

    class Meta:
        collection = "docs_readme_books"
# --8<-- [end:book]


class Task(DirectusModel):
    id: int | None = None
    title: str
    done: bool = False

    class Meta:
        collection = "docs_readme_tasks"


class Page(DirectusModel):
    id: int | None = None
    title: str
    body: str | None = None

    class Meta:
        collection = "docs_readme_pages"


COLLECTIONS = ["docs_readme_books_tags", "docs_readme_books", "docs_readme_tags", "docs_readme_authors",
               "docs_readme_languages", "docs_readme_articles", "docs_readme_tasks", "docs_readme_pages"]


# -- what the README's code needs on the server (not shown there) -------------------------------------

def _field(name: str, type_: str, **schema: Any) -> dict[str, Any]:
    return {"field": name, "type": type_, "schema": schema, "meta": {}}


async def create_schema(admin: Directus) -> None:
    pk = {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}}

    async def collection(name: str, *fields: dict[str, Any], **meta: Any) -> None:
        await admin.post("/collections", json={"collection": name, "schema": {}, "meta": meta,
                                               "fields": [pk, *fields]})

    await collection("docs_readme_languages", _field("code", "string", is_unique=True),
                     _field("name", "string"), _field("speakers", "bigInteger"), _field("family", "string"))
    await collection("docs_readme_articles", _field("title", "string"), _field("status", "string"))
    await collection("docs_readme_authors", _field("name", "string"))
    await collection("docs_readme_tags", _field("name", "string"))
    await collection("docs_readme_books", _field("title", "string"), _field("pages", "integer"),
                     _field("price", "decimal", numeric_precision=10, numeric_scale=2),
                     _field("published", "date"), _field("author", "integer"))
    await collection("docs_readme_books_tags", _field("books_id", "integer"), _field("tags_id", "integer"))
    await collection("docs_readme_tasks", _field("title", "string"), _field("done", "boolean"))
    await collection("docs_readme_pages", _field("title", "string"), _field("body", "text"), versioning=True)
    await admin.post("/fields/docs_readme_authors",
                     json={"field": "books", "type": "alias", "meta": {"special": ["o2m"]}})
    await admin.post("/fields/docs_readme_books",
                     json={"field": "tags", "type": "alias", "meta": {"special": ["m2m"]}})
    await admin.post("/relations", json={"collection": "docs_readme_books", "field": "author",
                                         "related_collection": "docs_readme_authors",
                                         "meta": {"one_field": "books"}})
    await admin.post("/relations", json={"collection": "docs_readme_books_tags", "field": "books_id",
                                         "related_collection": "docs_readme_books",
                                         "meta": {"one_field": "tags", "junction_field": "tags_id"}})
    await admin.post("/relations", json={"collection": "docs_readme_books_tags", "field": "tags_id",
                                         "related_collection": "docs_readme_tags",
                                         "meta": {"one_field": None, "junction_field": "books_id"}})


async def seed(admin: Directus) -> None:
    await admin.post("/items/docs_readme_languages", json=[
        {"code": "el", "name": "Greek", "speakers": 13_000_000, "family": "Indo-European"},
        {"code": "en", "name": "English", "speakers": 1_500_000_000, "family": "Indo-European"},
        {"code": "fi", "name": "Finnish", "speakers": 5_800_000, "family": "Uralic"},
        {"code": "hu", "name": "Hungarian", "speakers": 13_000_000, "family": "Uralic"},
        {"code": "eu", "name": "Basque"}])
    await admin.post("/items/docs_readme_articles", json=[{"title": "Draft", "status": "draft"},
                                                          {"title": "Out", "status": "published"}])
    await admin.post("/items/docs_readme_tags", json=[{"name": "sf"}, {"name": "classic"}])
    authors = (await admin.post("/items/docs_readme_authors", json=[
        {"name": "Stanislaw Lem"}, {"name": "Ursula K. Le Guin"}, {"name": "Frank Herbert"},
        {"name": "Arkady Strugatsky"}]))["data"]
    lem, le_guin, herbert, strugatsky = (a["id"] for a in authors)
    rows = [("Solaris", "11.00", 204, 1961, lem, [1, 2]), ("The Cyberiad", "9.99", 295, 1965, lem, [1]),
            ("His Master's Voice", "12.50", 199, 1968, lem, [1]),
            ("A Wizard of Earthsea", "8.99", 183, 1968, le_guin, [2]),
            ("The Dispossessed", "13.00", 387, 1974, le_guin, [1, 2]),
            ("Dune", "14.99", 412, 1965, herbert, [1, 2]), ("Roadside Picnic", "10.67", 145, 1972, strugatsky, [1]),
            ("Hard to Be a God", "10.00", 240, 1964, strugatsky, [])]
    await admin.post("/items/docs_readme_books", json=[
        {"title": title, "price": price, "pages": pages, "published": f"{year}-06-01", "author": author,
         "tags": [{"tags_id": tag} for tag in tags]} for title, price, pages, year, author, tags in rows])
    await admin.post("/items/docs_readme_tasks", json=[{"title": "Write", "done": False},
                                                       {"title": "Print", "done": True}])


def tiny_png() -> bytes:
    """A 4x4 red PNG, enough for Directus's image transforms."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# -- the README's blocks, in its order -----------------------------------------------------------------

async def first_query() -> None:
    # --8<-- [start:first-query]
    langs = await Language.objects.filter(Q(code__in=["en", "el"]) | Q(speakers__gte=10**8))
    el = await Language.objects.get(code="el")
    el.speakers = 13_500_000
    await el.save()                                # PATCH {"speakers": 13500000}: changed fields only
    # --8<-- [end:first-query]
    print("first query:", [lang.code for lang in langs], "| el saved:", el.speakers)


def configure_aliases() -> None:
    # --8<-- [start:configure]
    import directus_orm

    directus_orm.configure({
        "default": {"url": "http://127.0.0.1:8055", "token": "my-static-token"},
        "editor": {"url": "http://127.0.0.1:8055", "email": "editor@example.com", "password": "..."},
    })
    # --8<-- [end:configure]
    print("configured:", sorted(directus_orm.connections.settings))   # nothing is sent before first use


async def connect(url: str, token: str, email: str, password: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:   # credentials of every kind, for the block below
        login = (await http.post("/auth/login", json={"email": email, "password": password})).json()["data"]
        a, r = login["access_token"], login["refresh_token"]
        session = await http.post("/auth/login", json={"email": email, "password": password, "mode": "session"})
        cookie_value = session.cookies["directus_session_token"]
    # --8<-- [start:connect]
    from directus_orm import ConnectionPool, Directus

    pool = ConnectionPool()                                   # share sockets between users
    admin = Directus(url, token=token, pool=pool)
    editor = Directus(url, email=email, password=password, pool=pool)       # logs in on first use
    pair = Directus(url, access_token=a, refresh_token=r, expires=900_000, pool=pool)
    browser = Directus(url, session_token=cookie_value, pool=pool)           # directus_session_token

    me = await editor.me()
    async with directus_orm.connections.override(editor):     # this block runs as the editor
        drafts = await Article.objects.filter(status="draft")
    await editor.logout()                # ends the session: later requests raise LoggedOut until login()
    # --8<-- [end:connect]
    print("connect: admin", (await admin.me())["email"], "| editor", me["email"],
          "| pair", (await pair.me())["email"], "| session", (await browser.me())["email"],
          "| drafts as the editor:", [d.title for d in drafts])
    await pool.aclose()


async def queries() -> None:
    # --8<-- [start:queries]
    qs = Language.objects.exclude(name__istartswith="a").order_by("-speakers")   # lazy, nothing sent
    print(qs.query)                                     # the compiled Directus query
    page = await qs[10:20]                              # offset 10, limit 10
    async for lang in Language.objects.all():           # streamed in pages; memory stays flat
        print(lang.name)
    await Language.objects.filter(speakers__isnull=True).count()
    await Language.objects.filter(family="Uralic").update(family="Finno-Ugric")  # one PATCH
    lang, created = await Language.objects.get_or_create(code="la", defaults={"name": "Latin"})
    rows = await directus_orm.collection("docs_readme_languages").filter(code="el")   # plain dicts, no model
    # --8<-- [end:queries]
    families = await Language.objects.values_list("family", flat=True).distinct()
    print("queries: page", page, "| families now", families, "| created", lang.code, created, "| rows", rows)


async def relations() -> None:
    # --8<-- [start:relations]
    await Book.objects.filter(author__name__icontains="le", tags__name="sf")
    await Author.objects.exclude(books__title="Solaris")           # no such book (Directus _none)
    books = await Book.objects.select_related("author")             # fields=*,author.id,author.name,...
    authors = await Author.objects.prefetch_related(Prefetch("books", queryset=Book.objects.order_by("-pages")[:3]))
    await Book(title="New", author=Author(name="Someone")).save()   # nested create, keys read back
    # --8<-- [end:relations]
    someone = await Author.objects.get(name="Someone")
    print("relations:", len(books), "books,", [(a.name, len(a.books)) for a in authors][:2], "| nested:", someone.id)


async def aggregation() -> None:
    # --8<-- [start:aggregation]
    await Book.objects.aggregate(Sum("price"), n=Count("*"))        # {"price__sum": Decimal("91.14"), "n": 8}
    await Book.objects.values("title", "author__name", "published__year")
    await Language.objects.values("family").annotate(n=Count("id"), total=Sum("speakers"))   # groupBy
    await Author.objects.annotate(n=Count("books")).filter(n__gte=2)                        # count(books)
    page = await Book.objects.all()[20:30].with_meta()              # page.total_count, page.filter_count
    # --8<-- [end:aggregation]
    print("aggregation:", await Book.objects.aggregate(Sum("price"), n=Count("*")),
          "| page:", page.results, page.total_count, page.filter_count)


async def graphql(conn: Directus) -> None:
    # --8<-- [start:graphql]
    data = await conn.graphql("{ docs_readme_books(limit: 2) { id title } }")
    books = await Book.objects.filter(pages__gt=200).using_graphql()
    authors, n_books, stats = await gather(Author.objects.all(), count_of(Book.objects.all()),
                                           aggregate_of(Book.objects.all(), Sum("price")))   # one request
    # --8<-- [end:graphql]
    print("graphql:", data, "|", len(books), "books over 200 pages |", len(authors), "authors,",
          n_books, "books,", stats)


def sync_code() -> None:
    # --8<-- [start:sync]
    el = Language.objects.sync.get(code="el")
    el.speakers += 1
    el.sync.save()
    for lang in Language.objects.filter(family="Uralic"):
        print(lang.name)
    # --8<-- [end:sync]
    print("sync: el has", Language.objects.sync.get(code="el").speakers, "speakers")


async def files(png: bytes) -> None:
    # --8<-- [start:files]
    from directus_orm.files import File, Transform, Upload

    stored = await File.objects.upload("report.pdf", title="Q3", folder="Reports/2026")  # path, bytes, file, UploadFile
    a, b = await File.objects.upload_many([Upload(png, filename="a.png", title="A"), Upload("b.txt", title="B")])
    await stored.download("report-copy.pdf")                      # or: async for chunk in stored.stream()
    thumb = await a.read(Transform(width=200, height=200, fit="cover", format="webp"))
    await stored.replace("report-v2.pdf")                         # same id, new content
    # --8<-- [end:files]
    print("files:", stored.filename_download, "|", Path("report-copy.pdf").read_bytes()[:8], "|",
          thumb[:4], thumb[8:12], "|", await stored.read())
    for file in (stored, a, b):
        await file.delete()


async def system_collections() -> None:
    # --8<-- [start:system]
    from directus_orm.system import DirectusField, DirectusSettings, DirectusUser

    class User(DirectusUser):          # a project's custom fields on directus_users
        nickname: str | None = None

    me = await User.objects.me()                                                # a User
    fields = await DirectusField.objects.filter(collection="docs_readme_books")  # one request, filtered here
    settings = await DirectusSettings.objects.get()                             # a singleton; save() PATCHes it
    # --8<-- [end:system]
    print("system:", type(me).__name__, me.email, me.nickname, "|", sorted(f.field for f in fields), "|",
          settings.project_name)


async def endpoints(conn: Directus, flow_id: str, role_id: str) -> None:
    page = await Page.objects.create(title="About", body="We make things.")
    page.body = "We make good things."
    # --8<-- [start:endpoints]
    health = await conn.server.health()                       # also ping(), info(), openapi(), graphql_sdl()
    file = await conn.utils.export(Task.objects.filter(done=False), format="csv")  # sort, import, revert ...
    answer = await conn.flows.trigger(flow_id, {"name": "Ada"})  # a webhook flow's answer
    await page.save(version="draft")                           # a content version, not the published row
    version = await conn.versions.for_item(Page, page, "draft")  # Page.objects.version("draft") reads it (12+)
    reviewed = await conn.versions.compare(version)            # what changed, and the hash reviewed
    await conn.versions.promote(version, reviewed.main_hash)
    await conn.account.invite("ada@example.com", role_id)       # password reset, registration, 2FA
    # --8<-- [end:endpoints]
    published = (await conn.get(f"/items/docs_readme_pages/{page.id}"))["data"]["body"]
    print("endpoints:", health.status, "| export", file["filename_download"], "| flow", answer,
          "| draft", reviewed.current.get("body"), "| promoted:", published)
    await conn.delete(f"/files/{file['id']}")


async def realtime() -> None:
    # --8<-- [start:realtime]
    async with Article.objects.filter(status="published").subscribe(events=("create", "update")) as sub:
        async for event in sub:          # event.type, event.instances, event.keys (delete)
            print(event.type, event.instances)
            break
    # --8<-- [end:realtime]


def realtime_sync() -> None:
    # --8<-- [start:realtime-sync]
    for event in Article.objects.sync.subscribe():   # sync code
        print(event.type, event.instances)
        break
    # --8<-- [end:realtime-sync]


async def fastapi_app(token: str) -> None:
    # --8<-- [start:fastapi]
    from fastapi import Depends, FastAPI

    from directus_orm.contrib.fastapi import DirectusDependency, DirectusRouter, install_exception_handlers

    directus = DirectusDependency()
    app = FastAPI(lifespan=directus.lifespan)
    install_exception_handlers(app)                 # 403 stays 403, unique -> 409, validation -> 422
    app.include_router(DirectusRouter(Language, directus=directus,
                                      dependencies_for={"delete": [directus.require_role("Editor")]}))
    # GET /docs_readme_languages?name__icontains=en&sort=-speakers&page=2&fields=code,name

    @app.get("/big", dependencies=[Depends(directus)])
    async def big():
        return await Language.objects.filter(speakers__gte=10**8)   # Directus permissions of the caller
    # --8<-- [end:fastapi]
    auth = {"Authorization": f"Bearer {token}"}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://app") as http:
        listed = await http.get("/docs_readme_languages", headers=auth,
                                params={"name__icontains": "en", "sort": "-speakers", "fields": "code,name"})
        big_ones = await http.get("/big", headers=auth)
        anonymous = await http.get("/big")
        print("fastapi:", listed.status_code, listed.json()["results"], "| /big:",
              [row["code"] for row in big_ones.json()], "| no token:", anonymous.status_code)


# -- the run -----------------------------------------------------------------------------------------

async def main() -> None:
    email, password = f"docs-readme-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(16)
    async with Directus(URL, token=TOKEN) as admin:
        if (await admin.get("/users", params={"filter": {"email": {"_eq": INVITED}}}))["data"]:
            raise SystemExit(f"{INVITED} is a user of this server: the README's invite would take it over")
        made: dict[str, Any] = {"folders": [], "nickname": False}
        try:
            await create_schema(admin)
            await seed(admin)
            role_id = (await admin.post("/roles", json={"name": "docs_readme_role"}))["data"]["id"]
            made["role"] = role_id
            admins = await admin.get("/roles", params={"filter": {"name": {"_eq": "Administrator"}}})
            made["editor"] = (await admin.post("/users", json={
                "email": email, "password": password, "role": admins["data"][0]["id"]}))["data"]["id"]
            flow = (await admin.post("/flows", json={
                "name": "docs_readme webhook", "status": "active", "trigger": "webhook",
                "options": {"method": "POST", "async": False, "return": "$last"}}))["data"]
            made["flow"] = flow["id"]
            code = "module.exports = async function(data) { return {hello: data.$trigger.body.name}; }"
            operation = (await admin.post("/operations", json={
                "name": "greet", "key": "greet", "type": "exec", "flow": flow["id"], "position_x": 19,
                "position_y": 1, "options": {"code": code}}))["data"]
            await admin.patch(f"/flows/{flow['id']}", json={"operation": operation["id"]})
            parent = None
            for name in ("Reports", "2026"):
                found = (await admin.get("/folders", params={"filter": {"name": {"_eq": name}, "parent": (
                    {"_eq": parent} if parent else {"_null": True})}}))["data"]
                if found:
                    parent = found[0]["id"]
                else:
                    parent = (await admin.post("/folders", json={"name": name, "parent": parent}))["data"]["id"]
                    made["folders"].insert(0, parent)
            fields = (await admin.get("/fields/directus_users"))["data"]
            if not any(f["field"] == "nickname" for f in fields):
                await admin.post("/fields/directus_users", json={"field": "nickname", "type": "string"})
                made["nickname"] = True

            configure_aliases()
            directus_orm.configure({"default": {"url": URL, "token": TOKEN}})
            await first_query()
            await connect(URL, TOKEN, email, password)
            await queries()
            await aggregation()
            await relations()
            await graphql(admin)
            await asyncio.to_thread(sync_code)
            with tempfile.TemporaryDirectory() as workdir:
                here = Path.cwd()
                os.chdir(workdir)
                try:
                    Path("report.pdf").write_bytes(b"%PDF-1.4 Q3 report")
                    Path("report-v2.pdf").write_bytes(b"%PDF-1.4 Q3 report, v2")
                    Path("b.txt").write_text("B")
                    await files(tiny_png())
                finally:
                    os.chdir(here)
            await system_collections()
            await endpoints(admin, flow["id"], role_id)
            await realtime()
            await asyncio.to_thread(realtime_sync)
            await fastapi_app(TOKEN)
        finally:
            await directus_orm.connections.aclose_all()
            await clean_up(admin, made)


async def clean_up(admin: Directus, made: dict[str, Any]) -> None:
    """Remove what this example made, and only that."""
    invited = (await admin.get("/users", params={"filter": {"email": {"_eq": INVITED}}}))["data"]
    for user in [*(u["id"] for u in invited), made.get("editor")]:
        if user:
            with contextlib.suppress(APIError):
                await admin.delete(f"/users/{user}")
    if made.get("role"):
        await admin.delete(f"/roles/{made['role']}")
    if made.get("flow"):
        await admin.delete(f"/flows/{made['flow']}")
    for folder in made["folders"]:
        await admin.delete(f"/folders/{folder}")
    if made["nickname"]:
        await admin.delete("/fields/directus_users/nickname")
    await admin.delete("/versions", json={"query": {"filter": {"collection": {"_starts_with": PREFIX}},
                                                    "limit": -1}})
    for name in COLLECTIONS:
        with contextlib.suppress(APIError):
            await admin.delete(f"/collections/{name}")


if __name__ == "__main__":
    asyncio.run(main())
