"""Schema tools against the real server: inspect a schema covering every field type and relation kind,
import and use the generated module; migrate it into an empty server and inspect it back; check drift.

The tests that create many collections use a server of their own (the unlicensed server allows 25)."""

from __future__ import annotations

import datetime
import importlib.util
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from directus_orm import Directus, DirectusModel, connections
from directus_orm.schema import SchemaAccessDenied, SchemaTools, check
from tests.support import ServerInfo, create_user, full_schema, server_database

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # a second server, subprocesses

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def own_server(directus_server: ServerInfo) -> Iterator[Any]:
    server = directus_server.start_another()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def own(own_server: Any) -> AsyncIterator[Directus]:
    async with Directus(own_server.url, token=own_server.admin_token) as conn:
        yield conn


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _models(module: ModuleType) -> list[type[DirectusModel]]:
    return [v for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, DirectusModel) and v.__module__ == module.__name__]


def _cli(*args: str, server: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "directus_orm.cli", *args, "--url", server.url,
                           "--token", server.admin_token], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


async def test_inspect_every_type_import_read_write_and_round_trip(
    own: Directus, own_server: Any, tmp_path: Path
) -> None:
    names = await full_schema.build(own, "fs")
    try:
        code = await SchemaTools(own).inspect()
        assert code == await SchemaTools(own).inspect(), "regenerating gives the identical file"
        path = tmp_path / "fs_models.py"
        path.write_text(code)
        # ruff- and mypy-strict-clean, as the project checks its own code
        config = str(ROOT / "pyproject.toml")
        ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", config, str(path)],
                              capture_output=True, text=True, cwd=ROOT)
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr
        mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--config-file", config, str(path)],
                              capture_output=True, text=True, cwd=ROOT)
        assert mypy.returncode == 0, mypy.stdout + mypy.stderr
        for expected in (
            "    bio: Annotated[str | None, DirectusType(\"text\")] = None",
            # SQLite reports decimal columns as float; PostgreSQL as numeric (Directus: decimal)
            "    price: float | None = None" if server_database() == "sqlite"
            else "    price: decimal.Decimal | None = None",
            "    copies: Annotated[int | None, DirectusType(\"bigInteger\")] = None",
            "    keywords: Annotated[list[str] | None, DirectusType(\"csv\")] = None",
            "    author: FsAuthors | int | None = None",
            "    books: list[FsBooks | int] = []",
            "        ManyToMany(through=\"fs_books_tags\", source=\"books_id\", target=\"tags_id\"),",
            "    status: str = \"draft\"",
            "    title: str\n",
            "    id: uuid.UUID | None = None",
            "        pk = \"code\"",
            "        singleton = True",
            "class DirectusUsers(DirectusModel):",
            "    blocks: Annotated[list[int], DirectusType(\"alias\", special=(\"m2a\",))] = []",
        ):
            assert expected in code, expected
        module = _load(path, "fs_models")
        async with connections.override(own):
            author = module.FsAuthors(name="Le Guin", born=datetime.date(1929, 10, 21))
            await author.save()
            tag = module.FsTags(name="sf")
            await tag.save()
            book = module.FsBooks(title="Lathe", author=author.pk, price=9.5, tags=[tag.pk],
                                  keywords=["a", "b"], meta={"k": [1]}, copies=2**40)
            await book.save()
            got = await module.FsBooks.objects.get(pk=book.pk)
            assert (got.title, got.author, got.tags, got.keywords, got.meta, got.copies, got.status) == (
                "Lathe", author.pk, [tag.pk], ["a", "b"], {"k": [1]}, 2**40, "draft")
            loaded = await module.FsAuthors.objects.prefetch_related("books").get(pk=author.pk)
            assert [b.title for b in loaded.books] == ["Lathe"]
            token = module.FsTokens(secret="s3cret")
            await token.save()
            assert isinstance(token.pk, uuid.UUID)
        raw = await own.get(f"/items/{names['books']}/{book.pk}", params={"fields": "*,tags.tags_id"})
        assert raw["data"]["author"] == author.pk and raw["data"]["tags"] == [{"tags_id": tag.pk}]
        assert await check(_models(module), connection=own) == []

        # migrate into an empty server and inspect it back: the same code, but the many-to-any field
        # (not migrated yet)
        await full_schema.drop(own, "fs")
        plan = await SchemaTools(own).plan(_models(module))
        assert {s.kind for s in plan} >= {"create_collection", "create_field", "create_relation"}
        before = {c["collection"] for c in (await own.get("/collections"))["data"]}
        assert "fs_books" not in before, "--plan changes nothing"
        applied = await SchemaTools(own).migrate(_models(module))
        assert applied == plan
        assert await SchemaTools(own).migrate(_models(module)) == [], "a second run is a no-op"
        again = await SchemaTools(own).inspect()
        assert again == code.replace(
            '    blocks: Annotated[list[int], DirectusType("alias", special=("m2a",))] = []\n', "")
    finally:
        await full_schema.drop(own, "fs")


async def test_check_reports_each_kind_of_drift(own: Directus, tmp_path: Path) -> None:
    await full_schema.build(own, "dr", m2a=False)
    try:
        # a column without a relation, which the model declares as a many-to-one
        await own.post("/fields/dr_books", json={"field": "editor", "type": "integer", "meta": {}})
        path = tmp_path / "dr_models.py"
        code = await SchemaTools(own).inspect()
        assert "    editor: int | None = None\n" in code
        path.write_text(code.replace("    editor: int | None = None\n",
                                     "    editor: DrTags | int | None = None\n"))
        module = _load(path, "dr_models")
        models = _models(module)
        assert [(d.drift, d.field) for d in await check(models, connection=own)] == [
            ("relation_missing", "editor")]
        await own.delete("/fields/dr_books/pages")                            # field missing
        await own.patch("/fields/dr_tags/name", json={"type": "integer", "schema": {}})  # type mismatch
        await own.patch("/fields/dr_authors/name", json={"schema": {"is_nullable": True}})  # nullability
        drift = {(d.drift, d.collection, d.field) for d in await check(models, connection=own)}
        assert drift == {("field_missing", "dr_books", "pages"), ("type_mismatch", "dr_tags", "name"),
                         ("nullable_mismatch", "dr_authors", "name"),
                         ("relation_missing", "dr_books", "editor")}
        # migrate repairs what it can: the field, the type, NOT NULL, the relation; then no drift
        await SchemaTools(own).migrate(models)
        assert await check(models, connection=own) == []
        raw = (await own.get("/relations/dr_books/editor"))["data"]
        assert raw["related_collection"] == "dr_tags"
    finally:
        await full_schema.drop(own, "dr")


async def test_cli_inspect_migrate_check(own: Directus, own_server: Any, tmp_path: Path) -> None:
    await full_schema.build(own, "cl", m2a=False)
    try:
        out = tmp_path / "cl_models.py"
        done = _cli("inspect", "cl_books", "-o", str(out), server=own_server)
        assert done.returncode == 0, done.stderr
        assert "class ClAuthors" in out.read_text() and "class ClLangs" not in out.read_text()
        done = _cli("check", str(out), server=own_server)
        assert done.returncode == 0 and "match the server" in done.stdout, done.stdout + done.stderr
        await own.delete("/fields/cl_books/pages")
        done = _cli("check", str(out), "--json", server=own_server)
        assert done.returncode == 1
        assert [d["drift"] for d in json.loads(done.stdout)] == ["field_missing"]
        done = _cli("migrate", str(out), "--plan", server=own_server)
        assert done.returncode == 0 and "create_field" in done.stdout
        assert "pages" not in {f["field"] for f in (await own.get("/fields/cl_books"))["data"]}
        done = _cli("migrate", str(out), server=own_server)
        assert done.returncode == 0, done.stderr
        assert "[1/1] create_field cl_books.pages" in done.stderr
        fields = {f["field"]: f for f in (await own.get("/fields/cl_books"))["data"]}
        assert fields["pages"]["type"] == "integer" and fields["pages"]["schema"]["default_value"] == 100
        assert _cli("migrate", str(out), server=own_server).stdout.strip() == "nothing to change"
    finally:
        await full_schema.drop(own, "cl")


async def test_not_admin_is_said(own: Directus, own_server: Any) -> None:
    role = (await own.post("/roles", json={"name": "schema-editor"}))["data"]["id"]
    user = await create_user(own, "schema-editor@example.com", "pw-123456", role=role,
                             token="schema-editor-token")
    try:
        async with Directus(own_server.url, token="schema-editor-token") as editor:
            with pytest.raises(SchemaAccessDenied, match="admin"):
                await SchemaTools(editor).inspect()
        done = subprocess.run([sys.executable, "-m", "directus_orm.cli", "inspect", "--url", own_server.url,
                               "--token", "schema-editor-token"], capture_output=True, text=True,
                              timeout=60, cwd=ROOT)
        assert done.returncode == 2 and "SchemaAccessDenied" in done.stderr
        assert "schema-editor-token" not in done.stderr
    finally:
        await own.delete(f"/users/{user['id']}")
        await own.delete(f"/roles/{role}")


def test_check_has_a_blocking_form(own_server: Any) -> None:
    async def models_free() -> None: ...

    conn = Directus(own_server.url, token=own_server.admin_token)
    assert SchemaTools(conn).sync.check([]) == []
