"""Schema tools without a server: type mapping, code generation, the declared schema and the plan."""

from __future__ import annotations

import datetime
import decimal
import uuid
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import Field

from directus_orm import Directus, DirectusModel, ManyToMany
from directus_orm.exceptions import NetworkError
from directus_orm.schema import DirectusType, ManyToAny, SchemaError, SchemaTools
from directus_orm.schema.codegen import class_names, generate
from directus_orm.schema.desired import desired_schema
from directus_orm.schema.plan import plan
from directus_orm.schema.snapshot import CollectionSpec, FieldSpec, RelationSpec, Snapshot
from directus_orm.schema.types import canonical_type, compatible


class UsAuthor(DirectusModel):
    id: int | None = None
    name: str
    bio: Annotated[str | None, DirectusType("text")] = None
    books: list[UsBook | int] = []

    class Meta:
        collection = "us_authors"


class UsTag(DirectusModel):
    id: int | None = None
    name: str | None = None

    class Meta:
        collection = "us_tags"


class UsBook(DirectusModel):
    id: int | None = None
    title: str
    status: str = "draft"
    author: UsAuthor | int | None = None
    tags: Annotated[list[UsTag | int], ManyToMany(through="us_books_tags", source="books_id",
                                                  target="tags_id")] = []

    class Meta:
        collection = "us_books"


MODELS = [UsAuthor, UsBook, UsTag]


@pytest.mark.parametrize(("annotation", "expected"), [
    (str, "string"), (int, "integer"), (bool, "boolean"), (float, "float"), (decimal.Decimal, "decimal"),
    (datetime.datetime, "dateTime"), (datetime.date, "date"), (datetime.time, "time"), (uuid.UUID, "uuid"),
    (dict[str, Any], "json"), (Any, "json"), (object, None),
])
def test_canonical_types(annotation: Any, expected: str | None) -> None:
    assert canonical_type(annotation) == expected


def test_families_match_unless_the_marker_says_the_type() -> None:
    assert compatible("string", "text", exact=False) and not compatible("string", "text", exact=True)
    assert compatible("integer", "bigInteger", exact=False) and not compatible("integer", "string", False)


def test_class_names_are_unique_identifiers() -> None:
    assert class_names(["rel_books", "rel-books", "1st"]) == {"1st": "C1st", "rel-books": "RelBooks",
                                                              "rel_books": "RelBooks2"}


def _server_from(declared: Snapshot) -> Snapshot:
    snap = Snapshot(dict(declared.collections), {c: dict(f) for c, f in declared.fields.items()},
                    list(declared.relations))
    snap.collections["directus_users"] = CollectionSpec("directus_users")
    return snap


def test_declared_schema_of_the_documented_relations() -> None:
    declared = desired_schema(MODELS)
    assert sorted(declared.collections) == ["us_authors", "us_books", "us_books_tags", "us_tags"]
    assert declared.fields["us_authors"]["bio"].type == "text"
    author = FieldSpec("us_books", "author", "integer", special=("m2o",), sort=4)
    assert declared.fields["us_books"]["author"] == author
    assert declared.relations == [
        RelationSpec("us_books", "author", "us_authors", "books"),
        RelationSpec("us_books_tags", "books_id", "us_books", "tags", "tags_id"),
        RelationSpec("us_books_tags", "tags_id", "us_tags", None, "books_id"),
    ]


def test_plan_on_an_empty_server_then_nothing_and_generated_code_is_stable() -> None:
    declared = desired_schema(MODELS)
    steps = plan(declared, Snapshot())
    assert [s.kind for s in steps].count("create_collection") == 4
    assert [s.kind for s in steps].count("create_relation") == 3
    server = _server_from(declared)
    assert plan(declared, server) == []
    code = generate(server)
    assert code == generate(server)
    assert "    books: list[UsBooks | int] = Field(default_factory=list)\n" in code
    assert '    status: str = "draft"\n' in code


def test_a_one_to_many_without_its_many_to_one_is_refused() -> None:
    class UsLonely(DirectusModel):
        id: int | None = None
        items: list[UsTag | int] = []

        class Meta:
            collection = "us_lonely"

    with pytest.raises(SchemaError, match="needs exactly one many-to-one field on UsTag"):
        desired_schema([UsLonely])


def test_an_annotation_without_a_directus_type_is_refused() -> None:
    class UsOdd(DirectusModel):
        id: int | None = None
        thing: object = None

        class Meta:
            collection = "us_odd"

    with pytest.raises(SchemaError, match="DirectusType"):
        desired_schema([UsOdd])


@pytest.mark.parametrize("source", ["raise RuntimeError('boom')\n", "def broken(:\n", None])
def test_a_module_that_cannot_be_loaded_is_a_schema_error(tmp_path: Path, source: str | None) -> None:
    """Exit code 1 means drift: a missing file or a failing import must be an error (exit 2), not that."""
    from directus_orm.cli.schema_commands import load_models

    path = tmp_path / "models_here.py"
    if source is not None:
        path.write_text(source)
    with pytest.raises(SchemaError, match="cannot import"):
        load_models(str(path))


class UsBadType(DirectusModel):
    id: int | None = None
    body: Annotated[str | None, DirectusType("txt")] = None

    class Meta:
        collection = "us_bad_type"


class UsBadFlags(DirectusModel):
    id: int | None = None
    body: Annotated[str | None, DirectusType("string", special="m2o")] = None

    class Meta:
        collection = "us_bad_flags"


@pytest.mark.parametrize(("model", "message"), [
    (UsBadType, r"UsBadType\.body: DirectusType\('txt'\) is not a Directus field type"),
    (UsBadFlags, r"UsBadFlags\.body: DirectusType special='m2o' must be a tuple"),
])
def test_a_bad_directus_type_is_refused_before_any_request(model: type[DirectusModel], message: str) -> None:
    conn = Directus("http://127.0.0.1:9", token="t")  # nothing listens: a request would be a NetworkError
    with pytest.raises(SchemaError, match=message):
        SchemaTools(conn).sync.check([model])
    with pytest.raises(SchemaError, match=message):
        desired_schema([model])


def test_special_given_empty_is_kept_and_compared() -> None:
    class UsFlags(DirectusModel):
        id: int | None = None
        plain: Annotated[bool | None, DirectusType("boolean", special=())] = None
        default: Annotated[bool | None, DirectusType("boolean")] = None

        class Meta:
            collection = "us_flags"

    declared = desired_schema([UsFlags])
    fields = declared.fields["us_flags"]
    assert (fields["plain"].special, fields["default"].special) == ((), ("cast-boolean",))
    server = _server_from(declared)
    assert plan(declared, server) == []
    server.fields["us_flags"]["plain"] = FieldSpec("us_flags", "plain", "boolean", special=("cast-boolean",))
    server.fields["us_flags"]["default"] = FieldSpec("us_flags", "default", "boolean", special=())
    steps = plan(declared, server)
    assert [(s.drift, s.field, s.body) for s in steps] == [
        ("special_mismatch", "plain", {"meta": {"special": None}})]


class UsPage(DirectusModel):
    id: int | None = None
    blocks: Annotated[list[int], ManyToAny(through="us_pages_blocks", source="pages_id",
                                           allowed=("us_tags", "us_books"))] = Field(default_factory=list)

    class Meta:
        collection = "us_pages"


def test_a_many_to_any_declares_its_junction_and_relations() -> None:
    declared = desired_schema([UsPage, UsTag, UsBook, UsAuthor])
    assert [(f.field, f.type) for f in declared.fields["us_pages_blocks"].values()] == [
        ("id", "integer"), ("pages_id", "integer"), ("item", "string"), ("collection", "string")]
    assert declared.fields["us_pages"]["blocks"].special == ("m2a",)
    rels = {r.many_field: r for r in declared.relations if r.many_collection == "us_pages_blocks"}
    assert rels["pages_id"] == RelationSpec("us_pages_blocks", "pages_id", "us_pages", "blocks", "item")
    assert rels["item"] == RelationSpec("us_pages_blocks", "item", None, None, "pages_id",
                                        ("us_tags", "us_books"), "collection")
    steps = {(s.kind, s.collection, s.field): s for s in plan(declared, Snapshot())}
    item = steps[("create_relation", "us_pages_blocks", "item")].body
    assert item == {"collection": "us_pages_blocks", "field": "item", "related_collection": None,
                    "meta": {"one_field": None, "junction_field": "pages_id",
                             "one_allowed_collections": ["us_tags", "us_books"],
                             "one_collection_field": "collection"}}
    server = _server_from(declared)
    assert plan(declared, server) == []
    server.relations = [r if r.many_field != "item" else RelationSpec(
        r.many_collection, r.many_field, None, None, "pages_id", ("us_tags",), "collection")
        for r in server.relations]
    assert [(s.kind, s.field) for s in plan(declared, server)] == [("alter_relation", "item")]
    code = generate(_server_from(declared))
    assert 'allowed=("us_tags", "us_books"),' in code


def test_a_bad_many_to_any_is_refused() -> None:
    class UsBadPage(DirectusModel):
        id: int | None = None
        blocks: Annotated[list[int], ManyToAny(through="j", source="item", allowed=("a",))] = Field(
            default_factory=list)

        class Meta:
            collection = "us_bad_pages"

    with pytest.raises(SchemaError, match=r"UsBadPage\.blocks: ManyToAny\(...\): the junction's fields"):
        desired_schema([UsBadPage])


def test_an_unreachable_server_is_named() -> None:
    conn = Directus("http://user:secret@127.0.0.1:9", token="t")  # nothing listens on port 9
    with pytest.raises(NetworkError, match=r"cannot reach http://127\.0\.0\.1:9: ") as caught:
        SchemaTools(conn).sync.inspect()
    assert "secret" not in str(caught.value)
