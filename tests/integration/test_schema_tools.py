"""Schema tools against the real server: inspect a schema covering every field type and relation kind,
import and use the generated module; migrate it into an empty server and inspect it back; check drift.

The tests that create many collections use a server of their own (the unlicensed server allows 25)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import decimal
import importlib.util
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import pytest
from pydantic import Field

from directus_orm import Directus, DirectusModel, connections
from directus_orm.exceptions import APIError, FieldError, MigrationError, RequestTimeout
from directus_orm.schema import (
    DirectusType,
    ManyToAny,
    NotDirectusServer,
    SchemaAccessDenied,
    SchemaError,
    SchemaTools,
    check,
)
from directus_orm.schema.codegen import library_model
from directus_orm.system import DirectusUser
from tests.support import ServerInfo, create_user, full_schema, server_database
from tests.support.fault_proxy import FaultProxy
from tests.support.server import another_server

pytestmark = [pytest.mark.integration, pytest.mark.live_only]  # a second server, subprocesses

ROOT = Path(__file__).parents[2]
#: What inspect calls directus_users: the library's model once there is one, else its stub.
USERS = (library_model("directus_users") or ("", "DirectusUsers"))[1]


@pytest.fixture(scope="module")
def own_server() -> Iterator[ServerInfo]:
    with another_server() as server:
        yield server


@pytest.fixture(scope="module")
async def own(own_server: ServerInfo) -> AsyncIterator[Directus]:
    async with Directus(own_server.url, token=own_server.token) as conn:
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


def _assert_lint_clean(path: Path) -> None:
    """ruff-clean with the rules a project commonly selects (RUF012 included), run where the
    generated module would live (directus_orm and pydantic are third-party packages there)."""
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select",
                           "E,F,W,I,UP,B,SIM,RUF", "--target-version", "py311", str(path)],
                          capture_output=True, text=True, cwd=path.parent)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def _cli(*args: str, server: ServerInfo) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "directus_orm.cli", *args, "--url", server.url,
                           "--token", server.token], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


async def test_inspect_every_type_import_read_write_and_round_trip(
    own: Directus, own_server: ServerInfo, tmp_path: Path
) -> None:
    names = await full_schema.build(own, "fs")
    try:
        code = await SchemaTools(own).inspect()
        assert code == await SchemaTools(own).inspect(), "regenerating gives the identical file"
        path = tmp_path / "fs_models.py"
        path.write_text(code)
        _assert_lint_clean(path)
        config = str(ROOT / "pyproject.toml")
        mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--config-file", config, str(path)],
                              capture_output=True, text=True, cwd=ROOT)
        assert mypy.returncode == 0, mypy.stdout + mypy.stderr
        for expected in (
            "    bio: Annotated[str | None, DirectusType(\"text\")] = None",
            # SQLite reports decimal columns as float; PostgreSQL as numeric (Directus: decimal)
            "    price: float | None = None" if server_database() == "sqlite"
            else "    price: decimal.Decimal | None = Field(default=None, max_digits=10, decimal_places=2)",
            "    copies: Annotated[int | None, DirectusType(\"bigInteger\")] = None",
            "    keywords: Annotated[list[str] | None, DirectusType(\"csv\")] = None",
            "    author: FsAuthors | int | None = None",
            "    books: list[FsBooks | int] = Field(default_factory=list)",
            "        ManyToMany(through=\"fs_books_tags\", source=\"books_id\", target=\"tags_id\"),",
            "    status: str = \"draft\"",
            "    title: str\n",
            "    id: uuid.UUID | None = None",
            "        pk = \"code\"",
            "        singleton = True",
            "        ManyToAny(\n            through=\"fs_pages_blocks\",\n            source=\"pages_id\",\n"
            "            allowed=(\"fs_quotes\", \"fs_tags\"),\n        ),\n"
            "    ] = Field(default_factory=list)",
            f"        {USERS} | uuid.UUID | None,\n"
            "        DirectusType(\"uuid\", special=(\"user-created\",)),",
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

        # migrate into an empty server and inspect it back: the same code
        await full_schema.drop(own, "fs")
        plan = await SchemaTools(own).plan(_models(module))
        assert {s.kind for s in plan} >= {"create_collection", "create_field", "create_relation"}
        before = {c["collection"] for c in (await own.get("/collections"))["data"]}
        assert "fs_books" not in before, "--plan changes nothing"
        applied = await SchemaTools(own).migrate(_models(module))
        assert applied == plan
        assert await SchemaTools(own).migrate(_models(module)) == [], "a second run is a no-op"
        again = await SchemaTools(own).inspect()
        assert again == code
        # the many-to-any works as one the Directus app makes: a page with blocks of two collections
        quote = (await own.post("/items/fs_quotes", json={"text": "q"}))["data"]["id"]
        page = (await own.post("/items/fs_pages", json={"title": "p", "blocks": [
            {"collection": "fs_quotes", "item": quote}, {"collection": "fs_tags", "item": {"name": "t"}}]}))
        read = await own.get(f"/items/fs_pages/{page['data']['id']}",
                             params={"fields": "blocks.collection,blocks.item:fs_quotes.text,"
                                               "blocks.item:fs_tags.name"})
        assert [(b["collection"], b["item"]) for b in read["data"]["blocks"]] == [
            ("fs_quotes", {"text": "q"}), ("fs_tags", {"name": "t"})]
        raw = {(r["field"]): r["meta"] for r in (await own.get("/relations/fs_pages_blocks"))["data"]}
        assert raw["item"]["one_allowed_collections"] == ["fs_quotes", "fs_tags"]
        assert raw["item"]["one_collection_field"] == "collection"
        assert (raw["pages_id"]["one_field"], raw["pages_id"]["junction_field"]) == ("blocks", "item")
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


async def test_cli_inspect_migrate_check(own: Directus, own_server: ServerInfo, tmp_path: Path) -> None:
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


async def test_not_admin_is_said(own: Directus, own_server: ServerInfo) -> None:
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


def test_check_has_a_blocking_form(own_server: ServerInfo) -> None:
    async def models_free() -> None: ...

    conn = Directus(own_server.url, token=own_server.token)
    assert SchemaTools(conn).sync.check([]) == []


# -- the trial's findings: each test failed before its fix ------------------------------------------------
class SxRef(DirectusModel):
    id: int | None = None
    ref: uuid.UUID | None = None
    flag: Annotated[bool | None, DirectusType("boolean", special=())] = None

    class Meta:
        collection = "sx_refs"


class SxUser(DirectusModel):
    """The project's own field on a system collection."""

    id: uuid.UUID | None = None
    sx_nickname: str | None = None

    class Meta:
        collection = "directus_users"


async def _drop_sx(own: Directus) -> None:
    with contextlib.suppress(APIError):
        await own.delete("/collections/sx_refs")
    with contextlib.suppress(APIError):
        await own.delete("/fields/directus_users/sx_nickname")


async def test_uuid_field_and_empty_special_converge_and_model_check(own: Directus) -> None:
    """A uuid field (char(36), reported as string on SQLite) and ``special=()`` migrate once, then
    ``check`` (and ``Model.check()``) finds nothing; a changed flag is named and repaired."""
    await _drop_sx(own)
    try:
        applied = await SchemaTools(own).migrate([SxRef])
        assert [s.kind for s in applied] == ["create_collection"]
        fields = {f["field"]: f for f in (await own.get("/fields/sx_refs"))["data"]}
        assert fields["flag"]["meta"]["special"] is None, "special=() creates the field without flags"
        assert await SchemaTools(own).migrate([SxRef]) == [], "a second run is a no-op"
        async with connections.override(own):
            assert await SxRef.check() == []
        await own.patch("/fields/sx_refs/flag", json={"meta": {"special": ["cast-boolean"]}})
        async with connections.override(own):
            drift = await SxRef.check()
        assert [(d.drift, d.field) for d in drift] == [("special_mismatch", "flag")]
        await SchemaTools(own).migrate([SxRef])
        assert (await own.get("/fields/sx_refs/flag"))["data"]["meta"]["special"] is None
        await own.delete("/fields/sx_refs/ref")
        async with connections.override(own):
            assert [(d.drift, d.field) for d in await SxRef.check(using="default")] == [
                ("field_missing", "ref")]
    finally:
        await _drop_sx(own)


def test_model_check_has_a_blocking_form(own_server: ServerInfo) -> None:
    conn = Directus(own_server.url, token=own_server.token)
    with connections.override(conn):
        drift = SxRef.sync.check()
    assert [(d.drift, d.collection) for d in drift] == [("collection_missing", "sx_refs")]


async def test_custom_fields_on_a_system_collection_are_migrated(own: Directus) -> None:
    await _drop_sx(own)
    try:
        steps = await SchemaTools(own).plan([SxUser])
        assert [(s.kind, s.collection, s.field) for s in steps] == [
            ("create_field", "directus_users", "sx_nickname")]
        assert [d.drift for d in await check([SxUser], connection=own)] == ["field_missing"]
        await SchemaTools(own).migrate([SxUser])
        raw = (await own.get("/fields/directus_users/sx_nickname"))["data"]
        assert raw["type"] == "string"
        assert await check([SxUser], connection=own) == []
    finally:
        await _drop_sx(own)


async def test_inspect_one_collection_refers_to_system_collections_by_stubs(
    own: Directus, tmp_path: Path
) -> None:
    await full_schema.build(own, "st", m2a=False)
    await own.post("/fields/directus_users", json={"field": "st_nick", "type": "string", "meta": {},
                                                   "schema": {}})
    await own.post("/fields/st_authors", json={"field": "cover", "type": "uuid",
                                               "meta": {"special": ["file"]}, "schema": {}})
    await own.post("/relations", json={"collection": "st_authors", "field": "cover",
                                       "related_collection": "directus_files"})
    try:
        code = await SchemaTools(own).inspect(["st_authors"])
        # a system collection the library models, without fields of the project's: its model
        assert "from directus_orm.files import File\n" in code
        assert "    cover: Annotated[\n        File | uuid.UUID | None,\n" in code
        classes = [line for line in code.splitlines() if line.startswith("class ")]
        # the stub: its key and the project's field, none of Directus's own (email, role ...)
        stub = code[code.index("class DirectusUsers(DirectusModel):"):]
        assert "    st_nick: str | None = None" in stub and "    id: uuid.UUID | None = None" in stub
        assert "email" not in stub and "role" not in stub
        assert [c for c in classes if c.startswith("class Directus")] == [
            "class DirectusUsers(DirectusModel):"]
        path = tmp_path / "st_models.py"
        path.write_text(code)
        _assert_lint_clean(path)
        module = _load(path, "st_models")
        assert await check(_models(module), connection=own) == []
    finally:
        await full_schema.drop(own, "st")
        await own.delete("/fields/directus_users/st_nick")


async def test_not_a_directus_server_is_said(own_server: ServerInfo) -> None:
    async with FaultProxy(own_server.url) as proxy:
        proxy.add("fake", times=None, status=404, headers={"Content-Type": "text/html"},
                  body=b"<html>nothing here</html>")
        async with Directus(proxy.url, token="some-token") as conn:
            with pytest.raises(NotDirectusServer, match=f"not a Directus server at {proxy.url}"):
                await SchemaTools(conn).inspect()
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "directus_orm.cli", "inspect", "--url", proxy.url, "--token", "some-token",
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(cli.communicate(), 60)
    assert cli.returncode == 2 and b"NotDirectusServer: not a Directus server at" in err, err
    assert b"some-token" not in err and out == b""


def _int_pk_models() -> list[type[DirectusModel]]:
    class FxPkA(DirectusModel):
        id: int | None = None
        name: str | None = None

        class Meta:
            collection = "fx_pk_a"

    class FxPkB(DirectusModel):
        id: int | None = None
        a: FxPkA | int | None = None

        class Meta:
            collection = "fx_pk_b"

    return [FxPkA, FxPkB]


def _uuid_pk_models() -> list[type[DirectusModel]]:
    class FxPkA(DirectusModel):
        id: uuid.UUID | None = None
        name: str | None = None

        class Meta:
            collection = "fx_pk_a"

    class FxPkB(DirectusModel):
        id: int | None = None
        a: FxPkA | uuid.UUID | None = None

        class Meta:
            collection = "fx_pk_b"

    return [FxPkA, FxPkB]


async def _drop(own: Directus, *collections: str) -> None:
    for c in collections:
        with contextlib.suppress(APIError):
            await own.delete(f"/collections/{c}")


async def test_a_primary_key_type_change_is_refused_before_anything_is_sent(own: Directus) -> None:
    await _drop(own, "fx_pk_b", "fx_pk_a")
    try:
        await SchemaTools(own).migrate(_int_pk_models())
        await own.post("/items/fx_pk_a", json={"name": "one"})
        await own.post("/items/fx_pk_b", json={"a": 1})
        changed = _uuid_pk_models()
        drift = await check(changed, connection=own)
        assert ("pk_type_mismatch", "fx_pk_a", "id") in [(d.drift, d.collection, d.field) for d in drift]
        with pytest.raises(MigrationError,
                           match=r"nothing was applied: FxPkA\.id: the primary key is declared uuid"):
            await SchemaTools(own).migrate(changed)
        assert (await own.get("/fields/fx_pk_a/id"))["data"]["type"] == "integer"
        assert (await own.get("/fields/fx_pk_b/a"))["data"]["type"] == "integer"
        assert (await own.get("/items/fx_pk_b"))["data"] == [{"id": 1, "a": 1}]
    finally:
        await _drop(own, "fx_pk_b", "fx_pk_a")


class FxLossyStr(DirectusModel):
    id: int | None = None
    code: str | None = None

    class Meta:
        collection = "fx_lossy"


class FxLossyInt(DirectusModel):
    id: int | None = None
    code: int | None = None

    class Meta:
        collection = "fx_lossy"


async def test_a_type_change_of_a_column_holding_values_needs_convert(own: Directus) -> None:
    await _drop(own, "fx_lossy")
    try:
        await SchemaTools(own).migrate([FxLossyStr])
        await own.post("/items/fx_lossy", json={"code": "abc"})
        changed = FxLossyInt
        [step] = await SchemaTools(own).plan([changed])
        assert step.drift == "type_mismatch" and "possibly with loss" in step.message
        with pytest.raises(MigrationError, match=r"nothing was applied: fx_lossy\.code holds values"):
            await SchemaTools(own).migrate([changed])
        assert (await own.get("/fields/fx_lossy/code"))["data"]["type"] == "string"
        assert (await own.get("/items/fx_lossy"))["data"] == [{"id": 1, "code": "abc"}]
        await own.patch("/items/fx_lossy/1", json={"code": None})
        assert [s.kind for s in await SchemaTools(own).migrate([changed])] == ["alter_field"]
        assert (await own.get("/fields/fx_lossy/code"))["data"]["type"] == "integer"
    finally:
        await _drop(own, "fx_lossy")


class FxUser(DirectusModel):
    id: uuid.UUID | None = None
    fx_nick: str | None = None

    class Meta:
        collection = "directus_users"


class FxUserWrong(DirectusModel):
    id: uuid.UUID | None = None
    fx_nick: int | None = None  # the project's own field, another type
    email: int | None = None  # Directus's own field, another type

    class Meta:
        collection = "directus_users"


async def test_check_sees_type_differences_on_a_system_collection(own: Directus) -> None:
    with contextlib.suppress(APIError):
        await own.delete("/fields/directus_users/fx_nick")
    try:
        await SchemaTools(own).migrate([FxUser])
        drift = await check([FxUserWrong], connection=own)
        assert [(d.drift, d.field) for d in drift] == [
            ("type_mismatch", "fx_nick"), ("type_mismatch", "email")]
        assert all("migrate does not alter fields of a system collection" in d.message for d in drift)
        with pytest.raises(MigrationError, match="nothing was applied"):
            await SchemaTools(own).migrate([FxUserWrong])
        assert (await own.get("/fields/directus_users/fx_nick"))["data"]["type"] == "string"
        assert (await own.get("/fields/directus_users/email"))["data"]["type"] == "string"
    finally:
        await own.delete("/fields/directus_users/fx_nick")


class FxQuote(DirectusModel):
    id: int | None = None
    greeting: str = "it's"

    class Meta:
        collection = "fx_quote"


async def test_inspect_writes_a_string_default_with_an_apostrophe(own: Directus) -> None:
    await _drop(own, "fx_quote")
    try:
        await SchemaTools(own).migrate([FxQuote])
        await own.post("/items/fx_quote", json={})
        assert (await own.get("/items/fx_quote"))["data"] == [{"id": 1, "greeting": "it's"}]
        code = await SchemaTools(own).inspect(["fx_quote"])
        assert "    greeting: str = \"it's\"\n" in code, code
    finally:
        await _drop(own, "fx_quote")


class FxPage(DirectusModel):
    id: int | None = None
    blocks: Annotated[list[int], ManyToAny(through="fx_pages_blocks", source="fx_pages_id",
                                           allowed=("fx_no_such_collection",))] = Field(default_factory=list)

    class Meta:
        collection = "fx_pages"


async def test_many_to_any_allowing_a_collection_that_exists_nowhere_is_refused(own: Directus) -> None:
    with pytest.raises(SchemaError, match=r"FxPage\.blocks: ManyToAny\(allowed=\.\.\.\) names "
                                          r"fx_no_such_collection, which no model declares"):
        await SchemaTools(own).migrate([FxPage])
    collections = {c["collection"] for c in (await own.get("/collections"))["data"]}
    assert not {"fx_pages", "fx_pages_blocks"} & collections


class FxAlias(DirectusModel):
    id: int | None = None
    f: Annotated[str | None, DirectusType("alias")] = None

    class Meta:
        collection = "fx_alias"


async def test_an_alias_type_on_a_plain_field_is_refused(own: Directus) -> None:
    with pytest.raises(SchemaError,
                       match=r"FxAlias\.f: DirectusType\('alias'\) without special flags"):
        await SchemaTools(own).migrate([FxAlias])
    assert "fx_alias" not in {c["collection"] for c in (await own.get("/collections"))["data"]}


class FxTwoFull(DirectusModel):
    id: int | None = None
    title: str
    body: str | None = None

    class Meta:
        collection = "fx_two"


class FxTwoSlim(DirectusModel):
    id: int | None = None
    title: str | None = None

    class Meta:
        collection = "fx_two"


async def test_two_models_of_one_collection_are_merged(own: Directus) -> None:
    await _drop(own, "fx_two")
    try:
        applied = await SchemaTools(own).migrate([FxTwoFull, FxTwoSlim])
        assert [s.kind for s in applied] == ["create_collection"]
        fields = {f["field"]: f for f in (await own.get("/fields/fx_two"))["data"]}
        assert set(fields) == {"id", "title", "body"}
        assert fields["title"]["schema"]["is_nullable"] is False, "required by one of the models"
        assert await check([FxTwoSlim, FxTwoFull], connection=own) == []
        assert await SchemaTools(own).migrate([FxTwoSlim, FxTwoFull]) == []
    finally:
        await _drop(own, "fx_two")


async def test_a_timeout_in_the_schema_tools_is_a_request_timeout(own_server: ServerInfo) -> None:
    async with FaultProxy(own_server.url) as proxy:
        proxy.add("stall", times=None, seconds=3)
        async with Directus(proxy.url, token=own_server.token, timeout=0.5) as conn:
            with pytest.raises(RequestTimeout, match=f"cannot reach {proxy.url}"):
                await SchemaTools(conn).check([FxQuote])


async def test_a_migrate_step_whose_answer_is_lost_says_it_may_have_been_applied(
    own: Directus, own_server: ServerInfo
) -> None:
    await _drop(own, "fx_quote")
    try:
        async with FaultProxy(own_server.url) as proxy:
            proxy.add("lost", lambda r: r.method == "POST" and r.path.endswith("/collections"))
            async with Directus(proxy.url, token=own_server.token) as conn:
                lost = r"step 1 of 1 got no answer .*the 0 step\(s\) before it were applied, step 1 may have"
                with pytest.raises(MigrationError, match=lost):
                    await SchemaTools(conn).migrate([FxQuote])
        assert (await own.get("/collections/fx_quote"))["data"]["collection"] == "fx_quote"
        assert await SchemaTools(own).migrate([FxQuote]) == []
    finally:
        await _drop(own, "fx_quote")


class FxAgent(DirectusUser):
    fx_shoe_size: int | None = None


async def test_a_subclass_of_the_library_user_model_migrates_and_matches(own: Directus) -> None:
    """The way schema.md recommends: Directus's own fields (declared by the library) match the server."""
    with contextlib.suppress(APIError):
        await own.delete("/fields/directus_users/fx_shoe_size")
    try:
        steps = await SchemaTools(own).migrate([FxAgent])
        assert [(s.kind, s.field) for s in steps] == [("create_field", "fx_shoe_size")]
        assert await check([FxAgent], connection=own) == []
    finally:
        await own.delete("/fields/directus_users/fx_shoe_size")


class FxProbe(DirectusModel):
    id: int | None = None
    when: datetime.datetime = datetime.datetime(2024, 1, 2, 3, 4, 5)

    class Meta:
        collection = "fx_probe"


class FxProbeRequired(DirectusModel):
    id: int | None = None
    when: datetime.datetime = datetime.datetime(2024, 1, 2, 3, 4, 5)
    size: int

    class Meta:
        collection = "fx_probe"


class FxContradiction(DirectusModel):
    id: int | None = None
    g: Annotated[str | None, DirectusType("boolean")] = None

    class Meta:
        collection = "fx_contradiction"


async def test_defaults_the_column_cannot_hold_and_required_fields_on_rows(own: Directus) -> None:
    """A datetime default: the column allows NULL (another client's row is not refused); a required
    field without default added to a collection holding rows is refused before anything is sent."""
    await _drop(own, "fx_probe")
    try:
        await SchemaTools(own).migrate([FxProbe])
        assert (await own.get("/fields/fx_probe/when"))["data"]["schema"]["is_nullable"] is True
        await own.post("/items/fx_probe", json={})
        refused = r"nothing was applied: fx_probe\.size is required and has no default, but fx_probe holds"
        with pytest.raises(MigrationError, match=refused):
            await SchemaTools(own).migrate([FxProbeRequired])
        assert "size" not in {f["field"] for f in (await own.get("/fields/fx_probe"))["data"]}
        assert await check([FxProbe], connection=own) == []
    finally:
        await _drop(own, "fx_probe")
    with pytest.raises(SchemaError, match=r"FxContradiction\.g: DirectusType\('boolean'\) contradicts"):
        await SchemaTools(own).plan([FxContradiction])


async def test_inspect_writes_the_key_first(own: Directus) -> None:
    """A key created without ``meta`` has no sort, so Directus lists it after the sorted fields."""
    await _drop(own, "fx_keyorder")
    await own.post("/collections", json={"collection": "fx_keyorder", "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "name", "type": "string", "meta": {"sort": 1}, "schema": {}}]})
    try:
        code = await SchemaTools(own).inspect(["fx_keyorder"])
        assert "    id: int | None = None\n    name: str | None = None\n" in code, code
    finally:
        await _drop(own, "fx_keyorder")


class FxLong(DirectusModel):
    id: int | None = None
    note: str | None = Field(default=None, max_length=1000)

    class Meta:
        collection = "fx_long"


async def test_max_length_sizes_the_string_column(own: Directus) -> None:
    await _drop(own, "fx_long")
    try:
        await SchemaTools(own).migrate([FxLong])
        assert (await own.get("/fields/fx_long/note"))["data"]["schema"]["max_length"] == 1000
        await own.post("/items/fx_long", json={"note": "x" * 1000})
        assert await check([FxLong], connection=own) == []
    finally:
        await _drop(own, "fx_long")


class FxStamped(DirectusModel):
    id: int | None = None
    created: Annotated[datetime.datetime | None, DirectusType("timestamp", special=("date-created",))] = None

    class Meta:
        collection = "fx_stamped"


async def test_a_timestamp_with_flags_converges(own: Directus) -> None:
    """Directus adds ``cast-timestamp`` to every timestamp field on SQLite, and a field whose flags lose it
    becomes ``dateTime``: the flag belongs to the type, so a second migrate is a no-op and the type
    stays (on both databases)."""
    await _drop(own, "fx_stamped")
    try:
        await SchemaTools(own).migrate([FxStamped])
        assert await SchemaTools(own).migrate([FxStamped]) == [], "a second run is a no-op"
        field = (await own.get("/fields/fx_stamped/created"))["data"]
        assert field["type"] == "timestamp"
        # Directus adds the flag on SQLite; on PostgreSQL it creates the field without it
        added = ["cast-timestamp"] if server_database() == "sqlite" else []
        assert sorted(field["meta"]["special"]) == [*added, "date-created"]
        assert await check([FxStamped], connection=own) == []
        await own.patch("/fields/fx_stamped/created", json={"meta": {"special": ["date-updated",
                                                                                 "cast-timestamp"]}})
        drift = await check([FxStamped], connection=own)
        assert [(d.drift, d.field) for d in drift] == [("special_mismatch", "created")]
        await SchemaTools(own).migrate([FxStamped])  # repairs the flag, keeps the type
        field = (await own.get("/fields/fx_stamped/created"))["data"]
        assert (field["type"], sorted(field["meta"]["special"])) == ("timestamp",
                                                                     ["cast-timestamp", "date-created"])
        code = await SchemaTools(own).inspect(["fx_stamped"])
        assert 'DirectusType("timestamp", special=("date-created",))' in code, code
    finally:
        await _drop(own, "fx_stamped")


class FxShort(DirectusModel):
    id: int | None = None
    note: str | None = Field(default=None, max_length=50)

    class Meta:
        collection = "fx_long"


async def test_check_reports_a_string_length_other_than_declared(own: Directus) -> None:
    await _drop(own, "fx_long")
    await own.post("/collections", json={"collection": "fx_long", "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "note", "type": "string", "schema": {"max_length": 100}, "meta": {}}]})

    async def length() -> int:
        return int((await own.get("/fields/fx_long/note"))["data"]["schema"]["max_length"])

    try:
        drift = await check([FxLong], connection=own)
        assert [(d.drift, d.field) for d in drift] == [("max_length_mismatch", "note")]
        assert "max_length=1000" in drift[0].message and "100" in drift[0].message
        await SchemaTools(own).migrate([FxLong])  # longer: nothing can be lost
        assert await length() == 1000 and await check([FxLong], connection=own) == []
        await own.post("/items/fx_long", json={"note": "x" * 80})
        assert [d.drift for d in await check([FxShort], connection=own)] == ["max_length_mismatch"]
        with pytest.raises(MigrationError, match=r"nothing was applied: .*fx_long\.note holds values"):
            await SchemaTools(own).migrate([FxShort])
        assert await length() == 1000
        await own.delete("/items/fx_long", json={"query": {"limit": -1}})
        await SchemaTools(own).migrate([FxShort])  # no values: shortened
        assert await length() == 50 and await check([FxShort], connection=own) == []
    finally:
        await _drop(own, "fx_long")


class FxMoney(DirectusModel):
    id: int | None = None
    plain: decimal.Decimal | None = None
    sized: decimal.Decimal | None = Field(default=None, max_digits=14, decimal_places=2)

    class Meta:
        collection = "fx_money"


class FxMoneyNarrow(DirectusModel):
    id: int | None = None
    sized: decimal.Decimal | None = Field(default=None, max_digits=8, decimal_places=1)

    class Meta:
        collection = "fx_money"


async def _numeric(own: Directus, name: str) -> tuple[str, int | None, int | None]:
    schema = (await own.get(f"/fields/fx_money/{name}"))["data"]["schema"]
    return schema["data_type"], schema["numeric_precision"], schema["numeric_scale"]


async def _stored(own: Directus) -> list[Any]:
    return [r["sized"] for r in (await own.get("/items/fx_money", params={"fields": "sized"}))["data"]]


async def test_max_digits_and_decimal_places_size_the_decimal_column(own: Directus) -> None:
    """PostgreSQL: numeric(14, 2) as declared, an unsized Decimal gets Directus's numeric(10, 5); SQLite
    keeps no precision (the column is a float). A value the column would round or refuse is refused by
    the model before any request, by ``update()`` too."""
    await _drop(own, "fx_money")
    try:
        await SchemaTools(own).migrate([FxMoney])
        if server_database() == "sqlite":
            assert await _numeric(own, "sized") == ("float", None, None)
        else:
            assert await _numeric(own, "sized") == ("numeric", 14, 2)
            assert await _numeric(own, "plain") == ("numeric", 10, 5)
            code = await SchemaTools(own).inspect(["fx_money"])
            assert "sized: decimal.Decimal | None = Field(default=None, max_digits=14, decimal_places=2)" \
                in code, code
            assert "plain: decimal.Decimal | None = Field(default=None, max_digits=10, decimal_places=5)" \
                in code, code
        assert await check([FxMoney], connection=own) == []
        assert await SchemaTools(own).migrate([FxMoney]) == [], "a second run is a no-op"
        async with connections.override(own):
            money = await FxMoney.objects.create(sized=decimal.Decimal("123456789012.34"))
            assert [str(v) for v in await _stored(own)] == ["123456789012.34"]  # a float on SQLite
            for value in ("0.125", "1234567890123.4"):
                with pytest.raises(ValueError, match=r"digits|decimal places"):
                    await FxMoney.objects.create(sized=decimal.Decimal(value))
                with pytest.raises(ValueError, match=r"digits|decimal places"):
                    money.sized = decimal.Decimal(value)
                with pytest.raises(FieldError, match=r"update\(\): invalid value .*FxMoney\.sized"):
                    await FxMoney.objects.filter(pk=money.pk).update(sized=decimal.Decimal(value))
            assert [str(v) for v in await _stored(own)] == ["123456789012.34"], "nothing was written"
    finally:
        await _drop(own, "fx_money")


async def test_check_and_migrate_a_decimal_columns_precision(own: Directus) -> None:
    """``precision_mismatch`` on PostgreSQL; widening is applied, fewer digits only on an empty column or
    with ``convert`` (rounded values, or the step refused when they would not fit). SQLite reports no
    precision: nothing to compare."""
    await _drop(own, "fx_money")
    await own.post("/collections", json={"collection": "fx_money", "schema": {}, "meta": {}, "fields": [
        {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
        {"field": "plain", "type": "decimal", "schema": {}, "meta": {}},
        {"field": "sized", "type": "decimal", "schema": {"numeric_precision": 10, "numeric_scale": 2},
         "meta": {}}]})
    try:
        drift = await check([FxMoney], connection=own)
        if server_database() == "sqlite":
            assert drift == [] and await SchemaTools(own).migrate([FxMoneyNarrow]) == []
            return
        assert [(d.drift, d.field) for d in drift] == [("precision_mismatch", "sized")]
        assert "max_digits=14, decimal_places=2" in drift[0].message and "numeric(10, 2)" in drift[0].message
        await own.post("/items/fx_money", json={"sized": "123456.78"})
        await SchemaTools(own).migrate([FxMoney])  # more digits: nothing can be lost
        assert await _numeric(own, "sized") == ("numeric", 14, 2)
        assert await check([FxMoney], connection=own) == []
        assert await _stored(own) == ["123456.78"]
        assert [d.drift for d in await check([FxMoneyNarrow], connection=own)] == ["precision_mismatch"]
        with pytest.raises(MigrationError, match=r"nothing was applied: .*fx_money\.sized holds values .*"
                                                 r"max_digits=8, decimal_places=1"):
            await SchemaTools(own).migrate([FxMoneyNarrow])
        assert await _numeric(own, "sized") == ("numeric", 14, 2) and await _stored(own) == ["123456.78"]
        await SchemaTools(own).migrate([FxMoneyNarrow], convert=True)  # the value fits, rounded
        assert await _numeric(own, "sized") == ("numeric", 8, 1) and await _stored(own) == ["123456.8"]
        await own.patch("/fields/fx_money/sized", json={"schema": {"numeric_precision": 14,
                                                                   "numeric_scale": 2}})
        await own.patch("/items/fx_money", json={"query": {"limit": -1}, "data": {"sized": "12345678.5"}})
        with pytest.raises(MigrationError, match="step 1 of 1 was refused"):  # 8 digits before the point
            await SchemaTools(own).migrate([FxMoneyNarrow], convert=True)
        assert await _numeric(own, "sized") == ("numeric", 14, 2) and await _stored(own) == ["12345678.50"]
    finally:
        await _drop(own, "fx_money")


class FxHalfSized(DirectusModel):
    id: int | None = None
    amount: decimal.Decimal | None = Field(default=None, max_digits=14)

    class Meta:
        collection = "fx_half"


class FxOverSized(DirectusModel):
    id: int | None = None
    amount: decimal.Decimal | None = Field(default=None, max_digits=3, decimal_places=5)

    class Meta:
        collection = "fx_over"


async def test_a_decimal_sized_by_half_is_refused_before_anything_is_sent(own: Directus) -> None:
    with pytest.raises(SchemaError, match=r"FxHalfSized\.amount: .*both max_digits and decimal_places"):
        await SchemaTools(own).plan([FxHalfSized])
    with pytest.raises(SchemaError, match=r"FxOverSized\.amount: max_digits=3, decimal_places=5"):
        await SchemaTools(own).plan([FxOverSized])
