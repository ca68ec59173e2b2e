"""The code of docs/fastapi.md, served and called in-process (httpx's ASGI transport): the app and its
dependency, the caller as a user model, guards, filters across relations, a row rule with a server-set
field, and related_rules. Needs DIRECTUS_URL and DIRECTUS_TOKEN (an admin token). Creates its own
docs_fastapi_page_* collections (it stops if one exists already) and drops them at the end; adds
directus_users.badge only when the project lacks it (else puts the admin's badge back), and removes it.

Needs Directus >= 11: require_permission reads /permissions/me, which Directus 10 answers empty (204)."""

# The sections the page shows carry their own imports, below the models they use; FastAPI's
# Depends(...) defaults are its documented style.
# ruff: noqa: E402, B008, F811, I001

from __future__ import annotations

import asyncio
import os
from typing import Annotated, Any

import httpx
from pydantic import Field

import directus_orm
from directus_orm import DirectusModel, ManyToMany, Q, connections
from directus_orm.schema import SchemaTools

URL, TOKEN = os.environ["DIRECTUS_URL"], os.environ["DIRECTUS_TOKEN"]


class Language(DirectusModel):
    id: int | None = None
    name: str
    speakers: int

    class Meta:
        collection = "docs_fastapi_page_languages"


class Article(DirectusModel):
    id: int | None = None
    title: str

    class Meta:
        collection = "docs_fastapi_page_articles"


class Author(DirectusModel):
    id: int | None = None
    name: str
    books: list[Book | int] = Field(default_factory=list)

    class Meta:
        collection = "docs_fastapi_page_authors"


class Book(DirectusModel):
    id: int | None = None
    title: str
    pages: int | None = None
    author: Author | int | None = None
    tags: Annotated[list[Tag | int], ManyToMany(
        through="docs_fastapi_page_books_tags", source="books_id", target="tags_id")] = Field(
        default_factory=list)

    class Meta:
        collection = "docs_fastapi_page_books"


class Tag(DirectusModel):
    id: int | None = None
    name: str

    class Meta:
        collection = "docs_fastapi_page_tags"


class Note(DirectusModel):
    id: int | None = None
    tenant: int | None = None
    text: str

    class Meta:
        collection = "docs_fastapi_page_notes"


class Project(DirectusModel):
    id: int | None = None
    tenant: int | None = None
    name: str

    class Meta:
        collection = "docs_fastapi_page_projects"


class Task(DirectusModel):
    id: int | None = None
    tenant: int | None = None
    title: str
    project: Project | int | None = None
    labels: list[Label | int] = Field(default_factory=list)

    class Meta:
        collection = "docs_fastapi_page_tasks"


class Label(DirectusModel):
    id: int | None = None
    name: str
    task: Task | int | None = None

    class Meta:
        collection = "docs_fastapi_page_labels"


MODELS = [Language, Article, Author, Book, Tag, Note, Project, Task, Label]
COLLECTIONS = [m._meta.collection for m in MODELS] + ["docs_fastapi_page_books_tags"]

# --8<-- [start:app]
from typing import Annotated

from fastapi import Depends, FastAPI

from directus_orm import Directus
from directus_orm.contrib.fastapi import (
    DirectusDependency, DirectusRouter, install_exception_handlers, require_role,
)

directus = DirectusDependency()                  # Bearer header, or the directus_session_token cookie
app = FastAPI(lifespan=directus.lifespan)        # one connection pool for the app, closed at shutdown
install_exception_handlers(app)                  # Directus errors -> JSON HTTP answers

app.include_router(DirectusRouter(Language, directus=directus,
                                  dependencies_for={"delete": [directus.require_role("Editor")]}))

@app.get("/big")
async def big(conn: Annotated[Directus, Depends(directus)]):
    return await Language.objects.filter(speakers__gte=10**8)   # runs as the caller
# --8<-- [end:app]


# --8<-- [start:current-user]
from directus_orm.system import DirectusUser

@app.get("/whoami")
async def whoami(user: DirectusUser = Depends(directus.current_user())):
    return {"email": user.email}

class StaffUser(DirectusUser):             # the project's custom fields on directus_users
    badge: str | None = None

@app.get("/staff")
async def staff(user: StaffUser = Depends(directus.current_user(StaffUser))):
    user.badge = "B-7"
    await user.save()                      # PATCH /users/<id> {"badge": "B-7"}, as the caller
                                           # (403 Forbidden unless the caller may update it)
# --8<-- [end:current-user]
    return {"badge": user.badge}


from directus_orm.contrib.fastapi import require_permission

# --8<-- [start:guards]
@app.get("/drafts", dependencies=[require_role("Editor", "Admin")])   # any of them
async def drafts(): ...

@app.delete("/docs_fastapi_page_articles/{pk}")
@require_permission("docs_fastapi_page_articles", "delete")              # as a decorator
async def remove(pk: int): ...
# --8<-- [end:guards]


# --8<-- [start:filter-fields]
app.include_router(DirectusRouter(Book, filter_fields=["title", "author", "author__name", "tags__name"]))
app.include_router(DirectusRouter(Author, filter_fields=["name", "books__title", "books__pages"]))
# GET /docs_fastapi_page_books?author__name__icontains=le     {"author": {"name": {"_icontains": "le"}}}
# GET /docs_fastapi_page_authors?books__title=Solaris         authors with a book called Solaris (_some)
# GET /docs_fastapi_page_authors?books__title__icontains=the&books__pages__lt=300   one book matching both
# --8<-- [end:filter-fields]


from fastapi import Request

# --8<-- [start:row-rule]
def tenant_of(request: Request) -> int:
    return request.state.tenant_id                 # whatever your app trusts (a claim, a lookup ...)

notes = DirectusRouter(Note, directus=directus,
                       objects_filter=lambda request: Q(tenant=tenant_of(request)),
                       server_values={"tenant": tenant_of})
# --8<-- [end:row-rule]
app.include_router(notes)


def tenant_rule(request: Request) -> Q:
    return Q(tenant=tenant_of(request))


# --8<-- [start:related-rules]
projects = DirectusRouter(Project, directus=directus, objects_filter=tenant_rule)
tasks = DirectusRouter(Task, directus=directus, objects_filter=tenant_rule,
                       related_rules={"project": projects,   # the related model's own router
                                      "labels": None})       # open: every caller may see every label
# --8<-- [end:related-rules]
app.include_router(projects)
app.include_router(tasks)


@app.middleware("http")
async def tenant_from_header(request: Request, call_next: Any) -> Any:
    """The example's stand-in for what an app trusts: the tenant in a header."""
    request.state.tenant_id = int(request.headers.get("x-tenant", "0"))
    return await call_next(request)


async def seed() -> None:
    await Language.objects.bulk_create([Language(name="English", speakers=1_500_000_000),
                                        Language(name="Finnish", speakers=5_800_000)])
    await Article.objects.create(title="Draft")
    le_guin, lem = await Author.objects.bulk_create([Author(name="Ursula K. Le Guin"),
                                                     Author(name="Stanislaw Lem")])
    classic, = await Tag.objects.bulk_create([Tag(name="classic")])
    await Book.objects.bulk_create([
        Book(title="The Dispossessed", pages=387, author=le_guin.id, tags=[classic.id]),
        Book(title="The Lathe of Heaven", pages=184, author=le_guin.id),
        Book(title="Solaris", pages=204, author=lem.id, tags=[classic.id])])
    await Note.objects.bulk_create([Note(tenant=1, text="ours"), Note(tenant=2, text="theirs")])
    ours, _theirs = await Project.objects.bulk_create([Project(tenant=1, name="Ours"),
                                                      Project(tenant=2, name="Theirs")])
    task = await Task.objects.create(tenant=1, title="Plan", project=ours.id)
    await Label.objects.create(name="urgent", task=task.id)


async def calls(http: httpx.AsyncClient) -> None:
    def show(what: str, r: httpx.Response) -> None:
        print(f"{what}: {r.status_code} {r.json()}")

    show("big languages", await http.get("/big"))
    r = await http.delete("/docs_fastapi_page_languages/1")
    print("delete a language (the admin is no Editor):", r.status_code, r.json()["code"])
    show("whoami", await http.get("/whoami"))
    show("staff", await http.get("/staff"))
    print("drafts:", (await http.get("/drafts")).status_code, "- remove:",
          (await http.delete("/docs_fastapi_page_articles/1")).status_code)
    for path in ("/docs_fastapi_page_books?author__name__icontains=le&fields=title",
                 "/docs_fastapi_page_authors?books__title=Solaris&fields=name",
                 "/docs_fastapi_page_authors?books__title__icontains=the&books__pages__lt=300&fields=name"):
        print(f"GET {path}:", [row for row in (await http.get(path)).json()["results"]])
    tenant = {"x-tenant": "1"}
    print("tenant 1's notes:", (await http.get("/docs_fastapi_page_notes", headers=tenant)).json()["results"])
    show("a note: the server sets its tenant",
         await http.post("/docs_fastapi_page_notes", json={"text": "new"}, headers=tenant))
    r = await http.post("/docs_fastapi_page_notes", json={"text": "sneaky", "tenant": 2}, headers=tenant)
    print("a note that names a tenant:", r.status_code)
    print("tasks with labels:", (await http.get("/docs_fastapi_page_tasks?fields=title,labels.name",
                                                 headers=tenant)).json()["results"])
    r = await http.get("/docs_fastapi_page_tasks?fields=title,project.name", headers=tenant)
    print("through the project router:", r.status_code, r.json()["code"])
    r = await http.post("/docs_fastapi_page_tasks", json={"title": "x", "project": 2}, headers=tenant)
    print("a task in another tenant's project:", r.status_code, r.json()["code"])


async def with_badge_field(conn: directus_orm.Directus, http: httpx.AsyncClient) -> None:
    fields = {f["field"] for f in (await conn.get("/fields/directus_users"))["data"]}
    if "badge" in fields:
        before = (await conn.get("/users/me", params={"fields": ["badge"]}))["data"]["badge"]
        try:
            await calls(http)
        finally:
            await conn.patch("/users/me", json={"badge": before})
        return
    await conn.post("/fields/directus_users", json={"field": "badge", "type": "string"})
    try:
        await calls(http)
    finally:
        await conn.delete("/fields/directus_users/badge")


async def main() -> None:
    async with directus_orm.Directus(URL, token=TOKEN) as admin:  # the app's lifespan closes the registry's
        taken = set(COLLECTIONS) & {c["collection"] for c in (await admin.get("/collections"))["data"]}
        if taken:
            raise SystemExit(f"{sorted(taken)} exist already: this example leaves them alone")
        try:
            await SchemaTools(admin).migrate(MODELS)
            async with connections.override(admin):
                await seed()
            transport = httpx.ASGITransport(app=app)
            async with app.router.lifespan_context(app), httpx.AsyncClient(
                    transport=transport, base_url="http://app", headers={"Authorization": f"Bearer {TOKEN}"}
            ) as http:
                await with_badge_field(admin, http)
        finally:
            made = {c["collection"] for c in (await admin.get("/collections"))["data"]}
            for name in ["docs_fastapi_page_books_tags", *reversed(COLLECTIONS[:-1])]:
                if name in made:
                    await admin.delete(f"/collections/{name}")


if __name__ == "__main__":
    directus_orm.configure({"default": {"url": URL, "token": TOKEN}})  # the URL, and the service connection
    asyncio.run(main())
